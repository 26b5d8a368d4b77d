"""A second full-text index, of bigrams, so words inside Chinese, Japanese, Korean, Thai, Lao,
Khmer and Myanmar text are found (``reader.archive.bigrams`` says how and why).

The table is contentless, with the same five columns and relevance weights as the main
index, and its rowid is the order key too, so a search for such a word is driven by it the
way a Latin word's search is driven by the main index. The backfill reads every article once
(what the write path would index) and adds only those whose text holds such a script, in this
migration's transaction: measured on a 100,000-article archive in README's "Search".

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlite3

from alembic import op

from reader.archive import fts
from reader.archive.database import Connection

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        f"""
        CREATE VIRTUAL TABLE {fts.GRAMS} USING fts5(
            title, subtitle, author, body, tags,
            content = '', tokenize = 'ascii', prefix = '1'
        )"""
    )
    op.execute(f"INSERT INTO {fts.GRAMS} ({fts.GRAMS}, rank) "
               f"VALUES ('rank', 'bm25(10.0, 5.0, 3.0, 1.0, 4.0)')")
    # Date filters never match undated articles (``published IS NULL``): the partial unread
    # index holds ``published`` too, so counting an unread date search reads no article rows.
    op.execute("DROP INDEX ix_articles_unread_order")
    op.execute("CREATE INDEX ix_articles_unread_order ON articles (order_key, read, published) "
               "WHERE read = 0")
    raw = op.get_bind().connection.dbapi_connection
    assert isinstance(raw, sqlite3.Connection)
    fts.fill_grams(Connection(raw, {}))


def downgrade() -> None:
    op.execute(f"DROP TABLE {fts.GRAMS}")
    op.execute("DROP INDEX ix_articles_unread_order")
    op.execute("CREATE INDEX ix_articles_unread_order ON articles (order_key, read) "
               "WHERE read = 0")
