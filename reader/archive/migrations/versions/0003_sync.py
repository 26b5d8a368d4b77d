"""Sync: per-source settings and state, source tags, and images stored inside the archive.

Images are content-addressed (sha256), so an image shared by many articles is stored once;
``article_images`` records who uses which, so deleting the last user deletes the image.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATEMENTS = [
    "ALTER TABLE sources ADD COLUMN site_url TEXT",
    "ALTER TABLE sources ADD COLUMN gone BOOLEAN DEFAULT 0 NOT NULL",
    "ALTER TABLE sources ADD COLUMN full_text VARCHAR(8) DEFAULT 'auto' NOT NULL",
    "ALTER TABLE sources ADD COLUMN retry_after BIGINT",
    """
    CREATE TABLE source_tags (
        source_id INTEGER NOT NULL,
        name TEXT COLLATE NOCASE NOT NULL,
        CONSTRAINT pk_source_tags PRIMARY KEY (source_id, name),
        CONSTRAINT fk_source_tags_source_id_sources FOREIGN KEY (source_id)
            REFERENCES sources (id) ON DELETE CASCADE
    ) WITHOUT ROWID""",
    """
    CREATE TABLE images (
        sha256 VARCHAR(64) NOT NULL PRIMARY KEY,
        mime_type VARCHAR(40) NOT NULL,
        width INTEGER,
        height INTEGER,
        size INTEGER NOT NULL,
        data BLOB NOT NULL
    )""",
    """
    CREATE TABLE article_images (
        article_id INTEGER NOT NULL,
        sha256 VARCHAR(64) NOT NULL,
        CONSTRAINT pk_article_images PRIMARY KEY (article_id, sha256),
        CONSTRAINT fk_article_images_article_id_articles FOREIGN KEY (article_id)
            REFERENCES articles (id) ON DELETE CASCADE,
        CONSTRAINT fk_article_images_sha256_images FOREIGN KEY (sha256)
            REFERENCES images (sha256)
    ) WITHOUT ROWID""",
    "CREATE INDEX ix_article_images_sha256 ON article_images (sha256)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE article_images")
    op.execute("DROP TABLE images")
    op.execute("DROP TABLE source_tags")
    for column in ("retry_after", "full_text", "gone", "site_url"):
        op.execute(f"ALTER TABLE sources DROP COLUMN {column}")
