"""Finding the images an article shows, checking downloaded ones, pointing HTML at the copies."""

# The reading pane never reaches the network, so sync downloads each image once, keeps it in the
# archive under its sha256 and rewrites the article to ``archive-image:<sha256>``. The order:
# ``image_sources`` (what to download) -> ``prepare_image`` (is it an image we keep?) ->
# ``rewrite_images`` (point the HTML at the copies) -> ``sanitize_html`` when the article is
# stored. Tracking pixels are recognised by ``reader.render.sanitize.is_tracking_pixel``, the
# rule the sanitizer uses, so a pixel is neither downloaded nor shown; and an image inside an
# element the sanitizer removes as hidden (``hidden``, ``aria-hidden``, ``display:none``,
# ``visibility:hidden``) or inside a zero-size element is never downloaded either: nothing
# would show it, so fetching it could only tell a server that the article was synced.
#
# Sizes: an image is refused past ``MAX_IMAGE_PIXELS`` from its header alone, before any pixel
# is decoded (a decompression bomb); one whose longest side is over ``MAX_STORED_SIDE`` is
# decoded once and stored scaled down (``prepare_image``); and the ``width``/``height`` an
# article gives an archived image are clamped to the size actually stored.

from __future__ import annotations

import functools
import hashlib
import html as html_lib
import io
import re
import threading
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import lxml.etree
from PIL import Image, ImageOps

from reader.errors import BinaryDocument, DocumentTooLarge, OverBudget
from reader.render.sanitize import (
    FRAGMENT_ERRORS,
    absolute_url,
    drop_element,
    is_archive_image_uri,
    is_hidden_element,
    is_tracker_url,
    is_tracking_pixel,
    parse_dimension,
    parse_fragment,
    sanitize_without_images,
    serialize_fragment,
    usable_base_url,
)
from reader.render.scheme import ARCHIVE_IMAGE_SCHEME

MAX_IMAGE_BYTES = 10 * 1024 * 1024
#: About 8,660 px square: 200 MB decoded as RGBA, under Qt 6's default 256 MB image allocation
#: limit, so every image kept can also be shown. Pillow's own bomb guard (89 Mpx) is looser.
MAX_IMAGE_PIXELS = 30_000_000
#: The longest side of an image as the archive stores it: a larger image is decoded once when
#: it is stored and scaled down to fit (aspect kept), so the reading pane never decodes more
#: than 2,400 x 2,400 (5.8 Mpx) for one image however large the original was.
MAX_STORED_SIDE = 2400
#: JPEG and WebP quality of an image re-encoded after scaling down.
REENCODE_QUALITY = 85

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
    side: re.compile(rf"(?<![\w-]){side}\s*:\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z%]*)",
                     re.IGNORECASE | re.ASCII)
    for side in ("width", "height")
}
_STYLE_PADDING = re.compile(r"(?<![\w-])padding", re.IGNORECASE)


def _style_size(style: str, side: str) -> int | None:
    """A CSS width/height in whole pixels: px or no unit; 0 in any unit is 0; else None."""
    match = _STYLE_SIZE[side].search(style)
    if match is None:
        return None
    value, unit = float(match.group(1)), match.group(2).lower()
    if value == 0:
        return 0
    return int(value) if unit in ("", "px") else None


def _dimension(element: Any, side: str) -> int | None:
    size = parse_dimension(element.get(side))
    if size is None:
        size = _style_size(element.get("style") or "", side)
    return size


def _zero_sized(element: Any) -> bool:
    """An element that takes no room, so nothing inside it shows: ``width="0"``,
    ``height="0"``, CSS ``width:0``, or CSS ``height:0`` without padding (a zero height with
    padding is the usual aspect-ratio box around a responsive picture, which does show)."""
    if parse_dimension(element.get("width")) == 0 or parse_dimension(element.get("height")) == 0:
        return True
    style = element.get("style")
    if not style:
        return False
    return _style_size(style, "width") == 0 or (
        _style_size(style, "height") == 0 and _STYLE_PADDING.search(style) is None)


def _hides(element: Any) -> bool:
    """True when nothing inside ``element`` shows: the sanitizer removes it as hidden (its
    own test, so the two never disagree), or it has no size."""
    return is_hidden_element(element) or _zero_sized(element)


# Elements that might hide what they hold; each is then asked ``_hides``.
_MAY_HIDE = lxml.etree.XPath("//*[@hidden or @aria-hidden or @style or @width or @height]")


