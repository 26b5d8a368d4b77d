"""Keeping the external-content FTS5 index in step with the rows it indexes.

FTS5 external-content tables store no text, so removing a row's old terms needs the exact old
values. Every writer therefore calls ``unindex`` before it changes an article's title,
subtitle, author, body, tags or order key, and ``index`` after — both inside the writer's
transaction, both reading through the same view, so the index can never disagree with rows.

``index`` only notes the ids; ``flush`` (which ``Archive.writing`` calls just before commit)
adds their terms in one run of inserts. SQLite 3.40's FTS5 writes its pending terms to disk
as a new segment whenever another statement in the transaction opens a savepoint, so indexing
each article as it was stored wrote one segment per article and made the next statement pay
for it: 560 µs per article insert instead of 41 µs, and a bulk store 11 times slower than a
plain insert. An article noted but not yet flushed has no terms in the index, so ``unindex``
just forgets it.

The bigram index (``articles_fts_grams``, see ``bigrams.py``) is kept in step by the same
calls from the same rows: an article whose text has no word of a script written without
spaces has no row there, so its terms are worked out on both sides (in ``unindex`` and in
``flush``) from the values the main index is given, and an article is deleted from it only
when those values gave it terms to add. The table is contentless (its terms are derived in
Python, so no view could be its content), and FTS5 takes a contentless row out only by being
told its terms again: the same function of the same values.
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection
from typing import Any

from reader.archive.bigrams import index_text
from reader.archive.database import Connection

_COLUMNS = "title, subtitle, author, body, tags"
GRAMS = "articles_fts_grams"
_BATCH = 500


def _in_batches(ids: Collection[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[i : i + _BATCH] for i in range(0, len(ordered), _BATCH)]


def _rows(connection: Connection, article_ids: Collection[int]) -> list[tuple[Any, ...]]:
    db = connection.raw
    rows: list[tuple[Any, ...]] = []
    for batch in _in_batches(article_ids):
        marks = ",".join("?" * len(batch))
        rows.extend(db.execute(
            f"SELECT order_key, {_COLUMNS} FROM article_search_text "
            f"WHERE article_id IN ({marks})", tuple(batch)).fetchall())
    return rows


def _by_rowid(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=lambda row: int(row[0]))


def _gram_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The bigram index's rows for these (rowid-ordered) rows: only those that give terms."""
    found: list[tuple[Any, ...]] = []
    for row in rows:
        terms = tuple(index_text(str(value)) for value in row[1:])
        if any(terms):
            found.append((row[0], *terms))
    return found


