"""Writing and reading single articles: store a draft, flags, tags, delete with a tombstone.

Every function takes the caller's Connection and runs inside the caller's transaction; the
``Archive`` facade owns transactions, so a multi-step change is all-or-nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from reader.archive import fts, images, tags
from reader.archive.database import Connection
from reader.archive.timestamps import from_micros, to_micros
from reader.enclosures import clean_enclosures
from reader.errors import ArticleNotFound
from reader.records import Article, ArticleDraft, Enclosure, RelatedLink, StoreOutcome
from reader.render.plaintext import count_words, html_to_text, make_excerpt, title_key
from reader.text import valid_draft
from reader.titles import derived_title

MAX_TITLE_LENGTH = 1000


def identity(draft: ArticleDraft) -> tuple[str, str]:
    """(guid, content hash) of a draft as it arrived, before any cleaning.

    The guid is the draft's guid, else its link, else a hash of its content. The content hash
    covers everything a draft says, so sync can skip an unchanged entry before doing any work
    on it (extraction, image downloads) and the store can tell "unchanged" from "updated".
    """
    payload: dict[str, Any] = {
        "title": draft.title,
        "subtitle": draft.subtitle,
        "author": draft.author,
        "published": draft.published.isoformat() if draft.published else None,
        "url": draft.url,
        "body": draft.body_html,
        "tags": list(draft.tags),
        "related": [
            [r.title, r.excerpt, r.published.isoformat() if r.published else None, r.url]
            for r in draft.related
        ],
        "enclosures": [[e.url, e.mime_type, e.length] for e in draft.enclosures],
    }
    content_hash = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    guid = draft.guid or draft.url or f"sha256:{content_hash}"
    return guid, content_hash


CleanBody = tuple[str, str]


def clean_body(html: str, base_url: str | None) -> CleanBody:
    """(sanitized HTML, its plain text): the CPU work of storing, safe on any thread."""
    # Imported here: the sanitizer loads lxml and nh3, which reading an archive never needs
    # (18 ms of the window's start-up).
    from reader.render.sanitize import sanitize_html

    sanitized = sanitize_html(html, base_url=base_url)
    return sanitized, html_to_text(sanitized)


def allocate_order_key(connection: Connection, moment: datetime,
                       current: int | None = None) -> int:
    """A unique order key at (or just after) ``moment``; see ``schema.Article``."""
    db = connection.raw
    wanted = to_micros(moment)
    if current is not None and wanted <= current < wanted + 1_000_000:
        return current
    if db.execute("SELECT 1 FROM articles WHERE order_key = ?", (wanted,)).fetchone() is None:
        return wanted
    [highest] = db.execute(
        "SELECT max(order_key) FROM articles WHERE order_key >= ? AND order_key < ?",
        (wanted, wanted + 1_000_000)).fetchone()
    candidate = int(highest) + 1
    while db.execute("SELECT 1 FROM articles WHERE order_key = ?", (candidate,)).fetchone():
        candidate += 1
    return candidate


def _clean_text(value: str | None, limit: int = MAX_TITLE_LENGTH) -> str | None:
    if value is None:
        return None
    flat = " ".join(value.split())[:limit]
    return flat or None


def store_draft(connection: Connection, source_id: int, draft: ArticleDraft,
                fetched: datetime | None = None, *, known: tuple[str, str] | None = None,
                body: str | None = None, image_hashes: Sequence[str] = (),
                cleaned: CleanBody | None = None) -> StoreOutcome:
    """Insert or update one article from a draft; sanitizes its body on the way in.

    A draft whose identity was deleted before (a tombstone) is not stored. An update keeps the
    article's read and bookmark state and the tags a person added. Sync passes ``known`` (the
    draft's ``identity``, computed before it rewrote the body), ``body`` (the body with images
    pointing into the archive) and the hashes of those images, and may pass ``cleaned``
    (``clean_body`` done on its own thread, so the single writer only writes).
    """
    draft = valid_draft(draft)  # no lone surrogates reach SQLite, from any source of text
    db = connection.raw
    now = fetched or datetime.now(UTC)
    guid, content_hash = known or identity(draft)
    if db.execute("SELECT 1 FROM tombstones WHERE source_id = ? AND guid = ?",
                  (source_id, guid)).fetchone():
        return StoreOutcome(None, "tombstoned")
    existing = db.execute(
        "SELECT id, content_hash, order_key, fetched FROM articles "
        "WHERE source_id = ? AND guid = ?", (source_id, guid)).fetchone()
    if existing is not None and existing[1] == content_hash:
        return StoreOutcome(int(existing[0]), "unchanged")

    body_html, text = cleaned or clean_body(body if body is not None else draft.body_html,
                                            draft.url)
    first_seen = now if existing is None else from_micros(int(existing[3]))
    title = _clean_text(draft.title) or derived_title(text, body_html,
                                                      draft.published or first_seen)
    values = {
        "url": draft.url,
        "title": title,
        "title_key": title_key(title),
        "subtitle": _clean_text(draft.subtitle),
        "author": _clean_text(draft.author),
        "published": None if draft.published is None else to_micros(draft.published),
        "fetched": to_micros(now),
        "excerpt": make_excerpt(text),
        "word_count": count_words(text),
        "content_hash": content_hash,
    }
    if existing is None:
        values["order_key"] = allocate_order_key(connection, draft.published or now)
        article_id = _insert(connection, source_id, guid, values, body_html, text)
        status = "imported"
    else:
        article_id = int(existing[0])
        fts.unindex(connection, [article_id])
        del values["fetched"]  # the first arrival stays the fallback date
        values["order_key"] = allocate_order_key(connection, draft.published or first_seen,
                                                 int(existing[2]))
        assignments = ", ".join(f"{column} = :{column}" for column in values)
        db.execute(f"UPDATE articles SET {assignments} WHERE id = :id",
                   {**values, "id": article_id})
        db.execute("UPDATE article_bodies SET html = ?, text = ? WHERE article_id = ?",
                   (body_html, text, article_id))
        db.execute("DELETE FROM related_links WHERE article_id = ?", (article_id,))
        db.execute("DELETE FROM enclosures WHERE article_id = ?", (article_id,))
        status = "updated"
    tags.attach(connection, article_id, tags.clean_tag_names(draft.tags), by_user=False)
    _store_related(connection, article_id, draft)
    _store_enclosures(connection, article_id, draft)
    if status == "updated":
        shown_before = images.used_by(connection, [article_id])
        images.link(connection, article_id, image_hashes)
        images.drop_orphans(connection, shown_before - set(image_hashes))
    elif image_hashes:
        images.link(connection, article_id, image_hashes)
    fts.index(connection, [article_id])
    return StoreOutcome(article_id, status)  # type: ignore[arg-type]


def _insert(connection: Connection, source_id: int, guid: str, values: dict[str, Any],
            body_html: str, text: str) -> int:
    columns = ["source_id", "guid", *values]
    db = connection.raw
    cursor = db.execute(
        f"INSERT INTO articles ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + c for c in columns)})",
        {"source_id": source_id, "guid": guid, **values})
    article_id = int(cursor.lastrowid or 0)
    db.execute("INSERT INTO article_bodies (article_id, html, text) VALUES (?, ?, ?)",
               (article_id, body_html, text))
    return article_id


def _store_related(connection: Connection, article_id: int, draft: ArticleDraft) -> None:
    db = connection.raw
    for position, link in enumerate(draft.related):
        title = _clean_text(link.title)
        if not title:
            continue
        db.execute(
            "INSERT INTO related_links (article_id, position, title, title_key, excerpt, "
            "published, url) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (article_id, position, title, title_key(title), _clean_text(link.excerpt, 2000),
             None if link.published is None else to_micros(link.published), link.url),
        )


def _store_enclosures(connection: Connection, article_id: int, draft: ArticleDraft) -> None:
    """The draft's attachments, through the same rules the parsers apply (a draft may come
    from anywhere); they are part of its content hash, so a changed one updates the article."""
    connection.raw.executemany(
        "INSERT INTO enclosures (article_id, position, url, mime_type, length) "
        "VALUES (?, ?, ?, ?, ?)",
        [(article_id, position, e.url, e.mime_type, e.length)
         for position, e in enumerate(clean_enclosures(draft.enclosures))])


def enclosures_of(connection: Connection, article_id: int) -> tuple[Enclosure, ...]:
    rows = connection.raw.execute(
        "SELECT url, mime_type, length FROM enclosures WHERE article_id = ? ORDER BY position",
        (article_id,))
    return tuple(Enclosure(url=str(url), mime_type=mime_type,
                           length=None if length is None else int(length))
                 for url, mime_type, length in rows)


def _batches(article_ids: Sequence[int]) -> Iterator[list[int]]:
    ordered = list(dict.fromkeys(article_ids))
    for start in range(0, len(ordered), _REMOVE_BATCH):
        yield ordered[start : start + _REMOVE_BATCH]


def require(connection: Connection, article_ids: Sequence[int]) -> None:
    """Raise ArticleNotFound for the first id that is not in the archive."""
    for batch in _batches(article_ids):
        found = {int(row[0]) for row in connection.raw.execute(
            f"SELECT id FROM articles WHERE id IN ({','.join('?' * len(batch))})", batch)}
        missing = next((article_id for article_id in batch if article_id not in found), None)
        if missing is not None:
            raise ArticleNotFound(missing)


def set_read(connection: Connection, article_ids: Sequence[int], read: bool) -> list[int]:
    """Mark articles read or unread; returns the ids whose state actually changed, in the
    order given. A statement per 500 ids: undoing a mark-all-read of 10,000 is 20 of them."""
    require(connection, article_ids)
    changed: set[int] = set()
    for batch in _batches(article_ids):
        changed.update(int(row[0]) for row in connection.raw.execute(
            f"UPDATE articles SET read = ? WHERE read != ? "
            f"AND id IN ({','.join('?' * len(batch))}) RETURNING id",
            (int(read), int(read), *batch)))
    return [article_id for article_id in dict.fromkeys(article_ids) if article_id in changed]


def set_bookmarked(connection: Connection, article_ids: Sequence[int],
                   bookmarked: bool) -> list[int]:
    """Bookmark or unbookmark articles; returns the ids whose state actually changed."""
    require(connection, article_ids)
    stamp = to_micros(datetime.now(UTC)) if bookmarked else None
    changed: list[int] = []
    for article_id in article_ids:
        row = connection.exec_driver_sql(
            "UPDATE articles SET bookmarked = ?, "
            "bookmarked_at = CASE WHEN ? THEN coalesce(bookmarked_at, ?) END "
            "WHERE id = ? AND bookmarked != ? RETURNING id",
            (int(bookmarked), int(bookmarked), stamp, article_id, int(bookmarked)),
        ).first()
        if row is not None:
            changed.append(article_id)
    return changed


def delete(connection: Connection, article_ids: Sequence[int]) -> None:
    """Delete articles and leave tombstones so an import or sync does not bring them back."""
    require(connection, article_ids)
    remove(connection, article_ids)


_REMOVE_BATCH = 500


def remove(connection: Connection, article_ids: Sequence[int], *,
           tombstones: bool = True) -> None:
    """``delete`` without the check that every id exists (a purge's ids were just read).

    A statement per batch of ids rather than per article, so a purge of 100,000 articles is a
    few hundred statements; the tags and images no article has any more go with them.
    Without ``tombstones`` (an unsubscribe) a later subscription may bring them back.
    """
    db = connection.raw
    ordered = list(dict.fromkeys(article_ids))
    now = to_micros(datetime.now(UTC))
    shown: set[str] = set()
    for start in range(0, len(ordered), _REMOVE_BATCH):
        batch = ordered[start : start + _REMOVE_BATCH]
        marks = ",".join("?" * len(batch))
        fts.unindex(connection, batch)
        shown |= images.used_by(connection, batch)
        if tombstones:
            db.execute(f"INSERT OR REPLACE INTO tombstones (source_id, guid, deleted_at) "
                       f"SELECT source_id, guid, ? FROM articles WHERE id IN ({marks})",
                       (now, *batch))
        db.execute(f"DELETE FROM articles WHERE id IN ({marks})", batch)
    tags.drop_empty(connection)
    images.drop_orphans(connection, shown)


def load(connection: Connection, article_id: int) -> Article:
    row = connection.exec_driver_sql(
        "SELECT a.id, a.title, a.subtitle, s.title, a.source_id, a.url, a.published, a.fetched, "
        "a.author, a.read, a.bookmarked, a.bookmarked_at, a.excerpt, a.word_count, b.html, b.text "
        "FROM articles a JOIN sources s ON s.id = a.source_id "
        "LEFT JOIN article_bodies b ON b.article_id = a.id WHERE a.id = ?",
        (article_id,),
    ).first()
    if row is None:
        raise ArticleNotFound(article_id)
    return Article(
        id=int(row[0]), title=str(row[1]), subtitle=row[2], source=str(row[3]),
        source_id=int(row[4]), url=row[5],
        published=None if row[6] is None else from_micros(int(row[6])),
        fetched=from_micros(int(row[7])), author=row[8],
        tags=tags.names_for(connection, [article_id])[article_id],
        read=bool(row[9]), bookmarked=bool(row[10]),
        bookmarked_at=None if row[11] is None else from_micros(int(row[11])),
        excerpt=str(row[12]), word_count=int(row[13]),
        body_html=str(row[14] or ""), body_text=str(row[15] or ""),
        related=related_links(connection, article_id),
        enclosures=enclosures_of(connection, article_id),
    )


def related_links(connection: Connection, article_id: int) -> tuple[RelatedLink, ...]:
    """An article's related links, each matched to an archived article by url or title."""
    rows = connection.exec_driver_sql(
        "SELECT r.title, r.excerpt, r.published, r.url, "
        "  coalesce((SELECT m.id FROM articles m WHERE r.url IS NOT NULL AND m.url = r.url "
        "            AND m.id != r.article_id LIMIT 1), "
        "           (SELECT m.id FROM articles m WHERE m.title_key = r.title_key "
        "            AND m.id != r.article_id ORDER BY m.order_key DESC LIMIT 1)) "
        "FROM related_links r WHERE r.article_id = ? ORDER BY r.position",
        (article_id,),
    )
    return tuple(
        RelatedLink(
            title=str(title), excerpt=excerpt,
            published=None if published is None else from_micros(int(published)),
            url=url, article_id=None if match is None else int(match),
        )
        for title, excerpt, published, url, match in rows
    )
