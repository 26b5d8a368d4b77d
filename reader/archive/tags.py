"""Tag names on articles: attaching, detaching, and the counts shown beside each tag.

Counts are columns kept by triggers (see migration 0001), so listing tags never scans.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from reader.archive import fts
from reader.archive.rawsql import RawSql
from reader.records import TagCount

MAX_TAG_LENGTH = 100


def clean_tag_names(names: Iterable[str]) -> list[str]:
    """Trimmed, space-collapsed, non-empty names, deduplicated without regard to case."""
    seen: set[str] = set()
    result: list[str] = []
    for raw in names:
        name = " ".join(raw.split())[:MAX_TAG_LENGTH]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name)
    return result


def tag_ids(connection: Connection, names: Sequence[str]) -> list[int]:
    """Ids for these names, creating the missing tags (first spelling wins)."""
    sql = RawSql(connection)
    ids = []
    for name in names:
        found = sql.scalar("SELECT id FROM tags WHERE name = ?", (name,))
        if found is None:
            found = sql.run("INSERT INTO tags (name) VALUES (?)", (name,)).lastrowid
        ids.append(int(found))
    return ids


def attach(connection: Connection, article_id: int, names: Sequence[str]) -> bool:
    """Add tags to an article (caller unindexes/indexes FTS around it). True if any was new."""
    sql = RawSql(connection)
    added = 0
    for tag_id in tag_ids(connection, names):
        added += sql.run(
            "INSERT OR IGNORE INTO article_tags (article_id, tag_id, order_key, read) "
            "SELECT id, ?, order_key, read FROM articles WHERE id = ?",
            (tag_id, article_id)).rowcount
    return added > 0


def detach(connection: Connection, article_id: int, names: Sequence[str]) -> bool:
    removed = 0
    for name in names:
        removed += connection.exec_driver_sql(
            "DELETE FROM article_tags WHERE article_id = ? AND tag_id = "
            "(SELECT id FROM tags WHERE name = ?)",
            (article_id, name),
        ).rowcount
    drop_empty(connection)
    return removed > 0


def drop_empty(connection: Connection) -> None:
    """A tag with no articles left disappears from the tag list."""
    connection.exec_driver_sql("DELETE FROM tags WHERE article_count <= 0")


def names_for(connection: Connection, article_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Tag names per article, sorted case-insensitively, in one query for a whole page."""
    result: dict[int, list[str]] = {article_id: [] for article_id in article_ids}
    if not article_ids:
        return {}
    marks = ",".join("?" * len(article_ids))
    rows = connection.exec_driver_sql(
        f"SELECT x.article_id, t.name FROM article_tags x JOIN tags t ON t.id = x.tag_id "
        f"WHERE x.article_id IN ({marks}) ORDER BY t.name COLLATE NOCASE",
        tuple(article_ids),
    )
    for article_id, name in rows:
        result[int(article_id)].append(str(name))
    return {key: tuple(value) for key, value in result.items()}


def retag(connection: Connection, article_id: int, add: Sequence[str],
          remove: Sequence[str] = ()) -> bool:
    """Change an article's tags and its index entry in one step (inside the caller's write)."""
    fts.unindex(connection, [article_id])
    changed = attach(connection, article_id, add)
    changed = detach(connection, article_id, remove) or changed
    fts.index(connection, [article_id])
    return changed


def counts(connection: Connection) -> list[TagCount]:
    rows = connection.exec_driver_sql(
        "SELECT name, article_count, unread_count FROM tags WHERE article_count > 0 "
        "ORDER BY name COLLATE NOCASE"
    )
    return [TagCount(str(name), int(count), int(unread)) for name, count, unread in rows]