def _hidden_images(root: Any) -> set[Any]:
    """The ``<img>``/``<image>`` elements inside (or themselves) an element that hides them.

    One walk over the tree, counting how deep inside hidden elements it is, so a hostile
    nesting of hidden elements costs what its size does, never its size times its depth.
    """
    hiding = {element for element in _MAY_HIDE(root) if _hides(element)}
    if not hiding:
        return set()
    hidden: set[Any] = set()
    depth = 0
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            if depth or element in hiding:
                depth += 1
                if element.tag in ("img", "image"):
                    hidden.add(element)
        elif depth:
            depth -= 1
    return hidden


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


def _found_image(element: Any, base_url: str | None, hidden: bool = False) -> _FoundImage:
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
    pixel = (hidden
             or is_tracking_pixel(None, _dimension(element, "width"), _dimension(element, "height"))
             or (trackers > 0 and not candidates))
    return _FoundImage(element, tuple(candidates), None, pixel)


def _found_images(root: Any, base_url: str | None) -> list[_FoundImage]:
    base = usable_base_url(base_url)
    hidden = _hidden_images(root)
    # "<image>" is an old spelling HTML parsers turn into <img>; libxml2 does not, so both.
    return [_found_image(element, base, element in hidden)
            for element in root.iter("img", "image")]


