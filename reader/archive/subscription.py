"""Changing a subscription: its name, its address, its per-source settings, and leaving it.

Leaving a feed takes its articles with it — except the ones the reader bookmarked or tagged
by hand, which are theirs: those stay, under the source, which stays (flagged
``unsubscribed``) only to hold them. No tombstones are left, so subscribing again brings the
feed's articles back.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from reader.archive import articles
from reader.archive.database import Connection
from reader.archive.sources import (
    FEED_KIND,
    MAX_TITLE_LENGTH,
    MAX_URL_LENGTH,
    find_by_url,
    source_info,
)
from reader.archive.trash import Trash, capture
from reader.errors import NotASubscription, ReaderError, SourceExists
from reader.records import SourceInfo
from reader.text import valid_text

FULL_TEXT_CHOICES = ("auto", "always", "never")
#: Bounds on a source's own sync interval and retention (a week, ten years).
LONGEST_INTERVAL_MINUTES = 7 * 24 * 60
LONGEST_KEEP_DAYS = 3650

#: ``configure`` leaves a setting as it is when given this.
UNCHANGED = object()


def _feed(connection: Connection, source_id: int, doing: str) -> SourceInfo:
    source = source_info(connection, source_id)
    if source.kind != FEED_KIND:
        raise NotASubscription(f"source #{source_id} ({source.title}) is not a feed: "
                               f"it cannot be {doing}")
    return source


def clean_title(title: str) -> str:
    cleaned = " ".join(valid_text(title).split())[:MAX_TITLE_LENGTH]
    if not cleaned:
        raise ReaderError("a source's name cannot be empty")
    return cleaned


def rename(connection: Connection, source_id: int, title: str) -> str:
    """Name a source; a sync no longer replaces the name with the feed's own."""
    source_info(connection, source_id)
    cleaned = clean_title(title)
    connection.exec_driver_sql("UPDATE sources SET title = ?, renamed = 1 WHERE id = ?",
                               (cleaned, source_id))
    return cleaned


def article_ids(connection: Connection, source_id: int) -> list[int]:
    return [int(row[0]) for row in connection.exec_driver_sql(
        "SELECT id FROM articles WHERE source_id = ?", (source_id,))]


def clean_url(url: str) -> str:
    url = valid_text(url).strip()
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise ReaderError(f"not a web address: {url} ({error})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ReaderError(f"a feed address must start with http:// or https://: {url}")
    if len(url) > MAX_URL_LENGTH:
        raise ReaderError(f"a feed address is at most {MAX_URL_LENGTH} characters long")
    return url


def change_url(connection: Connection, source_id: int, url: str) -> str:
    """Point a feed at a new address; its sync state starts afresh (validators, errors)."""
    _feed(connection, source_id, "given an address")
    url = clean_url(url)
    other = find_by_url(connection, url)
    if other is not None and other != source_id:
        raise SourceExists(url, other)
    connection.exec_driver_sql(
        "UPDATE sources SET url = ?, etag = NULL, last_modified = NULL, gone = 0, "
        "retry_after = NULL, failures = 0, last_error = NULL, last_error_at = NULL "
        "WHERE id = ?", (url, source_id))
    return url


def configure(connection: Connection, source_id: int, *, full_text: object = UNCHANGED,
              keep_images: object = UNCHANGED, paused: object = UNCHANGED,
              every_minutes: object = UNCHANGED, keep_days: object = UNCHANGED
              ) -> SourceInfo:
    """Change per-source settings (the ones given); ``every_minutes``/``keep_days`` None
    means "the app's interval" / "keep everything"."""
    _feed(connection, source_id, "synced differently")
    values: dict[str, object] = {}
    if full_text is not UNCHANGED:
        if full_text not in FULL_TEXT_CHOICES:
            raise ReaderError(f"full text must be one of {', '.join(FULL_TEXT_CHOICES)}")
        values["full_text"] = full_text
    if keep_images is not UNCHANGED:
        values["keep_images"] = int(bool(keep_images))
    if paused is not UNCHANGED:
        values["paused"] = int(bool(paused))
    for column, value, longest, unit in (
            ("every_minutes", every_minutes, LONGEST_INTERVAL_MINUTES, "minutes"),
            ("keep_days", keep_days, LONGEST_KEEP_DAYS, "days")):
        if value is UNCHANGED:
            continue
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not 1 <= value <= longest):
            raise ReaderError(f"{column.replace('_', ' ')} must be 1 to {longest} {unit}")
        values[column] = value
    if values:
        assignments = ", ".join(f"{column} = ?" for column in values)
        connection.exec_driver_sql(f"UPDATE sources SET {assignments} WHERE id = ?",
                                   (*values.values(), source_id))
    return source_info(connection, source_id)


@dataclass(frozen=True, slots=True)
class Leaving:
    """What an unsubscribe does: ``going`` articles removed, ``staying`` kept (bookmarked or
    tagged by hand, or all of them with ``keep_articles``)."""

    source_id: int
    title: str
    going: int
    staying: int


def _split(connection: Connection, source_id: int, keep_articles: bool
           ) -> tuple[list[int], list[int]]:
    rows = connection.exec_driver_sql(
        "SELECT a.id, a.bookmarked OR EXISTS (SELECT 1 FROM article_tags x "
        "WHERE x.article_id = a.id AND x.by_user = 1) FROM articles a WHERE a.source_id = ?",
        (source_id,)).all()
    going = [int(article_id) for article_id, kept in rows if not (kept or keep_articles)]
    staying = [int(article_id) for article_id, kept in rows if kept or keep_articles]
    return going, staying


def leaving(connection: Connection, source_id: int, keep_articles: bool = False) -> Leaving:
    """What ``unsubscribe`` would do, for the question asked first."""
    source = _feed(connection, source_id, "unsubscribed from")
    going, staying = _split(connection, source_id, keep_articles)
    return Leaving(source_id, source.title, len(going), len(staying))


def unsubscribe(connection: Connection, source_id: int, keep_articles: bool = False, *,
                keep_trash: bool = False) -> tuple[Leaving, list[int], Trash | None]:
    """Leave a feed (inside the caller's write). Returns what happened, the ids removed, and
    with ``keep_trash`` what Ctrl+Z needs to undo it."""
    source = _feed(connection, source_id, "unsubscribed from")
    going, staying = _split(connection, source_id, keep_articles)
    drop_source = not staying
    trash = capture(connection, going, source_id=source_id if drop_source else None) \
        if keep_trash else None
    if trash is not None and not drop_source:
        trash.source_id = source_id  # the row stays; undo clears its flag
    articles.remove(connection, going, tombstones=False)
    if drop_source:
        connection.exec_driver_sql("DELETE FROM sources WHERE id = ?", (source_id,))
    else:
        connection.exec_driver_sql(
            "UPDATE sources SET unsubscribed = 1, etag = NULL, last_modified = NULL "
            "WHERE id = ?", (source_id,))
    return Leaving(source_id, source.title, len(going), len(staying)), going, trash


def resubscribe(connection: Connection, source_id: int) -> bool:
    """A feed left earlier (its kept articles held the row) is followed again."""
    return bool(connection.exec_driver_sql(
        "UPDATE sources SET unsubscribed = 0 WHERE id = ? AND unsubscribed = 1",
        (source_id,)).rowcount)
