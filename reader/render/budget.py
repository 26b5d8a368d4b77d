"""The budget an article body is held to before any HTML parser sees it.

Every limit here is enforced by a single linear pass over the markup, before lxml or nh3 run,
because both parsers have inputs on which their cost grows faster than the input (measured
with nh3 0.3.8 and lxml 6.2 / libxml2 2.14 on this 2-core machine):

- html5ever (inside nh3) spends, on every character reference and every bare ``&`` in text,
  time proportional to the text that follows it up to the next ``<``: 5,000 ``&amp;`` followed
  by 3 MB of text took 0.45 s, the same text with a ``<wbr>`` every 100 characters 0.02 s. A
  paragraph made of N references (``&e1;&e2;…``, or one short XML entity used N times, which
  feedparser hands on unexpanded) therefore costs O(N²): 80,000 took 0.8 s, 600,000 9.6 s.
  The same holds for references inside one attribute value.
- html5ever checks each start tag against the open elements below it, so deep nesting is
  quadratic (20,000 nested ``<ul><li>`` 4.9 s); and it re-creates every formatting element
  (``b``, ``i``, ``a``…) that an implied end tag closed in each following block, so 2,000
  distinct ``<b>`` left open in a ``<p>`` followed by 4,000 paragraphs became 163 MB of output
  in 6.7 s from 61 KB of input.
- html5ever and libxml2 compare each attribute of a tag with every earlier one: 40,000
  attributes on one tag cost 0.24 s in nh3 and 10 s in lxml.
- libxml2 stops reading at nesting depth 256 ("Excessive depth in document") and silently
  drops everything after that point, including the rest of a page's article.

``limit_body`` prepares a body for the sanitizer: it cuts it to ``MAX_BODY_BYTES`` and, when a
cheap count shows the body could be hostile (many tags, many ``&``, a long unbroken run or a
long tag), rewrites it so that html5ever reads exactly the tokens the pass decided on: tags
within the budget verbatim, every other ``<`` escaped, comments and raw-text elements
dropped (the sanitizer drops them anyway), elements deeper than ``MAX_DEPTH`` or formatting
elements past ``MAX_OPEN_FORMATTING`` unwrapped (their text kept), every element the pass
closes closed explicitly (so html5ever has nothing to re-create), attributes cut to
``MAX_ATTRIBUTES`` of at most ``MAX_ATTRIBUTE_CHARS``, text runs split with ``<wbr>`` so that
none holds more than ``REFERENCES_PER_RUN`` references, and words longer than
``WORD_BREAK_CHARS`` given a zero-width space every ``WORD_BREAK_CHARS`` characters (a break
for the reading pane's line layout and for the full-text tokenizer; nothing is lost).
``limit_nesting`` is the same walk for markup that lxml reads (web pages, image rewriting):
tokens are kept verbatim, only elements past a depth and attributes past the cap are dropped.

Whatever the pass does to a body, nh3 still sanitizes its output with the full allowlist: the
pass can only remove or escape markup, never make anything the sanitizer would refuse pass.
Each limit that loses something returns a reason for ``reader.render.notes.with_notes``.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_ATTRIBUTE_CHARS",
    "MAX_BODY_BYTES",
    "MAX_DEPTH",
    "MAX_OPEN_FORMATTING",
    "PAGE_MAX_DEPTH",
    "REFERENCES_PER_RUN",
    "WORD_BREAK_CHARS",
    "ZERO_WIDTH_SPACE",
    "Budgeted",
    "cut_body",
    "describe_size",
    "limit_body",
    "limit_nesting",
    "needs_nesting_limit",
]

#: Bytes of HTML (UTF-8) kept of one article body; the rest is cut at a tag boundary. The
#: biggest entry body in the shared feed corpus is 104 KB (the biggest whole web page 1.5 MB);
#: 2 MB is a book chapter, and what the sanitizer and the index handle in a fraction of a second.
MAX_BODY_BYTES: int = 2_000_000
#: Element nesting kept in a body: deeper elements are unwrapped (their text stays, in the
#: element at this depth). Real articles nest under 30 levels; html5ever's per-tag scope
#: checks stay linear below this, and lxml's own limit (256) is never reached.
MAX_DEPTH: int = 100
#: Formatting elements (a, b, i, em, strong, code, font, s, u…) open at once; more are
#: unwrapped. Real text nests three or four (a link in bold italics); each one open is an
#: element html5ever may have to re-create in every block that follows a misnested close.
MAX_OPEN_FORMATTING: int = 8
#: Attributes kept on one tag, and the longest attribute value kept (longer ones are dropped):
#: the sanitizer keeps at most five attributes of any tag, and no URL or caption it keeps
#: needs 8 KB; both parsers compare every attribute with every other one.
MAX_ATTRIBUTES: int = 64
MAX_ATTRIBUTE_CHARS: int = 8192
#: A text run holding more character references than this (or bare ``&``) is split with an
#: invisible ``<wbr>`` before every this-many-th one: each reference then costs html5ever the
#: length of its piece at most, linear in all (200,000 references: 4 s before, 0.1 s after).
REFERENCES_PER_RUN: int = 64
#: A run of text with no space longer than this gets a zero-width space (U+200B) every this
#: many characters: a break opportunity for line layout and for the full-text index, which
#: otherwise holds the whole run as one token. Nothing is removed, so no note is added.
WORD_BREAK_CHARS: int = 200
#: Nesting kept when lxml is to read markup (web pages, image rewriting): below libxml2's
#: limit of 256, with room for the elements the parser adds itself.
PAGE_MAX_DEPTH: int = 200

# Below these counts a body cannot hold anything the pass would change in a way that costs:
# fewer tags than this nest and re-create formatting elements within milliseconds in the
# worst case, and this many references cost html5ever at most ~0.1 s in a 2 MB text run.
# The walk costs about 1.5 µs a tag, as much as nh3 itself on a long body: of the 814 entry
# bodies of the shared feed corpus, 3 have more tags than the gate (35 more than 200).
_TAG_GATE = 1500
_REFERENCE_GATE = 1000

_WS = "\t\n\f\r "
#: Inserted into long words; nothing else in a body is changed to make a break.
ZERO_WIDTH_SPACE = "\u200b"
# An attribute as the HTML tokenizer reads it, in a strict form: a tag whose attributes do not
# all fit (a quote in a name or an unquoted value, a '/' between attributes, a stray '<') is
# not taken as a tag here, and in a body its '<' is escaped, so html5ever cannot read any tag
# the pass did not count. Names and unquoted values exclude '<' so that a failed match ends
# at the next '<' and the scan stays linear. After a quoted value the next attribute may
# follow without a space, as the standard allows; names and unquoted values hold no quotes,
# so an attribute list splits one way only (no backtracking blow-up on a failed match).
_NAME = rf"[^{_WS}\"'<>/=]+"
_VALUE = rf"(?:\"[^\"]*\"|'[^']*'|[^{_WS}\"'<>]+)"
_ATTRIBUTE_SOURCE = rf"(?:[{_WS}]+|(?<=[\"'])){_NAME}(?:[{_WS}]*=[{_WS}]*{_VALUE})?"
_ATTRIBUTE = re.compile(
    rf"((?:[{_WS}]+|(?<=[\"'])))({_NAME})((?:[{_WS}]*=[{_WS}]*({_VALUE}))?)")
_TOKEN = re.compile(
    r"<(?:"
    r"(!--(?:-?>|.*?(?:--!?>|\Z)))"  # 1: a comment (including the abrupt <!--> and <!--->)
    r"|([!?][^>]*>?|/(?![A-Za-z])[^>]*>?)"  # 2: bogus comment: <!DOCTYPE>, <![CDATA[, <?pi, </3>
    rf"|/([A-Za-z][^{_WS}/><]*)[^>]*>?"  # 3: end tag name (what follows it does not matter)
    rf"|([A-Za-z][^{_WS}/><]*)((?:{_ATTRIBUTE_SOURCE})*)([{_WS}/]*)>"  # 4 name, 5 attrs, 6 end
    r")", re.DOTALL)

VOID_ELEMENTS = frozenset({
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img",
    "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
})
#: Formatting elements as the HTML standard lists them: the ones html5ever re-creates.
FORMATTING_ELEMENTS = frozenset({
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt",
    "u",
})
# Elements whose content is not markup. The sanitizer drops them with their content, so the
# body pass drops them whole; the page pass keeps them verbatim (pages carry JSON-LD).
_RAW_TEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript",
                       "textarea", "title"})
# Foreign content, dropped with its content by the sanitizer; inside it "/>" closes a tag.
_FOREIGN = frozenset({"svg", "math"})
# Tags a fragment parser ignores (or that end the body): never counted, dropped from bodies.
_DOCUMENT = frozenset({"html", "head", "body"})

# Start tags that end an open element by implication, as the HTML standard's tree builder
# does for the common cases: (elements ended, elements the search for them stops at).
_SCOPE = frozenset({"applet", "caption", "html", "table", "td", "th", "marquee", "object",
                    "template", "svg", "math"})
_P_ENDS = (frozenset({"p"}), _SCOPE | {"button"})
_IMPLIED_ENDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    **dict.fromkeys(
        ("address", "article", "aside", "blockquote", "center", "details", "dialog", "dir",
         "div", "dl", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
         "h4", "h5", "h6", "header", "hgroup", "hr", "listing", "main", "menu", "nav", "ol", "p",
         "pre", "search", "section", "summary", "table", "ul"), _P_ENDS),
    "li": (frozenset({"li"}), _SCOPE | {"ul", "ol", "menu"}),
    "dd": (frozenset({"dd", "dt"}), _SCOPE | {"dl"}),
    "dt": (frozenset({"dd", "dt"}), _SCOPE | {"dl"}),
    "option": (frozenset({"option"}), _SCOPE | {"select", "optgroup", "datalist"}),
    "optgroup": (frozenset({"option", "optgroup"}), _SCOPE | {"select"}),
    "tr": (frozenset({"tr"}), frozenset({"table", "html", "template"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table", "html", "template"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table", "html", "template"})),
    **dict.fromkeys(("tbody", "thead", "tfoot"),
                    (frozenset({"tbody", "thead", "tfoot"}), frozenset({"table", "html"}))),
}
_LONG_TAG = re.compile(rf"<[^<>]{{{MAX_ATTRIBUTE_CHARS}}}")
# A run of text without a space (a zero-width space, which this module inserts, counts as one).
_LONG_WORD = re.compile(rf"(?<![^\s{ZERO_WIDTH_SPACE}])[^\s{ZERO_WIDTH_SPACE}]"
                        rf"{{{WORD_BREAK_CHARS + 1},}}")
# A run's pieces: character references (never split) and the text between them.
_WORD_TOKEN = re.compile(r"&[#A-Za-z0-9]{1,32};?|&|[^&]+")


@dataclass(frozen=True, slots=True)
class Budgeted:
    """Markup within the budget, and one plain-text reason per limit that removed something."""

    html: str
    reasons: tuple[str, ...] = ()


def describe_size(size: int) -> str:
    """Bytes as a reader would say them: "3.2 MB", "870 KB"."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, round(size / 1000))} KB"