def image_sources(html: str, base_url: str | None) -> list[str]:
    """The absolute http(s) URL of each image the article shows, in order, without repeats.

    One URL per image, the best version it offers: a ``<picture>``'s ``<source srcset>``, then
    a lazy-loading ``data-src``/``data-srcset``, then the largest ``srcset`` candidate, then
    ``src``. Tracking pixels, images inside hidden or zero-size elements, ``data:`` URIs,
    images already in the archive and relative URLs that cannot be resolved (no ``base_url``)
    are left out. Never raises on bad markup.
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


#: (width, height) of archived images as stored, by ``archive-image:`` URI.
ImageSizes = Mapping[str, tuple[int, int]]


def _clamped_attributes(element: Any, size: tuple[int, int]) -> None:
    """``width``/``height`` no larger than the image's real size: the reading pane lays an
    image out at what the body says, and ``height="999999999"`` would make it a 4 GB box."""
    for side, real in zip(("width", "height"), size, strict=True):
        value = element.get(side)
        if value is None:
            continue
        given = parse_dimension(value)
        if given is not None and given > real:
            element.set(side, str(real))


def rewrite_images(html: str, base_url: str | None, mapping: Mapping[str, str | None],
                   sizes: ImageSizes | None = None) -> str:
    """``html`` with every image pointing into the archive, or replaced by a placeholder.

    ``mapping`` takes the URLs from ``image_sources`` to ``archive-image:`` URIs, or to None
    when the download failed. Any of an image's candidate URLs may be mapped; the best one is
    used. An image with no usable mapping (failed, missing, a ``data:`` URI, a value that is not
    an archive URI) becomes ``<span class="image-missing">[image: ALT]</span>``; a tracking
    pixel is removed; ``srcset``, ``sizes`` and every ``<source>`` go, since the archive keeps
    one image. No remote image URL is left. With ``sizes``, an archived image's ``width`` and
    ``height`` are clamped to its stored size. Bad markup that lxml cannot read loses its
    images rather than raising.
    """
    return find_images(html, base_url).rewrite(mapping, sizes)


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

    def rewrite(self, mapping: Mapping[str, str | None], sizes: ImageSizes | None = None
                ) -> str:
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
            if sizes is not None and archived in sizes:
                _clamped_attributes(element, sizes[archived])
        for source in self.source_elements:
            drop_element(source)
        return serialize_fragment(self.root)


# --- archived images in sanitized markup -------------------------------------------------------

# The sanitizer's output (Ammonia's serializer) writes every attribute as name="value" with
# '"', '<' and '>' escaped, so these match each image tag in it exactly; the sanitizer checks
# its own images with the same shape.
_SANITIZED_IMG = re.compile(r'<img((?:\s+[^\s"\'=<>/]+(?:="[^"]*")?)*)\s*/?>')
_ATTRIBUTE = re.compile(r'([^\s"\'=<>/]+)(?:="([^"]*)")?')


def _image_attributes(markup: str) -> list[tuple[str, str]]:
    return [(name.lower(), value) for name, value in _ATTRIBUTE.findall(markup)]


def clamp_image_sizes(sanitized_html: str, sizes: ImageSizes) -> str:
    """Sanitized markup with each archived image's ``width``/``height`` no larger than the
    image as stored (``sizes``); the counterpart of ``rewrite(..., sizes)`` for bodies that
    were rewritten and sanitized elsewhere (sync's worker processes)."""
    if "<img" not in sanitized_html or not sizes:
        return sanitized_html

    def clamp(match: re.Match[str]) -> str:
        attributes = _image_attributes(match.group(1))
        source = html_lib.unescape(dict(attributes).get("src", ""))
        size = sizes.get(source)
        if size is None:
            return match.group(0)
        kept = []
        for name, value in attributes:
            if name in ("width", "height"):
                given = parse_dimension(html_lib.unescape(value))
                real = size[0] if name == "width" else size[1]
                if given is not None and given > real:
                    value = str(real)
            kept.append(f' {name}="{value}"')
        return f"<img{''.join(kept)}>"

    return _SANITIZED_IMG.sub(clamp, sanitized_html)


def placeholders_for(sanitized_html: str, missing: Collection[str]) -> str:
    """Sanitized markup with every image showing one of ``missing`` (``archive-image:`` URIs)
    turned into the usual placeholder: for an image that was stored ahead of its article and
    is gone by the time the article is written (see ``reader.sync.pipeline``)."""
    if "<img" not in sanitized_html or not missing:
        return sanitized_html

    def replace(match: re.Match[str]) -> str:
        values = {name: html_lib.unescape(value)
                  for name, value in _image_attributes(match.group(1))}
        if values.get("src") not in missing:
            return match.group(0)
        alt = " ".join(values.get("alt", "").split())
        text = f"[image: {alt}]" if alt else "[image]"
        return f'<span class="{MISSING_IMAGE_CLASS}">{html_lib.escape(text, quote=False)}</span>'

    return _SANITIZED_IMG.sub(replace, sanitized_html)


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
    #: Pixels decoded to scale the original down (0 when it is stored as it came).
    decoded_pixels: int = 0


_MARKUP_START = re.compile(rb"\s*(?:\xef\xbb\xbf)?\s*<")


def _refusal_for_unreadable(data: bytes) -> BinaryDocument:
    if _MARKUP_START.match(data[:64]) and b"<svg" in data[:4096].lower():
        return BinaryDocument("not an image we keep: SVG can carry scripts")
    if _MARKUP_START.match(data[:64]):
        return BinaryDocument("not an image we keep: markup (HTML or XML), not an image")
    return BinaryDocument(
        "not an image we keep: not a readable JPEG, PNG, GIF, WebP, AVIF or BMP file")


def prepare_image(data: bytes, *, max_decoded_pixels: int | None = None) -> StoredImage:
    """Check downloaded bytes and describe them for the archive, scaled down when too large.

    The type is sniffed from the bytes, never taken from a header or a file name, and only
    raster formats viewers show safely are kept: SVG is refused because it can carry scripts.
    Raises ``DocumentTooLarge`` over ``MAX_IMAGE_BYTES``, and ``BinaryDocument`` for anything
    else refused: an unknown or broken format, more than ``MAX_IMAGE_PIXELS`` (a decompression
    bomb decodes a small file into gigabytes: refused from the header, before any pixel is
    decoded), or a 1x1 tracking pixel.

    An image within ``MAX_STORED_SIDE`` is kept byte for byte (only its header is read and
    its structure verified). A larger one is decoded once and stored scaled down to fit
    (``_scaled_down``); ``max_decoded_pixels`` caps what that decoding may cost (a sync's
    per-source budget), past which ``OverBudget`` is raised before anything is decoded.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise DocumentTooLarge(
            f"image is {len(data):,} bytes; the limit is {MAX_IMAGE_BYTES:,} bytes")
    if not data:
        raise BinaryDocument("not an image we keep: no bytes")
    kind, width, height = _read_header(data)
    if max(width, height) > MAX_STORED_SIDE:
        return _scaled_down(data, kind, (width, height), max_decoded_pixels)
    return StoredImage(
        sha256=hashlib.sha256(data).hexdigest(),
        mime_type=KEPT_FORMATS[kind],
        width=width,
        height=height,
        data=data,
    )


def _read_header(data: bytes) -> tuple[str, int, int]:
    """(Pillow format, width, height) of bytes we keep; raises ``BinaryDocument`` otherwise.

    Only the header is read and the structure verified; no pixel is decoded.
    """
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
    return kind, width, height


# --- scaling down -----------------------------------------------------------------------------

#: One image decoded for scaling down at a time, per process: a 30 Mpx PNG is 90-120 MB
#: decoded, and sync prepares images on several threads at once.
_DECODING = threading.Lock()


def fitted_size(width: int, height: int, side: int = MAX_STORED_SIDE) -> tuple[int, int]:
    """(width, height) scaled so the longest side is at most ``side``, aspect kept."""
    longest = max(width, height)
    if longest <= side:
        return width, height
    return max(1, round(width * side / longest)), max(1, round(height * side / longest))


def _scaled_down(data: bytes, kind: str, size: tuple[int, int],
                 max_decoded_pixels: int | None) -> StoredImage:
    """The image re-encoded to fit ``MAX_STORED_SIDE``.

    JPEG (decoded at the smallest of 1/2, 1/4, 1/8 scale still at least the target, which
    costs a fraction of a full decode) stays JPEG, WebP stays WebP, and every other format
    becomes PNG; the result is JPEG instead when that PNG would be over ``MAX_IMAGE_BYTES``.
    An animated GIF (or PNG, WebP) this large keeps its first frame only: scaling every
    frame would cost frames times pixels, and the reading pane shows the first frame anyway.
    EXIF orientation is applied, since the re-encoded file carries no EXIF.
    """
    target = fitted_size(*size)
    decoded = 0
    with _DECODING:
        try:
            with Image.open(io.BytesIO(data), formats=_opened_formats()) as image:
                if kind in ("JPEG", "MPO"):
                    image.draft("RGB", target)
                decoded = image.size[0] * image.size[1]
                if max_decoded_pixels is not None and decoded > max_decoded_pixels:
                    raise OverBudget(f"scaling it down would decode {decoded:,} pixels")
                picture = _smaller(image, target)
                encoded, mime_type = _encoded(picture, kind)
        except OverBudget:
            raise
        except Exception as error:  # a header that lied, truncated data: all mean "no"
            raise UndecodableImage(str(_refusal_for_unreadable(data)), decoded) from error
    return StoredImage(sha256=hashlib.sha256(encoded).hexdigest(), mime_type=mime_type,
                       width=picture.size[0], height=picture.size[1], data=encoded,
                       decoded_pixels=decoded)


class UndecodableImage(BinaryDocument):
    """An image whose header passed but whose pixels could not be decoded; ``decoded_pixels``
    is what trying cost (the buffer is allocated from the header), so a budget counts it."""

    def __init__(self, message: str, decoded_pixels: int) -> None:
        super().__init__(message)
        self.decoded_pixels = decoded_pixels

    def __reduce__(self) -> tuple[type[UndecodableImage], tuple[str, int]]:
        return type(self), (str(self), self.decoded_pixels)


_ORIENTATION = 0x0112


def _smaller(image: Image.Image, target: tuple[int, int]) -> Image.Image:
    """``image`` (just opened) decoded and scaled to fit ``MAX_STORED_SIDE``; may be
    ``image`` itself, scaled in place."""
    if image.mode in ("1", "P"):
        # Palette images are scaled by nearest pixel only; so first to twice the target that
        # way (no full-size RGBA copy), then smoothly from there.
        if max(image.size) > 2 * MAX_STORED_SIDE:
            image = image.resize((target[0] * 2, target[1] * 2), Image.Resampling.NEAREST)
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    image.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE), Image.Resampling.LANCZOS,
                    reducing_gap=3.0)
    if image.getexif().get(_ORIENTATION, 1) != 1:
        image = ImageOps.exif_transpose(image) or image  # after scaling: a small copy
    return image


def _encoded(image: Image.Image, kind: str) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    if kind in ("JPEG", "MPO"):
        _jpeg(image, buffer)
        return buffer.getvalue(), "image/jpeg"
    if kind == "WEBP":
        image.save(buffer, "WEBP", quality=REENCODE_QUALITY)
        return buffer.getvalue(), "image/webp"
    image.save(buffer, "PNG")
    if buffer.tell() <= MAX_IMAGE_BYTES:
        return buffer.getvalue(), "image/png"
    buffer = io.BytesIO()
    _jpeg(image, buffer)
    return buffer.getvalue(), "image/jpeg"


def _jpeg(image: Image.Image, buffer: io.BytesIO) -> None:
    if image.mode in ("RGBA", "LA"):
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(buffer, "JPEG", quality=REENCODE_QUALITY)
