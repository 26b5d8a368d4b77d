"""``--format epub``: an EPUB 3 book written by EbookLib, one chapter per article with its
images inside the book, a navigation document, and bodies turned into well-formed XHTML
(lxml) so ``epubcheck`` finds no errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from html import escape
from pathlib import Path

import lxml.html
from ebooklib import epub
from lxml import etree

from reader.export.articles import Exported, placeholder_text, rewrite_images, with_src
from reader.export.progress import Tally


def _xhtml(fragment: str) -> str:
    """An HTML fragment as XML (closed tags, escaped text), inside one ``<div>``."""
    root = lxml.html.fragment_fromstring(fragment or "<p></p>", create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name in list(element.attrib):
            if ":" in name or not name.replace("-", "").isalnum():
                del element.attrib[name]
    return str(etree.tostring(root, encoding="unicode", method="xml"))


def chapter_body(item: Exported) -> str:
    article = item.article
    images = {image.sha256: image for image in item.images}
    body = rewrite_images(article.body_html, images,
                          lambda image, tag: with_src(tag, image.file),
                          lambda alt: (f'<span class="missing">'
                                       f"{escape(placeholder_text(alt))}</span>"))
    meta = [article.source]
    if article.author:
        meta.append(article.author)
    if article.published:
        meta.append(article.published.date().isoformat())
    if article.tags:
        meta.append("tags: " + ", ".join(article.tags))
    subtitle = (f'<p class="subtitle">{escape(article.subtitle)}</p>' if article.subtitle
                else "")
    link = (f'<p class="meta"><a href="{escape(article.url)}">{escape(article.url)}</a></p>'
            if article.url else "")
    return (f"<h1>{escape(article.title or 'Untitled')}</h1>{subtitle}"
            f'<p class="meta">{escape(" · ".join(meta))}</p>{link}{_xhtml(body)}')


#: Only what an e-reader's own style lacks: pictures that fit the page, quieter details.
STYLE = """img { max-width: 100%; height: auto; }
.subtitle { font-style: italic; }
.meta { font-size: 0.85em; color: #555; }
.missing { border: 1px dashed #999; padding: 0 0.3em; }
"""


def write(items: Iterable[Exported], out: Path, title: str, tally: Tally) -> None:
    book = epub.EpubBook()
    book.set_identifier(f"urn:uuid:{uuid.uuid4()}")
    book.set_title(title)
    book.set_language("en")
    book.add_author("Broadsheet")
    style = epub.EpubItem(uid="style", file_name="style.css", media_type="text/css",
                          content=STYLE.encode())
    book.add_item(style)
    chapters = []
    for item in items:
        chapter = epub.EpubHtml(title=item.article.title or "Untitled",
                                file_name=f"article-{item.article.id}.xhtml", lang="en")
        chapter.content = chapter_body(item)
        chapter.add_item(style)
        book.add_item(chapter)
        chapters.append(chapter)
        for image in item.images:
            if image.sha256 not in tally.images:
                book.add_item(epub.EpubImage(uid=f"img-{image.sha256}", file_name=image.file,
                                             media_type=image.mime_type,
                                             content=image.data))
                tally.images.add(image.sha256)
        tally.article_done()
    book.toc = chapters
    book.add_item(epub.EpubNcx())  # for older readers; EPUB 3 readers use the nav
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    epub.write_epub(str(out), book, {"epub3_pages": False})
