"""Finding the images an article shows, checking downloaded ones, pointing HTML at the copies."""

# The reading pane never reaches the network, so sync downloads each image once, keeps it in the
# archive under its sha256 and rewrites the article to ``archive-image:<sha256>``. The order:
# ``image_sources`` (what to download) -> ``prepare_image`` (is it an image we keep?) ->
# ``rewrite_images`` (point the HTML at the copies) -> ``sanitize_html`` when the article is
# stored. Tracking pixels are recognised by ``reader.render.sanitize.is_tracking_pixel``, the
# rule the sanitizer uses, so a pixel is neither downloaded nor shown.

from __future__ import annotations

import functools
import hashlib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image

from reader.errors import BinaryDocument, DocumentTooLarge
from reader.render.sanitize import (
    ARCHIVE_IMAGE_SCHEME,
    FRAGMENT_ERRORS,
    absolute_url,
    drop_element,
    is_archive_image_uri,
    is_tracker_url,
    is_tracking_pixel,
    parse_dimension,
    parse_fragment,
    sanitize_without_images,
    serialize_fragment,
    usable_base_url,
)

MAX_IMAGE_BYTES = 10 * 1024 * 1024
#: About 8,660 px square: 200 MB decoded as RGBA, under Qt 6's default 256 MB image allocation
#: limit, so every image kept can also be shown. Pillow's own bomb guard (89 Mpx) is looser.
MAX_IMAGE_PIXELS = 50_000_000

#: Pillow format -> the MIME type stored. MPO is how Pillow names a camera JPEG that carries
#: extra frames; every viewer shows it as the JPEG it is.
KEPT_FORMATS: dict[str, str] = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
    "BMP": "image/bmp",
}
_KEPT_TYPES = frozenset(KEPT_FORMATS.values())

#: Attributes lazy-loading scripts read instead of ``src``/``srcset``; best first.
_LAZY_SRCSETS = ("data-srcset", "data-lazy-srcset")
_LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original")
#: What an archived image no longer needs: the archive keeps one image per ``<img>``.
_DROPPED_ATTRIBUTES = ("srcset", "sizes", "loading", "decoding", *_LAZY_SRCSETS, *_LAZY_SOURCES)

MISSING_IMAGE_CLASS = "image-missing"


def archive_image_uri(sha256_hex: str) -> str:
    """The URI an article uses for an image the archive holds under ``sha256_hex``."""
    return f"{ARCHIVE_IMAGE_SCHEME}:{sha256_hex}"


# --- srcset -----------------------------------------------------------------------------------

# Markup that could hold an image. Without any, both functions below return at once: parsing
# a 5 KB body with lxml was 28% of a sync's CPU time on bodies that had no image at all.
_MAY_HAVE_IMAGES = re.compile(r"<\s*(?:img|image|source|picture)", re.IGNORECASE)
_DESCRIPTOR = re.compile(r"(\d+(?:\.\d+)?|\.\d+)([wxh])", re.ASCII)
_SPACE = " \t\n\r\f"


def _srcset_candidates(srcset: str) -> Iterator[tuple[str, str]]:
    """(url, descriptors) pairs of a srcset, split as the HTML standard does.

    A URL may itself contain commas (image CDNs write "w_300,h_200"), so candidates are split
    at whitespace after the URL, and a comma only ends one when it is outside parentheses.
    """
    position, end = 0, len(srcset)
    while position < end:
        while position < end and (srcset[position] in _SPACE or srcset[position] == ","):
            position += 1
        start = position
        while position < end and srcset[position] not in _SPACE:
            position += 1
        url = srcset[start:position]
        if not url:
            return
        if url.endswith(","):
            yield url.rstrip(","), ""
            continue
        start, depth = position, 0
        while position < end and (srcset[position] != "," or depth > 0):
            depth += {"(": 1, ")": -1}.get(srcset[position], 0)
            position += 1
        yield url, srcset[start:position].strip(_SPACE)
        position += 1


def largest_srcset_candidate(srcset: str) -> str | None:
    """The URL of the largest image in a srcset: widest ``w``, else densest ``x`` (1x default).

    Candidates with unreadable descriptors are skipped, as browsers do.
    """
    best: tuple[int, float, str] | None = None
    for url, descriptors in _srcset_candidates(srcset):
        kind, size = 0, 1.0  # kind 1 (a width) outranks kind 0 (a density)
        readable = True
        for descriptor in descriptors.split():
            match = _DESCRIPTOR.fullmatch(descriptor.lower())
            if match is None:
                readable = False
            elif match.group(2) == "w":
                kind, size = 1, float(match.group(1))
            elif match.group(2) == "x":
                size = float(match.group(1))
        if readable and (best is None or (kind, size) > best[:2]):
            best = (kind, size, url)
    return best[2] if best else None


# --- finding images ---------------------------------------------------------------------------

_STYLE_SIZE = {
    side: re.compile(rf"(?<![\w-]){side}\s*:\s*(\d+(?:\.\d*)?)\s*px", re.IGNORECASE | re.ASCII)
    for side in ("width", "height")
}


