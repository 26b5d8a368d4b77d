"""Scraped news pages saved as plain text, read into article drafts (title, body, tags, links).

A page is read in three passes, each linear in its size: the text is split into lines and
blocks (runs of lines between blank lines), every block becomes one or more items of a known
kind (site furniture, tag block, byline, related-articles header, heading material, paragraph),
and the items are walked once to assemble the draft. Furniture is recognised by whole, short
lines only, so a sentence that merely mentions cookies or a newsletter is never dropped.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum, auto

from reader.bom import BOMS
from reader.categories import source_tags
from reader.errors import BinaryDocument, DocumentTooLarge, EmptyDocument, NotATextPage
from reader.records import ArticleDraft, RelatedDraft
from reader.render.notes import with_notes

__all__ = ["MAX_TEXT_PAGE_BYTES", "MAX_TEXT_PAGE_CHARS", "MAX_TEXT_PAGE_LINES", "decode_text",
           "parse_text_page", "read_text_page"]

#: The importer refuses bigger files before reading them; ``read_text_page`` refuses them too.
MAX_TEXT_PAGE_BYTES: int = 20 * 1024 * 1024
#: Lines of a page that are read; the rest is cut before any line is looked at, and the
#: article says so. A long feature is a few hundred lines, a book chapter a few thousand;
#: every line becomes an item and most a paragraph, and a 20 MB page of a million short lines
#: took 10 s and 940 MB to become a 28 MB body that the sanitizer then cut to 2 MB anyway.
MAX_TEXT_PAGE_LINES: int = 20_000
#: Characters of text read, for pages of few but long lines: with markup, well inside the
#: sanitizer's 2 MB body budget (``reader.render.budget.MAX_BODY_BYTES``).
MAX_TEXT_PAGE_CHARS: int = 1_000_000

# --- bytes to text -----------------------------------------------------------------------------

# Latin-1 comes after these and accepts every byte, so decoding never fails.
_STRICT_ENCODINGS = ("utf-8", "cp1252")
# C0 controls other than tab and line breaks, DEL, and the C1 block.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Text files carry a stray control character or two; images, archives and databases are
# full of them (a share above this means the bytes are not text).
_MAX_CONTROL_SHARE = 0.1
_LINE_BREAKS = ("\r\n", "\r", "\v", "\f", "\u2028", "\u2029")
_NO_BREAK_SPACES = ("\u00a0", "\u202f", "\u2007")
# Zero-width characters that make an empty-looking line non-empty.
_INVISIBLES = ("\ufeff", "\u200b", "\u2060")


def decode_text(data: bytes) -> str:
    """Text of a scraped page, whatever encoding it was saved in.

    A BOM decides the encoding; without one, UTF-8 is tried, then Windows-1252 (what old
    Windows tools write, curly quotes as 0x93/0x94), then Latin-1, which never fails. Line
    ends become LF and no-break spaces plain spaces, so the parser sees one shape of text.

    Raises BinaryDocument for NUL bytes outside a UTF-16/32 text with a BOM, or for a large
    share of control characters (images, archives, databases); EmptyDocument for whitespace.
    """
    text = _decode(data)
    kept, controls = _CONTROL_CHARS.subn("", text)
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise BinaryDocument("the file holds binary data, not text")
    text = _normalise(kept)
    if not text.strip():
        raise EmptyDocument("the file holds no text")
    return text


def _decode(data: bytes) -> str:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    if b"\x00" in data:
        raise BinaryDocument("the file holds binary data (NUL bytes), not text")
    for encoding in _STRICT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _normalise(text: str) -> str:
    """LF line ends and plain spaces; str.replace keeps this fast on a 20 MB page."""
    for line_break in _LINE_BREAKS:
        text = text.replace(line_break, "\n")
    for space in _NO_BREAK_SPACES:
        text = text.replace(space, " ")
    for invisible in _INVISIBLES:
        text = text.replace(invisible, "")
    return text


# --- what a line can be --------------------------------------------------------------------------

_NETWORKS = (
    r"(?:facebook|twitter|x|linkedin|whatsapp|e-?mail|telegram|reddit|pinterest|print|"
    r"copy link|copy url|messenger|tumblr|flipboard|threads|bluesky|mastodon|sms|pocket)"
)
_SHARE = r"share(?: this)?(?: (?:article|story|post|page))?(?: (?:on|via))?\s*:?"

#: Site furniture: whole lines a scraper picks up that are never article text. Each pattern
#: must match the entire (stripped, space-collapsed) line, case-insensitively.
_FURNITURE_LINES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # navigation and reading prompts
        r"skip to (?:the )?(?:main )?(?:content|navigation|article)",
        r"keep reading",
        r"continue reading\b.*",
        r"read more(?:\s*[:»›>…→|–—-].*)?",
        r"click here\b.*",
        r"(?:story|article) continues (?:below|after)\b.*",
        r"scroll (?:down )?to continue\b.*",
        r"(?:related|see also|also read|read also)\s*:\s*\S.*",
        r"(?:previous|next) (?:article|post|story)",
        r"post navigation",
        r"[0-9]+ min(?:ute)?s? read",
        r"(?:published|posted|updated)\b.{0,40}\bago",
        # advertising
        r"advertisements?",
        r"advert",
        r"sponsored(?: content)?",
        # share rows, one network per line or all on one line
        _SHARE,
        rf"(?:{_SHARE}\s*)?{_NETWORKS}(?:(?:\s*[,|/·•]\s*|\s+){_NETWORKS})*",
        r"link copied!?",
        # newsletter prompts
        r"(?:sign up|subscribe|register)\b.{0,150}\bnewsletters?\b.*",
        r"(?:get|receive) (?:our|the) .{0,80}\bnewsletters?\b.*",
        r"enter (?:your )?e-?mail\b.*",
        r"(?:subscribe|sign up)(?: now| today| here)?\s*[.!]?",
        # cookie notices and their buttons
        r"(?:this|our) (?:web)?site uses cookies\b.*",
        r"we use cookies\b.*",
        r"by (?:using|continuing to (?:use|browse)) (?:this|our) (?:web)?site\b.*",
        r"(?:accept|allow|reject|decline)(?: all)?(?: cookies)?",
        r"(?:cookie|privacy) (?:policy|settings|preferences)",
        r"manage (?:cookies|cookie settings|preferences|consent)",
        r"got it!?",
        # copyright
        r"©.*",
        r"\(c\)\s*[0-9]{4}\b.*",
        r"copyright\s*(?:©|\(c\)|[0-9]{4}).*",
        r"(?:[^.|–—]{0,80}[.|–—] ?)?all rights reserved\.?",
        # social prompts and comment furniture
        r"follow us\b.*",
        r"(?:leave|post|add) a (?:comment|reply)\b.*",
        r"(?:[0-9]+ )?comments?",
        # dividers ("***", "- - -") and anything else with no letter or digit in it
        r"[\W_]+",
    )
)

#: Headers that start a list of other articles ("Recent Posts" and its cousins).
_RELATED_HEADERS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(rf"{pattern}\s*[:»›]?", re.IGNORECASE)
    for pattern in (
        r"recent (?:posts|articles|stories|news)",
        r"related(?: (?:articles|posts|stories|news|content|coverage|reading|links))?",
        r"more (?:from|by)\b.{1,60}",
        r"more (?:stories|articles|news|posts|headlines)",
        r"you (?:may|might) also (?:like|enjoy|be interested in)",
        r"(?:read|up) next",
        r"what to read next",
        r"latest (?:news|posts|articles|stories|headlines)",
        r"most (?:read|popular|viewed)",
        r"popular (?:posts|stories|articles)",
        r"(?:also read|further reading|see also)",
        r"recommended(?: (?:for you|stories|articles|reading))?",
        r"trending(?: now| stories)?",
    )
)

_TAG_WORDS = r"(?:tags?|tagged(?: with| in| as)?|topics?|filed under|keywords)"
_TAG_HEADER = rf"{_TAG_WORDS}\s*:?"
_TAG_LINE = re.compile(rf"{_TAG_WORDS}\s*:\s*(?P<values>\S.*)", re.IGNORECASE)
_TAG_SEPARATORS = re.compile(r"[,;|•·]")

_BYLINE = re.compile(
    r"(?:written by|words by|story by|reporting by|by|author)\s*:?\s+(?P<byline_rest>\S.*)",
    re.IGNORECASE,
)
_DATE_LABEL = re.compile(
    r"(?P<label>(?:first |last )?(?:published|posted|updated|modified|date))(?: on)?\s*:?\s*"
    r"(?P<dated_rest>\S.*)",
    re.IGNORECASE,
)
# What sits between a byline and a date on the same line: "By Ann Lee | November 4, 2024".
_META_SEPARATORS = re.compile(r"\s*[|·•]\s*|\s+[–—-]\s+")
_DATE_SPLITS = (" on ", ", ", " - ")

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
# "November 4, 2024", "Nov. 4th 2024", "Monday, 4 November 2024", "2024-11-04", each with an
# optional time; a time counts only with an explicit zone (UTC, GMT, Z or an offset).
_DATE = re.compile(
    rf"""
    (?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?
    (?:
        (?P<month_a>{_MONTH})\.?\s+(?P<day_a>[0-9]{{1,2}})(?:st|nd|rd|th)?,?\s+
        (?P<year_a>[0-9]{{4}})
      | (?P<day_b>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month_b>{_MONTH})\.?,?\s+
        (?P<year_b>[0-9]{{4}})
      | (?P<year_c>[0-9]{{4}})-(?P<month_c>[0-9]{{1,2}})-(?P<day_c>[0-9]{{1,2}})
    )
    (?:
        (?:T|(?:\s*,|\s+at|\s*[|·•@–—-])?\s*)
        (?P<hour>[0-9]{{1,2}}):(?P<minute>[0-9]{{2}})(?::(?P<second>[0-9]{{2}})(?:\.[0-9]+)?)?
        \s*(?P<ampm>[ap]\.?m\.?)?
        \s*(?P<zone>utc|gmt|z|[+-][0-9]{{2}}:?[0-9]{{2}}|[a-z]{{2,5}})?
    )?
    """,
    re.IGNORECASE | re.VERBOSE,
)


def _any_of(patterns: Sequence[re.Pattern[str]]) -> str:
    return "|".join(f"(?:{pattern.pattern})" for pattern in patterns)


# Every kind of special line in one alternation, so an ordinary line costs one regex call
# (seven calls a line were most of the time spent on a page). The first alternative that
# matches names the kind; bylines and dates are then checked further.
_SPECIAL_LINE = re.compile(
    "|".join(
        f"(?P<{kind}>{pattern})"
        for kind, pattern in (
            ("furniture", _any_of(_FURNITURE_LINES)),
            ("tag_line", _TAG_LINE.pattern),
            ("tag_header", _TAG_HEADER),
            ("related", _any_of(_RELATED_HEADERS)),
            ("date", f"(?x:{_DATE.pattern})"),
            ("dated", _DATE_LABEL.pattern),
            ("byline", _BYLINE.pattern),
        )
    ),
    re.IGNORECASE,
)
_ZONE_OFFSET = re.compile(r"(?P<sign>[+-])(?P<hours>[0-9]{2}):?(?P<minutes>[0-9]{2})")

# Furniture, tags, bylines and dates are short lines; longer ones are text without looking.
_SPECIAL_LINE_MAX = 250
_DATE_LINE_MAX = 80
# A heading, standfirst or related title is a short line: under these, and unpunctuated.
_SHORT_LINE_CHARS = 120
_SHORT_LINE_WORDS = 20
_SENTENCE_ENDS = frozenset(".!?…:;。！？：；؟۔")
_CLOSING_QUOTES = "\"'”’»›)]」』"
_BULLETS = ("•", "- ", "* ", "– ", "— ", "·")
# A title longer than this is a paragraph: the page has no title line.
_TITLE_MAX = 300
# Hard-wrapped text: lines no longer than this, each filling most of the wrap width.
# Nobody wraps narrower than the minimum; a short title over its excerpt is not wrapped text.
_WRAP_WIDTH_MIN = 30
_WRAP_WIDTH_MAX = 120
_WRAP_FILL = 0.6
_WRAP_SLACK = 10
# Bylines and "Published ..." lines count only within the first few items under the title
# and before the second paragraph: further down they belong to something else.
_TOP_ITEMS = 6
# A related entry's title and excerpt are short; anything longer is article text again.
_RELATED_TITLE_MAX = 200
_RELATED_EXCERPT_MAX = 600
_TAG_VALUES_MAX = 300
_NAME_MAX = 60
_NAME_WORDS = 4
_NAME_WORD = re.compile(r"[^\W\d_][\w'’.\-]*")
_NAME_PARTICLES = frozenset(
    {"de", "da", "del", "der", "di", "du", "van", "von", "la", "le", "al", "el", "bin", "ibn"}
)
_BYLINE_MAX = 80
_BYLINE_WORDS = 12


class _Kind(Enum):
    FURNITURE = auto()
    TAG_HEADER = auto()
    TAG_LINE = auto()
    RELATED_HEADER = auto()
    BYLINE = auto()
    DATE_LINE = auto()  # a labelled date: "Published November 4, 2024"
    DATE = auto()  # a date alone on its line
    SHORT = auto()  # short and unpunctuated: a heading, a standfirst, a name
    PARAGRAPH = auto()


# A tuple, not a set: membership then compares identities instead of hashing enum members.
_TEXT_KINDS = (_Kind.SHORT, _Kind.PARAGRAPH)


@dataclass(frozen=True, slots=True)
class _Item:
    """One line of meaning: a single line, or the lines of a hard-wrapped paragraph joined."""

    kind: _Kind
    text: str
    date: datetime | None = None
    date_rank: int = 0  # 0 for a publication date, 1 for an update: lower wins
    author: str | None = None
    tags: tuple[str, ...] = ()


def _ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSING_QUOTES)[-1:] in _SENTENCE_ENDS


def _is_short(text: str) -> bool:
    return len(text) <= _SHORT_LINE_CHARS and text.count(" ") < _SHORT_LINE_WORDS


def _text_kind(line: str) -> _Kind:
    """SHORT lines are heading material; whether one is a heading depends on what follows."""
    if _is_short(line) and not _ends_sentence(line) and not line.startswith(_BULLETS):
        return _Kind.SHORT
    return _Kind.PARAGRAPH


def _classify(line: str) -> _Item:
    if len(line) > _SPECIAL_LINE_MAX:
        return _Item(_Kind.PARAGRAPH, line)
    return _classify_short(line)


@functools.lru_cache(maxsize=4096)
def _classify_short(line: str) -> _Item:
    """The item for a line short enough to be special.

    Cached because furniture, dates and tag lines repeat, and a page that repeats them by the
    thousand should not cost a regex call each time. Items are frozen, so sharing is safe.
    """
    special = _SPECIAL_LINE.fullmatch(line)
    if special is None:
        return _Item(_text_kind(line), line)
    kind = special.lastgroup
    item: _Item | None = None
    if kind == "furniture":
        item = _Item(_Kind.FURNITURE, line)
    elif kind == "tag_line":
        item = _Item(_Kind.TAG_LINE, line, tags=_split_tags(special["values"]))
    elif kind == "tag_header":
        item = _Item(_Kind.TAG_HEADER, line)
    elif kind == "related":
        item = _Item(_Kind.RELATED_HEADER, line)
    elif kind == "date" and (date := _parse_date(line)) is not None:
        item = _Item(_Kind.DATE, line, date=date)
    elif kind == "dated":
        item = _dated_line(line)
    elif kind == "byline":
        item = _byline(line)
    return item or _Item(_text_kind(line), line)


def _split_tags(values: str) -> tuple[str, ...]:
    cleaned = (value.strip().lstrip("#").strip(" .") for value in _TAG_SEPARATORS.split(values))
    return tuple(value for value in cleaned if value)


def _dated_line(line: str) -> _Item | None:
    """ "Published: November 4, 2024 | Updated: November 5, 2024" -> the first date."""
    labelled = _DATE_LABEL.fullmatch(line)
    if labelled is None:
        return None
    first, *_ = _META_SEPARATORS.split(labelled["dated_rest"], maxsplit=1)
    date = _parse_date(first)
    if date is None:
        return None
    label = labelled["label"].lower()
    rank = 1 if "updated" in label or "modified" in label else 0
    return _Item(_Kind.DATE_LINE, line, date=date, date_rank=rank)


def _byline(line: str) -> _Item | None:
    """ "By Ann Lee and Tom Ode | Nov 4, 2024" -> author "Ann Lee and Tom Ode" and the date."""
    match = _BYLINE.fullmatch(line)
    if match is None:
        return None
    first, *others = _META_SEPARATORS.split(match["byline_rest"])
    names, date = _split_trailing_date(first)
    if not _looks_like_byline_names(names):
        return None
    for other in others:
        date = date or _parse_date(other) or _item_date(_dated_line(other))
    return _Item(_Kind.BYLINE, line, date=date, author=names)


def _item_date(item: _Item | None) -> datetime | None:
    return None if item is None else item.date


def _split_trailing_date(segment: str) -> tuple[str, datetime | None]:
    """ "Ann Lee, November 4, 2024" -> ("Ann Lee", that date); the segment is short."""
    for separator in _DATE_SPLITS:
        start = segment.find(separator)
        while start > 0:
            date = _parse_date(segment[start + len(separator):])
            if date is not None:
                return segment[:start], date
            start = segment.find(separator, start + 1)
    return segment, None


def _looks_like_byline_names(names: str) -> bool:
    """Capitalised ("By Ann Lee", not "By the time..."); scripts without case pass too."""
    return (
        names[:1].isalpha()
        and not names[:1].islower()
        and len(names) <= _BYLINE_MAX
        and names.count(" ") < _BYLINE_WORDS
        and not _ends_sentence(names)
    )


def _looks_like_name(text: str) -> bool:
    """A person's name as author boxes print it: "Dexter", "Ann de la Cruz"."""
    words = text.split(" ")
    if len(words) > _NAME_WORDS or len(text) > _NAME_MAX or _ends_sentence(text):
        return False
    return all(
        _NAME_WORD.fullmatch(word) and (not word[0].islower() or word in _NAME_PARTICLES)
        for word in words
    )


# --- dates ---------------------------------------------------------------------------------------


def _parse_date(text: str) -> datetime | None:
    """An aware UTC datetime for a line that is only a date; midnight UTC unless a zone is given."""
    if len(text) > _DATE_LINE_MAX:
        return None
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return _date_from(match)
    except (ValueError, OverflowError):  # February 30th, year 0, an offset past a day
        return None


def _date_from(match: re.Match[str]) -> datetime:
    year, month, day = _year_month_day(match)
    offset = _zone_offset(match["zone"])
    if match["hour"] is None or offset is None:
        return datetime(year, month, day, tzinfo=UTC)
    hour = int(match["hour"])
    if match["ampm"]:
        hour = hour % 12 + (12 if match["ampm"][0].lower() == "p" else 0)
    local = datetime(
        year, month, day, hour, int(match["minute"]), int(match["second"] or 0),
        tzinfo=timezone(offset),
    )
    return local.astimezone(UTC)


def _year_month_day(match: re.Match[str]) -> tuple[int, int, int]:
    if match["year_a"]:
        return int(match["year_a"]), _MONTHS[match["month_a"].lower()], int(match["day_a"])
    if match["year_b"]:
        return int(match["year_b"]), _MONTHS[match["month_b"].lower()], int(match["day_b"])
    return int(match["year_c"]), int(match["month_c"]), int(match["day_c"])


def _zone_offset(zone: str | None) -> timedelta | None:
    """None for no zone or a named local zone (EST, CET): their clock time is not used."""
    if zone is None:
        return None
    if zone.lower() in {"utc", "gmt", "z"}:
        return timedelta(0)
    offset = _ZONE_OFFSET.fullmatch(zone)
    if offset is None:
        return None
    size = timedelta(hours=int(offset["hours"]), minutes=int(offset["minutes"]))
    return -size if offset["sign"] == "-" else size


# --- lines and blocks to items -------------------------------------------------------------------


def _clean_lines(text: str) -> list[str]:
    """Stripped lines with runs of whitespace collapsed; blank lines become ""."""
    text = _normalise(_CONTROL_CHARS.sub("", text))
    return [" ".join(line.split()) for line in text.split("\n")]


def _items(lines: Sequence[str]) -> list[_Item]:
    """The page's items in order, furniture already gone.

    Special lines stand alone; runs of text lines between blank or special lines are either
    one hard-wrapped paragraph or one block per line. Furniture still ends a run (a share
    row between two paragraphs keeps them apart) but is dropped here, wherever it stands.
    """
    items: list[_Item] = []
    run: list[_Item] = []
    for line in lines:
        item = _classify(line) if line else None
        if item is not None and item.kind in _TEXT_KINDS:
            run.append(item)
            continue
        if run:
            items.extend(_run_items(run))
            run = []
        if item is not None and item.kind is not _Kind.FURNITURE:
            items.append(item)
    items.extend(_run_items(run))
    return items


def _run_items(run: list[_Item]) -> list[_Item]:
    if len(run) > 1 and _looks_hard_wrapped([item.text for item in run]):
        return [_Item(_Kind.PARAGRAPH, " ".join(item.text for item in run))]
    return run


def _looks_hard_wrapped(run: list[str]) -> bool:
    """Wrapped text fills each line to about the same width and breaks mid-sentence.

    Pages that put one paragraph on each line with no blank lines between fail this: their
    lines end sentences, or are far longer than anyone wraps, or differ wildly in length
    (a heading over a paragraph).
    """
    if len(run) < 2:
        return False
    *body, last = run
    width = max(len(line) for line in body)
    if not _WRAP_WIDTH_MIN <= width <= _WRAP_WIDTH_MAX or len(last) > width + _WRAP_SLACK:
        return False
    if all(_ends_sentence(line) for line in body):
        return False
    underfilled = sum(1 for line in body if len(line) < _WRAP_FILL * width)
    return underfilled <= len(body) // 5


# --- items to a draft ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Page:
    """The draft being assembled, filled in one walk over the items."""

    title: str
    subtitle: str | None = None
    byline_author: str | None = None
    named_author: str | None = None
    dates: list[tuple[int, datetime]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # as written; cleaned in draft()
    related: list[RelatedDraft] = field(default_factory=list)
    # The body's elements, in step: names ("p", "h2") and their texts, escaped when rendered.
    element_names: list[str] = field(default_factory=list)
    element_texts: list[str] = field(default_factory=list)
    paragraphs: int = 0

    def add_tags(self, tags: Sequence[str]) -> None:
        self.tags.extend(tags)

    def offer_date(self, item: _Item) -> None:
        if item.date is not None:
            self.dates.append((item.date_rank, item.date))

    def add_paragraph(self, text: str) -> None:
        self.element_names.append("p")
        self.element_texts.append(text)
        self.paragraphs += 1

    def add_heading(self, text: str) -> None:
        self.element_names.append("h2")
        self.element_texts.append(text)

    def draft(self) -> ArticleDraft:
        if not self.paragraphs:
            raise NotATextPage("the page has a title but no paragraph of text")
        published = min(self.dates, key=lambda ranked: ranked[0])[1] if self.dates else None
        return ArticleDraft(
            title=self.title,
            body_html=_render(self.element_names, self.element_texts),
            subtitle=self.subtitle,
            author=self.byline_author or self.named_author,
            published=published,
            tags=source_tags(self.tags),
            related=tuple(self.related),
        )


def _render(names: Sequence[str], texts: Sequence[str]) -> str:
    """``<p>`` and ``<h2>`` elements, one per line.

    The texts are escaped in one html.escape call, joined by newlines (no text holds one):
    escaping each text on its own was a quarter of the assembly time on pages of many short
    lines.
    Quotes stay as they are: outside attributes only ``&``, ``<`` and ``>`` need escaping.
    """
    if not texts:
        return ""
    escaped = html.escape("\n".join(texts), quote=False).split("\n")
    return "\n".join(
        f"<{name}>{text}</{name}>" for name, text in zip(names, escaped, strict=True)
    )


def _assemble(title: str, items: Sequence[_Item]) -> ArticleDraft:
    page = _Page(title)
    index = 0
    while index < len(items):
        kind = items[index].kind
        if kind is _Kind.TAG_HEADER or kind is _Kind.TAG_LINE:
            index = _take_tags(page, items, index)
        elif kind is _Kind.RELATED_HEADER:
            index = _take_related(page, items, index)
        else:
            _place(page, items, index)
            index += 1
    return page.draft()


def _place(page: _Page, items: Sequence[_Item], index: int) -> None:
    """Put one ordinary item where it belongs: metadata, standfirst, heading or paragraph.

    The standfirst is the item right under the title; a heading is a short line with a
    paragraph right under it (a short line with anything else under it is a paragraph).
    """
    item = items[index]
    near_top = index < _TOP_ITEMS and page.paragraphs < 2
    if item.kind is _Kind.BYLINE and near_top:
        page.byline_author = page.byline_author or item.author
        page.offer_date(item)
    elif item.kind is _Kind.DATE_LINE:  # never body text; a date only near the top
        if near_top:
            page.offer_date(item)
    elif item.kind is _Kind.DATE and not page.element_names:  # under title, standfirst, byline
        page.offer_date(item)
    elif item.kind is _Kind.SHORT and index == 0 and _paragraph_after(items, index):
        page.subtitle = item.text
    elif item.kind is _Kind.SHORT and index + 1 < len(items) and (
        items[index + 1].kind is _Kind.PARAGRAPH
    ):
        page.add_heading(item.text)
    else:
        page.add_paragraph(item.text)


def _paragraph_after(items: Sequence[_Item], index: int) -> bool:
    return any(item.kind is _Kind.PARAGRAPH for item in items[index + 1:])


def _take_tags(page: _Page, items: Sequence[_Item], start: int) -> int:
    """Read a tag block and the author name line under it; returns the index after them.

    A bare "TAGS:" header takes the next text line as its values unless "Tags: ..." lines
    follow it (as on pages that print both the header and a labelled line).
    """
    index = start
    expecting_values = False
    while index < len(items):
        item = items[index]
        if item.kind is _Kind.TAG_LINE:
            page.add_tags(item.tags)
            expecting_values = False
        elif item.kind is _Kind.TAG_HEADER:
            expecting_values = True
        elif expecting_values and _looks_like_tag_values(item):
            page.add_tags(_split_tags(item.text))
            expecting_values = False
        else:
            break
        index += 1
    if index < len(items) and (name := _author_name(items[index])):
        page.named_author = page.named_author or name
        index += 1
    return index


def _looks_like_tag_values(item: _Item) -> bool:
    if item.kind is _Kind.SHORT:
        return True
    return (
        item.kind is _Kind.PARAGRAPH
        and len(item.text) <= _TAG_VALUES_MAX
        and not _ends_sentence(item.text)
        and _TAG_SEPARATORS.search(item.text) is not None
    )


def _author_name(item: _Item) -> str | None:
    if item.kind is _Kind.BYLINE:
        return item.author
    if item.kind is _Kind.SHORT and _looks_like_name(item.text):
        return item.text
    return None


def _take_related(page: _Page, items: Sequence[_Item], start: int) -> int:
    """Read a "Recent Posts" list after its header; returns where ordinary reading resumes.

    Entries are a title, an optional excerpt and a date. Once an entry has had a date, text
    that does not end in one is a new section and goes back to the body; in lists without
    dates every short line is a title, each with the longer line under it as its excerpt.
    Furniture and bylines inside the list are dropped.
    """
    pending: list[int] = []  # title and excerpt waiting for their date
    dated = False
    index = start + 1
    while index < len(items):
        item = items[index]
        if item.kind is _Kind.BYLINE:
            index += 1
            continue
        if item.kind in (_Kind.DATE, _Kind.DATE_LINE):
            if pending:
                page.related.append(_related_entry(items, pending, item.date))
                dated = True
            pending = []
            index += 1
            continue
        limit = _RELATED_EXCERPT_MAX if pending else _RELATED_TITLE_MAX
        if item.kind not in _TEXT_KINDS or len(item.text) > limit:
            break
        if len(pending) == 2:
            if dated:
                break
            pending = _flush_dateless(page, items, pending, keep_title=True)
        pending.append(index)
        index += 1
    if dated and pending:
        return pending[0]
    _flush_dateless(page, items, pending, keep_title=False)
    return index


def _flush_dateless(page: _Page, items: Sequence[_Item], pending: list[int],
                    keep_title: bool) -> list[int]:
    """Turn waiting lines into entries without dates; returns the lines still waiting.

    When a second line is itself title material, the first is a title alone; with
    ``keep_title`` that second title keeps waiting for an excerpt or date of its own.
    """
    if len(pending) == 2 and items[pending[1]].kind is _Kind.SHORT:
        page.related.append(_related_entry(items, pending[:1], None))
        if keep_title:
            return pending[1:]
        page.related.append(_related_entry(items, pending[1:], None))
        return []
    if pending:
        page.related.append(_related_entry(items, pending, None))
    return []


def _related_entry(items: Sequence[_Item], pending: Sequence[int],
                   published: datetime | None) -> RelatedDraft:
    excerpt = items[pending[1]].text if len(pending) > 1 else None
    return RelatedDraft(title=items[pending[0]].text, excerpt=excerpt, published=published)


# --- the public entry points ---------------------------------------------------------------------


def parse_text_page(text: str) -> ArticleDraft:
    """The article in a scraped page: title, standfirst, byline, body, tags, related links.

    Raises EmptyDocument if the text is blank, NotATextPage if there is no title line (only
    furniture, or a first line too long to be a title) or no paragraph under it. A page past
    ``MAX_TEXT_PAGE_LINES`` or ``MAX_TEXT_PAGE_CHARS`` is read up to there, and its body ends
    with a note saying what was left out.
    """
    text, reason = _within_budget(text)
    lines = _clean_lines(text)
    title_at = _title_index(lines)
    title = lines[title_at]
    if len(title) > _TITLE_MAX:
        raise NotATextPage("the page has no title line (its first line is a paragraph)")
    draft = _assemble(title, _items(lines[title_at + 1:]))
    if reason is None:
        return draft
    return dataclasses.replace(draft, body_html=with_notes(draft.body_html, [reason]))


def _within_budget(text: str) -> tuple[str, str | None]:
    """The page up to ``MAX_TEXT_PAGE_LINES`` lines and ``MAX_TEXT_PAGE_CHARS`` characters, cut
    at a line end, and the reason for the note when anything was cut."""
    lines = text.count("\n") + 1
    line_end = None
    if lines > MAX_TEXT_PAGE_LINES:
        line_end = -1
        for _ in range(MAX_TEXT_PAGE_LINES):
            line_end = text.find("\n", line_end + 1)
    if len(text) > MAX_TEXT_PAGE_CHARS and (line_end is None or line_end > MAX_TEXT_PAGE_CHARS):
        cut = text.rfind("\n", 0, MAX_TEXT_PAGE_CHARS)
        if cut <= 0:
            cut = MAX_TEXT_PAGE_CHARS
        return text[:cut], f"the page has {len(text):,} characters; the first {cut:,} are kept"
    if line_end is None:
        return text, None
    return (text[:line_end],
            f"the page has {lines:,} lines; the first {MAX_TEXT_PAGE_LINES:,} are kept")


def _title_index(lines: Sequence[str]) -> int:
    """The first non-empty line that is not site furniture ("Skip to content")."""
    blank = True
    for index, line in enumerate(lines):
        if not line:
            continue
        blank = False
        if _classify(line).kind is not _Kind.FURNITURE:
            return index
    if blank:
        raise EmptyDocument("the page holds no text")
    raise NotATextPage("the page holds only site furniture, no article")


def read_text_page(data: bytes) -> ArticleDraft:
    """Decode and parse a text page file's bytes; raises only DocumentError subclasses."""
    if len(data) > MAX_TEXT_PAGE_BYTES:
        raise DocumentTooLarge(
            f"the page is {len(data):,} bytes; the limit is {MAX_TEXT_PAGE_BYTES:,}"
        )
    return parse_text_page(decode_text(data))
