"""Sources: where articles come from. Local imports share one source of kind ``local``."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection

from reader.archive.schema import from_micros, to_micros
from reader.records import SourceInfo

LOCAL_KIND = "local"
LOCAL_TITLE = "Imported files"


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


def list_sources(connection: Connection) -> list[SourceInfo]:
    rows = connection.exec_driver_sql(
        "SELECT id, kind, url, title, article_count, unread_count, last_synced, last_error "
        "FROM sources ORDER BY title COLLATE NOCASE, id"
    )
    return [
        SourceInfo(
            id=int(row[0]), kind=str(row[1]), url=row[2], title=str(row[3]),
            article_count=int(row[4]), unread_count=int(row[5]),
            last_synced=None if row[6] is None else from_micros(int(row[6])),
            last_error=row[7],
        )
        for row in rows
    ]


def source_ids_matching(connection: Connection, name: str) -> list[int]:
    """Sources whose title or URL contains ``name`` (case-insensitive), or whose id it is."""
    pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = connection.exec_driver_sql(
        "SELECT id FROM sources WHERE title LIKE ? ESCAPE '\\' OR url LIKE ? ESCAPE '\\' "
        "OR CAST(id AS TEXT) = ?",
        (pattern, pattern, name),
    )
    return [int(row[0]) for row in rows]
