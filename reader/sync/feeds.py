"""Feed parsing: the bytes of an RSS, Atom, JSON Feed or RSS-in-JSON document into a ParsedFeed.

The format is told from the content, never from a file name or Content-Type: JSON documents
are read with ``json`` (feedparser 6 cannot read JSON Feed), everything else with feedparser,
which is kept behind this module so a faster parser can replace it later.

Before feedparser sees a byte, the document is checked by ``xmlguard`` and decoded here, so
one decision says what both the guard and feedparser read: feedparser's own RFC 3023 rules let
a ``text/xml`` Content-Type override a correct declaration, expat has no GB2312, Big5 or UTF-32
codec, and undeclared legacy encodings need ``chardet``. feedparser then gets UTF-8 whose
prolog is checked once more, so no encoding can smuggle a declaration past the guard.

feedparser runs with ``sanitize_html=False`` (the archive sanitizes every body) and
``resolve_relative_uris=False``: its resolver re-parses every body with sgmllib, which cut
throughput from 2,000 to 580 items/s (2,000 items of 5 KB). Relative URLs in bodies are
resolved here instead, by a regular expression over URL attributes, against the ``xml:base``
feedparser records for each piece of content joined to the document's URL. The document URL
is never given to feedparser, so GUIDs reach the drafts as written (feedparser would resolve a
permalink GUID such as ``50c628b3e4b0:57bcbe83`` against it); entry links and enclosures are
made absolute here, against the document URL or else the channel link.

A feed keeps at most ``MAX_FEED_ENTRIES`` entries, the newest; the rest are dropped before
they are parsed and counted in ``ParsedFeed.dropped`` (see ``_cut_entries``).
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import html
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

import chardet
import feedparser

from reader.categories import source_tags
from reader.enclosures import clean_enclosures, clean_length, is_media_file
from reader.errors import DocumentTooLarge, EmptyDocument, MalformedFeed, NotAFeed
from reader.records import ArticleDraft, Enclosure
from reader.references import decode_references
from reader.render.budget import MAX_BODY_BYTES, cut_body
from reader.sync import fastfeed
from reader.sync.xmlguard import (
    MAX_FEED_BYTES,
    Prolog,
    check_prolog,
    check_text,
    encoding_hints,
    ignore_external_dtd,
)

__all__ = ["MAX_FEED_BYTES", "MAX_FEED_ENTRIES", "ParsedFeed", "detect_encoding",
           "discover_feeds", "parse_feed"]

#: Entries kept of one feed document: the newest, by their dates (undated ones after the
#: dated, in document order). Real feeds carry 10 to 500; an archive of every episode of a
#: long-running podcast reaches about 2,000. Parsing costs 20-600 µs an entry and each one
#: becomes an article, so 200,000 entries in a 30 MB feed cost 1.8 GB and minutes; with the
#: cap, only the first and last ``MAX_FEED_ENTRIES`` of the document are parsed at all
#: (feeds list entries newest first or oldest first), and the feed's note says how many were
#: dropped.
MAX_FEED_ENTRIES: int = 2000


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed as read, before anything is stored.

    ``format`` is one of: ``rss090``, ``rss091`` (UserLand 0.91), ``rss091n`` (Netscape 0.91),
    ``rss092``, ``rss093``, ``rss094``, ``rss10`` (RDF), ``rss20``, ``rss`` (RSS of unknown
    version), ``atom01``, ``atom02``, ``atom03``, ``atom10``, ``atom`` (Atom of unknown
    version), ``cdf``, ``jsonfeed10``, ``jsonfeed11`` and ``rss-in-json`` — the vocabulary of
    the shared corpus manifest, which is feedparser's save for the JSON formats and ``rss091``.
    ``warnings`` says what was recovered from (malformed XML, a wrong or missing encoding
    declaration); a clean feed has none.
    """

    format: str
    title: str
    site_url: str | None
    language: str | None
    entries: tuple[ArticleDraft, ...]
    warnings: tuple[str, ...]
    #: Entries the document held beyond ``MAX_FEED_ENTRIES`` (the oldest), not read.
    dropped: int = 0

    @property
    def note(self) -> str | None:
        """What a sync or import of this feed reports about the cut, or None."""
        if not self.dropped:
            return None
        total = len(self.entries) + self.dropped
        return (f"the feed has {total:,} entries; the newest {len(self.entries):,} were kept "
                f"and {self.dropped:,} older ones dropped")


