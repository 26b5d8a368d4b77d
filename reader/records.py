"""Plain frozen dataclasses that cross from the core to its callers (CLI, UI, tests).

Nothing here is an ORM object: these are values, safe to hand to another thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# --- what importers and sync hand to the archive ----------------------------------------------


@dataclass(frozen=True, slots=True)
class RelatedDraft:
    """A "Recent Posts"-style link found on a page: another article, maybe not archived."""

    title: str
    excerpt: str | None = None
    published: datetime | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Enclosure:
    """A file attached to a feed entry (podcast audio, video, a PDF)."""

    url: str
    mime_type: str | None = None
    length: int | None = None


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """An article as an importer or sync found it, before it is stored.

    ``body_html`` may be untrusted: the archive sanitizes it before storing. ``published`` is an
    aware datetime or None; it is never invented.
    """

    title: str
    body_html: str
    subtitle: str | None = None
    author: str | None = None
    published: datetime | None = None
    url: str | None = None
    guid: str | None = None
    tags: tuple[str, ...] = ()
    related: tuple[RelatedDraft, ...] = ()
    enclosures: tuple[Enclosure, ...] = ()


# --- what the archive hands back ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Headline:
    """One row of a headline list: everything but the body."""

    id: int
    title: str
    source: str
    source_id: int
    published: datetime | None
    author: str | None
    tags: tuple[str, ...]
    read: bool
    bookmarked: bool
    excerpt: str
    order_key: int


@dataclass(frozen=True, slots=True)
class RelatedLink:
    title: str
    excerpt: str | None
    published: datetime | None
    url: str | None
    article_id: int | None


@dataclass(frozen=True, slots=True)
class Article:
    """A whole article, for the reading pane and ``show``."""

    id: int
    title: str
    subtitle: str | None
    source: str
    source_id: int
    url: str | None
    published: datetime | None
    fetched: datetime
    author: str | None
    tags: tuple[str, ...]
    read: bool
    bookmarked: bool
    bookmarked_at: datetime | None
    excerpt: str
    word_count: int
    body_html: str
    body_text: str
    related: tuple[RelatedLink, ...]


@dataclass(frozen=True, slots=True)
class TagCount:
    name: str
    count: int
    unread: int


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: int
    kind: str
    url: str | None
    title: str
    article_count: int
    unread_count: int
    last_synced: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class ArchiveTotals:
    """Counts kept by triggers, so showing them never scans the archive."""

    articles: int
    unread: int
    bookmarked: int


@dataclass(frozen=True, slots=True)
class Page:
    """One keyset page of headlines; pass ``next_cursor`` back to get the following page."""

    rows: tuple[Headline, ...]
    next_cursor: str | None


ImportStatus = Literal["imported", "updated", "unchanged", "failed"]


@dataclass(frozen=True, slots=True)
class ImportResult:
    path: str
    status: ImportStatus
    article_ids: tuple[int, ...] = ()
    error: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class StoreOutcome:
    """What storing one draft did."""

    article_id: int | None
    status: Literal["imported", "updated", "unchanged", "tombstoned"]


@dataclass(frozen=True, slots=True)
class Changes:
    """Which parts of what a screen shows a mutation touched, so views refresh only those."""

    articles: frozenset[int] = field(default_factory=frozenset)
    tags: bool = False
    counts: bool = False
    sources: bool = False
