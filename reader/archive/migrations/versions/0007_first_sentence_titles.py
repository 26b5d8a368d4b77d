"""Articles stored as "(untitled)" are named by their first sentence.

Until this revision a feed entry without a title was stored with the title "(untitled)"; the
archive now derives one from the body (``reader.titles.derived_title``). This rewrites the
old rows with that same function, from each article's stored text and HTML, and keeps the
title's ``title_key`` and its full-text terms in step. Rows are read in batches by id, so a
large archive is never held in memory at once. The old placeholder cannot be told from a real
title "(untitled)" an entry once had, so the downgrade leaves the derived titles as they are.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

from reader.archive.timestamps import from_micros
from reader.render.plaintext import title_key
from reader.titles import derived_title

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_PLACEHOLDER = "(untitled)"
_BATCH = 500
_FTS_COLUMNS = "title, subtitle, author, body, tags"


def upgrade() -> None:
    db = op.get_bind()
    last_id = 0
    while True:
        rows = db.exec_driver_sql(
            "SELECT a.id, coalesce(b.text, ''), coalesce(b.html, ''), "
            "coalesce(a.published, a.fetched) "
            "FROM articles a LEFT JOIN article_bodies b ON b.article_id = a.id "
            "WHERE a.title = ? AND a.id > ? ORDER BY a.id LIMIT ?",
            (_PLACEHOLDER, last_id, _BATCH)).fetchall()
        if not rows:
            return
        last_id = int(rows[-1][0])
        marks = ",".join("?" * len(rows))
        ids = tuple(int(row[0]) for row in rows)
        # External-content FTS5: the old terms go out with the old values, before the change.
        db.exec_driver_sql(
            f"INSERT INTO articles_fts (articles_fts, rowid, {_FTS_COLUMNS}) "
            f"SELECT 'delete', order_key, {_FTS_COLUMNS} FROM article_search_text "
            f"WHERE article_id IN ({marks})", ids)
        for article_id, text, html, moment in rows:
            title = derived_title(str(text), str(html), from_micros(int(moment)))
            db.exec_driver_sql("UPDATE articles SET title = ?, title_key = ? WHERE id = ?",
                               (title, title_key(title), article_id))
        db.exec_driver_sql(
            f"INSERT INTO articles_fts (rowid, {_FTS_COLUMNS}) "
            f"SELECT order_key, {_FTS_COLUMNS} FROM article_search_text "
            f"WHERE article_id IN ({marks})", ids)


def downgrade() -> None:
    """Nothing to undo: the derived titles are as good a title under 0006."""
