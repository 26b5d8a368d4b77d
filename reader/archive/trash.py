"""What a delete or an unsubscribe took away, kept so that one Ctrl+Z can put it back.

Undo has to give back exactly what was there: the article rows with their read and bookmark
state, bodies, tags (with who put them there), images, related links and enclosures, and for
an unsubscribe the source with its settings and folder. ``capture`` copies those rows inside
the deleting transaction, before the delete; ``restore`` writes them back in one transaction
and lifts the tombstones the delete left. Counters follow by their triggers and the full-text
index by ``fts.index``, as for any other write.

A ``Trash`` lives in memory, in the process that deleted (the window keeps the last one for
Ctrl+Z); the command line deletes for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reader.archive import fts
from reader.archive.articles import allocate_order_key
from reader.archive.database import Connection
from reader.archive.tags import tag_ids
from reader.archive.timestamps import from_micros

Rows = tuple[tuple[str, ...], list[tuple[object, ...]]]

#: Per-article tables copied as they are (article_tags is copied by tag name: a tag left
#: with no articles is dropped, and comes back under a new id).
_ARTICLE_TABLES = ("article_bodies", "article_images", "related_links", "enclosures")


@dataclass(slots=True)
class Trash:
    article_ids: tuple[int, ...] = ()
    articles: Rows = ((), [])
    per_table: dict[str, Rows] = field(default_factory=dict)
    #: (article id, tag name, by_user)
    tags: list[tuple[int, str, int]] = field(default_factory=list)
    images: Rows = ((), [])
    #: The source row and its folder tags, when the source itself was removed.
    source: Rows | None = None
    source_tags: list[str] = field(default_factory=list)
    source_id: int | None = None

    def __len__(self) -> int:
        return len(self.article_ids)


def _select(connection: Connection, table: str, column: str, ids: Sequence[object]) -> Rows:
    names: tuple[str, ...] = ()
    rows: list[tuple[object, ...]] = []
    for start in range(0, len(ids), 500):
        batch = list(ids[start:start + 500])
        cursor = connection.raw.execute(
            f"SELECT * FROM {table} WHERE {column} IN ({','.join('?' * len(batch))})",
            batch)
        names = tuple(description[0] for description in cursor.description)
        rows.extend(tuple(row) for row in cursor.fetchall())
    if not names:
        names = tuple(row[1] for row in connection.raw.execute(f"PRAGMA table_info({table})"))
    return names, rows


def capture(connection: Connection, article_ids: Sequence[int], *,
            source_id: int | None = None) -> Trash:
    """Copy these articles (and the source, when it goes too) before they are deleted."""
    ids = list(article_ids)
    trash = Trash(article_ids=tuple(ids), articles=_select(connection, "articles", "id", ids))
    for table in _ARTICLE_TABLES:
        trash.per_table[table] = _select(connection, table, "article_id", ids)
    for start in range(0, len(ids), 500):
        batch = ids[start:start + 500]
        trash.tags.extend(
            (int(article_id), str(name), int(by_user))
            for article_id, name, by_user in connection.raw.execute(
                f"SELECT x.article_id, t.name, x.by_user FROM article_tags x "
                f"JOIN tags t ON t.id = x.tag_id "
                f"WHERE x.article_id IN ({','.join('?' * len(batch))})", batch))
    hashes = sorted({str(row[1]) for row in trash.per_table["article_images"][1]})
    trash.images = _select(connection, "images", "sha256", hashes)
    if source_id is not None:
        trash.source_id = source_id
        trash.source = _select(connection, "sources", "id", [source_id])
        trash.source_tags = [str(row[0]) for row in connection.raw.execute(
            "SELECT name FROM source_tags WHERE source_id = ?", (source_id,))]
    return trash


def _insert(connection: Connection, table: str, rows: Rows) -> None:
    names, values = rows
    if not values:
        return
    connection.raw.executemany(
        f"INSERT OR IGNORE INTO {table} ({', '.join(names)}) "
        f"VALUES ({', '.join('?' * len(names))})", values)


def restore(connection: Connection, trash: Trash) -> list[int]:
    """Put back what ``capture`` kept (inside the caller's write); returns the article ids
    restored (one whose identity came back meanwhile, by a sync, stays as that one)."""
    db = connection.raw
    if trash.source is not None:
        names, rows = trash.source
        _insert(connection, "sources", (names, [
            tuple(0 if name in ("article_count", "unread_count") else value
                  for name, value in zip(names, row, strict=True)) for row in rows]))
        for name in trash.source_tags:
            db.execute("INSERT OR IGNORE INTO source_tags (source_id, name) VALUES (?, ?)",
                       (trash.source_id, name))
    if trash.source_id is not None:
        db.execute("UPDATE sources SET unsubscribed = 0 WHERE id = ?", (trash.source_id,))
    _insert(connection, "images", trash.images)
    names, rows = trash.articles
    key_at = names.index("order_key") if names else 0
    restored: list[int] = []
    for row in rows:
        article_id, values = int(str(row[0])), list(row)
        taken = db.execute("SELECT 1 FROM articles WHERE order_key = ?",
                           (values[key_at],)).fetchone()
        if taken:  # a newer article holds that instant now: the nearest free one
            values[key_at] = allocate_order_key(connection,
                                                from_micros(int(str(values[key_at]))))
        cursor = db.execute(
            f"INSERT OR IGNORE INTO articles ({', '.join(names)}) "
            f"VALUES ({', '.join('?' * len(names))})", values)
        if cursor.rowcount:
            restored.append(article_id)
    back = set(restored)
    for table in _ARTICLE_TABLES:
        columns, table_rows = trash.per_table[table]
        at = columns.index("article_id")
        _insert(connection, table, (columns, [r for r in table_rows if int(str(r[at])) in back]))
    names_by_id = {name: tag_id for name, tag_id in zip(
        sorted({name for _a, name, _u in trash.tags}),
        tag_ids(connection, sorted({name for _a, name, _u in trash.tags})), strict=True)}
    db.executemany(
        "INSERT OR IGNORE INTO article_tags (article_id, tag_id, order_key, read, by_user) "
        "SELECT id, ?, order_key, read, ? FROM articles WHERE id = ?",
        [(names_by_id[name], by_user, article_id)
         for article_id, name, by_user in trash.tags if article_id in back])
    guid_at = names.index("guid") if names else 0
    source_at = names.index("source_id") if names else 0
    db.executemany("DELETE FROM tombstones WHERE source_id = ? AND guid = ?",
                   [(row[source_at], row[guid_at]) for row in rows
                    if int(str(row[0])) in back])
    fts.index(connection, restored)
    return restored