def _dimension(element: Any, side: str) -> int | None:
    size = parse_dimension(element.get(side))
    if size is None:
        match = _STYLE_SIZE[side].search(element.get("style") or "")
        size = int(float(match.group(1))) if match else None
    return size


def _picture_sources(element: Any) -> list[str]:
    """Raw srcset values of the ``<source>`` siblings of an image inside ``<picture>``.

    Sources without ``media`` come first: one with ``media`` is usually the small-screen crop.
    Sources of a type the archive does not keep (JPEG XL, SVG...) are skipped.
    """
    parent = element.getparent()
    if parent is None or parent.tag != "picture":
        return []
    plain: list[str] = []
    conditional: list[str] = []
    for source in parent.iterchildren("source"):
        kind = (source.get("type") or "").split(";")[0].strip().lower()
        if kind and kind not in _KEPT_TYPES:
            continue
        srcset = next((source.get(name) for name in ("srcset", *_LAZY_SRCSETS)
                       if source.get(name)), None)
        if srcset:
            (conditional if source.get("media") else plain).append(srcset)
    return plain + conditional


@dataclass(frozen=True, slots=True)
class _FoundImage:
    element: Any
    #: Absolute http(s) URLs that would show this image, best first; trackers left out.
    candidates: tuple[str, ...]
    #: Already rewritten to an image the archive holds (so rewriting twice changes nothing).
    archived: str | None
    pixel: bool


def _found_image(element: Any, base_url: str | None) -> _FoundImage:
    source = (element.get("src") or "").strip()
    if is_archive_image_uri(source):
        return _FoundImage(element, (), source, pixel=False)
    raw: list[str | None] = [largest_srcset_candidate(srcset)
                             for srcset in _picture_sources(element)]
    raw += [largest_srcset_candidate(element.get(name) or "") for name in _LAZY_SRCSETS]
    raw += [element.get(name) for name in _LAZY_SOURCES]
    raw += [largest_srcset_candidate(element.get("srcset") or ""), source]
    candidates: list[str] = []
    trackers = 0
    for value in raw:
        url = absolute_url(value, base_url) if value else None
        if url is None:
            continue  # data:, relative without a base, another scheme
        if is_tracker_url(url):
            trackers += 1
        elif url not in candidates:
            candidates.append(url)
    pixel = (is_tracking_pixel(None, _dimension(element, "width"), _dimension(element, "height"))
             or (trackers > 0 and not candidates))
    return _FoundImage(element, tuple(candidates), None, pixel)


def _found_images(root: Any, base_url: str | None) -> list[_FoundImage]:
    base = usable_base_url(base_url)
    # "<image>" is an old spelling HTML parsers turn into <img>; libxml2 does not, so both.
    return [_found_image(element, base) for element in root.iter("img", "image")]


def image_sources(html: str, base_url: str | None) -> list[str]:
    """The absolute http(s) URL of each image the article shows, in order, without repeats.

    One URL per image, the best version it offers: a ``<picture>``'s ``<source srcset>``, then
    a lazy-loading ``data-src``/``data-srcset``, then the largest ``srcset`` candidate, then
    ``src``. Tracking pixels, ``data:`` URIs, images already in the archive and relative URLs
    that cannot be resolved (no ``base_url``) are left out. Never raises on bad markup.
    """
    return find_images(html, base_url).sources


# --- rewriting images -------------------------------------------------------------------------


def _make_placeholder(element: Any) -> None:
    """Turn an ``<img>`` into ``<span class="image-missing">[image: ALT]</span>`` in place.

    In place, so the text after the image stays where it was.
    """
    alt = " ".join((element.get("alt") or "").split())
    element.tag = "span"
    element.attrib.clear()
    element.set("class", MISSING_IMAGE_CLASS)
    element.text = f"[image: {alt}]" if alt else "[image]"


def rewrite_images(html: str, base_url: str | None, mapping: Mapping[str, str | None]) -> str:
    """``html`` with every image pointing into the archive, or replaced by a placeholder.

    ``mapping`` takes the URLs from ``image_sources`` to ``archive-image:`` URIs, or to None
    when the download failed. Any of an image's candidate URLs may be mapped; the best one is
    used. An image with no usable mapping (failed, missing, a ``data:`` URI, a value that is not
    an archive URI) becomes ``<span class="image-missing">[image: ALT]</span>``; a tracking
    pixel is removed; ``srcset``, ``sizes`` and every ``<source>`` go, since the archive keeps
    one image. No remote image URL is left. Bad markup that lxml cannot read loses its images
    rather than raising.
    """
    return find_images(html, base_url).rewrite(mapping)


def find_images(html: str, base_url: str | None) -> FoundImages:
    """One parse of ``html`` for both ``image_sources`` and ``rewrite_images``: sync asks for
    the URLs, downloads them, then rewrites, and lxml parsing was the costliest step of a sync
    (17% of its CPU time) when it parsed each body twice."""
    if not _MAY_HAVE_IMAGES.search(html):
        return FoundImages(html, base_url, None, [], [], readable=True)
    try:
        root = parse_fragment(html)
    except FRAGMENT_ERRORS:
        return FoundImages(html, base_url, None, [], [], readable=False)
    # <source> only means something inside <picture> (or <video>, which the sanitizer drops).
    return FoundImages(html, base_url, root, _found_images(root, base_url),
                       list(root.iter("source")), readable=True)


