"""Which of a feed entry's attachments are kept, and in what form.

Enclosures come from the least careful corner of a feed (podcast hosts, CMS plug-ins, scraped
markup): lengths of "-1", "0", "12 MB" or 10^30, types like "mp3" or a whole sentence,
``javascript:`` or ``file:`` URLs, the same file listed three times, thousands of entries. A
reader only ever follows an attachment in the browser, so only what a browser would fetch is
kept, and every value that is not plainly right is dropped to None rather than guessed at.
The parsers call ``clean_enclosures`` with the feed's URL as the base; the archive calls it
again (without a base: it changes nothing the parsers kept) so a draft from any source obeys
the same rules.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from reader.records import Enclosure

#: Attachments kept per entry; real podcast and media feeds carry one to a handful.
MAX_ENCLOSURES = 20
#: Longer URLs are not links a person follows (browsers and servers refuse 8 KB ones).
MAX_URL_LENGTH = 4096
#: A length above a terabyte is a wrong number, not a file.
MAX_LENGTH = 10**12

_WEB_SCHEMES = frozenset({"http", "https"})
# RFC 6838 names: type "/" subtype, restricted-name characters, 127 at most each.
_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_MEDIA_KINDS = ("audio/", "video/", "application/")


def clean_enclosures(found: Iterable[Enclosure], base: str | None = None) -> tuple[Enclosure, ...]:
    """The attachments worth keeping, in order: web URLs (resolved against ``base``) only, each
    URL once, at most ``MAX_ENCLOSURES``; a bad type or length becomes None.

    Podcast feeds often name one file twice (``<enclosure>`` and ``<media:content>``): the
    first mention is kept, with a type or length only a later one gives filled in.
    """
    kept: dict[str, Enclosure] = {}
    for enclosure in found:
        url = clean_url(enclosure.url, base)
        if url is None:
            continue
        mime_type, length = clean_mime_type(enclosure.mime_type), clean_length(enclosure.length)
        known = kept.get(url)
        if known is not None:
            kept[url] = Enclosure(url, known.mime_type or mime_type,
                                  known.length if known.length is not None else length)
        elif len(kept) < MAX_ENCLOSURES:
            kept[url] = Enclosure(url, mime_type, length)
    return tuple(kept.values())


def clean_url(value: object, base: str | None = None) -> str | None:
    """``value`` as an absolute http(s) URL with a host, or None.

    Spaces (common in podcast file names) are percent-encoded; any other control character
    means the value is not a URL.
    """
    if not isinstance(value, str):
        return None
    url = value.strip().replace(" ", "%20")
    if not url or len(url) > MAX_URL_LENGTH or _CONTROL.search(url):
        return None
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # "http://[oops/" and other malformed authorities
        return None
    if parts.scheme.lower() not in _WEB_SCHEMES or not host or len(url) > MAX_URL_LENGTH:
        return None
    return url


def clean_mime_type(value: object) -> str | None:
    """A lower-case ``type/subtype`` without parameters, or None for anything else."""
    if not isinstance(value, str):
        return None
    token = value.split(";", 1)[0].strip().lower()
    return token if _MIME.fullmatch(token) else None


def clean_length(value: object) -> int | None:
    """A byte count from 0 to ``MAX_LENGTH``, else None.

    Zero is kept as written (the shared corpus expects what the feed says), though feeds
    write ``length="0"`` when they do not know: whoever shows a length shows no size for it.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        digits = value.strip()
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 13:
            return None
        value = int(digits)
    if not isinstance(value, int) or not 0 <= value <= MAX_LENGTH:
        return None
    return value


def is_media_file(url: str, mime_type: str | None, medium: str | None) -> bool:
    """Whether a Media RSS ``<media:content>`` is a file to list, not a picture.

    News feeds use media:content mostly for the lead image, which the body shows already; a
    picture is listed only as an ``<enclosure>``. The ``medium`` attribute decides when
    given, then the type, then the file name's extension.
    """
    if medium:
        return medium.strip().lower() in ("audio", "video", "document")
    kind = clean_mime_type(mime_type)
    if kind is None:
        try:
            kind = mimetypes.guess_type(urlsplit(url).path)[0]
        except ValueError:
            return False
    return (kind or "").startswith(_MEDIA_KINDS)
