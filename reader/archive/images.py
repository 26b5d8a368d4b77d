"""Images inside the archive: stored once per content hash, deleted with their last article."""

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


def link(connection: Connection, article_id: int, hashes: Iterable[str]) -> None:
    """Record which images an article shows (replacing what it showed before)."""
    db = connection.raw
    db.execute("DELETE FROM article_images WHERE article_id = ?", (article_id,))
    db.executemany("INSERT OR IGNORE INTO article_images (article_id, sha256) VALUES (?, ?)",
                   [(article_id, sha) for sha in sorted(set(hashes))])


def used_by(connection: Connection, article_ids: Iterable[int]) -> set[str]:
    result: set[str] = set()
    for article_id in article_ids:
        rows = connection.exec_driver_sql(
            "SELECT sha256 FROM article_images WHERE article_id = ?", (article_id,))
        result.update(str(row[0]) for row in rows)
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
