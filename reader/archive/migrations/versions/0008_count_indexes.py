"""Indexes that let a search be counted without reading its articles' rows.

The sidebar counts every saved search (unread / all, over its newest 10,000 matches) after
each write. Reading those 10,000 rows costs ~25 ms a search at a million articles, scattered
as they are over the file; the same count from an index that holds the read flag beside the
order key is ~1-4 ms. ``ix_articles_order_read`` is that index for searches driven by the
full-text index or the order key; ``ix_article_tags_tag_order`` and
``ix_articles_source_order`` gain ``read`` for those driven by a tag or a source (they keep
their names: they serve the tag and source pages exactly as before).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_articles_order_read ON articles (order_key, read)")
    op.execute("DROP INDEX ix_article_tags_tag_order")
    op.execute("CREATE INDEX ix_article_tags_tag_order ON article_tags (tag_id, order_key, read)")
    op.execute("DROP INDEX ix_articles_source_order")
    op.execute("CREATE INDEX ix_articles_source_order ON articles (source_id, order_key, read)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_articles_source_order")
    op.execute("CREATE INDEX ix_articles_source_order ON articles (source_id, order_key)")
    op.execute("DROP INDEX ix_article_tags_tag_order")
    op.execute("CREATE INDEX ix_article_tags_tag_order ON article_tags (tag_id, order_key)")
    op.execute("DROP INDEX ix_articles_order_read")
