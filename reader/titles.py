"""A title for an entry that has none: its first sentence.

Microblogs (Mastodon, micro.blog, Bluesky's RSS) publish items without titles, and a list of
48 "(untitled)" rows tells a reader nothing. Such an item is shown everywhere (list, pane,
``list``/``show``, exports) by the opening of what it says, cut at the first sentence end
and at ``MAX_DERIVED_TITLE`` characters, on one line. A post that is only a link is named for
the site it links to; one that is only a picture (with no alt text, which the body text
already carries) is a "Photo"; an empty one is named for its date.

The rule is written here rather than taken from a sentence-splitting library: the ones that
exist (pysbd, syntok, NLTK's punkt, which needs a model download) would be a new dependency
for one sentence, and are tuned for prose rather than posts full of links, handles and
emoji; this costs about 20 µs a post (200 µs for a long body without a full stop). The
archive stores the result as the title, and migration 0007 applies this same function to
titles stored as "(untitled)" before it existed, so it must stay a pure function of the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit

#: Longest derived title, in characters, before the "…".
MAX_DERIVED_TITLE = 100
_LOOK_AT = 2000
# Not strftime's %b: Qt sets the C locale from the environment, and the words around the
# month are English.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# A sentence ends at . ! ? or … (possibly repeated, possibly followed by closing quotes or
# brackets) before whitespace or the end of the text.
_END = re.compile(r"""[.!?…]+["'”’»)\]]*(?=\s|$)""")
# A full stop after these does not end a sentence: abbreviations that sit mid-sentence.
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "cf", "approx",
    "no", "nos", "vol", "fig", "figs", "p", "pp", "ca", "inc", "ltd", "co", "corp", "jan",
    "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "gen",
    "gov", "rep", "sen", "rev", "ed", "eds", "ft", "min", "max", "dept", "est", "al",
})
# "e.g.", "i.e.", "U.S.", "a.m.": letters each followed by a full stop.
_DOTTED = re.compile(r"(?:\w\.){2,}$")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# What stands for a picture in stored text: its alt text, or "[image: ALT]"/"[image]" where
# the picture could not be kept (reader.render.images writes these placeholders).
_MISSING_IMAGE = re.compile(r"\[image(?::\s*([^\]]*))?\]")
_IMAGE = re.compile(r"<img\b|class=\"image-missing\"", re.IGNORECASE)
_VIDEO = re.compile(r"<video\b", re.IGNORECASE)
_AUDIO = re.compile(r"<audio\b", re.IGNORECASE)


def derived_title(text: str, html: str, moment: datetime) -> str:
    """The title of an untitled entry whose plain ``text`` (paragraphs parted by blank lines)
    comes from ``html``, published (or first seen) at ``moment``: never empty, one line, at
    most ``MAX_DERIVED_TITLE`` characters and an ellipsis."""
    first_link: str | None = None
    if "[image" in text:
        text = _MISSING_IMAGE.sub(lambda match: match.group(1) or " ", text)
    for sentence in _sentences(text):
        words = _URL.sub(" ", sentence)
        if _says_something(words):
            return _shorten(_without_full_stop(" ".join(words.split())))
        if first_link is None:
            first_link = _link_name(sentence)
    if first_link:
        return first_link
    if _IMAGE.search(html):
        return "Photo"
    if _VIDEO.search(html):
        return "Video"
    if _AUDIO.search(html):
        return "Audio"
    return f"Post of {moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def _sentences(text: str) -> Iterator[str]:
    """The sentences of the opening of ``text``, each on one line; a paragraph always ends
    one. Only the first ``_LOOK_AT`` characters are read: a title is cut far sooner."""
    for paragraph in text[:_LOOK_AT].split("\n\n"):
        line = " ".join(paragraph.split())
        while line:
            end = _sentence_end(line)
            sentence, line = line[:end].strip(), line[end:].strip()
            if sentence:
                yield sentence


def _sentence_end(line: str) -> int:
    """Where the first sentence of ``line`` ends (its length when no end is found)."""
    for match in _END.finditer(line):
        if match.group().startswith(".") and match.group().rstrip("\"'”’»)]") == ".":
            word = line[:match.start() + 1].rsplit(None, 1)[-1]
            bare = word.lstrip("\"'“‘«([").rstrip(".")
            if (bare.casefold() in _ABBREVIATIONS or _DOTTED.search(word)
                    or (len(bare) == 1 and bare.isalpha())):
                continue  # "Dr. No", "e.g. this", "J. Smith"
        return match.end()
    return len(line)


def _says_something(words: str) -> bool:
    """Whether ``words`` hold more than punctuation: letters, digits, or symbols (emoji)."""
    return any(not (ch.isspace() or unicodedata.category(ch).startswith("P")) for ch in words)


def _without_full_stop(line: str) -> str:
    """A headline carries no final full stop ("Hello world"), but keeps "?", "!" and "…"."""
    return line[:-1] if line.endswith(".") and not line.endswith("..") else line


def _shorten(line: str) -> str:
    if len(line) <= MAX_DERIVED_TITLE:
        return line
    cut = line.rfind(" ", 0, MAX_DERIVED_TITLE)
    return line[:cut if cut > MAX_DERIVED_TITLE // 2 else MAX_DERIVED_TITLE].rstrip(
        " ,;:-–—") + "…"


def _link_name(sentence: str) -> str | None:
    """"Link to example.com" for a sentence that is nothing but a link."""
    match = _URL.search(sentence)
    if match is None:
        return None
    address = match.group()
    if not address.lower().startswith("http"):
        address = "http://" + address
    try:
        host = urlsplit(address).hostname or ""
    except ValueError:
        return None
    host = host.removeprefix("www.")
    if not host:
        return None
    return _shorten(f"Link to {host}")
