"""Images inside the archive: stored once per content hash, deleted with their last article.

Sync stores each image as it arrives, in its own small transaction, ahead of the article that
shows it (``reader.sync.pipeline.ImageCache``): images are content-addressed, so storing one
early is safe, and a source's images are never all held in memory. An image stored that way
whose article is then not written (the sync failed, was cancelled, or left the image out) is
an orphan: the sync that stored it deletes it when it ends (``drop_orphans`` on the hashes it
stored), and ``drop_all_orphans`` — after an unclean shutdown, and by ``broadsheet check
--repair`` — removes those a killed sync left.
"""

from __future__ import annotations

from collections.abc import Iterable

from reader.archive.database import Connection
from reader.errors import NotFound


def store(connection: Connection, images: Iterable[tuple[str, str, int | None, int | None,
                                                         bytes]]) -> None:
    """Insert (sha256, mime_type, width, height, data) rows not stored yet."""
    rows = [(sha, mime, width, height, len(data), data)
            for sha, mime, width, height, data in images]
    if not rows:
        return
    connection.raw.executemany(
        "INSERT OR IGNORE INTO images (sha256, mime_type, width, height, size, data) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


def store_one(connection: Connection, sha256: str, mime_type: str, width: int | None,
              height: int | None, data: bytes) -> bool:
    """Insert one image unless it is stored already; True when this call inserted it."""
    cursor = connection.raw.execute(
        "INSERT OR IGNORE INTO images (sha256, mime_type, width, height, size, data) "
        "VALUES (?, ?, ?, ?, ?, ?)", (sha256, mime_type, width, height, len(data), data))
    return cursor.rowcount == 1


def present(connection: Connection, hashes: Iterable[str]) -> set[str]:
    """Those of ``hashes`` the archive holds (by index: no image is read)."""
    ordered = sorted(set(hashes))
    found: set[str] = set()
    for start in range(0, len(ordered), 500):
        batch = ordered[start : start + 500]
        found.update(str(row[0]) for row in connection.raw.execute(
            f"SELECT sha256 FROM images WHERE sha256 IN ({','.join('?' * len(batch))})",
            batch))
    return found


def link(connection: Connection, article_id: int, hashes: Iterable[str]) -> None:
    """Record which images an article shows (replacing what it showed before)."""
    db = connection.raw
    db.execute("DELETE FROM article_images WHERE article_id = ?", (article_id,))
    db.executemany("INSERT OR IGNORE INTO article_images (article_id, sha256) VALUES (?, ?)",
                   [(article_id, sha) for sha in sorted(set(hashes))])


def used_by(connection: Connection, article_ids: Iterable[int]) -> set[str]:
    ordered = sorted(set(article_ids))
    result: set[str] = set()
    for start in range(0, len(ordered), 500):
        batch = ordered[start : start + 500]
        result.update(str(row[0]) for row in connection.raw.execute(
            f"SELECT sha256 FROM article_images WHERE article_id IN "
            f"({','.join('?' * len(batch))})", batch))
    return result


def drop_orphans(connection: Connection, candidates: Iterable[str]) -> None:
    """Delete those of ``candidates`` no article shows any more (checked by index, no scan)."""
    rows = [(sha, sha) for sha in candidates]
    if not rows:
        return
    connection.exec_driver_sql(
        "DELETE FROM images WHERE sha256 = ? AND NOT EXISTS "
        "(SELECT 1 FROM article_images x WHERE x.sha256 = ?)",
        rows,
    )


def load(connection: Connection, sha256: str) -> tuple[str, bytes]:
    """(mime_type, bytes) of a stored image; the reading pane's only image source."""
    row = connection.exec_driver_sql(
        "SELECT mime_type, data FROM images WHERE sha256 = ?", (sha256,)).first()
    if row is None:
        raise NotFound(f"no image {sha256} in the archive")
    return str(row[0]), bytes(row[1])


_ORPHANS = ("FROM images WHERE NOT EXISTS "
            "(SELECT 1 FROM article_images x WHERE x.sha256 = images.sha256)")


def orphans(connection: Connection) -> tuple[int, int]:
    """(count, bytes) of the images no article shows (read from the index and the size
    column: no image data is read)."""
    row = connection.raw.execute(f"SELECT count(*), coalesce(sum(size), 0) {_ORPHANS}").fetchone()
    return int(row[0]), int(row[1])


def drop_all_orphans(connection: Connection) -> int:
    """Delete every image no article shows; returns how many.

    Only safe when no sync is storing images ahead of its articles (one could be about to
    link what this deletes): after an unclean shutdown, when no other process has the archive
    open, and when a person asks for it (``broadsheet check --repair``).
    """
    return connection.raw.execute(f"DELETE {_ORPHANS}").rowcount
