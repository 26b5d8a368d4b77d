"""Decoding an article's archived images on a worker thread, before the pane shows it.

QImage is reentrant, so decoding off the GUI thread is safe; what arrives on the GUI thread
is ready to draw. Images are decoded at most ``MAX_DECODED_WIDTH`` pixels wide (QImageReader
scales while decoding, so a huge image never exists at full size in memory): wider than any
screen shows it, and a reading pane scales down from there.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PySide6.QtGui import QImage, QImageReader

from reader.errors import NotFound, ReaderError

MAX_DECODED_WIDTH = 2400
MAX_DECODED_HEIGHT = 8000
#: Larger images are not decoded at all (a placeholder shows): Qt decodes a PNG whole before
#: scaling it, so a 50-megapixel image costs 200 MB and a second or more however it is shown.
#: The archive stores images downscaled; only rows from older versions or other tools hold such.
MAX_SOURCE_PIXELS = 25_000_000
#: Pixels decoded for one article in all; the rest show placeholders.
MAX_ARTICLE_PIXELS = 60_000_000
_ARCHIVE_IMAGE = re.compile(r"archive-image:([0-9a-f]{64})")

#: sha256 -> (mime type, bytes), raising NotFound: ``Archive.image``.
ImageSource = Callable[[str], tuple[str, bytes]]
#: sha256 -> the decoded image, or None when the archive has none (or an unreadable one).
DecodedImages = dict[str, QImage | None]


def archive_images_in(body_html: str) -> list[str]:
    """The archive images a body shows, each once, in order."""
    return list(dict.fromkeys(_ARCHIVE_IMAGE.findall(body_html)))


def decode(data: bytes, budget: int = MAX_SOURCE_PIXELS) -> QImage | None:
    """The image in ``data``, scaled down while decoding when it is larger than the limits;
    None for bytes Qt cannot read, and for an image of more than ``budget`` pixels (or whose
    header gives no size): decoding costs the source's pixels, whatever size comes out."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    size = reader.size()
    if not size.isValid() or size.width() * size.height() > min(budget, MAX_SOURCE_PIXELS):
        return None
    if (size.width() > MAX_DECODED_WIDTH or size.height() > MAX_DECODED_HEIGHT):
        scale = min(MAX_DECODED_WIDTH / size.width(), MAX_DECODED_HEIGHT / size.height())
        reader.setScaledSize(QSize(max(1, round(size.width() * scale)),
                                   max(1, round(size.height() * scale))))
    image = reader.read()
    return None if image.isNull() else image


def decode_article_images(body_html: str, source: ImageSource) -> DecodedImages:
    """Every archive image ``body_html`` shows, decoded (runs on a worker thread)."""
    images: DecodedImages = {}
    budget = MAX_ARTICLE_PIXELS
    for sha in archive_images_in(body_html):
        if budget <= 0:
            images[sha] = None
            continue
        try:
            _mime, data = source(sha)
        except NotFound:
            images[sha] = None
            continue
        except ReaderError:
            continue  # the archive is unavailable now: the pane shows a placeholder
        image = images[sha] = decode(data, budget)
        if image is not None:
            budget -= source_pixels(data)
    return images


def source_pixels(data: bytes) -> int:
    """The pixel count an image's header declares (0 when it declares none)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    size = QImageReader(buffer).size()
    return size.width() * size.height() if size.isValid() else 0
