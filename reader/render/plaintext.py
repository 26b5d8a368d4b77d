"""Sanitized article HTML to plain text: for the full-text index, excerpts and ``body_text``.

Every block boundary becomes a paragraph break. Joining text across block tags glues words
together ("have" + "marrowgate" -> "havemarrowgate"), which made another reader's index miss
about a tenth of its matches (shared/DEPENDENCIES.md).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
})
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_WORD = re.compile(r"\w+")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []

    def _flush(self) -> None:
        text = _SPACES.sub(" ", "".join(self._current)).strip()
        if text:
            self.blocks.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self._flush()
        elif tag == "br":
            self._current.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self._current.append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        self._current.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_to_text(html: str) -> str:
    """Paragraphs of ``html`` as text, separated by blank lines."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return "\n\n".join(collector.blocks)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def make_excerpt(text: str, limit: int = 240) -> str:
    """The opening of the text, cut at a word boundary, for headline lists."""
    flat = _SPACES.sub(" ", text).strip()
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