def limit_body(html: str, *, walk: bool = False) -> Budgeted:
    """``html`` (an article body, before sanitizing) held to the body budget.

    The common body is returned as it is after a few counts at C speed; only one that is
    too big, has many tags or references, a long unbroken run or a very long tag is walked.
    A body of fewer tags than the gate may nest as deep as it has tags (which costs the
    sanitizer next to nothing); ``walk`` holds even such a body to ``MAX_DEPTH``, for a
    reader that needs the nesting bound itself (a layout engine).
    """
    reasons: list[str] = []
    html = _cut_to_size(*_cut_mark(html), reasons)
    if (walk or html.count("<") > _TAG_GATE or html.count("&") > _REFERENCE_GATE
            or _may_hold_long_word(html) or _LONG_TAG.search(html) is not None):
        html = _Walk(html, canonical=True, max_depth=MAX_DEPTH).run(reasons)
    return Budgeted(html, tuple(reasons))


def needs_nesting_limit(html: str) -> bool:
    """Whether lxml could choke on ``html`` before it is parsed: only a very long tag (many or
    huge attributes) tells; depth shows after parsing (see ``limit_nesting``)."""
    return _LONG_TAG.search(html) is not None


def limit_nesting(html: str, max_depth: int = PAGE_MAX_DEPTH, *,
                  strict: bool = False) -> Budgeted:
    """``html`` with elements deeper than ``max_depth`` unwrapped and attributes capped; every
    other token (scripts, comments, the document's own tags) kept as written.

    A '<' that does not start a tag of the strict form is left for lxml to read as it likes,
    which may nest deeper than counted here; ``strict`` escapes every such '<' instead, for a
    second attempt when the first one left the markup too deep.
    """
    reasons: list[str] = []
    walk = _Walk(html, canonical=False, max_depth=max_depth, strict=strict)
    return Budgeted(walk.run(reasons), tuple(reasons))