def parse_feed(data: bytes, url: str | None = None, content_type: str | None = None) -> ParsedFeed:
    """Read a feed document; ``url`` is where it came from, for resolving relative URLs.

    ``content_type`` is the HTTP Content-Type; only its charset is used, as a hint for
    documents that do not declare their encoding. Raises EmptyDocument (nothing but
    whitespace), DocumentTooLarge (over MAX_FEED_BYTES), HostileDocument (entity tricks,
    refused before any parser runs), NotAFeed (an HTML page, with the feeds it advertises in
    ``alternates``; XML or JSON of another kind; OPML) and MalformedFeed (truncated or broken
    beyond recovery, no element at all, broken JSON).
    """
    if len(data) > MAX_FEED_BYTES:
        raise DocumentTooLarge(
            f"the feed is {len(data):,} bytes, more than the {MAX_FEED_BYTES:,} allowed")
    first = _first_significant_byte(data)
    if first is None:
        raise EmptyDocument("the feed is empty")
    if first in b"{[":
        return _parse_json(data, url)
    return _parse_xml(data, url, _charset(content_type))


def detect_encoding(data: bytes, content_type: str | None = None) -> str:
    """The Python codec name parse_feed reads these bytes with (BOM, declaration, hint, guess)."""
    first = _first_significant_byte(data)
    if first is not None and first in b"{[":
        return _decode_json(data).encoding
    return _decode_xml(data, _charset(content_type)).encoding


def discover_feeds(html_doc: bytes | str, base_url: str | None) -> tuple[str, ...]:
    """Feed URLs an HTML page advertises, absolute, in document order, without repeats.

    These are the ``<link rel="alternate">`` elements whose type is RSS, Atom or JSON Feed,
    resolved against the page's ``<base href>`` and ``base_url``. Links inside comments do not
    count. Without any base a relative URL is returned as written.
    """
    text = html_doc if isinstance(html_doc, str) else _decode_html(html_doc)
    text = _HTML_COMMENT.sub("", text)
    base = _page_base(text, base_url)
    found: list[str] = []
    for tag in _LINK_TAG.finditer(text):
        attrs = _attributes(tag.group(1))
        if "alternate" not in attrs.get("rel", "").lower().split():
            continue
        if attrs.get("type", "").split(";")[0].strip().lower() not in _FEED_TYPES:
            continue
        href = attrs.get("href", "").strip()
        if not href:
            continue
        absolute = _urljoin(base, href) if base else href
        if absolute not in found:
            found.append(absolute)
    return tuple(found)


# --- telling the format ------------------------------------------------------------------------

_SIGNIFICANT = re.compile(rb"[^ \t\r\n\x00\x0b\x0c]")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';\s]+)", re.IGNORECASE)


def _first_significant_byte(data: bytes) -> bytes | None:
    """The first byte that is not whitespace (nor a NUL of UTF-16/32 whitespace) after a BOM."""
    start = encoding_hints(data[:8]).bom_length
    match = _SIGNIFICANT.search(data, start)
    return match.group() if match else None


def _charset(content_type: str | None) -> str | None:
    match = _CHARSET.search(content_type) if content_type else None
    return match.group(1) if match else None


# --- bytes to text -----------------------------------------------------------------------------


class _Decoded(NamedTuple):
    text: str
    encoding: str
    warnings: tuple[str, ...]


# Supersets decode everything their subsets do; feedparser makes the same substitution.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030"}
# chardet guesses below this are noise (it says 0.04 for bytes no encoding explains).
_MIN_GUESS_CONFIDENCE = 0.2
_GUESS_SAMPLE = 64 * 1024
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# Guesses that are not ASCII-compatible would change what the markup itself says.
_UNSAFE_GUESSES = ("utf-7", "utf-16", "utf-32", "cp037")
_LEADING_SPACE = " \t\r\n\ufeff"


def _decode_xml(data: bytes, charset: str | None) -> _Decoded:
    """Text of an XML document, and the codec it was read with.

    A BOM (or the byte pattern of ``<?`` in UTF-16/32) decides. Otherwise strict UTF-8 comes
    first whatever the labels say — legacy-encoded text is practically never valid UTF-8, and
    feeds that are UTF-8 but labelled Latin-1 are common — then the declared encoding, the
    HTTP charset, chardet's guess, Windows-1252, and Latin-1, which never fails.
    """
    hints = encoding_hints(data)
    if hints.sniffed:
        return _decode_sniffed(data[hints.bom_length:], hints.sniffed)
    declared, warnings = _codec_for(hints.declared, "the document declares")
    if declared == "utf-7":
        declared, warnings = None, ("UTF-7 is never honoured (it can hide markup)",)
    if data.isascii():
        # Seven-bit encodings such as ISO-2022-JP still need their codec.
        text = _strict_markup(data, declared) if declared else None
        if text is None:
            return _Decoded(data.decode("ascii"), "utf-8", warnings + _override(declared, "utf-8"))
        return _Decoded(text, declared or "utf-8", warnings)
    hinted, hint_warnings = _codec_for(charset, "the HTTP charset is")
    label = declared or hinted
    for codec in dict.fromkeys(c for c in ("utf-8", declared, hinted) if c):
        # Valid UTF-8 needs no other evidence; any other reading must still look like markup.
        text = _strict(data, codec) if codec == "utf-8" else _strict_markup(data, codec)
        if text is not None:
            return _Decoded(text, codec, warnings + _override(label, codec))
    return _decode_guessed(data, label, (*warnings, *hint_warnings))


