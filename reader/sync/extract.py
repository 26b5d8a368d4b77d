"""Main-text extraction of web pages: one downloaded HTML page in, one article draft out."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import chardet
import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Document

from reader.authors import clean_authors
from reader.bom import BOMS
from reader.categories import source_tags
from reader.errors import BinaryDocument, DocumentTooLarge, EmptyDocument, NotATextPage
from reader.records import ArticleDraft
from reader.references import decode_references
from reader.render.notes import with_notes
from reader.render.sanitize import parse_within_budget
from reader.sitenames import Site, strip_site_name

__all__ = ["MAX_PAGE_BYTES", "extract_article", "extract_text"]

#: Pages bigger than this are refused before they are decoded: real articles are a few hundred
#: kilobytes, and parsing costs grow with size.
MAX_PAGE_BYTES: int = 10 * 1024 * 1024

_NO_ARTICLE = "no article text found on this page"
_TOO_LARGE = f"the page is larger than {MAX_PAGE_BYTES // (1024 * 1024)} MB"

# --- trafilatura ----------------------------------------------------------------------------------

# Chosen by measuring the 42 pages of ../shared/corpus/extraction with the benchmark's metric
# (tests/conformance/test_extraction_corpus.py). favor_precision drops share rows, "related"
# lists and newsletter boxes the balanced mode keeps (precision 0.969 -> 0.981, recall -0.0005).
# fast=True skips the readability/justext comparison, which changed no corpus page but cost 40 %
# more time; it still runs when the fast pass finds little (see _RETRY_BELOW). Comments are
# boilerplate for a news reader.
_TRAFILATURA_OPTIONS: dict[str, Any] = {
    "favor_precision": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": True,
    "include_links": True,
    "include_formatting": True,
    # Any format but "python" returns the body tree without also rendering it as text.
    "output_format": "xml",
}
# A fast pass that found less text than this is retried with trafilatura's full cascade.
_RETRY_BELOW = 500

# Image captions and credits: trafilatura prunes them only when images are off; with images on
# they come back as paragraphs ("(AP Photo/...)", a gallery's captions repeated once per slide).
# Containers holding the image itself are kept so the image survives.
_CAPTIONS = etree.XPath(
    "//*[self::figcaption or ((self::div or self::p or self::section or self::span or self::ul"
    " or self::li) and (contains(@class, 'caption') or contains(@id, 'caption')))][not(.//img)]"
)
_INLINE_TAGS = frozenset(
    {"a", "abbr", "b", "br", "cite", "code", "em", "i", "img", "mark", "q", "s", "small"}
    | {"span", "strong", "sub", "sup", "time", "u"}
)

# --- decoding -------------------------------------------------------------------------------------

_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
# Both <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">.
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
# The HTML standard's prescan looks this far into the page for a <meta charset>.
_PRESCAN_BYTES = 1024 * 4
# What browsers decode these labels as (WHATWG Encoding Standard): each legacy label means its
# Windows superset, and a UTF-16/32 label on a page readable as ASCII can only mean UTF-8.
_ENCODING_ALIASES = {
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
    "utf-32": "utf-8",
    "utf-32-le": "utf-8",
    "utf-32-be": "utf-8",
}
# Detection reads a sample: chardet is slow on megabytes, and the start of a page decides.
_DETECTION_SAMPLE = 64 * 1024
_HTML_LANG = re.compile(rb"""<html[^>]*?\slang\s*=\s*["']?([a-z]{2,3})\b""", re.IGNORECASE)
# C0 controls other than tab and line breaks, DEL, lone surrogates and non-characters: libxml2
# refuses them.
_UNPARSABLE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# Text has a stray control character or two; images, archives and databases are full of them.
_MAX_CONTROL_SHARE = 0.1

# --- metadata -------------------------------------------------------------------------------------

# Meta tags (name, property or itemprop, lower-cased) that carry a publication time, best first.
_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "article.published",
    "published_time",
    "publish-date",
    "publishdate",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date",
    "date",
)
# Meta tags naming the site (twitter:site is a handle, "@SpaceNews_Inc", so not among them).
_SITE_NAME_META = ("og:site_name", "application-name", "apple-mobile-web-app-title")
_ARTICLE_TYPES = re.compile(r"article|posting|report|review", re.IGNORECASE)
# A date further ahead than this is a template placeholder or a typo, not a publication date.
_FUTURE_SLACK = timedelta(days=2)
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# Longest title made up from the body's first words when the page names none.
_MAX_MADE_UP_TITLE = 100

