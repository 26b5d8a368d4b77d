"""Words in scripts written without spaces, as the bigram terms the second full-text index holds.

The main index's unicode61 tokenizer makes one term of a whole run of letters, so a Chinese,
Japanese or Thai sentence (no spaces between its words) is one term and no word inside it can
be found; it also splits Thai, Lao, Khmer and Myanmar words at their vowel and tone marks.
Text in those scripts (and Korean hangul, whose words carry particles: 서울 inside 서울에서)
is therefore also indexed here as overlapping pairs of characters — "泰山は" as 泰山 山は は —
in ``articles_fts_grams``, whose ``ascii`` tokenizer keeps every non-ASCII character inside
a term, marks included. Any word of two or more characters inside a run is then the phrase of
its pairs, and a single character a prefix search (each position of a run starts a term: the
last character of a run is a term of its own). Latin letters and digits glued to such a run
("发布iPhone15手机") are kept as terms too, so a query word mixing them ("iPhone15手机") is
one phrase as well.

Both sides (what the index holds and what a query word asks) are worked out here, from text
brought to NFKC first, so that half-width katakana, compatibility ideographs and decomposed
kana find their usual forms.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Hiragana, katakana (with the prolonged sound mark, and its phonetic extensions), CJK
# ideographs (unified, extension A, compatibility, and the supplementary planes), hangul
# (syllables, jamo, compatibility jamo), half-width katakana and hangul, Thai, Lao, Khmer,
# Myanmar, Tibetan. Each script's combining marks lie inside its own block, so they stay in the
# run they belong to.
_RANGES = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u0f00-\u0fff"  # Tibetan
    "\u1000-\u109f"  # Myanmar
    "\u1100-\u11ff"  # Hangul jamo
    "\u1780-\u17ff"  # Khmer
    "\u19e0-\u19ff"  # Khmer symbols
    "\u3005-\u3007"  # 々 〆 〇
    "\u3041-\u309f"  # Hiragana (with the combining voiced sound marks)
    "\u30a1-\u30fa\u30fc-\u30ff"  # Katakana (not its middle dot)
    "\u3130-\u318f"  # Hangul compatibility jamo
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\ua960-\ua97f"  # Hangul jamo extended A
    "\uac00-\ud7ff"  # Hangul syllables, jamo extended B
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uffdc"  # half-width katakana and hangul
    "\U00020000-\U0003134f"  # CJK extensions B-G
)


# Compiled on first use, not at import: together they take ~8 ms to compile, which the
# window's first paint (it imports the archive) has no use for.
@functools.cache
def _unspaced() -> re.Pattern[str]:
    return re.compile(f"[{_RANGES}]")


@functools.cache
def _becomes_unspaced() -> re.Pattern[str]:
    """Characters NFKC turns into those scripts (Kangxi radicals, enclosed and squared forms):
    text with none of these and none of the scripts gives no terms, and is not normalised."""
    return re.compile(f"[{_RANGES}\u2e80-\u2fdf\u3200-\u33ff\U0001f200-\U0001f2ff]")


@functools.cache
def _word() -> re.Pattern[str]:
    """A word as the main index sees one (letters and digits), with the marks of these
    scripts."""
    return re.compile(f"(?:[^\\W_]|[{_RANGES}])+")


@functools.cache
def _segment() -> re.Pattern[str]:
    return re.compile(f"[{_RANGES}]+|[^{_RANGES}]+")


def has_unspaced(text: str) -> bool:
    """Whether ``text`` holds a character of a script written without spaces."""
    return _unspaced().search(text) is not None


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _segments(word: str) -> list[tuple[str, bool]]:
    """A word cut where it changes between these scripts and others: (text, unspaced)."""
    return [(part, _unspaced().match(part) is not None) for part in _segment().findall(word)]


def index_text(text: str) -> str:
    """The terms of ``text`` for the bigram index, space-separated ('' when it has none).

    Only words holding a character of these scripts give terms: a word of other letters
    alone is the main index's.
    """
    if _becomes_unspaced().search(text) is None:
        return ""
    normal = unicodedata.normalize("NFKC", text)
    terms: list[str] = []
    for word in _word().findall(normal):
        if not has_unspaced(word):
            continue
        for part, unspaced in _segments(word):
            if unspaced:
                terms.extend(_pairs(part))
                terms.append(part[-1])
            else:
                terms.append(part.lower())
    return " ".join(terms)


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def query_parts(text: str, prefix: bool = False
                ) -> tuple[list[str], list[tuple[str, bool]]]:
    """What a query word or phrase asks: (FTS5 phrases for the bigram index, (text, prefix) for
    the main index), every one of which must match.

    Consecutive words holding these scripts make one phrase of their terms in order; the words
    of other letters between them are left to the main index (so "泰山 hiking" asks both, but
    not that they stand side by side). A run the query ends with gives its pairs only, as the
    text may carry on after it; a one-character run there is a prefix search. ``prefix`` (the
    user typed ``*``) makes the phrase's last term a prefix.
    """
    normal = unicodedata.normalize("NFKC", text)
    groups: list[tuple[bool, list[str]]] = []
    for word in _word().findall(normal):
        unspaced = has_unspaced(word)
        if groups and groups[-1][0] == unspaced:
            groups[-1][1].append(word)
        else:
            groups.append((unspaced, [word]))
    phrases: list[str] = []
    plain: list[tuple[str, bool]] = []
    for index, (unspaced, words) in enumerate(groups):
        last_group = index == len(groups) - 1
        if not unspaced:
            plain.append((" ".join(words), prefix and last_group))
            continue
        phrases.append(_phrase(words, prefix and last_group))
    return phrases, plain


def _phrase(words: list[str], prefix: bool) -> str:
    terms: list[str] = []
    segments = [segment for word in words for segment in _segments(word)]
    ends_open = False
    for index, (part, unspaced) in enumerate(segments):
        final = index == len(segments) - 1
        if not unspaced:
            terms.append(part.lower())
        elif not final:
            terms.extend(_pairs(part))
            terms.append(part[-1])
        elif len(part) == 1:
            terms.append(part)
            ends_open = True  # any term starting with the character: each position has one
        else:
            terms.extend(_pairs(part))
    star = "*" if prefix or ends_open else ""
    return _fts_string(" ".join(terms)) + star
