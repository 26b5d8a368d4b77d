"""Per-source settings, hand-made tags told from feed categories, enclosures.

Sources gain what a reader sets per subscription: ``paused``, ``keep_images``,
``every_minutes`` (NULL: the app's interval), ``keep_days`` (NULL: keep everything, the
default; otherwise read articles older than this may be purged), ``failures`` (consecutive
failed syncs, for back-off) and ``unsubscribed`` (the feed was left, but bookmarked or
hand-tagged articles of it were kept, so the row stays to hold them) and ``renamed`` (the
user named it: sync no longer replaces the title with the feed's).

``article_tags.by_user`` marks a tag a person put on an article (as opposed to a feed's
category or a folder's tag): unsubscribe and purge keep such articles, and "Tags from
sources" can be hidden. Rows that existed before this migration cannot be told apart, so they
are all taken as the user's, except a folder's (``source_tags``) own tag: losing a hand-made
tag is worse than keeping a few feed categories visible.

``enclosures`` holds a feed entry's podcast or media attachments (URL, type, length).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SOURCE_COLUMNS = (
    "ALTER TABLE sources ADD COLUMN paused BOOLEAN DEFAULT 0 NOT NULL",
    "ALTER TABLE sources ADD COLUMN keep_images BOOLEAN DEFAULT 1 NOT NULL",
    "ALTER TABLE sources ADD COLUMN every_minutes INTEGER",
    "ALTER TABLE sources ADD COLUMN keep_days INTEGER",
    "ALTER TABLE sources ADD COLUMN failures INTEGER DEFAULT 0 NOT NULL",
    "ALTER TABLE sources ADD COLUMN unsubscribed BOOLEAN DEFAULT 0 NOT NULL",
    "ALTER TABLE sources ADD COLUMN renamed BOOLEAN DEFAULT 0 NOT NULL",
)


def upgrade() -> None:
    for statement in _SOURCE_COLUMNS:
        op.execute(statement)
    op.execute("ALTER TABLE article_tags ADD COLUMN by_user BOOLEAN DEFAULT 0 NOT NULL")
    op.execute("""
    UPDATE article_tags SET by_user = 1 WHERE NOT EXISTS (
        SELECT 1 FROM articles a JOIN source_tags s ON s.source_id = a.source_id
        JOIN tags t ON t.name = s.name
        WHERE a.id = article_tags.article_id AND t.id = article_tags.tag_id)""")
    op.execute("CREATE INDEX ix_article_tags_by_user ON article_tags (tag_id) "
               "WHERE by_user = 1")
    op.execute("""
    CREATE TABLE enclosures (
        article_id INTEGER NOT NULL,
        position INTEGER NOT NULL,
        url TEXT NOT NULL,
        mime_type TEXT,
        length BIGINT,
        CONSTRAINT pk_enclosures PRIMARY KEY (article_id, position),
        CONSTRAINT fk_enclosures_article_id_articles FOREIGN KEY (article_id)
            REFERENCES articles (id) ON DELETE CASCADE
    )""")


def downgrade() -> None:
    op.execute("DROP TABLE enclosures")
    op.execute("DROP INDEX ix_article_tags_by_user")
    op.execute("ALTER TABLE article_tags DROP COLUMN by_user")
    for statement in reversed(_SOURCE_COLUMNS):
        column = statement.split("ADD COLUMN ")[1].split()[0]
        op.execute(f"ALTER TABLE sources DROP COLUMN {column}")