def _decode_guessed(data: bytes, label: str | None, warnings: tuple[str, ...]) -> _Decoded:
    """Bytes no label explains: chardet's guess, else Windows-1252, else Latin-1."""
    for codec in (_guess(data), "cp1252"):
        text = _strict_markup(data, codec) if codec else None
        if codec and text is not None:
            return _Decoded(text, codec, (*warnings, _guessed(label, codec)))
    return _Decoded(data.decode("latin-1"), "latin-1", (*warnings, _guessed(label, "latin-1")))


def _decode_sniffed(body: bytes, codec: str) -> _Decoded:
    text = _strict(body, codec)
    if text is not None:
        return _Decoded(text, codec, ())
    return _Decoded(body.decode(codec, errors="replace"), codec,
                    (f"bytes that are not valid {codec} were replaced",))


def _codec_for(label: str | None, who: str) -> tuple[str | None, tuple[str, ...]]:
    if not label:
        return None, ()
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None, (f"{who} an unknown encoding {label!r}",)
    return _SUPERSETS.get(name, name), ()


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _strict_markup(data: bytes, codec: str) -> str | None:
    """Decoded text, if the bytes are valid in the codec and the text still starts as markup.

    A label can be wrong in ways that decode cleanly into nonsense: ASCII read as UTF-16 is a
    valid string of CJK characters. XML starts with '<', so such a reading is refused.
    """
    text = _strict(data, codec)
    if text is None or text.lstrip(_LEADING_SPACE)[:1] != "<":
        return None
    return text


def _guess(data: bytes) -> str | None:
    """chardet's guess from the text around the first non-ASCII byte, if it is confident."""
    first = _NON_ASCII.search(data)
    start = max(0, first.start() - 1024) if first else 0
    result = chardet.detect(data[start:start + _GUESS_SAMPLE])
    label = result.get("encoding")
    if not label or (result.get("confidence") or 0) < _MIN_GUESS_CONFIDENCE:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return None if name.startswith(_UNSAFE_GUESSES) else _SUPERSETS.get(name, name)


def _override(label: str | None, codec: str) -> tuple[str, ...]:
    if label is None or label == codec:
        return ()
    return (f"encoding declared as {label} but the bytes are {codec}",)


def _guessed(label: str | None, codec: str) -> str:
    if label is None:
        return f"no encoding declared and the bytes are not UTF-8: read as {codec} (a guess)"
    return f"encoding declared as {label} does not fit the bytes: read as {codec} (a guess)"


# --- XML feeds ---------------------------------------------------------------------------------

_HTML_ROOTS = frozenset({"html", "head", "body"})
_HTML_HINT = re.compile(r"<(?:html|head|body)[\s>]", re.IGNORECASE)
_HTML_HINT_WINDOW = 64 * 1024
_FORMATS = {"rss091u": "rss091"}
_HTMLISH = frozenset({"text/html", "application/xhtml+xml"})


@dataclass(frozen=True, slots=True)
class _Context:
    """What every entry of one document is resolved against."""

    url: str | None
    base: str | None
    feed_author: str | None
    scrub: bool


def _parse_xml(data: bytes, url: str | None, charset: str | None) -> ParsedFeed:
    check_prolog(data)
    decoded = _decode_xml(data, charset)
    warnings = list(decoded.warnings)
    text = _drop_space_before_declaration(decoded.text, warnings)
    prolog = check_text(text)
    root = prolog.root.rsplit(":", 1)[-1].lower() if prolog.root else None
    if root in _HTML_ROOTS:
        raise NotAFeed("the document is an HTML page, not a feed", discover_feeds(text, url))
    if root == "opml":
        raise NotAFeed("the document is an OPML subscription list, not a feed")
    text = ignore_external_dtd(text, prolog)
    text, skipped = _cut_entries(text, "entry" if root == "feed" else "item")
    # The fast tier reads only documents that decoded cleanly; anything recovered goes to
    # feedparser, whose lenient reading the warnings describe.
    result = (None if warnings else fastfeed.parse(text)) or _run_feedparser(text)
    _refuse_non_feeds(result, text, prolog, url)
    if result.get("bozo"):
        _refuse_truncated(result, text, prolog)
        warnings.append(f"malformed XML read leniently ({_describe(result.get('bozo_exception'))})")
    return _keep_newest(_xml_feed(result, url, tuple(warnings)), skipped)


# --- the entry budget --------------------------------------------------------------------------

_ENTRY_START = {name: re.compile(rf"<(?:[A-Za-z_][\w.-]*:)?{name}[\t\n\r />]")
                for name in ("item", "entry")}


