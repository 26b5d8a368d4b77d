"""The HTML document the reading pane shows for one article, written for QTextDocument."""

# QTextDocument reads a subset of HTML 4 and CSS 2 (Qt's "Supported HTML Subset" page): type,
# class and descendant selectors; color, background-color, font-*, margin-*, line-height in %
# or px, white-space, text-decoration, and borders/padding on tables only. No max-width, no
# padding or borders on paragraphs, and ``display`` is ignored on elements Qt does not know.
# So lengths are written in px computed from the font size, chips get their padding from
# no-break spaces, and the measure (line length) is left to the view, which sets the root
# frame's side margins from the window width.
#
# Headings ignore a font-size in pt: the importer gives h1-h5 a relative size (the
# FontSizeAdjustment property) that wins over it. So heading sizes use the keywords that set
# that property (small 0.8, medium 1, large 1.2, x-large 1.5, xx-large 2 times the *document's
# default font*), and whoever shows the page sets QTextDocument.defaultFont to
# ``base_font_pt`` in ``SERIF_FAMILIES``.
#
# Two quirks of Qt's HTML importer are worked around in ``qt_body``, the one place the body's
# markup is touched (tags only, never text or attributes):
# - ``<figure>`` and ``<figcaption>`` are unknown to it and ``display: block`` does not help, so
#   a figure never starts a block: they become ``<div class="figure">``/``"figcaption"``;
# - an ``<img>`` that directly follows a closed block ("<p>a</p><img>") is appended to that
#   block's last line. It gets a ``<div class="image">`` of its own, or inside a link a
#   zero-width space before it, which makes the importer open a new block as any text would.

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, unquote, urlsplit

from reader.records import Article, Enclosure, RelatedLink
from reader.render.attachments import attachment_details, attachment_name
from reader.render.dates import humanize_date
from reader.render.display import displayable

TAG_SCHEME = "broadsheet-tag"
ARTICLE_SCHEME = "broadsheet-article"

_TAG_PREFIX = f"{TAG_SCHEME}:"
_ARTICLE_PREFIX = f"{ARTICLE_SCHEME}:"

#: Font stacks, best first; Qt takes the first family installed.
SERIF_FAMILIES = ("Charter", "Bitstream Charter", "Source Serif 4", "Source Serif Pro", "Georgia",
                  "Noto Serif", "DejaVu Serif", "serif")
SANS_FAMILIES = ("Segoe UI", "Helvetica Neue", "Noto Sans", "DejaVu Sans", "Arial", "sans-serif")
MONO_FAMILIES = ("JetBrains Mono", "Cascadia Mono", "Consolas", "Menlo", "DejaVu Sans Mono",
                 "Liberation Mono", "monospace")


def _css_families(families: tuple[str, ...]) -> str:
    return ", ".join(name if name.isalnum() or "-" in name else f"'{name}'" for name in families)


SERIF_FONTS = _css_families(SERIF_FAMILIES)
SANS_FONTS = _css_families(SANS_FAMILIES)
MONO_FONTS = _css_families(MONO_FAMILIES)

#: Words a minute for the "N min read" estimate.
READING_SPEED = 230


@dataclass(frozen=True, slots=True)
class Theme:
    """The colours of the reading pane, as ``#rrggbb`` strings (all QTextDocument reads)."""

    name: str
    text: str
    background: str
    muted: str
    accent: str
    chip_background: str
    chip_text: str
    rule: str
    code_background: str
    quote_text: str
    placeholder_background: str


LIGHT = Theme(
    name="light",
    text="#1f2328",
    background="#fdfcf8",
    muted="#6a6f76",
    accent="#1a5fb4",
    chip_background="#e8ecf2",
    chip_text="#2b3a55",
    rule="#d8d6cf",
    code_background="#f0eee8",
    quote_text="#45494f",
    placeholder_background="#efede7",
)

DARK = Theme(
    name="dark",
    text="#e3e1dc",
    background="#1c1d20",
    muted="#9a9ca1",
    accent="#8ab4f8",
    chip_background="#2e3440",
    chip_text="#c8d3e6",
    rule="#3a3c41",
    code_background="#26282c",
    quote_text="#c3c1bc",
    placeholder_background="#2a2b2f",
)


# --- links the reading pane understands -------------------------------------------------------


def tag_href(name: str) -> str:
    """``broadsheet-tag:<name>``, percent-encoded so any tag name survives as one URL path."""
    return _TAG_PREFIX + quote(name, safe="")


def tag_from_href(href: str) -> str | None:
    """The tag name a ``tag_href`` link carries, or None when ``href`` is not one."""
    if not href.startswith(_TAG_PREFIX):
        return None
    name = unquote(href[len(_TAG_PREFIX):])
    return name or None