def cut_body(html: str) -> str:
    """``html`` cut to ``MAX_BODY_BYTES`` when it is longer, for a stage before the sanitizer
    (feed parsing), so that nothing on the way pays for the rest.

    A cut body ends with a comment naming its original size, which ``limit_body`` turns into
    the article's note (and the sanitizer drops): the note itself can only be added after
    sanitizing, and the body passes through other hands (image rewriting) on its way there.
    """
    size, kept = _cut(html)
    if size is None:
        return html
    return f"{kept}<!--{_CUT_MARK_NAME}:{size}-->"


_CUT_MARK_NAME = "broadsheet-cut"
_CUT_MARK = re.compile(rf"<!--{_CUT_MARK_NAME}:([0-9]{{1,12}})-->[{_WS}]*\Z")


def _cut_mark(html: str) -> tuple[str, int | None]:
    """``html`` without the mark ``cut_body`` left, and the original size it names."""
    if not html.rstrip(_WS).endswith("-->"):
        return html, None
    mark = _CUT_MARK.search(html, max(0, len(html) - 64))
    if mark is None:
        return html, None
    return html[:mark.start()], int(mark.group(1))


def _cut(html: str) -> tuple[int | None, str]:
    """(the UTF-8 size of ``html`` and its first ``MAX_BODY_BYTES``, cut before any partial
    tag) when it is bigger than that; (None, ``html``) otherwise."""
    # A character is at most 4 bytes of UTF-8: encode only when the length leaves it open.
    if len(html) * 4 <= MAX_BODY_BYTES:
        return None, html
    data = html.encode("utf-8", "surrogatepass")
    if len(data) <= MAX_BODY_BYTES:
        return None, html
    kept = data[:MAX_BODY_BYTES].decode("utf-8", "ignore")
    tag_start = kept.rfind("<")
    if tag_start > kept.rfind(">"):  # do not leave half a tag at the end
        kept = kept[:tag_start]
    return len(data), kept


