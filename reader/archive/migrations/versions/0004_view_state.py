"""View state kept with the archive, and a write generation that tells who changed it.

``view_state`` holds what a reader window was showing (the last article, filter, search), so
it belongs to the archive it was made in and moves with the file. ``archive_stats.generation``
is raised by every write transaction: a window compares it against the generations it wrote
itself to tell its own changes from another process's.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE view_state (
        key VARCHAR(40) NOT NULL PRIMARY KEY,
        value TEXT NOT NULL
    )""")
    op.execute("ALTER TABLE archive_stats ADD COLUMN generation INTEGER DEFAULT 0 NOT NULL")


def downgrade() -> None:
    op.execute("ALTER TABLE archive_stats DROP COLUMN generation")
    op.execute("DROP TABLE view_state")
