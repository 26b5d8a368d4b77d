"""The reading pane's own budget: any stored body becomes a page Qt lays out quickly.

Bodies are cleaned and cut to budget when they are stored, but the archive may hold rows
from an older version or written by another tool, and QTextDocument's cost grows faster
than its input on three shapes: deep nesting (each level is a frame or block), one enormous
unbroken "word" (line breaking scans it again for every line), and sheer size. So the same
kinds of limit are applied again on the way to the pane, in one linear pass over the tags
(no parser: this runs for every article opened):

- at most ``MAX_DISPLAY_CHARS`` of markup; the rest is left out, with a note;
- elements nested deeper than ``MAX_DEPTH`` lose their tags (their text stays, in place);
- a run of more than ``MAX_WORD`` characters without a space gets a break opportunity
  (U+200B) every ``WORD_PIECE`` characters, so it wraps like text;
- an ``<img>`` ``width``/``height`` over ``MAX_IMAGE_SIDE`` is dropped (the pane sizes the
  image from its real pixels instead).

What is cut (size, formatting) is reported with a "Shortened for display: …" note at the
end of the page; a wrapped word or an ignored size attribute loses nothing, and says nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_DISPLAY_CHARS = 1_000_000
MAX_DEPTH = 48
MAX_WORD = 160
WORD_PIECE = 80
MAX_IMAGE_SIDE = 10_000
#: How far down the open elements an end tag looks for its start tag (a stray end tag in a
#: deep document must not cost a scan of all of it).
CLOSE_SEARCH = 64

_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b([^>]*)>|<[!?][^>]*>")
_LONG_RUN = re.compile(rf"[^\s<>]{{{MAX_WORD + 1},}}")
# A piece of a long run: whole character references are never split.
_PIECE = re.compile(rf"(?:&#?\w{{1,32}};|[^&]|&){{{WORD_PIECE}}}")
_SIZE_ATTRIBUTE = re.compile(
    r"""\s(width|height)\s*=\s*(?:"\s*(\d+)[^"]*"|'\s*(\d+)[^']*'|(\d+))""", re.IGNORECASE)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})
_BREAK = "\u200b"


@dataclass(slots=True)
class Displayable:
    body_html: str
    notes: list[str] = field(default_factory=list)


def _break_runs(text: str) -> str:
    if len(text) <= MAX_WORD:
        return text
    return _LONG_RUN.sub(
        lambda run: _PIECE.sub(lambda piece: piece.group(0) + _BREAK, run.group(0)), text)


def _clamp_image(tag: str) -> str:
    def check(match: re.Match[str]) -> str:
        value = next(group for group in match.groups()[1:] if group is not None)
        return "" if len(value) > 6 or int(value) > MAX_IMAGE_SIDE else match.group(0)

    return _SIZE_ATTRIBUTE.sub(check, tag)


def displayable(body_html: str) -> Displayable:
    """``body_html`` within the pane's budget (see the module docstring), in linear time."""
    notes: list[str] = []
    if len(body_html) > MAX_DISPLAY_CHARS:
        notes.append(f"the article is {len(body_html) / 1e6:.1f} million characters long; "
                     f"the first {MAX_DISPLAY_CHARS / 1e6:g} million are shown")
        cut = body_html.rfind("<", 0, MAX_DISPLAY_CHARS)
        body_html = body_html[: cut if cut > MAX_DISPLAY_CHARS // 2 else MAX_DISPLAY_CHARS]
    pieces: list[str] = []
    stack: list[tuple[str, bool]] = []  # (tag name, whether its start tag was kept)
    flattened = False
    position = 0
    for match in _TOKEN.finditer(body_html):
        pieces.append(_break_runs(body_html[position:match.start()]))
        position = match.end()
        name = (match.group(2) or "").lower()
        if not name:
            continue  # a comment, doctype or processing instruction: never shown
        tag = match.group(0)
        if match.group(1):  # an end tag: close up to its start tag, if it is open
            bottom = max(0, len(stack) - CLOSE_SEARCH)
            depth = next((i for i in range(len(stack) - 1, bottom - 1, -1)
                          if stack[i][0] == name), None)
            if depth is None:
                continue
            while len(stack) > depth:
                open_name, kept = stack.pop()
                if kept:
                    pieces.append(f"</{open_name}>")
            continue
        if name == "img":
            tag = _clamp_image(tag)
        if name in _VOID or tag.endswith("/>"):
            pieces.append(tag)
            continue
        kept = len(stack) < MAX_DEPTH
        flattened = flattened or not kept
        stack.append((name, kept))
        if kept:
            pieces.append(tag)
    pieces.append(_break_runs(body_html[position:]))
    pieces.extend(f"</{name}>" for name, kept in reversed(stack) if kept)
    if flattened:
        notes.append(f"elements nested more than {MAX_DEPTH} deep are shown without their "
                     "formatting")
    return Displayable("".join(pieces), notes)
