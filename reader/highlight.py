"""Where a search's words are in a text: what the headline snippets and the reading pane
highlight.

The terms are the query's positive words and phrases (``-word`` and field filters find
nothing to show); they match case-insensitively, on word starts, a ``prefix*`` word any word
beginning with it, a phrase its words in order whatever the spaces between them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from reader.query import And, Node, Not, Or, Phrase, Query, Word

#: At most this many terms are looked for (a pasted paragraph is not a search to highlight).
MAX_TERMS = 24


def _terms(node: Node | None) -> Iterator[str]:
    if isinstance(node, Word):
        escaped = re.escape(node.text)
        yield escaped + (r"\w*" if node.prefix else "")
    elif isinstance(node, Phrase):
        words = node.text.split()
        if words:
            yield r"\W+".join(re.escape(word) for word in words)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from _terms(child)
    elif isinstance(node, Not):
        return


def pattern(query: Query) -> re.Pattern[str] | None:
    """One regular expression matching every term of ``query``, or None when it has none."""
    terms = list(dict.fromkeys(term for term in _terms(query.root) if term))[:MAX_TERMS]
    if not terms:
        return None
    # Longest first, so "harbour master" wins over "harbour" where both match.
    terms.sort(key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(terms) + r")(?!\w)", re.IGNORECASE)


def spans(text: str, found: re.Pattern[str] | None, limit: int = 200) -> list[tuple[int, int]]:
    """(start, end) of the first ``limit`` matches in ``text``."""
    if found is None:
        return []
    result: list[tuple[int, int]] = []
    for match in found.finditer(text):
        if match.end() > match.start():
            result.append((match.start(), match.end()))
            if len(result) >= limit:
                break
    return result
