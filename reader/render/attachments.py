"""How an attachment (a feed entry's enclosure) is named to a reader: "episode-42.mp3 · MP3
audio · 48.2 MB", shared by the reading pane and ``broadsheet show``.

Nothing here fetches anything: the name comes from the URL, the type label from the stored
MIME type (or, without one, the file name's extension), the size from the stored length.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import unquote, urlsplit

from reader.records import Enclosure

#: Labels for the types podcasts and media feeds use; others are named by their major type.
_LABELS = {
    "audio/mpeg": "MP3 audio", "audio/mp3": "MP3 audio", "audio/mp4": "M4A audio",
    "audio/x-m4a": "M4A audio", "audio/m4a": "M4A audio", "audio/aac": "AAC audio",
    "audio/ogg": "Ogg audio", "audio/opus": "Opus audio", "audio/flac": "FLAC audio",
    "audio/x-flac": "FLAC audio", "audio/wav": "WAV audio", "audio/x-wav": "WAV audio",
    "audio/webm": "WebM audio", "video/mp4": "MP4 video", "video/x-m4v": "M4V video",
    "video/webm": "WebM video", "video/ogg": "Ogg video", "video/quicktime": "QuickTime video",
    "video/x-matroska": "Matroska video", "application/pdf": "PDF document",
    "application/epub+zip": "EPUB book", "application/zip": "ZIP archive",
    "image/jpeg": "JPEG image", "image/png": "PNG image", "image/gif": "GIF image",
    "image/webp": "WebP image", "image/avif": "AVIF image", "text/plain": "Text",
}
_KINDS = {"audio": "Audio", "video": "Video", "image": "Image", "text": "Text"}
_UNITS = ("KB", "MB", "GB", "TB")
#: File names longer than this are cut in the middle: the start and the extension say most.
_MAX_NAME = 60


def attachment_name(enclosure: Enclosure) -> str:
    """The file name the URL ends in ("episode 42.mp3"), else its host."""
    parts = urlsplit(enclosure.url)
    name = " ".join(unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]).split())
    name = name or parts.hostname or enclosure.url
    if len(name) > _MAX_NAME:
        name = name[:_MAX_NAME - 12] + "…" + name[-11:]
    return name


def type_label(enclosure: Enclosure) -> str:
    """"MP3 audio", "PDF document"…, from the type, else the extension; "File" when unknown."""
    kind = enclosure.mime_type
    if not kind:
        try:
            kind = mimetypes.guess_type(urlsplit(enclosure.url).path)[0]
        except ValueError:
            kind = None
    if not kind:
        return "File"
    return _LABELS.get(kind) or _KINDS.get(kind.split("/", 1)[0], "File")


def human_size(length: int | None) -> str | None:
    """"48.2 MB" in decimal units, as file managers and podcast apps show sizes; None for an
    unknown length (a feed's "0" means unknown)."""
    if not length:
        return None
    if length < 1000:
        return f"{length} bytes" if length != 1 else "1 byte"
    value = float(length)
    for unit in _UNITS:  # noqa: B007 (the unit reached is the one shown)
        value /= 1000
        if value < 999.95:
            break
    return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"


def attachment_details(enclosure: Enclosure) -> str:
    """The type label and, when known, the size: "MP3 audio · 48.2 MB"."""
    size = human_size(enclosure.length)
    return type_label(enclosure) + (f" · {size}" if size else "")
