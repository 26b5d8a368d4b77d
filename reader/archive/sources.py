"""Sources: where articles come from. Local imports share one source of kind ``local``."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from reader.archive.database import Connection
from reader.archive.timestamps import from_micros, to_micros
from reader.records import SourceInfo
from reader.validators import kept_validator

LOCAL_KIND = "local"
LOCAL_TITLE = "Imported files"

#: What a source's sync state may hold, whatever a server sent (the fetcher clamps these
#: already; the archive holds to them too, for any other writer): a Retry-After at most this
#: far ahead, validators of at most this many printable ASCII characters (others are not
#: kept: the next sync fetches in full), URLs and titles at most this long, one error line.
LONGEST_RETRY_WAIT = timedelta(days=7)
MAX_URL_LENGTH = 8192
MAX_TITLE_LENGTH = 1000
MAX_ERROR_LENGTH = 1000


def local_source_id(connection: Connection) -> int:
    """The source that holds files imported from disk, created on first use."""
    found = connection.exec_driver_sql(
        "SELECT id FROM sources WHERE kind = ? ORDER BY id LIMIT 1", (LOCAL_KIND,)
    ).scalar()
    if found is not None:
        return int(found)
    cursor = connection.exec_driver_sql(
        "INSERT INTO sources (kind, url, title, created_at) VALUES (?, NULL, ?, ?)",
        (LOCAL_KIND, LOCAL_TITLE, to_micros(datetime.now(UTC))),
    )
    return int(cursor.lastrowid)


_SOURCE_COLUMNS = ("id, kind, url, title, article_count, unread_count, last_synced, "
                   "last_error, paused, full_text, keep_images, every_minutes, keep_days, "
                   "failures, unsubscribed, last_error_at, "
                   "(SELECT min(name) FROM source_tags WHERE source_id = sources.id)")


def _source_info(row: Sequence[object]) -> SourceInfo:
    def moment(value: object) -> datetime | None:
        return None if value is None else from_micros(int(str(value)))

    return SourceInfo(
        id=int(str(row[0])), kind=str(row[1]), url=None if row[2] is None else str(row[2]),
        title=str(row[3]), article_count=int(str(row[4])), unread_count=int(str(row[5])),
        last_synced=moment(row[6]), last_error=None if row[7] is None else str(row[7]),
        paused=bool(row[8]), full_text=str(row[9]), keep_images=bool(row[10]),
        every_minutes=None if row[11] is None else int(str(row[11])),
        keep_days=None if row[12] is None else int(str(row[12])),
        failures=int(str(row[13])), unsubscribed=bool(row[14]), last_error_at=moment(row[15]),
        folder=None if row[16] is None else str(row[16]))


def list_sources(connection: Connection) -> list[SourceInfo]:
    rows = connection.exec_driver_sql(
        f"SELECT {_SOURCE_COLUMNS} FROM sources ORDER BY title COLLATE NOCASE, id")
    return [_source_info(row) for row in rows]


def source_info(connection: Connection, source_id: int) -> SourceInfo:
    """One source, or SourceNotFound."""
    from reader.errors import SourceNotFound

    row = connection.exec_driver_sql(
        f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE id = ?", (source_id,)).first()
    if row is None:
        raise SourceNotFound(source_id)
    return _source_info(row)


def counted_among(connection: Connection, listed: Sequence[SourceInfo],
                  article_ids: Sequence[int]) -> list[SourceInfo]:
    """``listed`` with article and unread counts over ``article_ids`` only (a search's
    matches); sources with none of them count 0, so the list does not jump as one types."""
    totals: dict[int, tuple[int, int]] = {}
    for start in range(0, len(article_ids), 500):
        batch = list(article_ids[start : start + 500])
        for source_id, count, unread in connection.exec_driver_sql(
                f"SELECT source_id, count(*), sum(read = 0) FROM articles "
                f"WHERE id IN ({','.join('?' * len(batch))}) GROUP BY source_id",
                tuple(batch)):
            before = totals.get(int(source_id), (0, 0))
            totals[int(source_id)] = (before[0] + int(count), before[1] + int(unread or 0))
    return [dataclasses.replace(source, article_count=totals.get(source.id, (0, 0))[0],
                                unread_count=totals.get(source.id, (0, 0))[1])
            for source in listed]


def source_ids_matching(connection: Connection, name: str) -> list[int]:
    """Sources whose title or URL contains ``name`` (case-insensitive), or whose id it is."""
    pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = connection.exec_driver_sql(
        "SELECT id FROM sources WHERE title LIKE ? ESCAPE '\\' OR url LIKE ? ESCAPE '\\' "
        "OR CAST(id AS TEXT) = ?",
        (pattern, pattern, name),
    )
    return [int(row[0]) for row in rows]


FEED_KIND = "feed"
PAGES_KIND = "pages"
PAGES_TITLE = "Saved pages"


@dataclass(frozen=True, slots=True)
class SyncTarget:
    """What a sync worker needs to fetch one source (a plain value: safe across threads)."""

    id: int
    url: str
    title: str
    etag: str | None
    last_modified: str | None
    full_text: str
    tags: tuple[str, ...]
    keep_images: bool = True


def find_by_url(connection: Connection, url: str) -> int | None:
    found = connection.exec_driver_sql("SELECT id FROM sources WHERE url = ?", (url,)).scalar()
    return None if found is None else int(found)


def title_of(connection: Connection, source_id: int) -> str:
    """A source's stored title (the feed's own, or the URL's host when it gave none)."""
    return str(connection.exec_driver_sql(
        "SELECT title FROM sources WHERE id = ?", (source_id,)).scalar_one())