def _cut_entries(text: str, name: str) -> tuple[str, int]:
    """``text`` without the middle of its entries when it holds more than twice
    ``MAX_FEED_ENTRIES``: the first and the last that many are kept (the newest are at one end
    or the other), and the number of entries cut out is returned.

    Entries are found by their start tags (``<item``, ``<entry``, with any prefix), and what
    lies from the start of the first entry cut to the start of the first entry kept at the
    end goes; the channel's own elements and closing tags stay, so the rest parses as before.
    A count of the literal tag names comes first, so an ordinary feed costs a few scans.
    """
    keep = MAX_FEED_ENTRIES
    if text.count(name) <= 2 * keep:
        return text, 0
    starts = [match.start() for match in _ENTRY_START[name].finditer(text)]
    if len(starts) <= 2 * keep:
        return text, 0
    return text[:starts[keep]] + text[starts[-keep]:], len(starts) - 2 * keep


def _keep_newest(feed: ParsedFeed, skipped: int) -> ParsedFeed:
    """``feed`` with at most ``MAX_FEED_ENTRIES`` entries, the newest, in document order, each
    body cut to the body budget (``budget.cut_body``: the sanitizer's own limit, applied here
    so that nothing before it pays for a 20 MB body); ``skipped`` entries were cut out before
    parsing and are counted as dropped too."""
    entries = feed.entries
    if any(len(entry.body_html) * 4 > MAX_BODY_BYTES for entry in entries):
        entries = tuple(dataclasses.replace(entry, body_html=cut_body(entry.body_html))
                        for entry in entries)
        feed = dataclasses.replace(feed, entries=entries)
    dropped = skipped
    if len(entries) > MAX_FEED_ENTRIES:
        oldest_first = sorted(range(len(entries)), key=lambda index: (
            entries[index].published is not None,
            entries[index].published or datetime.min.replace(tzinfo=UTC),
            -index))
        kept = sorted(oldest_first[-MAX_FEED_ENTRIES:])
        dropped += len(entries) - len(kept)
        entries = tuple(entries[index] for index in kept)
    if not dropped:
        return feed
    return dataclasses.replace(feed, entries=entries, dropped=dropped)


def _drop_space_before_declaration(text: str, warnings: list[str]) -> str:
    """Whitespace before ``<?xml`` is not well-formed, and the only thing wrong in many feeds."""
    if text[:1].isspace():
        stripped = text.lstrip()
        if stripped.startswith("<?xml"):
            warnings.append("whitespace before the XML declaration was ignored")
            return stripped
    return text


def _run_feedparser(text: str) -> Any:
    headers = {"content-type": "application/xml; charset=utf-8"}
    try:
        return feedparser.parse(io.BytesIO(text.encode("utf-8")), response_headers=headers,
                                sanitize_html=False, resolve_relative_uris=False)
    except Exception as error:  # feedparser's lenient parser has crashed on odd bytes before
        raise MalformedFeed(f"the feed cannot be read: {error}") from error


def _refuse_non_feeds(result: Any, text: str, prolog: Prolog, url: str | None) -> None:
    """Well-formed XML of another kind is not a feed; broken XML is an HTML page or garbage."""
    if result.get("version"):
        return
    if prolog.root is None:
        raise MalformedFeed("the document holds no XML element, so no feed")
    if not result.get("bozo"):
        raise NotAFeed(f"the document is XML whose root is <{prolog.root}>, not a feed")
    if _HTML_HINT.search(text, 0, _HTML_HINT_WINDOW):
        raise NotAFeed("the document is an HTML page, not a feed", discover_feeds(text, url))
    raise MalformedFeed(f"the document is not a readable feed "
                        f"({_describe(result.get('bozo_exception'))})")


def _refuse_truncated(result: Any, text: str, prolog: Prolog) -> None:
    """A cut-off feed with entries keeps them; one cut off before any entry has nothing to keep.

    A feed whose root element is closed (even badly, like ``</rss`` at the end) is complete,
    so an empty one is simply empty.
    """
    if result.get("entries") or prolog.root is None:
        return
    if text.rfind("</" + prolog.root) < 0:
        raise MalformedFeed("the feed is truncated before its first entry "
                            f"({_describe(result.get('bozo_exception'))})")


def _describe(error: object) -> str:
    if error is None:
        return "unknown error"
    get_message = getattr(error, "getMessage", None)
    return str(get_message() if callable(get_message) else error)


def _xml_feed(result: Any, url: str | None, warnings: tuple[str, ...]) -> ParsedFeed:
    version = result.get("version") or ""
    feed = result.get("feed") or {}
    site_url = _absolute(_text_value(dict.get(feed, "link")), url)
    context = _Context(
        url=url,
        base=url or site_url,
        feed_author=_xml_author(feed) if version.startswith("atom") else None,
        scrub=bool(result.get("bozo")),
    )
    return ParsedFeed(
        format=_FORMATS.get(version, version),
        title=_scrub(_title(feed), context.scrub),
        site_url=site_url,
        language=_clean(dict.get(feed, "language")),
        entries=tuple(_xml_entry(entry, context) for entry in result.get("entries") or ()),
        warnings=warnings,
    )