def article_href(article_id: int) -> str:
    return f"{_ARTICLE_PREFIX}{article_id}"


def article_id_from_href(href: str) -> int | None:
    """The id an ``article_href`` link carries, or None when ``href`` is not one."""
    if not href.startswith(_ARTICLE_PREFIX):
        return None
    digits = href[len(_ARTICLE_PREFIX):]
    return int(digits) if digits.isascii() and digits.isdigit() else None


# --- dates and small text ---------------------------------------------------------------------


def reading_time(word_count: int) -> str | None:
    if word_count <= 0:
        return None
    return f"{max(1, round(word_count / READING_SPEED))} min read"


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def _original_host(url: str | None) -> str | None:
    """The host to name in "Read the original", or None when ``url`` is no web link."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname
    return host[4:] if host.startswith("www.") else host


# --- the body ---------------------------------------------------------------------------------

# Sanitized markup (html5ever's serializer) escapes "<" in text and in attribute values, so
# every "<" starts a tag and this matches each tag whole.
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")

#: Elements whose end closes a QTextDocument block ("div" covers the figure rewrite).
_BLOCKS = frozenset({
    "address", "blockquote", "center", "dd", "div", "dl", "dt", "h1", "h2", "h3", "h4", "h5",
    "h6", "li", "ol", "p", "pre", "ul", "figure", "figcaption",
})
#: Inline elements that may stand between a closed block and an image without opening a line.
_TRANSPARENT = frozenset({"a", "picture", "span", "b", "i", "em", "strong", "u", "small"})
_ZERO_WIDTH_SPACE = "&#8203;"


def qt_body(body_html: str) -> str:
    """``body_html`` with the two importer quirks above worked around; text is untouched.

    A figure with a caption becomes ``div.figure-captioned``: Qt gives a ``<div>``'s margins
    to its first block only, so the space below a figure must sit on its caption when it has one.
    """
    if "<img" not in body_html and "<fig" not in body_html:
        return body_html
    pieces: list[str] = []
    open_figures: list[int] = []  # indexes in ``pieces`` of the figures not yet closed
    after_block = False  # nothing but whitespace since a block closed...
    inline_opened = False  # ...except the start of an inline element such as <a>
    position = 0
    for match in _TAG.finditer(body_html):
        text = body_html[position:match.start()]
        if text.strip():
            after_block = False
        pieces.append(text)
        position = match.end()
        closing, name, rest = match.group(1), match.group(2).lower(), match.group(3)
        tag = match.group(0)
        if name == "figure":
            if closing:
                if open_figures:
                    open_figures.pop()
            else:
                open_figures.append(len(pieces))
            tag = "</div>" if closing else f'<div class="figure"{rest}>'
        elif name == "figcaption":
            if not closing and open_figures:
                opening = pieces[open_figures[-1]]
                pieces[open_figures[-1]] = opening.replace('"figure"', '"figure-captioned"', 1)
            tag = "</div>" if closing else f'<div class="figcaption"{rest}>'
        if name == "img" and after_block and not inline_opened:
            # Its own block, spaced like a figure; the next image gets one too.
            tag = f'<div class="image">{tag}</div>'
        elif name == "img" and after_block:
            tag = _ZERO_WIDTH_SPACE + tag  # inside <a>: a block there would split the link
            after_block = False
        elif name in _BLOCKS:
            after_block = bool(closing)
            inline_opened = False
        elif name in _TRANSPARENT:
            inline_opened = inline_opened or not closing
        else:
            after_block = False
        pieces.append(tag)
    pieces.append(body_html[position:])
    return "".join(pieces)


# --- the document -----------------------------------------------------------------------------


def _style(theme: Theme, base_pt: float, typeface: str = "serif") -> str:
    """The style sheet; sizes scale with ``base_pt`` so zooming keeps the proportions.
    ``typeface`` "sans" sets the text (and the title) in the sans-serif stack."""
    text_fonts = SANS_FONTS if typeface == "sans" else SERIF_FONTS

    def pt(factor: float) -> str:
        return f"{base_pt * factor:.2f}pt"

    def px(em: float) -> str:
        # Qt's CSS has no usable "em" for margins: convert at the 96 dpi Qt assumes for px.
        return f"{round(base_pt * 96 / 72 * em)}px"

    t = theme
    return f"""
body {{ font-family: {text_fonts}; font-size: {pt(1)}; color: {t.text};
       background-color: {t.background}; }}
p {{ margin-top: 0px; margin-bottom: {px(0.9)}; line-height: 150%; }}
a {{ color: {t.accent}; }}
h1, h2, h3, h4, h5, h6 {{ font-family: {SANS_FONTS}; font-weight: 600; line-height: 125%;
       margin-bottom: {px(0.45)}; }}
