"""Full-text search: an FTS5 index over title, subtitle, author, body text and tag names.

The index is external-content (it stores no copy of the text) over a view, and its rowid is
``articles.order_key``: a newest-first search walks the index backwards and stops after a page.
The archive's write path keeps it in step inside the same transaction (see ``fts.py``).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE VIEW article_search_text
            (order_key, article_id, title, subtitle, author, body, tags) AS
        SELECT a.order_key, a.id, a.title, coalesce(a.subtitle, ''), coalesce(a.author, ''),
               coalesce(b.text, ''),
               coalesce((SELECT group_concat(t.name, ' ')
                         FROM article_tags x JOIN tags t ON t.id = x.tag_id
                         WHERE x.article_id = a.id), '')
        FROM articles a LEFT JOIN article_bodies b ON b.article_id = a.id
        """
    )
    op.execute(
        """
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, subtitle, author, body, tags,
            content = 'article_search_text', content_rowid = 'order_key',
            tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
        )"""
    )
    # Relevance weights for title, subtitle, author, body, tags (sort:relevance uses rank).
    op.execute(
        "INSERT INTO articles_fts (articles_fts, rank) "
        "VALUES ('rank', 'bm25(10.0, 5.0, 3.0, 1.0, 4.0)')"
    )
    op.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")


def downgrade() -> None:
    op.execute("DROP TABLE articles_fts")
    op.execute("DROP VIEW article_search_text")