# --- the simple HTML of a body --------------------------------------------------------------------

# The reading pane shows the title as the only h1, so trafilatura's heading levels shift to h2-h4.
_HEADING_LEVELS = {"h1": "h2", "h2": "h2", "h3": "h3"}
_HI_TAGS = {"#b": "strong", "#i": "em", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup"}
_RENAMED_TAGS = {"item": "li", "quote": "blockquote", "row": "tr", "lb": "br"}
_KEPT_TAGS = frozenset({"p", "table", "sub", "sup", "del"})
_HEADINGS = frozenset({"h2", "h3", "h4"})
# An article has text in at least one of these: bare links left over from a menu, or a lone
# heading, are not an article.
_TEXT_BLOCKS = ("p", "blockquote", "pre", "li", "td", "th")
_BLOCK_TAGS = frozenset(
    {"p", "h2", "h3", "h4", "li", "blockquote", "pre", "tr", "figure", "table", "ul", "ol"}
)
_ABSOLUTE_PREFIXES = ("http://", "https://")
_NOT_RESOLVED_PREFIXES = ("#", "data:", "javascript:", "mailto:", "tel:")
_WHITESPACE = re.compile(r"\s+")
_SPACED_NEWLINES = re.compile(r"[^\S\n]*\n[^\S\n]*")


@dataclass(frozen=True, slots=True)
class _Page:
    """One parsed page: its tree (links absolute, captions gone) and the URL it came from."""

    tree: HtmlElement
    url: str | None
    #: What the markup budget cut before parsing (deep nesting), for the article's note.
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Extraction:
    """trafilatura's metadata and the body rewritten as simple HTML, with its plain text."""

    document: Document
    body: etree._Element
    text: str


def extract_article(
    html: bytes | str, url: str | None = None, content_type: str | None = None
) -> ArticleDraft:
    """Full text of one web page as a draft: body_html is the article's main content as simple HTML
    (p, h2-h4, ul/ol/li, blockquote, pre/code, table, figure/img with absolute src, a with absolute
    href) — UNSANITIZED (the archive sanitizes) but with boilerplate (nav, ads, comments, share
    rows, related links, image captions) removed.

    Title, author, published date (aware UTC or None — never now()), tags/keywords and the
    canonical url come from the page's metadata where present (og:, article:published_time,
    JSON-LD, meta name=author/keywords...); the description becomes the subtitle unless it only
    repeats the opening. guid = canonical url (else ``url``). Bytes are decoded with the charset
    of ``content_type`` (the HTTP header), else <meta charset>, else detection.

    Raises EmptyDocument (blank), DocumentTooLarge, BinaryDocument (bytes that are not text) and
    NotATextPage when extraction finds no article text.
    """
    page = _load(html, url, content_type)
    extraction = _extract(page, with_metadata=True)
    document, body = extraction.document, extraction.body
    jsonld = list(_jsonld_objects(page.tree))
    canonical = _canonical_url(page.tree, page.url)
    site = _site(page.tree, jsonld, document, canonical or page.url)
    title = _title(document, body, extraction.text, site)
    _drop_title_heading(body, {title, *_page_titles(page.tree)})
    return ArticleDraft(
        title=title,
        body_html=with_notes(_serialize(body), page.reasons),
        subtitle=_subtitle(document.description, extraction.text),
        author=clean_authors(document.author, site),
        published=_published(page.tree, jsonld, document.date),
        url=canonical or page.url,
        guid=canonical or page.url,
        tags=_tags(document.tags, jsonld, site),
    )


def extract_text(html: bytes | str, url: str | None = None) -> str:
    """Plain main text, paragraphs separated by blank lines: the text of extract_article's
    body_html, for callers that need only text (the conformance F1, previews).

    Skips the metadata (about a quarter of the cost); raises the same errors as extract_article.
    """
    page = _load(html, url, None)
    extraction = _extract(page, with_metadata=False)
    if _drop_title_heading(extraction.body, _page_titles(page.tree)):
        return _text_of(extraction.body)
    return extraction.text


# --- loading --------------------------------------------------------------------------------------


def _load(html: bytes | str, url: str | None, content_type: str | None) -> _Page:
    """Decode and parse the page, make links and images absolute, and prepare it for trafilatura.

    Links are resolved here because trafilatura resolves relative paths against the host only,
    not against the page's directory, and a later step downloads the images.
    """
    text = _decode(html, content_type) if isinstance(html, bytes) else _check_size(html)
    text = text.removeprefix("\ufeff")
    kept, controls = _UNPARSABLE_CHARS.subn("", text)
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise BinaryDocument("the page holds binary data, not text")
    if not kept.strip():
        raise EmptyDocument("the page is empty")
    # libxml2 drops the rest of a page nested deeper than 256 levels, and compares every
    # attribute of a tag with every other: the page is held to the markup budget first.
    tree, reasons = parse_within_budget(kept, trafilatura.load_html)
    if tree is None:
        raise NotATextPage(_NO_ARTICLE)
    base = _base_url(tree, url)
    if base:
        _absolutize(tree, base)
    _prepare(tree)
    return _Page(tree, url, reasons)


def _check_size(html: str) -> str:
    # A character is at most 4 bytes of UTF-8: encode only when the length leaves it open.
    if len(html) > MAX_PAGE_BYTES or (
        len(html) * 4 > MAX_PAGE_BYTES
        and len(html.encode("utf-8", "surrogatepass")) > MAX_PAGE_BYTES
    ):
        raise DocumentTooLarge(_TOO_LARGE)
    return html


def _decode(data: bytes, content_type: str | None) -> str:
    """Text of the page's bytes: a BOM, else the HTTP charset, else <meta charset>, else UTF-8
    when the bytes are valid UTF-8, else a guess (_detect_encoding), else Windows-1252; never
    fails.

    Two exceptions to the order, both for labels that are often wrong: a declared
    Latin-1/Windows-1252 (many servers' default header) loses to bytes that are valid UTF-8,
    which such text with non-ASCII in it never is; and a declared UTF-8 that the bytes are not
    is ignored (the page was saved by a legacy editor under a modern template).
    """
    if len(data) > MAX_PAGE_BYTES:
        raise DocumentTooLarge(_TOO_LARGE)
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if b"\x00" in data:
        raise BinaryDocument("the page holds binary data (NUL bytes), not text")
    declared = None
    if content_type:
        match = _HTTP_CHARSET.search(content_type)
        declared = _normalise_encoding(match.group(1)) if match else None
    if declared is None:
        found = _META_CHARSET.search(data[:_PRESCAN_BYTES])
        declared = _normalise_encoding(found.group(1).decode("ascii", "replace")) if found else None
    if declared is not None and declared not in ("cp1252", "utf-8"):
        return data.decode(declared, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if declared == "cp1252":
            return data.decode(declared, errors="replace")
    return data.decode(_detect_encoding(data) or "cp1252", errors="replace")


def _detect_encoding(data: bytes) -> str | None:
    """chardet's best guess, or its best guess for the language the page declares (<html lang>):
    a page of English furniture around a French article is otherwise read as English, and
    short or repetitive text gets Cyrillic guesses for Latin letters."""
    candidates = [
        (encoding, str(result.get("language") or ""))
        for result in chardet.detect_all(data[:_DETECTION_SAMPLE])
        if isinstance(result.get("encoding"), str)
        and (encoding := _normalise_encoding(str(result["encoding"])))
    ]
    match = _HTML_LANG.search(data[:_PRESCAN_BYTES])
    if match:
        language = match.group(1).decode("ascii").lower()
        for encoding, guessed_language in candidates:
            if guessed_language.lower() == language:
                return encoding
    return candidates[0][0] if candidates else None


def _normalise_encoding(label: str) -> str | None:
    """Python's codec for a charset label as browsers read it; None for unknown labels."""
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    return _ENCODING_ALIASES.get(name, name)


def _base_url(tree: HtmlElement, url: str | None) -> str | None:
    """What relative URLs on the page are relative to: <base href> (itself relative to the page's
    URL), else the page's URL; None when neither is an absolute http(s) URL."""
    base = url or ""
    element = tree.find(".//base[@href]")
    if element is not None:
        base = _join(base, element.get("href", "")) or base
    return base if _is_web_url(base) else None


def _absolutize(tree: HtmlElement, base: str) -> None:
    """Links and image sources made absolute against ``base``, each as a browser reads it.

    A value is first cleaned the way the URL standard does (leading and trailing controls
    and spaces dropped, tabs and newlines removed), so ``" &#14; javascript:…"`` is seen as
    the ``javascript:`` URL it is; what remains unusable in an XML attribute (other control
    characters) is percent-encoded. A value that cannot be made into a URL is left alone for
    the sanitizer; none of them raises.
    """
    for element in tree.iter("a", "img"):
        for attribute, value in element.attrib.items():
            if not (attribute in ("href", "src") or attribute.startswith("data-src")):
                continue
            cleaned = _url_text(value)
            if cleaned.startswith(_ABSOLUTE_PREFIXES):
                absolute: str | None = cleaned
            else:
                absolute = _join(base, cleaned)
                if absolute is None and cleaned.lower().startswith(_NOT_RESOLVED_PREFIXES):
                    absolute = cleaned  # "#x", "mailto:", "javascript:" in their plain form
            if absolute is not None and absolute != value:
                _set(element, attribute, _attribute_safe(absolute))


def _join(base: str, value: str) -> str | None:
    value = _url_text(value)
    if not value or value.lower().startswith(_NOT_RESOLVED_PREFIXES):
        return None
    try:
        return urljoin(base, value)
    except ValueError:  # malformed, e.g. an unclosed IPv6 bracket or a port out of range
        return None


# The URL standard's preprocessing: C0 controls and space trimmed from both ends, and every
# tab and newline removed wherever it is.
_URL_TRIM = "".join(chr(code) for code in range(0x21))
_URL_DROP = str.maketrans("", "", "\t\n\r")
# What an XML attribute cannot hold: the other C0 controls, DEL is fine but U+FFFE/U+FFFF and
# lone surrogates are not.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _url_text(value: str) -> str:
    return value.strip(_URL_TRIM).translate(_URL_DROP)


def _attribute_safe(url: str) -> str:
    return _NOT_IN_XML.sub(lambda found: "".join(
        f"%{byte:02X}" for byte in found.group().encode("utf-8", "surrogatepass")), url)


def _set(element: HtmlElement, attribute: str, value: str) -> None:
    try:
        element.set(attribute, value)
    except ValueError:  # lxml still refuses it: drop the attribute rather than the page
        del element.attrib[attribute]


def _is_web_url(value: str | None) -> bool:
    if not value:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _prepare(tree: HtmlElement) -> None:
    """Two workarounds that keep trafilatura's images-and-links mode as exact as its text mode
    (measured on the corpus: F1 0.959 without them, 0.989 with them).

    Captions go (see _CAPTIONS). And a <div> holding only text and inline tags becomes a <p>,
    with its text-only sibling <div>s, whenever one of them holds a link: when a page has enough
    <p> text, trafilatura skips text <div>s but still visits the links kept inside them, so each
    such paragraph shrank to its first link and what follows it (CNN's "zn-body__paragraph" divs
    lost 80 % of their words). Converting only where a link forces it leaves trafilatura's own
    choice of div-paragraphs alone elsewhere; converting every text div let "Advertisement"
    labels and sign-up prompts in (precision -0.005).
    """
    for caption in _CAPTIONS(tree):
        if isinstance(caption, HtmlElement):
            caption.drop_tree()
    parents: dict[int, HtmlElement] = {}
    for element in tree.iter("div"):
        parent = element.getparent()
        if parent is not None and _is_text_div(element, needs_link=True):
            parents[id(parent)] = parent
    for parent in parents.values():
        for element in parent.iterchildren("div"):
            if _is_text_div(element, needs_link=False):
                element.tag = "p"


def _is_text_div(element: HtmlElement, *, needs_link: bool) -> bool:
    has_text = bool(element.text and element.text.strip())
    has_link = False
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag not in _INLINE_TAGS:
            return False
        has_text = has_text or bool(child.tail and child.tail.strip())
        has_link = has_link or child.tag == "a" or child.find(".//a") is not None
    return has_text and (has_link or not needs_link)


# --- extraction -----------------------------------------------------------------------------------


def _extract(page: _Page, *, with_metadata: bool) -> _Extraction:
    """trafilatura's fast pass, then its full cascade (readability and justext compared) when the
    fast pass found less than _RETRY_BELOW characters; the longer text wins."""
    best = _run_trafilatura(page, fast=True, with_metadata=with_metadata)
    if best is None or len(best.text) < _RETRY_BELOW:
        retry = _run_trafilatura(page, fast=False, with_metadata=with_metadata and best is None)
        if retry is not None and (best is None or len(retry.text) > len(best.text)):
            best = retry if best is None else _Extraction(best.document, retry.body, retry.text)
    if best is None:
        raise NotATextPage(_NO_ARTICLE)
    return best


def _run_trafilatura(page: _Page, *, fast: bool, with_metadata: bool) -> _Extraction | None:
    # trafilatura copies a tree it is given, so page.tree stays whole for the metadata. Its date
    # search is limited to markup and the URL: the text-pattern search takes "last updated"
    # lines or a copyright year for the publication date.
    date_params = {"extensive_search": False, "original_date": True, "url": page.url}
    document = trafilatura.bare_extraction(
        page.tree,
        url=page.url,
        fast=fast,
        with_metadata=with_metadata,
        date_extraction_params=date_params,
        **_TRAFILATURA_OPTIONS,
    )
    if not isinstance(document, Document) or document.body is None:
        return None
    body = _to_simple_html(document.body)
    if not _holds_text_block(body):
        return None
    return _Extraction(document, body, _text_of(body))


def _holds_text_block(element: etree._Element) -> bool:
    return any(
        any(piece.strip() for piece in block.itertext())
        for block in element.iter(*_TEXT_BLOCKS)
        if block is not element
    )


def _to_simple_html(body: etree._Element) -> etree._Element:
    """Rewrite trafilatura's XML body (p, head, list/item, quote, code, table/row/cell, graphic,
    ref, hi, lb) in place as the simple HTML the archive stores; unknown tags are unwrapped."""
    unknown: set[str] = set()
    for element in list(body.iter()):
        if element is body or not isinstance(element.tag, str):
            continue
        tag = element.tag
        attributes = dict(element.attrib)
        element.attrib.clear()
        if tag in _KEPT_TAGS:
            continue
        if tag == "head":
            element.tag = _HEADING_LEVELS.get(attributes.get("rend", ""), "h4")
        elif tag == "list":
            element.tag = "ol" if attributes.get("rend") == "ol" else "ul"
        elif tag == "code":
            element.tag = "pre" if element.getparent() is body else "code"
        elif tag == "cell":
            element.tag = "th" if attributes.get("role") == "head" else "td"
        elif tag == "hi":
            element.tag = _HI_TAGS.get(attributes.get("rend", ""), "em")
        elif tag == "ref":
            element.tag = "a"
            if attributes.get("target"):
                element.set("href", attributes["target"])
        elif tag == "graphic":
            _to_image(element, attributes, body)
        elif tag in _RENAMED_TAGS:
            element.tag = _RENAMED_TAGS[tag]
        else:
            unknown.add(tag)
    if unknown:
        etree.strip_tags(body, *unknown)
    return body


def _to_image(element: etree._Element, attributes: dict[str, str], body: etree._Element) -> None:
    element.tag = "img"
    for name in ("src", "alt", "title"):
        if attributes.get(name):
            element.set(name, attributes[name])
    if element.getparent() is body:
        # A standalone image is a figure; its tail text stays outside the figure.
        figure = etree.Element("figure")
        figure.tail, element.tail = element.tail, None
        element.addprevious(figure)
        figure.append(element)


def _text_of(body: etree._Element) -> str:
    """Plain text with a blank line between blocks, so words of neighbouring blocks never join.

    Inside a block, white space collapses to one space and <br> to a line break; <pre> keeps its
    lines.
    """
    blocks: list[str] = []
    current: list[str] = []

    def flush(verbatim: bool = False) -> None:
        joined = "".join(current)
        text = joined.strip("\n").rstrip() if verbatim else _SPACED_NEWLINES.sub("\n", joined)
        if text.strip():
            blocks.append(text if verbatim else text.strip())
        current.clear()

    def add(text: str | None, verbatim: bool) -> None:
        if text:
            current.append(text if verbatim else _WHITESPACE.sub(" ", text))

    def walk(element: etree._Element, verbatim: bool) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        block = tag in _BLOCK_TAGS
        if block:
            flush()
        elif tag == "br":
            current.append("\n")
        elif tag in ("td", "th"):
            current.append(" ")
        inner = verbatim or tag == "pre"
        add(element.text, inner)
        for child in element:
            walk(child, inner)
        if block:
            flush(inner)
        add(element.tail, verbatim)

    add(body.text, False)
    for child in body:
        walk(child, False)
    flush()
    return "\n\n".join(blocks)


def _serialize(body: etree._Element) -> str:
    parts = [body.text.strip()] if body.text and body.text.strip() else []
    parts.extend(etree.tostring(child, method="html", encoding="unicode").strip() for child in body)
    return "\n".join(part for part in parts if part)


# --- metadata -------------------------------------------------------------------------------------


def _clean(value: str | None) -> str | None:
    """Whitespace-collapsed text, None for blank."""
    cleaned = " ".join(value.split()) if value else ""
    return cleaned or None


def _page_titles(tree: HtmlElement) -> set[str]:
    """What the page calls itself (og:title, <title>, the first <h1>), to spot a body heading
    that only repeats the title."""
    titles = {
        element.get("content", "")
        for element in tree.iterfind(".//meta[@content]")
        if element.get("property", element.get("name", "")).lower() in ("og:title", "twitter:title")
    }
    for path in (".//title", ".//h1"):
        element = tree.find(path)
        if element is not None:
            titles.add(element.text_content())
    return {cleaned for title in titles if (cleaned := _clean(title))}


def _title(document: Document, body: etree._Element, text: str, site: Site) -> str:
    """The page's title (trafilatura reads og:title, JSON-LD headline, <title> without the site
    name, <h1>) with character references an extra escaping left decoded and the site's name
    taken off ("… - SpaceNews.com"), else the body's first heading, else its first words: a
    draft needs a title."""
    title = _clean(decode_references(document.title or ""))
    if title:
        return strip_site_name(title, site)
    for heading in body.iter(*_HEADINGS):
        heading_text = _clean("".join(heading.itertext()))
        if heading_text:
            return heading_text
    first_line = text.split("\n", 1)[0]
    if len(first_line) <= _MAX_MADE_UP_TITLE:
        return first_line
    return first_line[: _MAX_MADE_UP_TITLE - 1].rsplit(" ", 1)[0] + "…"


def _site(tree: HtmlElement, jsonld: list[dict[str, Any]], document: Document,
          url: str | None) -> Site:
    """Who publishes the page: og:site_name, application-name, the JSON-LD publisher, what
    trafilatura took for the site name, and the host — to recognise the site's own name in
    the title, the byline and the tags. ``url`` is the page's canonical address, else the one
    it came from."""
    names: list[str | None] = [document.sitename]
    for element in tree.iterfind(".//meta[@content]"):
        if element.get("property", element.get("name", "")).lower() in _SITE_NAME_META:
            names.append(element.get("content"))
    for item in jsonld:
        publisher = item.get("publisher") if _is_article(item) else None
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.append(publisher["name"])
    return Site.of(names, url)


def _drop_title_heading(body: etree._Element, titles: set[str]) -> bool:
    """Drop the body's first block when it is a heading repeating the title (the reading pane
    shows the title above the body; the page's <title> may add " - Site Name"). True if dropped."""
    if not len(body) or body[0].tag not in _HEADINGS or _holds_text_block(body[0]):
        return False
    heading = _clean("".join(body[0].itertext()))
    if not heading or not any(title == heading or title.startswith(heading) for title in titles):
        return False
    first = body[0]
    if first.tail and first.tail.strip():
        body.text = (body.text or "") + first.tail
    body.remove(first)
    return True


def _subtitle(description: str | None, text: str) -> str | None:
    """The page's description as a subtitle, unless it only repeats the body's opening (many
    sites fill og:description with the first sentence) or is a truncated excerpt."""
    cleaned = _clean(description)
    if not cleaned or cleaned.endswith(("...", "…")):
        return None
    opening = " ".join(text[: len(cleaned) + 200].split())
    if cleaned[:60] in opening:
        return None
    return cleaned


def _canonical_url(tree: HtmlElement, url: str | None) -> str | None:
    """<link rel=canonical>, else og:url, made absolute — unless it points at the site's home page
    while the page itself is deeper (a common template bug that would merge every article of a
    site under one guid)."""
    candidates = [
        element.get("href", "")
        for element in tree.iterfind(".//link[@href]")
        if "canonical" in element.get("rel", "").lower().split()
    ]
    candidates.extend(
        element.get("content", "")
        for element in tree.iterfind(".//meta[@content]")
        if element.get("property", element.get("name", "")).lower() == "og:url"
    )
    for candidate in candidates:
        absolute = _join(url, candidate) if url else candidate.strip()
        if not absolute or not _is_web_url(absolute):
            continue
        if url and urlsplit(absolute).path in ("", "/") and urlsplit(url).path not in ("", "/"):
            continue
        return absolute
    return None


def _jsonld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's JSON-LD blocks, with @graph and lists flattened."""
    for script in tree.iterfind(".//script[@type]"):
        if script.get("type", "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except (ValueError, RecursionError):
            continue
        yield from _flatten_jsonld(data, depth=0)


def _flatten_jsonld(data: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten_jsonld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _flatten_jsonld(data["@graph"], depth + 1)


def _is_article(item: dict[str, Any]) -> bool:
    types = item.get("@type")
    names = types if isinstance(types, list) else [types]
    return any(isinstance(name, str) and _ARTICLE_TYPES.search(name) for name in names)


def _published(
    tree: HtmlElement, jsonld: list[dict[str, Any]], day: str | None
) -> datetime | None:
    """Publication time in UTC: article:published_time and its cousins, then JSON-LD
    datePublished (articles first), then <time datetime> marked as the publication date, then the
    day trafilatura's htmldate found in markup or the URL (taken as 00:00 UTC). A time without an
    offset is taken as UTC. None when nothing plausible is found: a date is never invented."""
    for candidate in _date_candidates(tree, jsonld):
        parsed = _parse_datetime(candidate)
        if parsed is not None:
            return parsed
    return _parse_datetime(day) if day else None


def _date_candidates(tree: HtmlElement, jsonld: list[dict[str, Any]]) -> Iterator[str]:
    found: dict[str, str] = {}
    for element in tree.iterfind(".//meta[@content]"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or ""
        key = key.strip().lower()
        if key in _DATE_META and key not in found:
            found[key] = element.get("content", "")
    yield from (found[key] for key in _DATE_META if key in found)
    articles = [item for item in jsonld if _is_article(item)]
    for item in [*articles, *jsonld]:
        value = item.get("datePublished")
        if isinstance(value, str):
            yield value
    for element in tree.iterfind(".//time[@datetime]"):
        if element.get("itemprop", "").lower() == "datepublished" or "pubdate" in element.attrib:
            yield element.get("datetime", "")


def _parse_datetime(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    if parsed < _EARLIEST or parsed > datetime.now(UTC) + _FUTURE_SLACK:
        return None
    return parsed


def _tags(meta_tags: list[str] | None, jsonld: list[dict[str, Any]], site: Site) -> tuple[str, ...]:
    """meta keywords / article:tag (as trafilatura read them), else the article's JSON-LD
    keywords, as tags: lists split, machine keys ("Section:culture", "@post-id:1913719"), ids
    and SEO sentences left out, capped (``reader.categories``), and the site's own name or
    initials ("TC" on TechCrunch: the category a CMS files every post under) dropped.

    JSON-LD keywords count only when the page's meta tags name none: a CMS writes its whole
    list there, control keys included ("channel_other", "serversidehawk" on Live Science),
    while the meta tags hold the topics it shows readers."""
    raw: list[str] = list(meta_tags or [])
    if not any(tag.strip() for tag in raw):
        for item in jsonld:
            if _is_article(item):
                raw.extend(_strings(item.get("keywords")))
    return tuple(tag for tag in source_tags(raw)
                 if not site.named_by(tag) and not site.initials_of(tag))


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []
