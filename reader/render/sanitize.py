"""The allowlist sanitizer every article body passes through before it is stored."""

# Built on nh3 (Ammonia) with one Cleaner made once and reused: per-call ``nh3.clean`` rebuilds
# its configuration and costs about 1.7x (shared/DEPENDENCIES.md). nh3 runs last, so its parser
# and serializer have the final word on what is markup. The rules an allowlist cannot express
# sit around it, each in one place:
#
# - hidden elements (``hidden``, ``aria-hidden="true"``, ``display:none``, ``visibility:hidden``)
#   are removed with lxml *before* nh3, and only when the raw text hints at them: a second parse
#   would double the cost of the common body that has none;
# - relative links are resolved against ``base_url`` by nh3's ``url_relative`` hook; a link that
#   is not http, https or mailto loses its ``href`` and keeps its text;
# - after nh3, an ``<img>`` whose source is not ``archive-image:`` or that is a tracking pixel is
#   removed whole: Ammonia keeps an element whose ``src`` it refused, and a bare ``<img>`` is a
#   broken-image icon. The reading pane must never reach the network.
#
# ``is_tracking_pixel`` and the fragment helpers are shared with ``reader.render.images``, which
# decides what to download: one rule, so the downloader and the sanitizer never disagree.

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import nh3

from reader.render.budget import (
    PAGE_MAX_DEPTH,
    Budgeted,
    limit_body,
    limit_nesting,
    needs_nesting_limit,
)
from reader.render.notes import with_notes
from reader.render.scheme import ARCHIVE_IMAGE_SCHEME

T = TypeVar("T")


ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "bdi", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "picture",
    "pre", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
})

ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"lang", "dir"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "col": {"span"},
    "colgroup": {"span"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "ol": {"start", "reversed"},
}

#: The only classes kept: the placeholder ``reader.render.images`` puts where an image failed.
ALLOWED_CLASSES: dict[str, set[str]] = {"span": {"image-missing"}}

#: Whole elements (with their text) that never belong in a reading pane.
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "object", "embed", "noscript", "template", "form", "button",
    "select", "textarea", "svg", "math", "frame", "frameset", "applet", "canvas", "audio",
    "video", "head", "title", "meta", "link", "base", "noembed", "noframes", "xmp", "plaintext",
})

#: Schemes Ammonia lets through on ``href``/``src``; ``_check_tags`` narrows them per tag.
URL_SCHEMES = frozenset({"http", "https", "mailto", ARCHIVE_IMAGE_SCHEME})
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

#: Known tracking-pixel and share-button image URLs as (host, path prefix). A host matches itself
#: and its subdomains; an empty prefix matches every path on the host.
TRACKER_URLS: tuple[tuple[str, str], ...] = (
    ("feeds.feedburner.com", "/~r/"),
    ("feeds.feedburner.com", "/~ff/"),
    ("feedproxy.google.com", "/~r/"),
    ("feeds.feedblitz.com", ""),
    ("feedsportal.com", ""),
    ("pixel.wp.com", ""),
    ("stats.wp.com", ""),
    ("stats.wordpress.com", ""),
    ("google-analytics.com", ""),
    ("googletagmanager.com", ""),
    ("doubleclick.net", ""),
    ("quantserve.com", ""),
    ("scorecardresearch.com", ""),
    ("www.facebook.com", "/tr"),
    ("analytics.twitter.com", ""),
    ("t.co", "/i/adsct"),
    ("bat.bing.com", ""),
    ("px.ads.linkedin.com", ""),
    ("ct.pinterest.com", ""),
    ("amazon-adsystem.com", ""),
    ("pixel.mathtag.com", ""),
)

_DIMENSION = re.compile(r"\s*(\d{1,9})(?:\.\d*)?\s*(?:px)?\s*", re.ASCII)


def parse_dimension(value: str | int | None) -> int | None:
    """A width or height attribute as whole pixels; None when absent or relative ("50%")."""
    if value is None or isinstance(value, int):
        return value
    match = _DIMENSION.fullmatch(value)
    return int(match.group(1)) if match else None


def is_tracker_url(url: str) -> bool:
    """True when ``url`` points at a known tracking or share-button image host."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return False
    return any(
        (host == tracker or host.endswith("." + tracker)) and parts.path.startswith(prefix)
        for tracker, prefix in TRACKER_URLS
    )


def is_tracking_pixel(url: str | None, width: str | int | None = None,
                      height: str | int | None = None) -> bool:
    """True for an image that exists to count readers rather than to be seen.

    That is a known tracker URL, or a size that cannot show anything: every given dimension at
    most 1 px, or any dimension 0. An image with no usable size and an ordinary host is kept.
    """
    if url is not None and is_tracker_url(url):
        return True
    known = [size for size in (parse_dimension(width), parse_dimension(height))
             if size is not None]
    return bool(known) and (all(size <= 1 for size in known) or 0 in known)


# --- URLs -------------------------------------------------------------------------------------

_BASE_URL: ContextVar[str | None] = ContextVar("sanitize_base_url", default=None)
_URL_NOISE = re.compile(r"[\t\n\r]")
_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def usable_base_url(base_url: str | None) -> str | None:
    """``base_url`` when it is an absolute http(s) URL to resolve against, else None."""
    if not base_url:
        return None
    try:
        parts = urlsplit(base_url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return base_url.strip()


def absolute_url(url: str, base_url: str | None) -> str | None:
    """``url`` resolved against ``base_url`` (already checked with ``usable_base_url``).

    None unless the result is http or https. Tabs and newlines are removed as browsers
    do; any other control character refuses the URL. A protocol-relative URL without a base is
    taken as https, the scheme every such feed image is served over today.
    """
    url = _URL_NOISE.sub("", url).strip(" \f\v\x00")
    if not url or _URL_CONTROL.search(url):
        return None
    if base_url is None and url.startswith("//"):
        url = "https:" + url
    try:
        resolved = urljoin(base_url, url) if base_url else url
        scheme = urlsplit(resolved).scheme.lower()
    except ValueError:
        return None
    if scheme not in ("http", "https") or _URL_CONTROL.search(resolved):
        return None
    if not resolved.lower().startswith(scheme + "://"):
        return None  # "http:foo" is relative to the page in browsers; refuse, don't guess
    return resolved


def _resolve_relative(url: str) -> str | None:
    """nh3 ``url_relative`` hook: resolve against this call's base, or drop the URL."""
    return absolute_url(url, _BASE_URL.get())


_ARCHIVE_IMAGE_SOURCE = re.compile(rf"{ARCHIVE_IMAGE_SCHEME}:[0-9a-f]+")


def is_archive_image_uri(value: str) -> bool:
    """True for ``archive-image:<sha256 hex>``, the only image source the reading pane loads."""
    return _ARCHIVE_IMAGE_SOURCE.fullmatch(value) is not None


_LINK_PREFIXES = tuple(f"{scheme}:" for scheme in sorted(LINK_SCHEMES))
_URL_LEADING_JUNK = "".join(chr(code) for code in range(0x21))


def is_link_url(value: str) -> bool:
    """True when a browser would read ``value`` as an http, https or mailto URL.

    Normalises as the URL standard does (tabs and newlines removed, leading controls and spaces
    stripped, scheme case-folded) so that no spelling of another scheme slips through.
    """
    normalised = _URL_NOISE.sub("", value).lstrip(_URL_LEADING_JUNK).lower()
    return normalised.startswith(_LINK_PREFIXES)


def _make_cleaner(tags: frozenset[str]) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(tags),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=set(URL_SCHEMES),
        url_relative=_resolve_relative,
        strip_comments=True,
        link_rel=LINK_REL,
    )


_CLEANER = _make_cleaner(ALLOWED_TAGS)
#: Used when lxml could not read a body: its hidden elements could not be removed, so nothing
#: that might be a hidden pixel or picture is kept.
_CLEANER_WITHOUT_IMAGES = _make_cleaner(ALLOWED_TAGS - {"img", "picture"})


# --- lxml fragments ---------------------------------------------------------------------------

_HTML_PARSER = lxml.html.HTMLParser(remove_blank_text=False, remove_comments=False)
# libxml2 2.14 drops everything after "</html>" and puts what follows "</body>" outside the body;
# feeds do send whole documents as entry bodies, so these tags are removed before parsing.
_DOCUMENT_TAGS = re.compile(r"</?(?:html|head|body)\b[^>]*>", re.IGNORECASE)

#: What lxml raises on input it cannot read; callers fall back instead of crashing.
FRAGMENT_ERRORS = (lxml.etree.LxmlError, ValueError, RecursionError)


def encodable(html: str) -> str:
    """``html`` with lone surrogates replaced: lxml silently empties such text, nh3 raises."""
    if html.isascii():
        return html
    try:
        html.encode("utf-8")
    except UnicodeEncodeError:
        return html.encode("utf-8", "replace").decode("utf-8")
    return html


# Characters libxml2's parser lets into the tree but lxml refuses to set as text or attribute
# values, so moving such text around would raise. Browsers show none of them.
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text_replacement(match: re.Match[str]) -> str:
    return {"\x00": "\ufffd", "\x0c": " "}.get(match.group(), "")


def parse_fragment(html: str) -> Any:
    """An lxml ``<html>`` element whose ``<body>`` holds the fragment ``html``.

    Elements nested deeper than ``budget.PAGE_MAX_DEPTH`` are unwrapped first (libxml2 would
    drop everything after the 256th level), and tags with thousands of attributes cut
    (``budget.limit_nesting``). Raises one of ``FRAGMENT_ERRORS`` on input lxml refuses (rare:
    libxml2 recovers from almost anything, sometimes by dropping what it cannot place).
    """
    text = _NOT_XML_TEXT.sub(_xml_text_replacement, _DOCUMENT_TAGS.sub("", encodable(html)))
    root, _reasons = parse_within_budget(
        text, lambda markup: lxml.html.document_fromstring("<html><body>" + markup,
                                                           parser=_HTML_PARSER))
    for element in list(root.iter(*_VOID_UNKNOWN_TO_LIBXML2)):
        _unnest(element)
    return root


# An element this deep means libxml2 hit its nesting limit (256) and dropped the rest of the
# input: no markup within ``PAGE_MAX_DEPTH`` gets there. One XPath step per level visits each
# element once, so the probe is linear; it runs only on markup with enough tags to be deep.
_TOO_DEEP = lxml.etree.XPath("/*" * (PAGE_MAX_DEPTH + 40))


def too_deep(root: Any) -> bool:
    """Whether the tree ``root`` (None, or any element of a document) is deeper than any
    markup held to ``budget.limit_nesting`` can be."""
    return root is not None and bool(_TOO_DEEP(root.getroottree()))


def parse_within_budget(markup: str, parse: Callable[[str], T]) -> tuple[T, tuple[str, ...]]:
    """``parse(markup)`` (an lxml parse; None allowed), with ``markup`` first held to
    ``budget.limit_nesting`` when it could make lxml slow (a tag with thousands of attributes)
    or when the parse came out too deep; and the budget's reasons, for a note.

    A first pass keeps every token the budget does not cut; if lxml still nests too deep
    (markup this module's tokenizer reads as text and lxml as tags), a strict pass escapes
    every '<' that is not a well-formed tag.
    """
    reasons: tuple[str, ...] = ()
    if needs_nesting_limit(markup):
        budgeted = limit_nesting(markup)
        markup, reasons = budgeted.html, budgeted.reasons
    root = parse(markup)
    if markup.count("<") <= PAGE_MAX_DEPTH or not too_deep(root):
        return root, reasons
    budgeted = limit_nesting(markup)
    root = parse(budgeted.html)
    if too_deep(root):
        budgeted = limit_nesting(markup, strict=True)
        root = parse(budgeted.html)
    return root, (*reasons, *budgeted.reasons)


# HTML5 void elements libxml2 2.14 does not know (and "<image>", which HTML5 parsers turn into
# <img>): it makes them containers that swallow the rest of their parent, so "<picture><source>
# <img></picture>" would put the <img> inside the <source>.
_VOID_UNKNOWN_TO_LIBXML2 = ("embed", "image", "keygen", "source", "track", "wbr")


def _unnest(element: Any) -> None:
    """Move what libxml2 put inside a void element to just after it, where HTML5 puts it."""
    parent = element.getparent()
    children = list(element)
    if parent is None or (not children and not element.text):
        return
    after = element.tail or ""
    element.tail, element.text = element.text, None
    index = parent.index(element)
    for offset, child in enumerate(children, start=1):
        parent.insert(index + offset, child)  # moves the child, and its tail with it
    last = children[-1] if children else element
    last.tail = (last.tail or "") + after or None


def serialize_fragment(root: Any) -> str:
    """The markup inside ``root`` (from ``parse_fragment``) without the html/body wrapper."""
    parts: list[str] = []
    for top in root:
        if top.tag == "body":
            if top.text:
                parts.append(html_lib.escape(top.text, quote=False))
            parts.extend(
                lxml.html.tostring(child, encoding="unicode", method="html") for child in top)
        else:
            parts.append(lxml.html.tostring(top, encoding="unicode", method="html"))
    return "".join(parts)


def drop_element(element: Any) -> None:
    """Remove ``element`` and its content but keep the text that follows it."""
    if element.getparent() is not None:
        element.drop_tree()


# --- hidden elements --------------------------------------------------------------------------

_HIDDEN_STYLE = re.compile(
    r"(?<![\w-])(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse))(?![\w-])",
    re.IGNORECASE)
_HIDDEN_CANDIDATES = lxml.etree.XPath("//*[@hidden or @aria-hidden or @style]")


# A cheap hint on the raw text: a false one ("a hidden gem") only costs a parse. Lower-casing
# bytes is ASCII-only and five times faster than str.lower() on non-ASCII text.
_DISPLAY_NONE = re.compile(rb"display\s*:\s*none")
_VISIBILITY_COLLAPSE = re.compile(rb"visibility\s*:\s*collapse")


def _may_hide(html: str) -> bool:
    lowered = html.encode("utf-8", "surrogatepass").lower()
    return (b"hidden" in lowered
            or (b"display" in lowered and _DISPLAY_NONE.search(lowered) is not None)
            or (b"collapse" in lowered and _VISIBILITY_COLLAPSE.search(lowered) is not None))


def is_hidden_element(element: Any) -> bool:
    """Whether nothing shows ``element`` (hidden, aria-hidden, display:none…): one rule for
    the sanitizer, which drops such elements, and the image finder, which never fetches
    their images."""
    return _is_hidden(element)