def _cut_to_size(html: str, original: int | None, reasons: list[str]) -> str:
    size, html = _cut(html)
    size = max(size or 0, original or 0) or None
    if size is not None:
        reasons.append(f"the original body was {describe_size(size)}; "
                       f"the first {describe_size(MAX_BODY_BYTES)} are kept")
    return html


class _Walk:
    """One pass over the tokens of ``html``; ``run`` returns the rewritten markup.

    ``canonical`` (bodies for the sanitizer): the output's tokens are exactly the ones kept
    here — text has its stray '<' escaped — so the parser's stack never outgrows this one's.
    Otherwise (markup for lxml) tokens are copied as written and only dropped.
    """

    def __init__(self, html: str, *, canonical: bool, max_depth: int,
                 strict: bool = False) -> None:
        self.html = html
        self.canonical = canonical
        self.strict = strict
        self.max_depth = max_depth
        self.out: list[str] = []
        self.stack: list[str] = []
        self.formatting = 0
        self.tables = 0  # open <table>: the parser adds up to two levels (tbody, tr) in each
        self.foreign = 0  # open <svg>/<math> (page pass only)
        self.unwrapped: dict[str, int] = {}  # start tags dropped, so their end tags go too
        self.deep = 0
        self.emphasis = 0

    def run(self, reasons: list[str]) -> str:
        html, out = self.html, self.out
        pos = 0
        while True:
            match = _TOKEN.search(html, pos)
            end = len(html) if match is None else match.start()
            if end > pos:
                self.text(html[pos:end])
            if match is None:
                break
            pos = match.end()
            if match.group(4) is not None:
                pos = self.start_tag(match, pos)
            elif match.group(3) is not None:
                self.end_tag(match)
            elif not self.canonical:
                out.append(match.group())  # comments and doctypes, kept for lxml
        if self.deep:
            reasons.append(f"its markup was nested more than {self.max_depth} levels deep; "
                           f"{self.deep:,} deeper elements were flattened")
        if self.emphasis:
            reasons.append(f"more than {MAX_OPEN_FORMATTING} emphasis and link elements were "
                           f"open at once; {self.emphasis:,} inner ones were flattened")
        return "".join(out)

    # --- text -----------------------------------------------------------------------------

    def text(self, text: str) -> None:
        if not self.canonical:
            # A stray '<' followed by a very long run could be a tag lxml reads with
            # thousands of attributes: make it text.
            if "<" in text and (self.strict or _LONG_TAG.search(text) is not None):
                text = text.replace("<", "&lt;")
            self.out.append(text)
            return
        # Escaped as html5ever's serializer will, so a stored body holds as many '&' as this
        # pass counted and sanitizing it again splits nothing anew.
        if "<" in text:
            text = text.replace("<", "&lt;")
        if ">" in text:
            text = text.replace(">", "&gt;")
        if "\xa0" in text:
            text = text.replace("\xa0", "&nbsp;")
        if _may_hold_long_word(text):
            text = _LONG_WORD.sub(_break_word, text)
        if text.count("&") > REFERENCES_PER_RUN:
            text = _split_run(text)
        self.out.append(text)

    # --- tags -----------------------------------------------------------------------------

    def start_tag(self, match: re.Match[str], pos: int) -> int:
        """Handle one start tag; returns where the walk goes on (after a skipped element)."""
        name = match.group(4).lower()
        if self.canonical:
            if name in _RAW_TEXT or name in _FOREIGN:
                return self.skip_element(name, pos)
            if name == "plaintext":
                return len(self.html)  # everything after it is text the sanitizer drops
            if name in _DOCUMENT:
                return pos
        tag = match.group()
        if len(match.group(5)) > 1024:
            tag = self.capped_tag(match)
        implied = _IMPLIED_ENDS.get(name)
        if implied is not None and self.foreign == 0:
            self.close_implied(*implied)
        self_closing = match.group(6).rstrip(_WS).endswith("/") and self.foreign > 0
        if name in VOID_ELEMENTS or self_closing:
            self.out.append(tag)
            return pos
        if not self.canonical and name in _RAW_TEXT:
            # Copied with its content, which is not markup: no nesting inside it to count.
            closing = _closing_tag(name).search(self.html, pos)
            stop = len(self.html) if closing is None else closing.end()
            self.out.append(tag + self.html[pos:stop])
            return stop
        formatting = name in FORMATTING_ELEMENTS
        too_deep = len(self.stack) + 2 * self.tables >= self.max_depth
        if too_deep or (
                self.canonical and formatting and self.formatting >= MAX_OPEN_FORMATTING):
            self.unwrapped[name] = self.unwrapped.get(name, 0) + 1
            if too_deep:
                self.deep += 1
            else:
                self.emphasis += 1
            return pos
        self.stack.append(name)
        self.formatting += formatting
        self.tables += name == "table"
        self.foreign += name in _FOREIGN
        self.out.append(tag)
        return pos

    def end_tag(self, match: re.Match[str]) -> None:
        name = match.group(3).lower()
        if self.unwrapped.get(name):
            self.unwrapped[name] -= 1
            return
        if name not in self.stack:
            if not self.canonical:
                self.out.append(match.group())  # lxml ignores it, as it always has
            return
        self.pop_through(len(self.stack) - 1 - self.stack[::-1].index(name), match.group())

    def close_implied(self, targets: frozenset[str], boundaries: frozenset[str]) -> None:
        """Close the open element a start tag ends by implication (``<li>`` an open ``li``,
        ``<p>`` or ``<div>`` an open ``p``…), as HTML parsers do, so that the stack counted
        here stays the parser's: found from the top, not past a boundary (a list, a table)."""
        for index in range(len(self.stack) - 1, -1, -1):
            open_name = self.stack[index]
            if open_name in targets:
                self.pop_through(index, None)
                return
            if open_name in boundaries:
                return

    def pop_through(self, index: int, end_tag: str | None) -> None:
        """Close the elements from the top of the stack down to ``index``, that one included.

        Bodies get an explicit end tag for each: an element html5ever closes by implication
        could be re-created by it in every following block. lxml is given the end tag as
        written (``end_tag``), or nothing when the closing was implied.
        """
        while len(self.stack) > index:
            top = self.stack.pop()
            self.formatting -= top in FORMATTING_ELEMENTS
            self.tables -= top == "table"
            self.foreign -= top in _FOREIGN
            if self.canonical:
                self.out.append(f"</{top}>")
            elif len(self.stack) == index and end_tag is not None:
                self.out.append(end_tag)

    def skip_element(self, name: str, pos: int) -> int:
        closing = _closing_tag(name).search(self.html, pos)
        return len(self.html) if closing is None else closing.end()

    def capped_tag(self, match: re.Match[str]) -> str:
        """The start tag with its first ``MAX_ATTRIBUTES`` attributes whose values fit in
        ``MAX_ATTRIBUTE_CHARS`` (each written after a space, as it may have followed a quote)."""
        kept: list[str] = []
        for attribute in _ATTRIBUTE.finditer(match.group(5)):
            if len(kept) >= MAX_ATTRIBUTES:
                break
            if len(attribute.group(4) or "") <= MAX_ATTRIBUTE_CHARS:
                kept.append(f" {attribute.group(2)}{attribute.group(3)}")
        return f"<{match.group(4)}{''.join(kept)}{match.group(6)}>"