def _insert(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Add these rows (``order_key`` and the columns, in rowid order) to both indexes."""
    db = connection.raw
    db.executemany(f"INSERT INTO articles_fts (rowid, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                   rows)
    db.executemany(f"INSERT INTO {GRAMS} (rowid, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                   _gram_rows(rows))


# The rows are read first and then inserted as plain values: an INSERT ... SELECT from the
# content view made FTS5 four times slower per row (measured: 630 µs against 166 µs).


_PENDING = "broadsheet.fts_pending"


def _pending(connection: Connection) -> dict[int, None]:
    pending: dict[int, None] = connection.info.setdefault(_PENDING, {})
    return pending


def unindex(connection: Connection, article_ids: Collection[int]) -> None:
    """Remove these articles' current terms from the index (call before changing them)."""
    pending = _pending(connection)
    indexed = [article_id for article_id in article_ids if article_id not in pending]
    for article_id in article_ids:
        pending.pop(article_id, None)
    rows = _by_rowid(_rows(connection, indexed))
    for table in ("articles_fts", GRAMS):
        connection.raw.executemany(
            f"INSERT INTO {table} ({table}, rowid, {_COLUMNS}) "
            f"VALUES ('delete', ?, ?, ?, ?, ?, ?)",
            rows if table == "articles_fts" else _gram_rows(rows))


def index(connection: Connection, article_ids: Collection[int]) -> None:
    """Have these articles' current terms added to the index when the transaction ends
    (call after changing them)."""
    _pending(connection).update(dict.fromkeys(article_ids))


def flush(connection: Connection) -> None:
    """Add the terms of every article ``index`` noted in this transaction (before commit)."""
    pending = connection.info.pop(_PENDING, None)
    if pending:
        # In rowid (order key) order: FTS5 writes its pending terms out as a new segment
        # whenever a rowid is lower than the one before, so unsorted rows (order keys are
        # publication times, in no particular order) cost 490 µs an article instead of 274.
        _insert(connection, _by_rowid(_rows(connection, pending)))


def discard(connection: Connection) -> None:
    """Forget noted articles (the transaction rolled back, and their rows with it)."""
    connection.info.pop(_PENDING, None)


# --- checking and rebuilding ------------------------------------------------------------------
#
# FTS5's own 'integrity-check' compares the index with its content, but not every damaged
# page makes it fail: with this archive's large rowids (order keys are microseconds), a leaf
# whose term bytes were overwritten passed it in SQLite 3.40 while searches for the term
# silently lost the articles on that page. So ``probe`` also asks the index what a reader
# would: do these words of these articles find them? The two together are ``Archive``'s FTS
# health check (``reader.archive.health``).


def check(connection: Connection) -> None:
    """Raise if the index disagrees with its content (FTS5's own 'integrity-check'), or the
    bigram index's structure is damaged (being contentless, it has no content to compare)."""
    connection.exec_driver_sql("INSERT INTO articles_fts (articles_fts, rank) "
                               "VALUES ('integrity-check', 1)")
    connection.exec_driver_sql(f"INSERT INTO {GRAMS} ({GRAMS}) VALUES ('integrity-check')")


# Words a search is certain to find where they stand: letters only, between spaces or plain
# punctuation (so no combining mark or joiner makes the tokenizer read a longer token), and
# short enough that no limit on indexed word length could cut them.
_PROBE_WORD = re.compile(r"(?<![^\s.,;:!?\"'()\[\]])[^\W\d_]{3,16}(?![^\s.,;:!?\"'()\[\]])")


def probe(connection: Connection, articles: int = 2000, words: int = 5,
          seed: int | None = None) -> tuple[int, int]:
    """(misses, probes): for a random sample of ``articles``, whether up to ``words`` of each
    one's title and body words find it in the index. Any miss means a damaged index.

    Each probe is one indexed lookup (the word's postings, sought to the article's rowid), so
    a few hundred cost milliseconds on any archive size.
    """
    db = connection.raw
    highest = db.execute("SELECT max(id) FROM articles").fetchone()[0]
    if not highest:
        return 0, 0
    chooser = random.Random(seed)
    wanted = sorted({chooser.randint(1, int(highest)) for _ in range(articles)})
    misses = probes = 0
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start : start + _BATCH]
        rows = db.execute(
            f"SELECT order_key, title, body FROM article_search_text "
            f"WHERE article_id IN ({','.join('?' * len(batch))})", tuple(batch)).fetchall()
        for order_key, title, body in rows:
            found = list(dict.fromkeys(_PROBE_WORD.findall(f"{title} {body[:20_000]}")))
            for word in chooser.sample(found, min(words, len(found))):
                probes += 1
                hit = db.execute("SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? "
                                 "AND rowid = ?", (f'"{word}"', order_key)).fetchone()
                misses += hit is None
    return misses, probes


def rebuild(connection: Connection) -> int:
    """Rebuild the whole index from the articles, in the caller's transaction; returns how
    many articles were indexed.

    Not FTS5's own 'rebuild', which reads the content view directly: the index is refilled
    the way ``flush`` fills it (the same rows, in rowid order), so whatever the write path
    indexes, a rebuild indexes too.
    """
    db = connection.raw
    discard(connection)
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
    return fill_grams(connection, main=True)


def fill_grams(connection: Connection, *, main: bool = False) -> int:
    """Empty the bigram index and index every article in it again (and in the main index too
    when ``main``, emptied by the caller); what a rebuild and migration 0009 do. Returns how
    many articles were read."""
    db = connection.raw
    db.execute(f"INSERT INTO {GRAMS} ({GRAMS}) VALUES ('delete-all')")
    ordered = [int(row[0]) for row in db.execute("SELECT id FROM articles ORDER BY order_key")]
    for start in range(0, len(ordered), _BATCH):
        rows = _by_rowid(_rows(connection, ordered[start : start + _BATCH]))
        if main:
            _insert(connection, rows)
        else:
            db.executemany(f"INSERT INTO {GRAMS} (rowid, {_COLUMNS}) "
                           f"VALUES (?, ?, ?, ?, ?, ?)", _gram_rows(rows))
    return len(ordered)
