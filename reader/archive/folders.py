"""Folders: a source's source tag, shown in the sidebar as a folder holding that source.

A source tag is put on every article synced from the source (``SyncTarget.tags``), so a
folder's articles are simply those carrying its tag, and ``tag:"Name"`` lists them from the
tag's own index. A source lives in one folder: moving it makes the folder its only source
tag, and retags its articles to match — the old folder's tag comes off, unless a person put
that tag on the article by hand (``by_user``), and the new one goes on.
"""

from __future__ import annotations

from reader.archive import fts, tags
from reader.archive.database import Connection
from reader.errors import NotFound


def move(connection: Connection, source_id: int, folder: str | None) -> list[int]:
    """Put a source in ``folder`` (None or blank: in no folder), in the caller's write.

    Returns the source's articles when anything changed, else [].
    """
    if connection.exec_driver_sql("SELECT 1 FROM sources WHERE id = ?",
                                  (source_id,)).scalar() is None:
        raise NotFound(f"no source with id {source_id}")
    cleaned = tags.clean_tag_names([folder or ""])
    new = cleaned[0] if cleaned else None
    old = [str(row[0]) for row in connection.exec_driver_sql(
        "SELECT name FROM source_tags WHERE source_id = ?", (source_id,))]
    if old == ([new] if new else []):
        return []
    affected = [int(row[0]) for row in connection.exec_driver_sql(
        "SELECT id FROM articles WHERE source_id = ?", (source_id,))]
    fts.unindex(connection, affected)
    for name in old:
        if new is not None and name.casefold() == new.casefold():
            continue
        connection.exec_driver_sql(
            "DELETE FROM article_tags WHERE by_user = 0 "
            "AND tag_id = (SELECT id FROM tags WHERE name = ?) "
            "AND article_id IN (SELECT id FROM articles WHERE source_id = ?)",
            (name, source_id))
    connection.exec_driver_sql("DELETE FROM source_tags WHERE source_id = ?", (source_id,))
    if new is not None:
        connection.exec_driver_sql(
            "INSERT INTO source_tags (source_id, name) VALUES (?, ?)", (source_id, new))
        connection.exec_driver_sql(
            "INSERT OR IGNORE INTO article_tags (article_id, tag_id, order_key, read, by_user) "
            "SELECT id, ?, order_key, read, 0 FROM articles WHERE source_id = ?",
            (tags.tag_ids(connection, [new])[0], source_id))
    tags.drop_empty(connection)
    fts.index(connection, affected)
    return affected


def members(connection: Connection, folder: str) -> list[int]:
    """The sources in ``folder`` (raises NotFound when no source is)."""
    found = [int(row[0]) for row in connection.exec_driver_sql(
        "SELECT source_id FROM source_tags WHERE name = ? ORDER BY source_id", (folder,))]
    if not found:
        raise NotFound(f"no folder named {folder!r}")
    return found


def rename(connection: Connection, old: str, new: str | None) -> list[int]:
    """Move every source of folder ``old`` to ``new`` (None: out of any folder); the
    articles retagged."""
    affected: list[int] = []
    for source_id in members(connection, old):
        affected += move(connection, source_id, new)
    return affected