@dataclass(slots=True)
class FoundImages:
    """A body's images, found once; ``rewrite`` changes the parsed tree, so call it once."""

    html: str
    base_url: str | None
    root: Any
    images: list[_FoundImage]
    source_elements: list[Any]
    readable: bool

    @property
    def sources(self) -> list[str]:
        """See ``image_sources``."""
        found: dict[str, None] = {}
        for image in self.images:
            if not image.pixel and image.candidates:
                found.setdefault(image.candidates[0])
        return list(found)

    def rewrite(self, mapping: Mapping[str, str | None]) -> str:
        """See ``rewrite_images``."""
        if not self.readable:
            return sanitize_without_images(self.html, self.base_url)
        if not self.images and not self.source_elements:
            return self.html  # nothing to do: keep the original, not lxml's re-serialization
        for image in self.images:
            element = image.element
            if image.pixel:
                drop_element(element)
                continue
            archived = image.archived or next(
                (uri for uri in (mapping.get(url) for url in image.candidates)
                 if uri is not None and is_archive_image_uri(uri)), None)
            if archived is None:
                _make_placeholder(element)
                continue
            element.tag = "img"
            element.set("src", archived)
            for name in _DROPPED_ATTRIBUTES:
                element.attrib.pop(name, None)
        for source in self.source_elements:
            drop_element(source)
        return serialize_fragment(self.root)


# --- checking downloaded images ---------------------------------------------------------------


@functools.cache
def _opened_formats() -> tuple[str, ...]:
    """The Pillow plugins allowed to read downloaded bytes: a smaller attack surface.

    Only those this Pillow has (AVIF needs a recent build); MPO is opened by the JPEG plugin.
    """
    Image.init()
    return tuple(name for name in KEPT_FORMATS if name in Image.OPEN)


@dataclass(frozen=True, slots=True)
class StoredImage:
    """A downloaded image the archive keeps, addressed by the sha256 of its bytes."""

    sha256: str
    mime_type: str
    width: int | None
    height: int | None
    data: bytes


_MARKUP_START = re.compile(rb"\s*(?:\xef\xbb\xbf)?\s*<")


def _refusal_for_unreadable(data: bytes) -> BinaryDocument:
    if _MARKUP_START.match(data[:64]) and b"<svg" in data[:4096].lower():
        return BinaryDocument("not an image we keep: SVG can carry scripts")
    if _MARKUP_START.match(data[:64]):
        return BinaryDocument("not an image we keep: markup (HTML or XML), not an image")
    return BinaryDocument(
        "not an image we keep: not a readable JPEG, PNG, GIF, WebP, AVIF or BMP file")


def prepare_image(data: bytes) -> StoredImage:
    """Check downloaded bytes and describe them for the archive.

    The type is sniffed from the bytes, never taken from a header or a file name, and only
    raster formats viewers show safely are kept: SVG is refused because it can carry scripts.
    Raises ``DocumentTooLarge`` over ``MAX_IMAGE_BYTES``, and ``BinaryDocument`` for anything
    else refused: an unknown or broken format, more than ``MAX_IMAGE_PIXELS`` (a decompression
    bomb decodes a small file into gigabytes), or a 1x1 tracking pixel. Only the header is read
    and the structure verified; pixels are not decoded here.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise DocumentTooLarge(
            f"image is {len(data):,} bytes; the limit is {MAX_IMAGE_BYTES:,} bytes")
    if not data:
        raise BinaryDocument("not an image we keep: no bytes")
    # Pillow raises DecompressionBombError past twice its pixel limit and only warns between
    # one and two times it; MAX_IMAGE_PIXELS is lower, so the check below refuses those too.
    # Turning the warning into an error here would need warnings.catch_warnings(), which swaps
    # process-wide state and is not thread-safe before Python 3.14; sync checks images on
    # several threads. (Where warnings are already errors, the warning is caught as a refusal.)
    try:
        with Image.open(io.BytesIO(data), formats=_opened_formats()) as image:
            kind = str(image.format)
            width, height = image.size
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise BinaryDocument(
            "not an image we keep: too many pixels to decode safely (a decompression bomb?)"
        ) from error
    except Exception as error:  # Pillow raises many kinds on hostile bytes; all mean "no"
        raise _refusal_for_unreadable(data) from error
    if kind not in KEPT_FORMATS:
        raise BinaryDocument(f"not an image we keep: {kind}")
    if width * height > MAX_IMAGE_PIXELS:
        raise BinaryDocument(f"not an image we keep: {width}x{height} is more than "
                             f"{MAX_IMAGE_PIXELS:,} pixels, too many to decode safely")
    if is_tracking_pixel(None, width, height):
        raise BinaryDocument(f"not an image we keep: a {width}x{height} tracking pixel")
    return StoredImage(
        sha256=hashlib.sha256(data).hexdigest(),
        mime_type=KEPT_FORMATS[kind],
        width=width,
        height=height,
        data=data,
    )
