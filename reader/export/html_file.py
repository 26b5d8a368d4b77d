"""``--format html``: one self-contained page (images as data: URIs, no outside address
loaded) with a table of contents, readable offline in any browser. Articles are written to
a side file as they stream past, then the page is put together with the contents first."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterable
from html import escape
from pathlib import Path

from reader.export.articles import Exported, placeholder_text, rewrite_images, with_src
from reader.export.progress import Tally

STYLE = """body{font:17px/1.55 Georgia,serif;max-width:42em;margin:2em auto;padding:0 1em;
color:#222}img{max-width:100%;height:auto}nav li{margin:.2em 0}article{border-top:1px solid
#ccc;margin-top:2.5em;padding-top:1em}.meta{color:#666;font:14px/1.4 sans-serif}
.missing{display:inline-block;border:1px dashed #999;color:#666;padding:.2em .5em;
font:13px sans-serif}"""


def _missing(alt: str) -> str:
    return f'<span class="missing">{escape(placeholder_text(alt))}</span>'


def _inline(data: bytes, mime_type: str) -> str:
    return f"data:{mime_type};base64,{base64.b64encode(data).decode('ascii')}"


def article_section(item: Exported, anchor: str) -> str:
    article = item.article
    images = {image.sha256: image for image in item.images}
    body = rewrite_images(article.body_html, images,
                          lambda image, tag: with_src(tag, _inline(image.data,
                                                                   image.mime_type)),
                          _missing)
    meta = [escape(article.source)]
    if article.author:
        meta.append(escape(article.author))
    if article.published:
        meta.append(escape(article.published.strftime("%Y-%m-%d %H:%M %Z").strip()))
    if article.url:
        meta.append(f'<a href="{escape(article.url)}">{escape(article.url)}</a>')
    if article.tags:
        meta.append("tags: " + escape(", ".join(article.tags)))
    subtitle = f"<p><em>{escape(article.subtitle)}</em></p>" if article.subtitle else ""
    return (f'<article id="{anchor}"><h1>{escape(article.title or "Untitled")}</h1>'
            f'{subtitle}<p class="meta">{" · ".join(meta)}</p>\n{body}\n</article>\n')


def write(items: Iterable[Exported], out: Path, title: str, tally: Tally) -> None:
    side = out.with_name(out.name + ".articles")
    contents = []
    try:
        with side.open("w", encoding="utf-8") as articles:
            for item in items:
                anchor = f"a{item.article.id}"
                contents.append(f'<li><a href="#{anchor}">'
                                f'{escape(item.article.title or "Untitled")}</a></li>')
                articles.write(article_section(item, anchor))
                tally.images.update(image.sha256 for image in item.images)
                tally.article_done()
        with out.open("w", encoding="utf-8") as page, side.open(encoding="utf-8") as articles:
            page.write(f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
                       f'<meta http-equiv="Content-Security-Policy" content="default-src '
                       f"'none'; img-src data:; style-src 'unsafe-inline'\">"
                       f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
                       f"<h1>{escape(title)}</h1><nav><h2>Contents</h2><ol>"
                       + "\n".join(contents) + "</ol></nav>\n")
            shutil.copyfileobj(articles, page)
            page.write("</body></html>\n")
    finally:
        side.unlink(missing_ok=True)
