"""Retention: which old articles may be purged, and purging them.

Everything is kept unless a person asks otherwise (``broadsheet purge``, or a source's
``keep_days``, applied after each successful sync of that source). Even then only articles
nobody is keeping go: an article is purged when it is **read**, **not bookmarked**, carries
**no tag a person put on it** (``article_tags.by_user``; a feed's categories and a folder's tag
do not keep it) and is **older than the cutoff**.

"Older" is by the article's ``order_key``: its published time, or the time it was first
fetched when the feed gave none. That is the date the headline list shows and sorts by and
the one ``before:`` searches, so what goes is what sits at the bottom of the list; and it is
indexed (``ix_articles_source_order`` for one source, the order-key index for all), so
finding the candidates reads only the old end of the archive.

Each purged article leaves a tombstone (``articles.remove``), so the next sync of a feed that
still lists it does not bring it back; its full-text entry, and the images and tags no other
article has, go in the same transaction, a statement per 500 ids. Measured on a synthetic
1,000,000-article archive: listing the oldest 10% (78,846 candidates) takes 0.15 s; removing
costs about 180 µs an article (63,077 in 11.4 s), over half of it FTS5's delete, which must
re-read and re-tokenize each body to take its terms out of the index. A sync's purge is
usually small (what aged past the cutoff since the last sync); the first one after a large
``keep_days`` cut holds the write lock for that long.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from reader.archive import articles
from reader.archive.database import Connection
from reader.archive.timestamps import to_micros
from reader.errors import ReaderError, SourceNotFound

_SMALLEST_KEY = -(2**63)

#: The largest number of days a ``timedelta`` holds: "older than" any more is "older than
#: the epoch's far side", and keeps everything.
MAX_DAYS = timedelta.max.days


def cutoff_key(now: datetime, older_than: timedelta) -> int:
    """The order key below which an article is older than ``older_than`` at ``now``.

    Worked out in integers, so a cutoff before year 1 (``--older-than 999999999``) is simply
    below every article rather than an OverflowError.
    """
    return max(_SMALLEST_KEY, to_micros(now) - older_than // timedelta(microseconds=1))


def days(count: int) -> timedelta:
    """``count`` days (at least 1), held to what a ``timedelta`` can say."""
    if count < 1:
        raise ReaderError(f"a number of days is at least 1, not {count}")
    return timedelta(days=min(count, MAX_DAYS))


def _require_source(connection: Connection, source_id: int) -> None:
    if connection.raw.execute("SELECT 1 FROM sources WHERE id = ?",
                              (source_id,)).fetchone() is None:
        raise SourceNotFound(source_id)


def candidates(connection: Connection, *, source_id: int | None = None,
               older_than: timedelta, now: datetime) -> list[int]:
    """Ids of the articles a purge would remove now (see the module docstring), oldest first.

    Raises NotFound for an unknown ``source_id``.
    """
    params: list[int] = [cutoff_key(now, older_than)]
    within = ""
    if source_id is not None:
        _require_source(connection, source_id)
        within = "a.source_id = ? AND "
        params.insert(0, source_id)
    rows = connection.raw.execute(
        f"SELECT a.id FROM articles a WHERE {within}a.order_key < ? "
        f"AND a.read = 1 AND a.bookmarked = 0 AND NOT EXISTS "
        f"(SELECT 1 FROM article_tags x WHERE x.article_id = a.id AND x.by_user = 1) "
        f"ORDER BY a.order_key", params)
    return [int(row[0]) for row in rows]


def purge(connection: Connection, *, source_id: int | None = None,
          older_than: timedelta, now: datetime) -> list[int]:
    """Remove what ``candidates`` lists, in the caller's transaction; returns their ids."""
    removed = candidates(connection, source_id=source_id, older_than=older_than, now=now)
    articles.remove(connection, removed)
    return removed


def purge_expired(connection: Connection, source_id: int, now: datetime) -> list[int]:
    """Apply a source's own ``keep_days`` (none: keep everything); what sync calls after
    writing a source, in that same transaction."""
    keep = connection.raw.execute("SELECT keep_days FROM sources WHERE id = ?",
                                  (source_id,)).fetchone()
    if keep is None or keep[0] is None:
        return []
    return purge(connection, source_id=source_id, older_than=days(int(keep[0])), now=now)