h1 {{ font-size: x-large; margin-top: {px(1.4)}; }}
h2 {{ font-size: large; margin-top: {px(1.3)}; }}
h3 {{ font-size: medium; margin-top: {px(1.2)}; }}
h4, h5, h6 {{ font-size: medium; margin-top: {px(1)}; }}
h1.title {{ font-family: {text_fonts}; font-size: xx-large; font-weight: 700;
       line-height: 118%; margin-top: 0px; margin-bottom: {px(0.35)}; }}
p.subtitle {{ font-size: {pt(1.22)}; color: {t.muted}; line-height: 135%;
       margin-bottom: {px(0.7)}; }}
p.meta {{ font-family: {SANS_FONTS}; font-size: {pt(0.85)}; color: {t.muted};
       margin-bottom: {px(0.5)}; }}
p.tags {{ font-family: {SANS_FONTS}; font-size: {pt(0.8)}; line-height: 190%;
       margin-bottom: {px(0.3)}; }}
a.tag {{ color: {t.chip_text}; background-color: {t.chip_background};
       text-decoration: none; }}
p.original {{ font-family: {SANS_FONTS}; font-size: {pt(0.85)}; color: {t.muted};
       margin-bottom: {px(0.5)}; }}
hr {{ color: {t.rule}; background-color: {t.rule}; margin-top: {px(0.6)};
       margin-bottom: {px(1.2)}; }}
ul, ol {{ margin-top: 0px; margin-bottom: {px(0.9)}; }}
li {{ margin-bottom: {px(0.3)}; line-height: 150%; }}
li p {{ margin-bottom: {px(0.3)}; }}
blockquote {{ margin-left: {px(1.4)}; margin-right: {px(1.4)}; margin-top: {px(0.2)};
       margin-bottom: {px(1)}; color: {t.quote_text}; font-style: italic; }}
/* No line-height on pre: each of its lines is a block, and spaced blocks show stripes. */
pre {{ font-family: {MONO_FONTS}; font-size: {pt(0.85)}; background-color: {t.code_background};
       white-space: pre-wrap; margin-top: 0px; margin-bottom: {px(1)}; }}
code, kbd, samp, tt, var {{ font-family: {MONO_FONTS}; font-size: {pt(0.88)};
       background-color: {t.code_background}; }}
pre code, pre kbd, pre samp {{ font-size: {pt(0.85)}; background-color: transparent; }}
table {{ border-collapse: collapse; border-width: 1px; border-style: solid;
       border-color: {t.rule}; margin-bottom: {px(1)}; }}
th, td {{ padding: 4px 8px; border-width: 1px; border-style: solid; border-color: {t.rule};
       line-height: 135%; }}
th {{ background-color: {t.code_background}; font-weight: 600; }}
div.image {{ margin-top: {px(0.4)}; margin-bottom: {px(1.1)}; }}
div.figure {{ margin-top: {px(0.4)}; margin-bottom: {px(1.1)}; }}
div.figure-captioned {{ margin-top: {px(0.4)}; margin-bottom: 0px; }}
div.figcaption {{ font-family: {SANS_FONTS}; font-size: {pt(0.8)}; color: {t.muted};
       margin-top: {px(0.4)}; margin-bottom: {px(1.1)}; line-height: 140%; }}
span.image-missing {{ font-family: {SANS_FONTS}; font-size: {pt(0.8)}; color: {t.muted};
       background-color: {t.placeholder_background}; font-style: italic; }}
h2.related-heading {{ font-size: small; color: {t.muted}; font-weight: 700;
       text-transform: uppercase; margin-top: {px(0.2)}; margin-bottom: {px(0.8)}; }}
p.related {{ line-height: 145%; margin-bottom: {px(0.8)}; }}
span.related-title {{ font-family: {SANS_FONTS}; font-size: {pt(0.98)}; font-weight: 600; }}
span.related-date {{ font-family: {SANS_FONTS}; color: {t.muted}; font-size: {pt(0.82)}; }}
span.related-excerpt {{ font-size: {pt(0.9)}; color: {t.muted}; }}
p.attachment {{ font-family: {SANS_FONTS}; font-size: {pt(0.9)}; line-height: 145%;
       margin-bottom: {px(0.5)}; }}
