"""Saved searches: a name for a query, usable as ``saved:NAME`` inside any other.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE saved_searches (
        id INTEGER NOT NULL PRIMARY KEY,
        name TEXT COLLATE NOCASE NOT NULL,
        query TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        CONSTRAINT uq_saved_searches_name UNIQUE (name)
    )""")


def downgrade() -> None:
    op.execute("DROP TABLE saved_searches")