def _xml_entry(entry: dict[str, Any], context: _Context) -> ArticleDraft:
    # dict.get, not FeedParserDict.get: that one maps keys and warns on every call.
    get = functools.partial(dict.get, entry)
    published = (_struct_utc(get("published_parsed")) or _struct_utc(get("updated_parsed"))
                 or _struct_utc(get("created_parsed")))
    draft = ArticleDraft(
        title=_title(entry),
        body_html=_xml_body(entry, context),
        author=_xml_author(entry) or context.feed_author,
        published=published,
        url=_absolute(_text_value(get("link")), context.base),
        guid=_text_value(get("id")) or None,
        tags=_tags(dict.get(tag, "term") for tag in get("tags") or ()),
        enclosures=_xml_enclosures(entry, context.base),
    )
    return _scrub_draft(draft) if context.scrub else draft


def _title(container: dict[str, Any]) -> str:
    value = dict.get(container, "title")
    if not isinstance(value, str) or not value:
        return ""
    detail = dict.get(container, "title_detail")
    kind = dict.get(detail, "type") if isinstance(detail, dict) else None
    return _plain_title(_html_text(value) if kind in _HTMLISH else value)


def _plain_title(text: str) -> str:
    """A title as one line of text, with the references an extra escaping left in it decoded
    ("Blog &#8211; InfluxData", "Tom &amp;amp; Jerry"): ``reader.references``."""
    return _squash(decode_references(text))


def _xml_body(entry: dict[str, Any], context: _Context) -> str:
    """The fullest piece of content (content:encoded, Atom content, description, summary)."""
    best: dict[str, Any] | None = None
    best_length = 0
    for detail in (*(dict.get(entry, "content") or ()), dict.get(entry, "summary_detail")):
        if isinstance(detail, dict):
            value = dict.get(detail, "value")
            if isinstance(value, str) and len(value.strip()) > best_length:
                best, best_length = detail, len(value.strip())
    if best is None:
        return ""
    value = best["value"]
    if dict.get(best, "type") == "text/plain":
        return _paragraphs(value)
    return _resolve_urls(value, _content_base(dict.get(best, "base"), context))


def _content_base(xml_base: object, context: _Context) -> str | None:
    """The piece's xml:base made absolute against the document URL, else the feed's base."""
    if isinstance(xml_base, str) and xml_base:
        joined = _urljoin(context.url, xml_base) if context.url else xml_base
        if _SCHEME.match(joined):
            return joined
    return context.base


def _xml_author(container: dict[str, Any]) -> str | None:
    names: list[str] = []
    for person in dict.get(container, "authors") or ():
        if isinstance(person, dict):
            name = _text_value(dict.get(person, "name")) or _text_value(dict.get(person, "email"))
            _add_name(names, name)
    if not names:
        _add_name(names, _text_value(dict.get(container, "author")))
    return ", ".join(names) or None


def _xml_enclosures(entry: dict[str, Any], base: str | None) -> tuple[Enclosure, ...]:
    """RSS ``<enclosure>`` and Atom ``<link rel="enclosure">`` (both in feedparser's
    ``links``), then Media RSS ``<media:content>`` files that are not pictures."""
    found = [Enclosure(url=_text_value(dict.get(link, "href")),
                       mime_type=_clean(dict.get(link, "type")),
                       length=clean_length(dict.get(link, "length")))
             for link in dict.get(entry, "links") or () if dict.get(link, "rel") == "enclosure"]
    for media in dict.get(entry, "media_content") or ():
        url = _text_value(dict.get(media, "url"))
        medium = dict.get(media, "medium")
        if url and is_media_file(url, dict.get(media, "type"),
                                 medium if isinstance(medium, str) else None):
            found.append(Enclosure(url=url, mime_type=_clean(dict.get(media, "type")),
                                   length=clean_length(dict.get(media, "filesize"))))
    return clean_enclosures(found, base)


