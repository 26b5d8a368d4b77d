"""Putting exported articles back: which source each goes to, and the state a person had set.

An export (``--format json`` or ``--format md``) carries more than a draft: the source it
came from and the article's read, bookmark and tag state. The importers read those into the
records here, and ``store_restored`` writes one article with all of it inside the caller's
transaction, so an article never arrives without its state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from reader.archive import articles, sources, tags
from reader.archive.database import Connection
from reader.records import ArticleDraft, StoreOutcome


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where an exported article came from: matched by URL, created with the title if not."""

    url: str | None
    title: str


@dataclass(frozen=True, slots=True)
class ArticleState:
    """What a person had set on an article, put back after it is stored.

    The tags are the person's own (``by_user``): an export or a clipping keeps the tags its
    reader chose, so purge and unsubscribe spare the articles carrying them.
    """

    read: bool | None = None
    bookmarked: bool | None = None
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RestoredArticle:
    draft: ArticleDraft
    state: ArticleState
    source: SourceRef | None = None
    #: When the article first reached the archive it was exported from (the date an undated
    #: article is listed by).
    fetched: datetime | None = None


def source_for(connection: Connection, ref: SourceRef | None) -> int:
    """The source an exported article goes back to.

    By URL when it has one; a feed the archive does not know comes back as an unsubscribed
    feed (it holds the articles and keeps its address, but nothing syncs it unasked), a
    ``file:`` source as a feed file. Without a URL: saved pages, or the imported files.
    """
    if ref is None or not ref.url:
        if ref is not None and ref.title == sources.PAGES_TITLE:
            return sources.pages_source_id(connection)
        return sources.local_source_id(connection)
    found = sources.find_by_url(connection, ref.url)
    if found is not None:
        return found
    title = " ".join(ref.title.split())[:sources.MAX_TITLE_LENGTH] or ref.url
    if ref.url.startswith("file:"):
        return sources.add_source(connection, kind="feedfile", url=ref.url, title=title)
    source_id = sources.add_source(connection, kind=sources.FEED_KIND, url=ref.url, title=title)
    connection.exec_driver_sql("UPDATE sources SET unsubscribed = 1 WHERE id = ?", (source_id,))
    return source_id


def _known_guid(connection: Connection, source_id: int, draft: ArticleDraft) -> ArticleDraft:
    """The draft under the guid its article already has in this source (found by URL), so an
    article synced under a feed's own guid is updated, not stored twice."""
    if draft.guid is not None or not draft.url:
        return draft
    found = connection.exec_driver_sql(
        "SELECT guid FROM articles WHERE source_id = ? AND url = ? ORDER BY id LIMIT 1",
        (source_id, draft.url)).scalar()
    return draft if found is None else replace(draft, guid=str(found))


def store_restored(connection: Connection, source_id: int, item: RestoredArticle,
                   image_hashes: Sequence[str] = ()) -> StoreOutcome:
    """Store one article and put its state back, in the caller's write; "updated" when only
    its state changed."""
    draft = _known_guid(connection, source_id, item.draft)
    outcome = articles.store_draft(connection, source_id, draft, item.fetched,
                                   image_hashes=image_hashes)
    article_id = outcome.article_id
    if article_id is None:
        return outcome
    state = item.state
    changed = False
    if state.read is not None:
        changed = bool(articles.set_read(connection, [article_id], state.read)) or changed
    if state.bookmarked is not None:
        changed = bool(articles.set_bookmarked(connection, [article_id], state.bookmarked)) \
            or changed
    names = tags.clean_tag_names(state.tags)
    if names:
        changed = tags.retag(connection, article_id, names) or changed
    if changed and outcome.status == "unchanged":
        return StoreOutcome(article_id, "updated")
    return outcome
