"""What every format exports: the matching articles, newest first, read a page at a time
(keyset) so a 10,000-article export never holds them all, with their archived images found
and their ``archive-image:`` references rewritten by the format."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape, unescape

from reader.archive import Archive
from reader.errors import NotFound
from reader.query import Query
from reader.records import Article
from reader.render.scheme import ARCHIVE_IMAGE_SCHEME

PAGE = 200

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif",
              "image/webp": "webp", "image/svg+xml": "svg", "image/avif": "avif"}

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(rf"""\bsrc\s*=\s*["']?{ARCHIVE_IMAGE_SCHEME}:([0-9a-f]+)["']?""",
                  re.IGNORECASE)
_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def extension(mime_type: str) -> str:
    return EXTENSIONS.get(mime_type.lower(), "bin")


@dataclass(frozen=True, slots=True)
class Image:
    sha256: str
    mime_type: str
    data: bytes

    @property
    def file(self) -> str:
        """Its path inside every folder format (the shared contract)."""
        return f"images/{self.sha256}.{extension(self.mime_type)}"


@dataclass(frozen=True, slots=True)
class Exported:
    """One article with the images its body shows that the archive holds."""

    article: Article
    source_url: str | None
    images: tuple[Image, ...]


def placeholder_text(alt: str) -> str:
    return f"[image: {alt}]" if alt else "[image]"


def rewrite_images(body: str, images: dict[str, Image],
                   present: Callable[[Image, str], str],
                   missing: Callable[[str], str]) -> str:
    """``body`` with each archived image's tag replaced by ``present(image, tag)`` and every
    other one (the archive lacks it, or — in a body stored before bodies were sanitized — it
    points elsewhere) by ``missing(alt)``: a placeholder, never a network address. ``alt`` is
    plain text, so ``missing`` escapes it for HTML."""
    def replace(match: re.Match[str]) -> str:
        tag = match.group(0)
        source = _SRC.search(tag)
        image = images.get(source.group(1)) if source is not None else None
        if image is not None:
            return present(image, tag)
        return missing(image_alt(tag))

    return _IMG.sub(replace, body)


def with_src(tag: str, src: str) -> str:
    """An ``<img>`` tag pointing somewhere else."""
    return _SRC.sub(lambda _m: f'src="{escape(src)}"', tag, count=1)


def image_alt(tag: str) -> str:
    """The tag's alt text, as plain text (its entities decoded)."""
    alt = _ALT.search(tag)
    return unescape(alt.group(1) or alt.group(2) or "") if alt else ""


def _referenced(body: str) -> list[str]:
    found = []
    for tag in _IMG.findall(body):
        source = _SRC.search(tag)
        if source is not None and source.group(1) not in found:
            found.append(source.group(1))
    return found


def _load(archive: Archive, article: Article, sources: dict[int, str | None]) -> Exported:
    images = []
    for sha in _referenced(article.body_html):
        try:
            mime_type, data = archive.image(sha)
        except NotFound:
            continue
        images.append(Image(sha, mime_type, data))
    return Exported(article, sources.get(article.source_id), tuple(images))


def matching(archive: Archive, query: str | Query = "",
             article_ids: Sequence[int] | None = None, *,
             source_id: int | None = None) -> Iterator[Exported]:
    """The articles of ``query`` (within ``source_id``), or exactly ``article_ids``, newest
    first, one by one."""
    sources = {source.id: source.url for source in archive.sources()}
    if article_ids is not None:
        rows = archive.headlines_by_id(article_ids)
        ordered = sorted(rows, key=lambda row: row.order_key, reverse=True)
        for start in range(0, len(ordered), PAGE):
            for row in ordered[start:start + PAGE]:
                yield _load(archive, archive.article(row.id), sources)
        return
    cursor = None
    while True:
        page = archive.headlines(query, source_id=source_id, cursor=cursor, limit=PAGE)
        for row in page.rows:
            yield _load(archive, archive.article(row.id), sources)
        cursor = page.next_cursor
        if cursor is None:
            return


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