def _struct_utc(value: Any) -> datetime | None:
    """feedparser's parsed dates are UTC struct_times; None stays None, nothing is invented."""
    if value is None:
        return None
    try:
        year, month, day, hour, minute, second = value[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


# --- JSON feeds --------------------------------------------------------------------------------

_JSON_FEED_VERSION = "jsonfeed.org/version/"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _decode_json(data: bytes) -> _Decoded:
    """JSON is UTF-8 (RFC 8259); a BOM is honoured, and legacy bytes are read as a guess."""
    hints = encoding_hints(data[:8])
    if hints.sniffed:
        return _decode_sniffed(data[hints.bom_length:], hints.sniffed)
    text = _strict(data, "utf-8")
    if text is not None:
        return _Decoded(text, "utf-8", ())
    codec = "cp1252" if _strict(data, "cp1252") is not None else "latin-1"
    return _Decoded(data.decode(codec), codec, (_guessed("utf-8", codec),))


def _parse_json(data: bytes, url: str | None) -> ParsedFeed:
    decoded = _decode_json(data)
    try:
        document = json.loads(decoded.text)
    except (ValueError, RecursionError) as error:
        raise MalformedFeed(f"the feed is broken JSON: {error}") from error
    scrub = bool(_SURROGATE_ESCAPE.search(decoded.text))
    if isinstance(document, dict):
        version = document.get("version")
        if isinstance(version, str) and _JSON_FEED_VERSION in version:
            fmt = "jsonfeed11" if version.rstrip("/").endswith("/1.1") else "jsonfeed10"
            return _json_feed(document, fmt, url, decoded.warnings, scrub)
        if isinstance(document.get("rss"), dict):
            return _rss_in_json(document["rss"], url, decoded.warnings, scrub)
        if isinstance(document.get("items"), list) and "title" in document:
            warnings = (*decoded.warnings, "no JSON Feed version: read as JSON Feed 1.0")
            return _json_feed(document, "jsonfeed10", url, warnings, scrub)
    raise NotAFeed("the document is JSON but neither a JSON Feed nor RSS-in-JSON")


def _json_feed(document: Mapping[str, Any], fmt: str, url: str | None,
               warnings: tuple[str, ...], scrub: bool) -> ParsedFeed:
    site_url = _absolute(_text_value(document.get("home_page_url")), url)
    items = document.get("items")
    if not isinstance(items, list):
        items, warnings = [], (*warnings, "the JSON Feed has no list of items")
    context = _Context(url=url, base=url or site_url, feed_author=_json_author(document),
                       scrub=scrub)
    items = [item for item in items if isinstance(item, dict)]
    items, skipped = _ends(items)
    return _keep_newest(ParsedFeed(
        format=fmt,
        title=_scrub(_plain_title(_text_value(document.get("title"))), scrub),
        site_url=site_url,
        language=_clean(document.get("language")),
        entries=tuple(_json_item(item, context) for item in items),
        warnings=warnings,
    ), skipped)


def _ends(items: list[Any]) -> tuple[list[Any], int]:
    """The first and last ``MAX_FEED_ENTRIES`` items, and how many were left out between."""
    if len(items) <= 2 * MAX_FEED_ENTRIES:
        return items, 0
    return (items[:MAX_FEED_ENTRIES] + items[-MAX_FEED_ENTRIES:],
            len(items) - 2 * MAX_FEED_ENTRIES)


def _json_item(item: Mapping[str, Any], context: _Context) -> ArticleDraft:
    link = _absolute(_text_value(item.get("url")) or _text_value(item.get("external_url")),
                     context.base)
    draft = ArticleDraft(
        title=_plain_title(_text_value(item.get("title"))),
        body_html=_json_body(item, link or context.base),
        author=_json_author(item) or context.feed_author,
        published=_iso_utc(item.get("date_published")) or _iso_utc(item.get("date_modified")),
        url=link,
        guid=_identifier(item.get("id")),
        tags=_tags(_as_list(item.get("tags"))),
        enclosures=clean_enclosures(_attachments(_as_list(item.get("attachments"))),
                                    context.base),
    )
    return _scrub_draft(draft) if context.scrub else draft


def _json_body(item: Mapping[str, Any], base: str | None) -> str:
    content_html = _text_value(item.get("content_html"))
    if content_html.strip():
        return _resolve_urls(content_html, base)
    for key in ("content_text", "summary"):
        text = _text_value(item.get(key))
        if text.strip():
            return _paragraphs(text)
    return ""


def _json_author(container: Mapping[str, Any]) -> str | None:
    """JSON Feed 1.1 ``authors``, else 1.0 ``author``; an item without either has the feed's."""
    people = container.get("authors")
    if not isinstance(people, list) or not people:
        people = [container.get("author")]
    names: list[str] = []
    for person in people:
        if isinstance(person, dict):
            _add_name(names, _text_value(person.get("name")))
    return ", ".join(names) or None


def _attachments(attachments: Sequence[object]) -> Iterable[Enclosure]:
    for attachment in attachments:
        if isinstance(attachment, dict):
            yield Enclosure(url=_text_value(attachment.get("url")),
                            mime_type=_clean(attachment.get("mime_type")),
                            length=clean_length(attachment.get("size_in_bytes")))


def _iso_utc(value: object) -> datetime | None:
    """RFC 3339 (what JSON Feed requires), else RFC 822; a date without offset is UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().upper())
    except ValueError:
        return _rfc822_utc(value)
    return _utc(moment)


def _rfc822_utc(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return _utc(parsedate_to_datetime(value.strip()))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _utc(moment: datetime) -> datetime | None:
    try:
        return (moment.replace(tzinfo=UTC) if moment.tzinfo is None
                else moment.astimezone(UTC))
    except (ValueError, OverflowError):
        return None


def _rss_in_json(rss: Mapping[str, Any], url: str | None, warnings: tuple[str, ...],
                 scrub: bool) -> ParsedFeed:
    """Dave Winer's RSS-in-JSON: RSS 2.0 element names as keys, ``#value`` for text nodes."""
    channel = rss.get("channel")
    if not isinstance(channel, dict):
        raise MalformedFeed("the RSS-in-JSON document has no channel")
    site_url = _absolute(_json_text(channel.get("link")), url)
    context = _Context(url=url, base=url or site_url, feed_author=None, scrub=scrub)
    items, skipped = _ends(
        [item for item in _as_list(channel.get("item")) if isinstance(item, dict)])
    return _keep_newest(ParsedFeed(
        format="rss-in-json",
        title=_scrub(_plain_title(_json_text(channel.get("title"))), scrub),
        site_url=site_url,
        language=_clean(_json_text(channel.get("language"))),
        entries=tuple(_rss_json_item(item, context) for item in items),
        warnings=warnings,
    ), skipped)


def _rss_json_item(item: Mapping[str, Any], context: _Context) -> ArticleDraft:
    names: list[str] = []
    _add_name(names, _json_text(item.get("author")) or _json_text(item.get("dc:creator")))
    draft = ArticleDraft(
        title=_plain_title(_json_text(item.get("title"))),
        body_html=_resolve_urls(_json_text(item.get("description")), context.base),
        author=", ".join(names) or None,
        published=_rfc822_utc(_json_text(item.get("pubDate"))),
        url=_absolute(_json_text(item.get("link")), context.base),
        guid=_json_text(item.get("guid")) or None,
        tags=_tags(_json_text(category) for category in _as_list(item.get("category"))),
        enclosures=clean_enclosures(_rss_json_enclosures(_as_list(item.get("enclosure"))),
                                    context.base),
    )
    return _scrub_draft(draft) if context.scrub else draft


def _rss_json_enclosures(enclosures: Sequence[object]) -> Iterable[Enclosure]:
    for enclosure in enclosures:
        if isinstance(enclosure, dict):
            yield Enclosure(url=_json_text(enclosure.get("url")),
                            mime_type=_clean(enclosure.get("type")),
                            length=clean_length(enclosure.get("length")))


def _json_text(value: object) -> str:
    """A text node of RSS-in-JSON: a string, a number, or an object holding ``#value``."""
    if isinstance(value, dict):
        value = value.get("#value", value.get("value"))
    return _text_value(value) if not isinstance(value, (int, float)) else _identifier(value) or ""


def _as_list(value: object) -> list[object]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _identifier(value: object) -> str | None:
    """JSON Feed ids are strings, but numbers turn up; either is kept as written."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


# --- text and URLs -----------------------------------------------------------------------------

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_URL_ATTRIBUTES = ("href", "src", "poster", "cite", "action", "background", "longdesc", "usemap",
                   "codebase", "data")
_ABSOLUTE = r"\s*(?:[A-Za-z][A-Za-z0-9+.-]*:|#)"


def _after_attribute(names: Iterable[str]) -> str:
    """Lookbehinds for ``␠name=`` in lower or upper case.

    The patterns below start at '=' so the regex engine can skip to each '=' at C speed; an
    alternation of attribute names (worse, with IGNORECASE) is tried at every position and
    made resolving a 5 KB body cost 150-800 µs instead of ~25 µs.
    """
    return "|".join(f"(?<=\\s{n}=)|(?<=\\s{n.upper()}=)" for n in names)


# The value of a URL attribute when it is relative: not absolute, not a fragment, not empty.
_RELATIVE_URL_VALUE = re.compile(
    rf"=(?:{_after_attribute(_URL_ATTRIBUTES)})\s*"
    rf"(?:\"(?!{_ABSOLUTE})([^\"]+)\"|'(?!{_ABSOLUTE})([^']+)'|(?![\"'#]|{_ABSOLUTE})([^\s\"'>]+))")
_SRCSET_VALUE = re.compile(rf"=(?:{_after_attribute(['srcset'])})\s*(?:\"([^\"]*)\"|'([^']*)')")
# A tag has a name; "<>" and "< 2" are text, as an HTML parser reads them ("</>" is dropped).
_TAG = re.compile(r"<(/?)([A-Za-z][\w:-]*)[^>]*>|</>|<[!?][^>]*>")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BLOCK_TAGS = frozenset({"address", "article", "aside", "blockquote", "br", "dd", "div", "dl",
                         "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5",
                         "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table",
                         "td", "th", "tr", "ul"})
_BLANK_LINES = re.compile(r"\n\s*\n")


def _absolute(link: str | None, base: str | None) -> str | None:
    """The link as an absolute URL when a base allows it; None for no link."""
    if not link:
        return None
    link = link.strip()
    if not link or _SCHEME.match(link) or not base:
        return link or None
    return _urljoin(base, link)


def _resolve_urls(markup: str, base: str | None) -> str:
    """Relative URLs in URL attributes made absolute against base; markup is otherwise untouched.

    A regular expression is enough: the archive's sanitizer parses the HTML properly later,
    and absolute, fragment-only or empty values never match, so a misread attribute loses
    nothing. Most bodies hold no relative URL and cost one scan.
    """
    if not base or not markup:
        return markup
    resolver = _Resolver(base)
    markup = _RELATIVE_URL_VALUE.sub(resolver.attribute, markup)
    if "srcset" in markup or "SRCSET" in markup:
        markup = _SRCSET_VALUE.sub(resolver.srcset, markup)
    return markup


class _Resolver:
    """Joins the relative URLs of one body to its base, each distinct value once."""

    __slots__ = ("base", "known", "origin")

    def __init__(self, base: str) -> None:
        self.base = base
        self.origin: str | None = None
        self.known: dict[str, str] = {}

    def attribute(self, match: re.Match[str]) -> str:
        double, single, bare = match.groups()
        value = double if double is not None else single if single is not None else bare
        quote = "'" if single is not None else "\""
        return f"={quote}{self.join(value)}{quote}"

    def srcset(self, match: re.Match[str]) -> str:
        double, single = match.groups()
        value = double if double is not None else single
        quote = "'" if single is not None else "\""
        candidates = (part.split(None, 1) for part in value.split(","))
        joined = ", ".join(" ".join([self.join(c[0]), *c[1:]]) for c in candidates if c)
        return f"={quote}{joined}{quote}"

    def join(self, value: str) -> str:
        joined = self.known.get(value)
        if joined is None:
            joined = self.known[value] = self._join(value.strip())
        return joined

    def _join(self, value: str) -> str:
        if not value or value.startswith("#") or _SCHEME.match(value):
            return value
        # urljoin costs ~10 µs; a root-relative path without dot segments needs only the origin.
        if value.startswith("/") and not value.startswith("//") and "/." not in value:
            if self.origin is None:
                self.origin = _origin(self.base)
            if self.origin:
                return self.origin + value
        return _urljoin(self.base, value)


def _urljoin(base: str, link: str) -> str:
    """urljoin, but a malformed URL (``http://[oops/``) stays as written instead of raising."""
    try:
        return urljoin(base, link)
    except ValueError:
        return link


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _html_text(markup: str) -> str:
    """The text of a title written as HTML or XHTML: no tags, comments or script, one line."""
    if "<" not in markup and "&" not in markup:
        return _squash(markup)
    text = _COMMENT.sub("", _SCRIPT_OR_STYLE.sub("", markup))
    text = _TAG.sub(lambda m: " " if (m.group(2) or "").lower() in _BLOCK_TAGS else "", text)
    return _squash(html.unescape(text))


def _paragraphs(text: str) -> str:
    """Plain text as HTML: blank lines part paragraphs, single line breaks stay line breaks."""
    paragraphs = (part.strip() for part in _BLANK_LINES.split(text))
    return "".join(f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>"
                   for part in paragraphs if part)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _text_value(value: object) -> str:
    return value if isinstance(value, str) else ""


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _add_name(names: list[str], name: str) -> None:
    name = _squash(name)
    if name and name not in names:
        names.append(name)


def _tags(terms: Iterable[object]) -> tuple[str, ...]:
    """An entry's categories as tags: lists split, machine keys and ids left out, no repeats
    (``reader.categories``). Both parsers' entries (fastfeed's are feedparser-shaped) and
    JSON Feed's come through here."""
    return source_tags(terms)


def _scrub(text: str, scrub: bool) -> str:
    """Lone surrogates (``\\ud800`` in JSON, ``&#55296;`` read leniently) cannot be stored."""
    if not scrub or text.isascii():
        return text
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _scrub_draft(draft: ArticleDraft) -> ArticleDraft:
    def s(text: str | None) -> str | None:
        return None if text is None else _scrub(text, True)

    return ArticleDraft(
        title=_scrub(draft.title, True),
        body_html=_scrub(draft.body_html, True),
        author=s(draft.author),
        published=draft.published,
        url=s(draft.url),
        guid=s(draft.guid),
        tags=tuple(_scrub(tag, True) for tag in draft.tags),
        enclosures=tuple(Enclosure(_scrub(e.url, True), s(e.mime_type), e.length)
                         for e in draft.enclosures),
    )


# --- HTML pages --------------------------------------------------------------------------------

_FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml",
                         "application/feed+json", "application/json"})
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_LINK_TAG = re.compile(r"<link\b([^>]*)>", re.IGNORECASE)
_BASE_TAG = re.compile(r"<base\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"([^\s=/>\"']+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")


def _decode_html(data: bytes) -> str:
    """Good enough for finding URLs: a BOM decides, else UTF-8 with replacement."""
    hints = encoding_hints(data[:8])
    codec = hints.sniffed or "utf-8"
    return data[hints.bom_length:].decode(codec, errors="replace")


def _attributes(source: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(source):
        name, double, single, bare = match.groups()
        value = double if double is not None else single if single is not None else bare
        attrs.setdefault(name.lower(), html.unescape(value or ""))
    return attrs


def _page_base(text: str, base_url: str | None) -> str | None:
    tag = _BASE_TAG.search(text)
    href = _attributes(tag.group(1)).get("href", "").strip() if tag else ""
    if not href:
        return base_url
    return _urljoin(base_url, href) if base_url else href
