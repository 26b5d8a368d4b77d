"""Core tables, their indexes, and the triggers that keep every counter equal to a recount.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = [
    """
    CREATE TABLE sources (
        id INTEGER NOT NULL PRIMARY KEY,
        kind VARCHAR(16) NOT NULL,
        url TEXT,
        title TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_synced BIGINT,
        last_error TEXT,
        last_error_at BIGINT,
        etag TEXT,
        last_modified TEXT,
        article_count INTEGER DEFAULT 0 NOT NULL,
        unread_count INTEGER DEFAULT 0 NOT NULL,
        CONSTRAINT uq_sources_url UNIQUE (url)
    )""",
    """
    CREATE TABLE articles (
        id INTEGER NOT NULL PRIMARY KEY,
        source_id INTEGER NOT NULL,
        guid TEXT NOT NULL,
        url TEXT,
        title TEXT NOT NULL,
        title_key TEXT NOT NULL,
        subtitle TEXT,
        author TEXT,
        published BIGINT,
        fetched BIGINT NOT NULL,
        order_key BIGINT NOT NULL,
        excerpt TEXT NOT NULL,
        word_count INTEGER NOT NULL,
        content_hash VARCHAR(64) NOT NULL,
        read BOOLEAN DEFAULT 0 NOT NULL,
        bookmarked BOOLEAN DEFAULT 0 NOT NULL,
        bookmarked_at BIGINT,
        CONSTRAINT uq_articles_source_id_guid UNIQUE (source_id, guid),
        CONSTRAINT uq_articles_order_key UNIQUE (order_key),
        CONSTRAINT fk_articles_source_id_sources FOREIGN KEY (source_id)
            REFERENCES sources (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX ix_articles_source_order ON articles (source_id, order_key)",
    "CREATE INDEX ix_articles_unread_order ON articles (order_key) WHERE read = 0",
    "CREATE INDEX ix_articles_bookmarked_order ON articles (order_key) WHERE bookmarked = 1",
    "CREATE INDEX ix_articles_title_key ON articles (title_key)",
    "CREATE INDEX ix_articles_url ON articles (url)",
    """
    CREATE TABLE article_bodies (
        article_id INTEGER NOT NULL PRIMARY KEY,
        html TEXT NOT NULL,
        text TEXT NOT NULL,
        CONSTRAINT fk_article_bodies_article_id_articles FOREIGN KEY (article_id)
            REFERENCES articles (id) ON DELETE CASCADE
    )""",
    """
    CREATE TABLE tags (
        id INTEGER NOT NULL PRIMARY KEY,
        name TEXT COLLATE NOCASE NOT NULL,
        article_count INTEGER DEFAULT 0 NOT NULL,
        unread_count INTEGER DEFAULT 0 NOT NULL,
        CONSTRAINT uq_tags_name UNIQUE (name)
    )""",
    """
    CREATE TABLE article_tags (
        article_id INTEGER NOT NULL,
        tag_id INTEGER NOT NULL,
        order_key BIGINT NOT NULL,
        read BOOLEAN NOT NULL,
        CONSTRAINT pk_article_tags PRIMARY KEY (article_id, tag_id),
        CONSTRAINT fk_article_tags_article_id_articles FOREIGN KEY (article_id)
            REFERENCES articles (id) ON DELETE CASCADE,
        CONSTRAINT fk_article_tags_tag_id_tags FOREIGN KEY (tag_id)
            REFERENCES tags (id) ON DELETE CASCADE
    ) WITHOUT ROWID""",
    "CREATE INDEX ix_article_tags_tag_order ON article_tags (tag_id, order_key)",
    "CREATE INDEX ix_article_tags_tag_unread_order ON article_tags (tag_id, order_key)"
    " WHERE read = 0",
    """
    CREATE TABLE related_links (
        id INTEGER NOT NULL PRIMARY KEY,
        article_id INTEGER NOT NULL,
        position INTEGER NOT NULL,
        title TEXT NOT NULL,
        title_key TEXT NOT NULL,
        excerpt TEXT,
        published BIGINT,
        url TEXT,
        CONSTRAINT fk_related_links_article_id_articles FOREIGN KEY (article_id)
            REFERENCES articles (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX ix_related_links_article ON related_links (article_id, position)",
    """
    CREATE TABLE tombstones (
        source_id INTEGER NOT NULL,
        guid TEXT NOT NULL,
        deleted_at BIGINT NOT NULL,
        CONSTRAINT pk_tombstones PRIMARY KEY (source_id, guid),
        CONSTRAINT fk_tombstones_source_id_sources FOREIGN KEY (source_id)
            REFERENCES sources (id) ON DELETE CASCADE
    ) WITHOUT ROWID""",
    """
    CREATE TABLE archive_stats (
        id INTEGER NOT NULL PRIMARY KEY,
        articles INTEGER DEFAULT 0 NOT NULL,
        unread INTEGER DEFAULT 0 NOT NULL,
        bookmarked INTEGER DEFAULT 0 NOT NULL
    )""",
    "INSERT INTO archive_stats (id, articles, unread, bookmarked) VALUES (1, 0, 0, 0)",
]

# Counters follow every write here, in the writer's own transaction, so a count shown anywhere
# is one indexed row read and can never drift from a recount (the property tests check it).
TRIGGERS = [
    """
    CREATE TRIGGER articles_counts_insert AFTER INSERT ON articles BEGIN
        UPDATE archive_stats SET articles = articles + 1,
            unread = unread + (NOT NEW.read), bookmarked = bookmarked + NEW.bookmarked
            WHERE id = 1;
        UPDATE sources SET article_count = article_count + 1,
            unread_count = unread_count + (NOT NEW.read) WHERE id = NEW.source_id;
    END""",
    """
    CREATE TRIGGER articles_counts_delete AFTER DELETE ON articles BEGIN
        UPDATE archive_stats SET articles = articles - 1,
            unread = unread - (NOT OLD.read), bookmarked = bookmarked - OLD.bookmarked
            WHERE id = 1;
        UPDATE sources SET article_count = article_count - 1,
            unread_count = unread_count - (NOT OLD.read) WHERE id = OLD.source_id;
    END""",
    """
    CREATE TRIGGER articles_counts_read AFTER UPDATE OF read ON articles
    WHEN OLD.read IS NOT NEW.read BEGIN
        UPDATE archive_stats SET unread = unread + (NOT NEW.read) - (NOT OLD.read) WHERE id = 1;
        UPDATE sources SET unread_count = unread_count + (NOT NEW.read) - (NOT OLD.read)
            WHERE id = NEW.source_id;
        UPDATE article_tags SET read = NEW.read WHERE article_id = NEW.id;
    END""",
    """
    CREATE TRIGGER articles_counts_bookmarked AFTER UPDATE OF bookmarked ON articles
    WHEN OLD.bookmarked IS NOT NEW.bookmarked BEGIN
        UPDATE archive_stats SET bookmarked = bookmarked + NEW.bookmarked - OLD.bookmarked
            WHERE id = 1;
    END""",
    """
    CREATE TRIGGER articles_order_to_tags AFTER UPDATE OF order_key ON articles
    WHEN OLD.order_key IS NOT NEW.order_key BEGIN
        UPDATE article_tags SET order_key = NEW.order_key WHERE article_id = NEW.id;
    END""",
    """
    CREATE TRIGGER article_tags_counts_insert AFTER INSERT ON article_tags BEGIN
        UPDATE tags SET article_count = article_count + 1,
            unread_count = unread_count + (NOT NEW.read) WHERE id = NEW.tag_id;
    END""",
    """
    CREATE TRIGGER article_tags_counts_delete AFTER DELETE ON article_tags BEGIN
        UPDATE tags SET article_count = article_count - 1,
            unread_count = unread_count - (NOT OLD.read) WHERE id = OLD.tag_id;
    END""",
    """
    CREATE TRIGGER article_tags_counts_read AFTER UPDATE OF read ON article_tags
    WHEN OLD.read IS NOT NEW.read BEGIN
        UPDATE tags SET unread_count = unread_count + (NOT NEW.read) - (NOT OLD.read)
            WHERE id = NEW.tag_id;
    END""",
]


def upgrade() -> None:
    for statement in TABLES + TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for table in ("archive_stats", "tombstones", "related_links", "article_tags", "tags",
                  "article_bodies", "articles", "sources"):
        op.execute(f"DROP TABLE {table}")
