"""Text on its way into the archive, or onto a terminal: always valid Unicode.

Python turns bytes that are not UTF-8 into lone surrogates (U+DC80–U+DCFF) in command-line
arguments, environment variables and file names (PEP 383, "surrogateescape"), and a JSON
string may spell one outright ("\\ud800"); SQLite, through the sqlite3 module, refuses such
text with a ``UnicodeEncodeError``, and so does a strict UTF-8 stream. ``valid_text`` is the
one normalising function for every string that may carry them: each lone surrogate becomes
U+FFFD (the replacement character), a surrogate *pair* becomes the character it spells, and
valid text is returned as it is (one check, no copy).
"""

from __future__ import annotations

import dataclasses

from reader.records import ArticleDraft

REPLACEMENT = "\ufffd"


def valid_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (see the module docstring)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # UTF-16 pairs surrogates up again, and its decoder replaces each one left alone.
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def valid_optional(text: str | None) -> str | None:
    """``valid_text`` for a value that may be absent."""
    return None if text is None else valid_text(text)


def is_valid(text: str) -> bool:
    """True when ``text`` has no lone surrogate (SQLite and UTF-8 streams take it as it is)."""
    return valid_text(text) is text


def valid_draft(draft: ArticleDraft) -> ArticleDraft:
    """``draft`` with every text field valid Unicode: the same object when it already is
    (the common case costs one check per field, no copy). The store path's one call."""
    related = tuple(
        link if all(is_valid(value) for value in (link.title, link.excerpt or "",
                                                   link.url or ""))
        else dataclasses.replace(link, title=valid_text(link.title),
                                 excerpt=valid_optional(link.excerpt),
                                 url=valid_optional(link.url))
        for link in draft.related)
    enclosures = tuple(
        enclosure if is_valid(enclosure.url) and is_valid(enclosure.mime_type or "")
        else dataclasses.replace(enclosure, url=valid_text(enclosure.url),
                                 mime_type=valid_optional(enclosure.mime_type))
        for enclosure in draft.enclosures)
    texts = (draft.title, draft.body_html, draft.subtitle or "", draft.author or "",
             draft.url or "", draft.guid or "", *draft.tags)
    if all(is_valid(text) for text in texts) and related == draft.related \
            and enclosures == draft.enclosures:
        return draft
    return dataclasses.replace(
        draft, title=valid_text(draft.title), body_html=valid_text(draft.body_html),
        subtitle=valid_optional(draft.subtitle), author=valid_optional(draft.author),
        url=valid_optional(draft.url), guid=valid_optional(draft.guid),
        tags=tuple(valid_text(tag) for tag in draft.tags), related=related,
        enclosures=enclosures)