_CLOSING: dict[str, re.Pattern[str]] = {}


def _closing_tag(name: str) -> re.Pattern[str]:
    pattern = _CLOSING.get(name)
    if pattern is None:
        pattern = _CLOSING[name] = re.compile(rf"</{name}(?=[{_WS}/>])[^>]*>?", re.IGNORECASE)
    return pattern


_WINDOW = WORD_BREAK_CHARS // 2


def _may_hold_long_word(text: str) -> bool:
    """True when ``text`` may hold a run of more than ``WORD_BREAK_CHARS`` characters without a
    space; always True when it does (false hits only cost the exact look).

    Such a run covers a whole aligned window of half that length, so only windows are looked
    at, with ``str.find``: a regular expression for the run cost 80 µs on a 5 KB body, four
    times what nh3 spends cleaning it; this costs a few.
    """
    find = text.find
    start, stop = 0, len(text) - _WINDOW
    while start <= stop:
        if find(" ", start, start + _WINDOW) < 0:
            return True
        start += _WINDOW
    return False


def _break_word(match: re.Match[str]) -> str:
    """The run with a zero-width space after every ``WORD_BREAK_CHARS`` characters as shown: a
    reference counts as what it stands for ("&amp;" one, an unknown "&e1;" four), so that the
    sanitizer's re-escaping does not move the breaks and a second pass changes nothing."""
    word = match.group()
    if "&" not in word:
        return ZERO_WIDTH_SPACE.join(word[start:start + WORD_BREAK_CHARS]
                                     for start in range(0, len(word), WORD_BREAK_CHARS))
    pieces: list[str] = []
    piece: list[str] = []
    shown = 0
    for token in _WORD_TOKEN.findall(word):
        if token.startswith("&"):
            width = len(html_lib.unescape(token))
            if shown + width > WORD_BREAK_CHARS:
                pieces.append("".join(piece))
                piece, shown = [], 0
            piece.append(token)
            shown += width
            continue
        while token:
            room = WORD_BREAK_CHARS - shown
            if room <= 0:
                pieces.append("".join(piece))
                piece, shown = [], 0
                continue
            piece.append(token[:room])
            shown += len(token[:room])
            token = token[room:]
    pieces.append("".join(piece))
    return ZERO_WIDTH_SPACE.join(part for part in pieces if part)


def _split_run(text: str) -> str:
    """``text`` (markup text, references unexpanded) with a ``<wbr>`` before every
    ``REFERENCES_PER_RUN``-th ``&``: each reference then costs html5ever at most the length of
    its own piece. Sanitizing keeps every ``&`` an ``&`` (escaped or not), so the pieces of a
    stored body hold no more than that and a second pass splits nothing."""
    pieces = text.split("&")
    if len(pieces) <= REFERENCES_PER_RUN:
        return text
    groups = ["&".join(pieces[start:start + REFERENCES_PER_RUN])
              for start in range(0, len(pieces), REFERENCES_PER_RUN)]
    return "<wbr>&".join(groups)