span.attachment-detail {{ color: {t.muted}; font-size: {pt(0.82)}; }}
p.message {{ font-family: {SANS_FONTS}; font-size: {pt(1.1)}; color: {t.muted}; }}
"""


def _meta_line(article: Article, now: datetime | None) -> str:
    # The date and reading time never break inside: "5 min" / "read" on two lines reads badly.
    unbroken = [_text(part).replace(" ", "&nbsp;") for part in (
        humanize_date(article.published, now) if article.published else None,
        reading_time(article.word_count),
    ) if part]
    names = [_text(part) for part in (
        article.author.strip() if article.author else None,
        article.source.strip() or None,
    ) if part]
    return " · ".join(names + unbroken)


def _tag_chips(tags: tuple[str, ...]) -> str:
    # No-break spaces inside the link are the chip's padding: inline padding is not supported.
    return " ".join(
        f'<a class="tag" href="{_text(tag_href(tag))}">&nbsp;{_text(tag)}&nbsp;</a>'
        for tag in tags)


def _related(links: tuple[RelatedLink, ...], now: datetime | None) -> str:
    if not links:
        return ""
    items: list[str] = []
    for link in links:
        title = _text(link.title)
        if link.article_id is not None:
            title = f'<a href="{_text(article_href(link.article_id))}">{title}</a>'
        item = f'<span class="related-title">{title}</span>'
        if link.published:
            item += (f' <span class="related-date">· {_text(humanize_date(link.published, now))}'
                     "</span>")
        if link.excerpt and link.excerpt.strip():
            item += f'<br><span class="related-excerpt">{_text(link.excerpt.strip())}</span>'
        items.append(f'<p class="related">{item}</p>')
    return '<hr>\n<h2 class="related-heading">Related</h2>\n' + "\n".join(items)


def _attachments(enclosures: tuple[Enclosure, ...]) -> str:
    """A list of links, never an ``<audio>``, ``<video>`` or ``<img>``: the pane loads nothing
    from the network, and a click hands the URL to the browser like any web link."""
    if not enclosures:
        return ""
    items = [
        f'<p class="attachment"><a href="{_text(enclosure.url)}">'
        f"{_text(attachment_name(enclosure))}</a> "
        f'<span class="attachment-detail">· {_text(attachment_details(enclosure))}</span></p>'
        for enclosure in enclosures]
    return '<hr>\n<h2 class="related-heading">Attachments</h2>\n' + "\n".join(items) + "\n"


def article_document(article: Article, *, theme: Theme = LIGHT, base_font_pt: float = 11.0,
                     now: datetime | None = None, typeface: str = "serif") -> str:
    """The whole page for ``article``: header, tag chips, body, attachments, related links.

    Every text field is escaped; only ``article.body_html`` (already sanitized by the archive)
    is inserted as markup, within the pane's budget (``reader.render.display``) and through
    ``qt_body``. Tag chips link to ``broadsheet-tag:``, archived
    related articles to ``broadsheet-article:``; the original is linked only when it is an
    http(s) URL. ``now`` fixes "today"/"yesterday" for tests.

    Headings are sized relative to the QTextDocument's default font (see the module comment):
    set it to ``base_font_pt`` in ``SERIF_FAMILIES`` so they match the rest of the page.
    """
    header = [f'<h1 class="title">{_text(article.title)}</h1>']
    if article.subtitle and article.subtitle.strip():
        header.append(f'<p class="subtitle">{_text(article.subtitle.strip())}</p>')
    meta = _meta_line(article, now)
    if meta:
        header.append(f'<p class="meta">{meta}</p>')
    if article.tags:
        header.append(f'<p class="tags">{_tag_chips(article.tags)}</p>')
    host = _original_host(article.url)
    if host and article.url:
        header.append(f'<p class="original"><a href="{_text(article.url)}">'
                      f"Read the original at {_text(host)} ↗</a></p>")
    body = displayable(article.body_html)
    notes = "".join(f"<p><em>Shortened for display: {_text(note)}</em></p>"
                    for note in body.notes)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{_text(article.title)}</title>\n"
        f"<style>{_style(theme, base_font_pt, typeface)}</style></head>\n<body>\n"
        + "\n".join(header)
        + "\n<hr>\n<div class=\"article-body\">\n"
        + qt_body(body.body_html)
        + notes
        + "\n</div>\n"
        + _attachments(article.enclosures)
        + _related(article.related, now)
        + "\n</body></html>\n"
    )


def message_document(text: str, *, theme: Theme = LIGHT, base_font_pt: float = 11.0,
                     hints: Sequence[str] = ()) -> str:
    """A page holding one centred, muted line ("Select an article"), and under it any hints
    (the empty archive's "Import files: Ctrl+O"); all text is escaped."""
    lines = "".join(f'<p class="message" align="center">{_text(hint)}</p>\n' for hint in hints)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<style>{_style(theme, base_font_pt)}</style></head>\n<body>\n"
        f'<p class="message" align="center">{_text(text)}</p>\n'
        + (f"<p>&nbsp;</p>\n{lines}" if hints else "")
        + "</body></html>\n"
    )
