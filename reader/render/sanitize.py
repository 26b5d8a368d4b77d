"""The allowlist sanitizer every article body passes through before it is stored.

Built on nh3 (Ammonia) with one Cleaner made once and reused: per-call ``nh3.clean`` rebuilds
its configuration and costs about 1.7x (measured in shared/DEPENDENCIES.md). The reading pane
must never reach the network, so images survive only when they point into the archive.
"""

from __future__ import annotations

import re

import nh3

#: Images the archive stored itself are addressed with this scheme; anything else is remote.
ARCHIVE_IMAGE_SCHEME = "archive-image"

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "picture", "pre", "q", "s",
    "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "time", "tr", "u", "ul", "var",
})

ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "ol": {"start", "reversed"},
}

#: Whole elements (with their text) that never belong in a reading pane.
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "object", "embed", "noscript", "template", "form", "button",
    "select", "textarea", "svg", "math", "frame", "frameset", "applet", "canvas", "audio",
    "video", "head", "title", "meta", "link", "base",
})

LINK_SCHEMES = frozenset({"http", "https", "mailto", ARCHIVE_IMAGE_SCHEME})


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        return value if value.startswith(f"{ARCHIVE_IMAGE_SCHEME}:") else None
    if element == "img" and attribute in ("width", "height"):
        return value if value.isdigit() else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    url_schemes=set(LINK_SCHEMES),
    strip_comments=True,
    link_rel="noopener noreferrer nofollow",
)


def sanitize_html(html: str) -> str:
    """Return ``html`` reduced to the allowlist: safe to store and to show offline.

    Drops scripts, styles, event handlers, ``javascript:``/``data:`` URLs, frames, forms and
    every image that does not point into the archive (remote images and tracking pixels alike).
    """
    return _IMAGE_WITHOUT_SOURCE.sub("", _CLEANER.clean(html))


# nh3 re-serialises its output, so after it every <img> tag has this regular shape.
_IMAGE_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