def url_and_title(connection: Connection, source_id: int) -> tuple[str, str]:
    """A feed's stored URL (after any permanent redirect) and title."""
    url, title = connection.exec_driver_sql(
        "SELECT url, title FROM sources WHERE id = ?", (source_id,)).one()
    return str(url), str(title)


@dataclass(frozen=True, slots=True)
class FeedSubscription:
    """One feed as a subscription list (OPML) names it: no sync state."""

    url: str
    title: str
    site_url: str | None
    tags: tuple[str, ...]


def feed_subscriptions(connection: Connection) -> list[FeedSubscription]:
    """Every feed source, by title, with its source tags (what an OPML export lists)."""
    rows = connection.exec_driver_sql(
        "SELECT id, url, title, site_url FROM sources WHERE kind = ? "
        "ORDER BY title COLLATE NOCASE, id", (FEED_KIND,)).all()
    return [FeedSubscription(str(url), str(title), site_url, tags_of(connection, int(source_id)))
            for source_id, url, title, site_url in rows]


def add_source(connection: Connection, *, kind: str, url: str | None, title: str,
               site_url: str | None = None, tags: Sequence[str] = ()) -> int:
    """Create a source (caller checks it is not already there) with its source tags."""
    cursor = connection.exec_driver_sql(
        "INSERT INTO sources (kind, url, title, site_url, created_at) VALUES (?, ?, ?, ?, ?)",
        (kind, url, title, site_url, to_micros(datetime.now(UTC))),
    )
    source_id = int(cursor.lastrowid)
    set_tags(connection, source_id, tags)
    return source_id


def set_tags(connection: Connection, source_id: int, tags: Sequence[str]) -> None:
    for name in tags:
        connection.exec_driver_sql(
            "INSERT OR IGNORE INTO source_tags (source_id, name) VALUES (?, ?)", (source_id, name))


def tags_of(connection: Connection, source_id: int) -> tuple[str, ...]:
    rows = connection.exec_driver_sql(
        "SELECT name FROM source_tags WHERE source_id = ? ORDER BY name", (source_id,))
    return tuple(str(row[0]) for row in rows)


def pages_source_id(connection: Connection) -> int:
    """The source that holds web pages saved one by one (read-it-later)."""
    found = connection.exec_driver_sql(
        "SELECT id FROM sources WHERE kind = ? ORDER BY id LIMIT 1", (PAGES_KIND,)).scalar()
    if found is not None:
        return int(found)
    return add_source(connection, kind=PAGES_KIND, url=None, title=PAGES_TITLE)


#: The longest an automatic sync waits on a source that keeps failing.
LONGEST_BACK_OFF = timedelta(days=1)


def back_off(interval: timedelta, failures: int) -> timedelta:
    """How long after its last failure automatic sync leaves a source alone: its interval,
    doubled for each further failure in a row, at most LONGEST_BACK_OFF."""
    if failures <= 1:
        return interval
    longer: timedelta = interval * (2 ** min(failures - 1, 20))
    return min(longer, LONGEST_BACK_OFF)


