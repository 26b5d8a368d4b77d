"""Indexes that let a search be counted without reading its articles' rows.

The sidebar counts every saved search (unread / all, over its newest 10,000 matches) after
each write. Reading those 10,000 rows costs ~25-50 ms a search at a million articles,
scattered as they are over the file; the same count from indexes is ~1-4 ms:

- the partial unread indexes ``ix_articles_unread_order`` and
  ``ix_article_tags_tag_unread_order`` gain ``read``: SQLite 3.40 reads each row to test the
  flag their WHERE already implies unless the index holds it (23 ms against 2 ms for
  10,000). A search's count probes the first for each match ("is it unread?"); a tag's count
  reads its matches' keys from ``ix_article_tags_tag_order`` and its unread from the second.
- ``ix_articles_source_order`` gains ``read`` for counts driven by a source (it keeps its
  name: it serves the source pages as before); a source's rows lie together, so "mark all
  read" of a source rewrites few of its pages.

No full index of the read flag by order key (or by tag): "mark all read" of 10,000 articles
would rewrite 10,000 scattered entries of each (1.15 s against 0.8 s at a million articles),
while the partial indexes lose those entries anyway.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild("ix_articles_unread_order", "articles (order_key, read) WHERE read = 0")
    _rebuild("ix_articles_source_order", "articles (source_id, order_key, read)")
    _rebuild("ix_article_tags_tag_unread_order",
             "article_tags (tag_id, order_key, read) WHERE read = 0")


def downgrade() -> None:
    _rebuild("ix_article_tags_tag_unread_order",
             "article_tags (tag_id, order_key) WHERE read = 0")
    _rebuild("ix_articles_source_order", "articles (source_id, order_key)")
    _rebuild("ix_articles_unread_order", "articles (order_key) WHERE read = 0")


def _rebuild(name: str, definition: str) -> None:
    op.execute(f"DROP INDEX {name}")
    op.execute(f"CREATE INDEX {name} ON {definition}")