def _is_hidden(element: Any) -> bool:
    hidden = element.get("hidden")
    # hidden="until-found" is collapsed text the browser reveals on find-in-page: content.
    if hidden is not None and hidden.strip().lower() != "until-found":
        return True
    if (element.get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = element.get("style")
    return bool(style) and _HIDDEN_STYLE.search(style) is not None


def _without_hidden(html: str) -> str:
    """``html`` minus hidden elements; raises ``FRAGMENT_ERRORS`` when lxml cannot read it."""
    root = parse_fragment(html)
    hidden = [element for element in _HIDDEN_CANDIDATES(root) if _is_hidden(element)]
    if not hidden:
        return html  # nothing to do: keep the original rather than lxml's re-serialization
    for element in hidden:
        drop_element(element)
    return serialize_fragment(root)


# --- after nh3: images and link schemes --------------------------------------------------------

# Ammonia (html5ever) serializes every attribute as name="value" with '"', '<' and '>' escaped
# and every '<' in text as "&lt;", so these match each such tag in its output exactly; the count
# check in ``_check_images`` proves it for images. Doing this on the output rather than with
# nh3's ``attribute_filter`` costs a fraction: that hook calls Python for every attribute.
_ATTRIBUTES = r'((?:\s+[^\s"\'=<>/]+(?:="[^"]*")?)*)\s*/?>'
_IMG_TAG = re.compile(r"<img" + _ATTRIBUTES)
_LINK_TAG = re.compile(r"<(a|q|blockquote)" + _ATTRIBUTES)
_TAG_ATTRIBUTE = re.compile(r'([^\s"\'=<>/]+)(?:="([^"]*)")?')
# URL attributes not spelled the common safe way; a false hit only costs the careful check.
# Two patterns, not one alternation, so that re can scan for the literal prefix.
_SUSPECT_HREF = re.compile(r'href="(?!https?://|mailto:)')
_SUSPECT_CITE = re.compile(r'cite="(?!https?://|mailto:)')


def _has_suspect_url(markup: str) -> bool:
    return bool(_SUSPECT_HREF.search(markup)
                or ('cite="' in markup and _SUSPECT_CITE.search(markup)))


def _checked_image(markup: str) -> str:
    """The ``<img>`` tag to keep for these attributes, or "" when the image must go.

    Width and height survive only as whole numbers: they size the box, and anything else in
    them ("javascript:", "100%") is noise at best.
    """
    kept: list[str] = []
    values: dict[str, str] = {}
    for name, value in _TAG_ATTRIBUTE.findall(markup):
        values[name] = html_lib.unescape(value)
        if name not in ("width", "height") or (value.isascii() and value.isdigit()):
            kept.append(f' {name}="{value}"')
    if (not is_archive_image_uri(values.get("src", ""))
            or is_tracking_pixel(None, values.get("width"), values.get("height"))):
        return ""
    return f"<img{''.join(kept)}>"


def _check_images(cleaned: str) -> str:
    """``cleaned`` without the images Ammonia kept but the archive does not show.

    Ammonia drops a ``src`` it refuses yet keeps the ``<img>``, and it allows every
    ``archive-image:`` source whatever its size.
    """
    kept = 0

    def check(match: re.Match[str]) -> str:
        nonlocal kept
        tag = _checked_image(match.group(1))
        kept += bool(tag)
        return tag

    result = _IMG_TAG.sub(check, cleaned)
    if result.count("<img") != kept:  # a tag shape this module did not foresee: keep none
        return _CLEANER_WITHOUT_IMAGES.clean(result)
    return result


def _check_link(match: re.Match[str]) -> str:
    """The tag with any href/cite that is not http, https or mailto removed.

    Ammonia also allows ``archive-image:`` (images need it) and would keep it on a link.
    """
    markup = match.group(2)
    if not _has_suspect_url(markup):
        return match.group(0)
    kept = "".join(
        f' {name}="{value}"' for name, value in _TAG_ATTRIBUTE.findall(markup)
        if name not in ("href", "cite") or is_link_url(html_lib.unescape(value)))
    return f"<{match.group(1)}{kept}>"


def _check_tags(cleaned: str) -> str:
    if "<img" in cleaned:
        cleaned = _check_images(cleaned)
    if _has_suspect_url(cleaned):
        cleaned = _LINK_TAG.sub(_check_link, cleaned)
    return cleaned


# --- the entry point --------------------------------------------------------------------------


def sanitize_html(html: str, base_url: str | None = None) -> str:
    """Return ``html`` reduced to the allowlist: safe to store and to show offline.

    Drops scripts, styles, event handlers, comments, frames, forms, hidden elements,
    ``javascript:``/``vbscript:``/``data:`` URLs and every image that does not point into the
    archive (remote images and tracking pixels alike). Relative links are resolved against
    ``base_url`` (an absolute http(s) URL; otherwise they lose their ``href``); links that
    survive are http, https or mailto and carry ``rel="noopener noreferrer nofollow"``.
    Never raises on bad markup: if lxml cannot read it, it is cleaned without any images.

    The body is first held to ``reader.render.budget`` (size, nesting, references, attributes,
    word length), so no input costs more than linear time; a limit that removed something
    is named in a "Shortened: …" note after the body.
    """
    budgeted = limit_body(encodable(html))
    html = budgeted.html
    cleaner = _CLEANER
    if _may_hide(html):
        try:
            html = _without_hidden(html)
        except FRAGMENT_ERRORS:
            cleaner = _CLEANER_WITHOUT_IMAGES
    return _noted(_clean(cleaner, html, base_url), budgeted)


def sanitize_without_images(html: str, base_url: str | None = None) -> str:
    """``sanitize_html`` that also drops every image, for markup lxml could not read.

    Hidden elements are not removed (finding them needs lxml), so no image may stay: a hidden
    pixel could be among them.
    """
    budgeted = limit_body(encodable(html))
    return _noted(_clean(_CLEANER_WITHOUT_IMAGES, budgeted.html, base_url), budgeted)


def _noted(cleaned: str, budgeted: Budgeted) -> str:
    return with_notes(cleaned, budgeted.reasons) if budgeted.reasons else cleaned


def _clean(cleaner: nh3.Cleaner, html: str, base_url: str | None) -> str:
    token = _BASE_URL.set(usable_base_url(base_url))
    try:
        cleaned = cleaner.clean(html)
    finally:
        _BASE_URL.reset(token)
    return _check_tags(cleaned)
