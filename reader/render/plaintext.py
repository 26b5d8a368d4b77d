"""Sanitized article HTML to plain text: for the full-text index, excerpts and ``body_text``.

Every block boundary becomes a paragraph break. Joining text across block tags glues words
together ("have" + "marrowgate" -> "havemarrowgate"), which made another reader's index miss
about a tenth of its matches (shared/DEPENDENCIES.md).
"""

from __future__ import annotations

import re
from html import unescape

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
})


# One tag or comment. Quoted attribute values may hold ">"; nh3's serialiser always quotes them.
_MARKUP = re.compile(
    r"<!--.*?(?:-->|$)|<(/?)([A-Za-z][A-Za-z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>|<!\[CDATA\[.*?\]\]>",
    re.DOTALL)
_ALT = re.compile(r"""\salt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_SKIPPED_START = re.compile(r"<(?:script|style|template)\b", re.IGNORECASE)
_SKIPPED = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAK = "\x1e"


def _replace(match: re.Match[str]) -> str:
    name = (match.group(2) or "").lower()
    if name in BLOCK_TAGS:
        return _BREAK
    if name == "br":
        return " "
    if name == "img" and not match.group(1):
        alt = _ALT.search(match.group(3) or "")
        if alt:
            return f" {alt.group(1) or alt.group(2) or alt.group(3)} "
    return ""


def html_to_text(html: str) -> str:
    """Paragraphs of ``html`` as text, separated by blank lines.

    A single regular-expression pass over the markup: every stored article passes through
    here, and this is several times faster than walking a parsed tree. Sanitized bodies are
    well-formed serialiser output, which is what makes the tag pattern reliable; for raw feed
    HTML (the summary check) scripts and styles are dropped first and the result is a close
    approximation.
    """
    if "<" not in html:
        return _flatten(html)
    if _BREAK in html:
        html = html.replace(_BREAK, " ")
    if _SKIPPED_START.search(html):
        html = _SKIPPED.sub("", html)
    blocks = (_flatten(block) for block in _MARKUP.sub(_replace, html).split(_BREAK))
    return "\n\n".join(block for block in blocks if block)


def _flatten(text: str) -> str:
    """Entities decoded, whitespace runs (no-break spaces too) collapsed to one space."""
    return " ".join((unescape(text) if "&" in text else text).split())


def count_words(text: str) -> int:
    """Whitespace-separated words: what a reader would call the length, at str.split speed."""
    return len(text.split())


def make_excerpt(text: str, limit: int = 240) -> str:
    """The opening of the text, cut at a word boundary, for headline lists."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


def title_key(title: str) -> str:
    """A matching key for titles: case, spaces and punctuation ignored.

    Scraped "Recent Posts" titles often lose spaces at line wraps ("PresidentConcedes"), so
    related links are matched to archived articles on letters and digits only.
    """
    return "".join(ch for ch in title.casefold() if ch.isalnum())