def sync_targets(connection: Connection, ids: Sequence[int] | None, now: datetime, *,
                 automatic: bool = False, every: timedelta | None = None
                 ) -> tuple[list[SyncTarget], list[tuple[int, str | None, str]]]:
    """Feeds to fetch now, and (id, url, reason) for those asked for but skipped.

    Without ids: every feed that is not gone, paused, left, or waiting out a Retry-After.
    ``automatic`` (the timer's sync) keeps only sources due by their own interval or else
    ``every`` (the app's; None: automatic sync is off but for sources that set their own),
    and not backing off after failures. With ids: exactly those (gone, paused or waiting
    ones too: the person asked), feeds only; a source that was left is reported, not
    fetched.
    """
    columns = ("id, kind, url, title, etag, last_modified, full_text, gone, retry_after, "
               "keep_images, unsubscribed, every_minutes, last_synced, failures, last_error_at")
    if ids:
        marks = ",".join("?" * len(ids))
        rows = connection.exec_driver_sql(
            f"SELECT {columns} FROM sources WHERE id IN ({marks}) ORDER BY id",
            tuple(ids)).all()
        missing = set(ids) - {int(row[0]) for row in rows}
        if missing:
            from reader.errors import SourceNotFound

            raise SourceNotFound(min(missing))
    else:
        rows = connection.exec_driver_sql(
            f"SELECT {columns} FROM sources WHERE kind = ? AND gone = 0 AND paused = 0 "
            f"AND unsubscribed = 0 AND (retry_after IS NULL OR retry_after <= ?) ORDER BY id",
            (FEED_KIND, to_micros(now))).all()
    targets: list[SyncTarget] = []
    skipped: list[tuple[int, str | None, str]] = []
    for row in rows:
        if row[1] != FEED_KIND or not row[2]:
            holds = "saved pages" if row[1] == PAGES_KIND else "imported files"
            skipped.append((int(row[0]), row[2],
                            f"source #{row[0]} is not a feed (it holds {holds})"))
            continue
        if row[10]:
            skipped.append((int(row[0]), row[2], f"source #{row[0]} was unsubscribed"))
            continue
        if automatic and not ids and not _due(row[11:15], every, now):
            continue
        targets.append(SyncTarget(
            id=int(row[0]), url=str(row[2]), title=str(row[3]), etag=row[4],
            last_modified=row[5], full_text=str(row[6]),
            tags=tags_of(connection, int(row[0])), keep_images=bool(row[9])))
    return targets, skipped


def _due(state: Sequence[object], default: timedelta | None, now: datetime) -> bool:
    """Whether an automatic sync should fetch a source now."""
    every_minutes, last_synced, failures, last_error_at = state
    interval = timedelta(minutes=int(str(every_minutes))) if every_minutes is not None \
        else default
    if interval is None:
        return False
    failures = int(str(failures))
    if failures and last_error_at is not None:
        failed = from_micros(int(str(last_error_at)))
        return now - failed >= back_off(interval, failures) - _SLACK
    if last_synced is None:
        return True
    return now - from_micros(int(str(last_synced))) >= interval - _SLACK


#: A timer tick a few seconds early still counts as on time.
_SLACK = timedelta(seconds=30)


def count_failures(connection: Connection, source_ids: Sequence[int]) -> None:
    """One more failure in a row for each of these sources (see ``back_off``)."""
    for source_id in source_ids:
        connection.exec_driver_sql(
            "UPDATE sources SET failures = failures + 1 WHERE id = ?", (source_id,))


def record_success(connection: Connection, source_id: int, *, now: datetime,
                   etag: str | None, last_modified: str | None, title: str | None = None,
                   site_url: str | None = None, new_url: str | None = None) -> None:
    """Save validators and clear the last error; a permanent redirect moves the stored URL.

    Values past the limits above are not kept (a too-long title keeps its start).
    """
    etag, last_modified = kept_validator(etag), kept_validator(last_modified)
    title = None if title is None else _text(title)[:MAX_TITLE_LENGTH]
    site_url = site_url if site_url is None or len(site_url) <= MAX_URL_LENGTH else None
    if new_url is not None and len(new_url) > MAX_URL_LENGTH:
        new_url = None
    connection.exec_driver_sql(
        "UPDATE sources SET last_synced = ?, last_error = NULL, last_error_at = NULL, "
        "retry_after = NULL, failures = 0, etag = ?, last_modified = ?, "
        "title = CASE WHEN ? IS NOT NULL AND ? != '' AND NOT renamed THEN ? ELSE title END, "
        "site_url = coalesce(?, site_url) WHERE id = ?",
        (to_micros(now), etag, last_modified, title, title, title, site_url, source_id),
    )
    if new_url and find_by_url(connection, new_url) is None:
        connection.exec_driver_sql("UPDATE sources SET url = ? WHERE id = ?", (new_url, source_id))


def record_failure(connection: Connection, source_id: int, *, now: datetime, reason: str,
                   gone: bool = False, retry_after: datetime | None = None) -> None:
    """Keep a sync's failure on its source; ``retry_after`` is held to [now, now +
    LONGEST_RETRY_WAIT] (a server's "come back in 30,000 years" is a week)."""
    if retry_after is not None:
        retry_after = min(max(retry_after, now), now + LONGEST_RETRY_WAIT)
    reason = _text(reason)[:MAX_ERROR_LENGTH]
    connection.exec_driver_sql(
        "UPDATE sources SET last_error = ?, last_error_at = ?, gone = gone OR ?, "
        "retry_after = ? WHERE id = ?",
        (reason, to_micros(now), int(gone),
         None if retry_after is None else to_micros(retry_after), source_id),
    )


def _text(value: str) -> str:
    """Valid text for SQLite: lone surrogates (from undecodable bytes) become "?"."""
    return value.encode("utf-8", "replace").decode("utf-8")
