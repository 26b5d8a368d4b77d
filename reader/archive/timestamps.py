"""Aware UTC datetimes as integer microseconds since the epoch: how the archive stores time.

Kept apart from the ORM models so the read and write paths (and the window's start-up) need
not import SQLAlchemy's ORM at all.
"""

from __future__ import annotations

from datetime import UTC, datetime


def to_micros(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
