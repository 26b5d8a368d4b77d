"""Tag names on articles: attaching, detaching, and the counts shown beside each tag.

Counts are columns kept by triggers (see migration 0001), so listing tags never scans.

Each article–tag row says whether a person put it there (``by_user``) or a feed category or
a folder did: an article someone tagged by hand is theirs to keep (unsubscribe and purge
spare it), and the tag list can tell the reader's own tags from a publisher's. A row a
person touched stays theirs: sync re-attaching the same category does not take it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reader.archive import fts
from reader.archive.database import Connection
from reader.records import TagCount
from reader.text import valid_text

MAX_TAG_LENGTH = 100


def clean_tag_names(names: Iterable[str]) -> list[str]:
    """Trimmed, space-collapsed, non-empty names, deduplicated without regard to case; valid
    Unicode (``reader.text.valid_text``), so a name from a feed, a file or the command line
    always reaches SQLite."""
    seen: set[str] = set()
    result: list[str] = []
    for raw in names:
        name = " ".join(valid_text(raw).split())[:MAX_TAG_LENGTH]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name)
    return result


def tag_ids(connection: Connection, names: Sequence[str]) -> list[int]:
    """Ids for these names, creating the missing tags (first spelling wins)."""
    db = connection.raw
    ids = []
    for name in names:
        found = db.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()
        if found is None:
            ids.append(int(db.execute("INSERT INTO tags (name) VALUES (?)",
                                      (name,)).lastrowid or 0))
        else:
            ids.append(int(found[0]))
    return ids


def attach(connection: Connection, article_id: int, names: Sequence[str], *,
           by_user: bool) -> bool:
    """Add tags to an article (caller unindexes/indexes FTS around it). True if any was new,
    or, ``by_user``, became the person's (a feed category they now chose themselves).

    Never the other way: a source re-attaching a tag leaves a person's row as theirs.
    """
    db = connection.raw
    changed = 0
    for tag_id in tag_ids(connection, names):
        # "WHERE id = ?" also settles SQLite's INSERT ... SELECT ... ON CONFLICT ambiguity.
        changed += db.execute(
            "INSERT INTO article_tags (article_id, tag_id, order_key, read, by_user) "
            "SELECT id, ?, order_key, read, ? FROM articles WHERE id = ? "
            "ON CONFLICT (article_id, tag_id) DO UPDATE SET by_user = 1 "
            "WHERE excluded.by_user = 1 AND by_user = 0",
            (tag_id, int(by_user), article_id)).rowcount
    return changed > 0


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
    """A person's change to an article's tags, and its index entry, in one step (inside the
    caller's write): the tags added are theirs (``by_user``)."""
    fts.unindex(connection, [article_id])
    changed = attach(connection, article_id, add, by_user=True)
    changed = detach(connection, article_id, remove) or changed
    fts.index(connection, [article_id])
    return changed


def counts(connection: Connection) -> list[TagCount]:
    """Every tag in use, with whether it is the reader's own (on any article by hand): one
    probe of the partial index ix_article_tags_by_user per tag, no scan."""
    rows = connection.exec_driver_sql(
        "SELECT name, article_count, unread_count, EXISTS (SELECT 1 FROM article_tags x "
        "WHERE x.tag_id = tags.id AND x.by_user = 1) FROM tags WHERE article_count > 0 "
        "ORDER BY name COLLATE NOCASE"
    )
    return [TagCount(str(name), int(count), int(unread), bool(mine))
            for name, count, unread, mine in rows]


def hand_tagged(connection: Connection, article_ids: Sequence[int]) -> set[int]:
    """The articles among these that carry at least one tag a person put on them."""
    found: set[int] = set()
    for start in range(0, len(article_ids), 500):
        batch = tuple(article_ids[start : start + 500])
        found.update(int(row[0]) for row in connection.exec_driver_sql(
            f"SELECT DISTINCT article_id FROM article_tags WHERE by_user = 1 "
            f"AND article_id IN ({','.join('?' * len(batch))})", batch))
    return found


def rename(connection: Connection, old: str, new: str) -> tuple[str, list[int]]:
    """Rename a tag; renaming onto an existing tag merges the two (the caller's transaction).

    Returns the name as stored (spaces collapsed) and the articles that carried the old one.

    Tag names are part of the full-text index, so every affected article is re-indexed.
    """
    from reader.errors import ReaderError, TagNotFound

    old, new = valid_text(old), " ".join(valid_text(new).split())[:MAX_TAG_LENGTH]
    source = connection.exec_driver_sql("SELECT id FROM tags WHERE name = ?", (old,)).scalar()
    if source is None:
        raise TagNotFound(old)
    if not new:
        raise ReaderError("a tag name cannot be empty")
    target = connection.exec_driver_sql("SELECT id FROM tags WHERE name = ?", (new,)).scalar()
    affected = [int(row[0]) for row in connection.exec_driver_sql(
        "SELECT article_id FROM article_tags WHERE tag_id = ?", (source,))]
    fts.unindex(connection, affected)
    if target is None or int(target) == int(source):
        connection.exec_driver_sql("UPDATE tags SET name = ? WHERE id = ?", (new, source))
    else:
        # A merged row is the person's if either tag was, on that article.
        connection.exec_driver_sql(
            "INSERT INTO article_tags (article_id, tag_id, order_key, read, by_user) "
            "SELECT article_id, ?, order_key, read, by_user FROM article_tags WHERE tag_id = ? "
            "ON CONFLICT (article_id, tag_id) DO UPDATE SET by_user = 1 "
            "WHERE excluded.by_user = 1 AND by_user = 0",
            (target, source))
        connection.exec_driver_sql("DELETE FROM article_tags WHERE tag_id = ?", (source,))
        drop_empty(connection)
    fts.index(connection, affected)
    return new, affected


def counts_among(connection: Connection, article_ids: Sequence[int]) -> list[TagCount]:
    """Tag counts over a set of articles (a search's matches), by name; whether a tag is the
    reader's own is over the whole archive, as in ``counts``."""
    totals: dict[str, list[int]] = {}
    for start in range(0, len(article_ids), 500):
        batch = list(article_ids[start : start + 500])
        marks = ",".join("?" * len(batch))
        rows = connection.exec_driver_sql(
            f"SELECT t.name, count(*), sum(x.read = 0), EXISTS (SELECT 1 FROM article_tags y "
            f"WHERE y.tag_id = t.id AND y.by_user = 1) FROM article_tags x "
            f"JOIN tags t ON t.id = x.tag_id WHERE x.article_id IN ({marks}) GROUP BY t.id",
            tuple(batch))
        for name, count, unread, mine in rows:
            entry = totals.setdefault(str(name), [0, 0, 0])
            entry[0] += int(count)
            entry[1] += int(unread or 0)
            entry[2] = int(mine)
    return [TagCount(name, count, unread, bool(mine))
            for name, (count, unread, mine)
            in sorted(totals.items(), key=lambda kv: kv[0].casefold())]


def carriers(connection: Connection, name: str) -> list[tuple[int, bool]]:
    """(article id, by_user) for every article carrying the tag: what undoing its deletion
    puts back, hand-made marks and all."""
    return [(int(article_id), bool(by_user)) for article_id, by_user in connection.exec_driver_sql(
        "SELECT x.article_id, x.by_user FROM article_tags x JOIN tags t ON t.id = x.tag_id "
        "WHERE t.name = ? ORDER BY x.article_id", (valid_text(name),))]


def delete(connection: Connection, name: str) -> list[int]:
    """Take a tag off every article and drop it; the articles keep everything else.

    Returns the articles that carried it. Tag names are in the full-text index, so those are
    re-indexed (as ``rename`` does).
    """
    from reader.errors import ReaderError, TagNotFound

    if not name.strip():
        raise ReaderError("a tag name cannot be empty")
    tag_id = connection.exec_driver_sql(
        "SELECT id FROM tags WHERE name = ?", (valid_text(name),)).scalar()
    if tag_id is None:
        raise TagNotFound(name)
    affected = [int(row[0]) for row in connection.exec_driver_sql(
        "SELECT article_id FROM article_tags WHERE tag_id = ?", (tag_id,))]
    fts.unindex(connection, affected)
    connection.exec_driver_sql("DELETE FROM article_tags WHERE tag_id = ?", (tag_id,))
    connection.exec_driver_sql("DELETE FROM tags WHERE id = ?", (tag_id,))
    fts.index(connection, affected)
    return affected


def restore(connection: Connection, name: str,
            carried: Sequence[tuple[int, bool]]) -> list[int]:
    """Put a tag back on these articles with their by_user marks (undoing ``delete``);
    articles deleted since are skipped. Returns the articles that gained it."""
    tag_id = tag_ids(connection, clean_tag_names([name]))[0]
    ids = [article_id for article_id, _by_user in carried]
    fts.unindex(connection, ids)
    gained = [article_id for article_id, by_user in carried
              if connection.exec_driver_sql(
                  "INSERT OR IGNORE INTO article_tags "
                  "(article_id, tag_id, order_key, read, by_user) "
                  "SELECT id, ?, order_key, read, ? FROM articles WHERE id = ?",
                  (tag_id, int(by_user), article_id)).rowcount]
    fts.index(connection, ids)
    drop_empty(connection)
    return gained
