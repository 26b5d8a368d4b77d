"""The archive's tables as typed SQLAlchemy models: the schema's reference, not a query layer.

The schema is created and changed only by the Alembic migrations in ``migrations/``, and
nothing queries through these models: the archive runs its own SQL on plain sqlite3
connections (``database.py``). They stay as the one typed description of every table and
index: ``migrations/env.py`` hands them to Alembic as ``target_metadata`` (what autogenerate
compares a database with when a new migration is drafted), and a test checks that the
migrated schema equals them. Counters (``article_count``, ``unread_count``,
``archive_stats``) are kept by triggers defined in the migrations, so every write keeps them
equal to a recount whatever SQL made it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class EpochMicros(TypeDecorator[datetime]):
    """An aware UTC datetime stored as integer microseconds since the epoch (the conversion
    is ``timestamps.to_micros`` and ``from_micros``, which the archive's SQL uses).

    Integers index and compare faster than SQLite's text datetimes, and storing UTC only means
    the offset a feed used is not kept: ``published`` is shown back in UTC, never invented.
    """

    impl = BigInteger
    cache_ok = True


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Source(Base):
    """Where articles come from: a feed, a saved web page, or local files the user imported."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(EpochMicros)
    last_synced: Mapped[datetime | None] = mapped_column(EpochMicros)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(EpochMicros)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    article_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    unread_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    site_url: Mapped[str | None] = mapped_column(Text)
    #: HTTP 410 seen: the publisher says the feed is gone; sync skips it unless asked by id.
    gone: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    #: "auto" (extract the page when an entry is only a summary), "always" or "never".
    full_text: Mapped[str] = mapped_column(String(8), server_default=text("'auto'"))
    #: Do not fetch before this time (a 429/503 Retry-After).
    retry_after: Mapped[datetime | None] = mapped_column(EpochMicros)
    #: Sync skips a paused source (migration 0006 has these per-source settings).
    paused: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    keep_images: Mapped[bool] = mapped_column(Boolean, server_default=text("1"))
    #: Minutes between automatic syncs of this source; NULL: the app's interval.
    every_minutes: Mapped[int | None] = mapped_column(Integer)
    #: Read articles older than this many days may be purged; NULL: keep everything.
    keep_days: Mapped[int | None] = mapped_column(Integer)
    #: Consecutive failed syncs: automatic sync backs off as this grows.
    failures: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    #: Left by the user; the row stays only to hold the articles they chose to keep.
    unsubscribed: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    #: The user named the source: a sync keeps that title rather than the feed's.
    renamed: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))


class SourceTag(Base):
    """Tags every article of a source gets (``add --tag``, OPML folder names)."""

    __tablename__ = "source_tags"
    __table_args__ = (PrimaryKeyConstraint("source_id", "name"),)

    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text(collation="NOCASE"))


class Image(Base):
    """An image an article shows, downloaded at sync time; addressed by its sha256."""

    __tablename__ = "images"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ArticleImage(Base):
    __tablename__ = "article_images"
    __table_args__ = (
        PrimaryKeyConstraint("article_id", "sha256"),
        Index("ix_article_images_sha256", "sha256"),
    )

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(ForeignKey("images.sha256"))


class Article(Base):
    """One article's headline fields; the body lives in ``article_bodies``.

    ``order_key`` is the headline order: the published time (or the fetched time when a page
    gives none) in microseconds, nudged up by a few microseconds when another article already
    holds that instant, so it is unique. It is also the full-text index's rowid, which lets a
    newest-first word search stream matches in order and stop after one page.
    """

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("source_id", "guid"),
        Index("ix_articles_source_order", "source_id", "order_key", "read"),
        #: ``read`` beside the key: counting a search probes here for its unread (0008);
        #: ``published`` too: a date filter skips undated articles (0009).
        Index("ix_articles_unread_order", "order_key", "read", "published",
              sqlite_where=text("read = 0")),
        Index("ix_articles_bookmarked_order", "order_key", sqlite_where=text("bookmarked = 1")),
        Index("ix_articles_title_key", "title_key"),
        Index("ix_articles_url", "url"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    title_key: Mapped[str] = mapped_column(Text)
    subtitle: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published: Mapped[datetime | None] = mapped_column(EpochMicros)
    fetched: Mapped[datetime] = mapped_column(EpochMicros)
    order_key: Mapped[int] = mapped_column(BigInteger, unique=True)
    excerpt: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    read: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    bookmarked: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    bookmarked_at: Mapped[datetime | None] = mapped_column(EpochMicros)


class ArticleBody(Base):
    """Bodies are kept apart so headline pages never touch their pages on disk."""

    __tablename__ = "article_bodies"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text(collation="NOCASE"), unique=True)
    article_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    unread_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class ArticleTag(Base):
    """The article–tag join; it copies ``order_key`` and ``read`` (kept by triggers) so a tag
    page, unread or not, is read from one index in order."""

    __tablename__ = "article_tags"
    __table_args__ = (
        PrimaryKeyConstraint("article_id", "tag_id"),
        Index("ix_article_tags_tag_order", "tag_id", "order_key"),
        Index("ix_article_tags_tag_unread_order", "tag_id", "order_key", "read",
              sqlite_where=text("read = 0")),
        Index("ix_article_tags_by_user", "tag_id", sqlite_where=text("by_user = 1")),
    )

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"))
    order_key: Mapped[int] = mapped_column(BigInteger)
    read: Mapped[bool] = mapped_column(Boolean)
    #: Put there by a person (not a feed category or a folder's tag): such articles survive
    #: unsubscribe and purge.
    by_user: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))


class Enclosure(Base):
    """A feed entry's podcast or media attachment, in the order the feed gave them."""

    __tablename__ = "enclosures"
    __table_args__ = (PrimaryKeyConstraint("article_id", "position"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    mime_type: Mapped[str | None] = mapped_column(Text)
    length: Mapped[int | None] = mapped_column(BigInteger)


class RelatedLinkRow(Base):
    """A "Recent Posts" entry of an article; matched to an archived article by ``title_key``
    (or url) when shown, so a target imported later is found too."""

    __tablename__ = "related_links"
    __table_args__ = (Index("ix_related_links_article", "article_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    title_key: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str | None] = mapped_column(Text)
    published: Mapped[datetime | None] = mapped_column(EpochMicros)
    url: Mapped[str | None] = mapped_column(Text)


class Tombstone(Base):
    """A deleted article's identity, so the next import or sync does not bring it back."""

    __tablename__ = "tombstones"
    __table_args__ = (PrimaryKeyConstraint("source_id", "guid"),)

    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(Text)
    deleted_at: Mapped[datetime] = mapped_column(EpochMicros)


class ArchiveStats(Base):
    """One row of totals kept by triggers: "All articles", "Unread", "Bookmarked" counts."""

    __tablename__ = "archive_stats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    articles: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    unread: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    bookmarked: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    generation: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class ViewState(Base):
    """What a reader window last showed in this archive (``reader.archive.view_state``)."""

    __tablename__ = "view_state"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SavedSearch(Base):
    """A named query (``reader.archive.saved``)."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("name", name="uq_saved_searches_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text(collation="NOCASE"))
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)
