"""Plain frozen dataclasses that cross from the core to its callers (CLI, UI, tests).

Nothing here is an ORM object: these are values, safe to hand to another thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Literal, TypeVar

T = TypeVar("T")

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
    enclosures: tuple[Enclosure, ...] = ()


@dataclass(frozen=True, slots=True)
class TagCount:
    name: str
    count: int
    unread: int
    #: The reader's own: on at least one article by hand, not only as a feed's category.
    by_user: bool = False


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """A named query; ``query`` is its canonical text (``format_query``)."""

    name: str
    query: str


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
    #: Per-source settings (migration 0006); defaulted so older callers keep working.
    paused: bool = False
    full_text: str = "auto"
    keep_images: bool = True
    every_minutes: int | None = None
    keep_days: int | None = None
    #: Consecutive failed syncs (automatic sync backs off as it grows).
    failures: int = 0
    #: Left by the user; only the articles they chose to keep remain.
    unsubscribed: bool = False
    last_error_at: datetime | None = None
    #: The folder the sidebar shows it in: its source tag (``reader.archive.folders``).
    folder: str | None = None


@dataclass(frozen=True, slots=True)
class ArchiveTotals:
    """All / unread / bookmarked counts: kept by triggers for the whole archive, counted over
    the first matches for a search (``capped`` when there were more than were counted)."""

    articles: int
    unread: int
    bookmarked: int
    capped: bool = False


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
    """What one operation changed, so each view refreshes only what it shows of that.

    After Anki's ``OpChanges``: the window broadcasts the record and every model asks it the
    questions it cares about (``touches_rows``, ``touches_counts``…) instead of the window
    deciding view by view. ``external`` means another process changed the archive and nobody
    knows what: every view refreshes what it shows, in place.
    """

    #: Articles whose row changed (read, bookmark, tags, content): reload just those rows.
    articles: frozenset[int] = field(default_factory=frozenset)
    #: Articles that no longer exist.
    removed: frozenset[int] = field(default_factory=frozenset)
    #: New articles may have arrived (sync, import, a saved page): lists look for them.
    added: bool = False
    #: Read, bookmark or tag states changed, so counts did.
    counts: bool = False
    #: Tag names changed (a tag appeared, went, or was renamed or merged).
    tags: bool = False
    #: Sources changed (added, synced, renamed, a new error).
    sources: bool = False
    #: Saved searches were added, renamed, changed or removed.
    saved: bool = False
    #: (old, new) tag names, so a chosen tag can follow its rename.
    renamed_tags: tuple[tuple[str, str], ...] = ()
    external: bool = False

    def __bool__(self) -> bool:
        return bool(self.articles or self.removed or self.added or self.counts or self.tags
                    or self.sources or self.saved or self.renamed_tags or self.external)

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            articles=self.articles | other.articles, removed=self.removed | other.removed,
            added=self.added or other.added, counts=self.counts or other.counts,
            tags=self.tags or other.tags, sources=self.sources or other.sources,
            saved=self.saved or other.saved,
            renamed_tags=self.renamed_tags + other.renamed_tags,
            external=self.external or other.external)

    def touches(self, article_id: int) -> bool:
        """Whether an article on screen may look different now."""
        return (self.external or self.added or article_id in self.articles
                or article_id in self.removed or bool(self.renamed_tags))

    @property
    def touches_counts(self) -> bool:
        return bool(self.counts or self.tags or self.sources or self.saved or self.added
                    or self.removed or self.external)


NO_CHANGES = Changes()


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """An operation's own result (import results, sync reports…) with what it changed."""

    result: T
    changes: Changes
