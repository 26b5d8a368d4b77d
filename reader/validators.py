"""Which ETag and Last-Modified values a server sends are worth keeping and sending back.

One rule for the fetcher (what it sends) and the archive (what it stores): a value with
non-ASCII or control characters fails every later request (httpx refuses to encode it), and
a long one is only a way to fill the archive, so both are dropped and the next sync fetches
in full.
"""

from __future__ import annotations

import re

MAX_VALIDATOR_LENGTH = 512
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")


def kept_validator(value: str | None) -> str | None:
    """``value`` stripped when it is short printable ASCII, else None."""
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > MAX_VALIDATOR_LENGTH or not _PRINTABLE_ASCII.fullmatch(text):
        return None
    return text
