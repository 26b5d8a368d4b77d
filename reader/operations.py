"""Every user action, once: the window and the command line both call these.

Each operation makes its change through the archive (one transaction) and returns a
``Changes`` record of what it touched — or an ``Outcome`` holding its own result as well —
so a caller never has to guess what to refresh. After Anki's ``aqt/operations`` with
``OpChanges``; the Qt side (``ui/operations.py``) only runs these off the GUI thread and
broadcasts the record.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from reader.archive import Archive, retention, subscription
from reader.archive.trash import Trash
from reader.query import Query
from reader.records import (
    NO_CHANGES,
    Changes,
    ImportResult,
    Outcome,
    SavedSearch,
    SourceInfo,
)

#: A source's name, address or settings changed: the sidebar and the Sources list redraw.
SOURCE_CHANGED = Changes(sources=True)

if TYPE_CHECKING:
    from reader.sync.fetch import Fetcher
    from reader.sync.pipeline import Progress, SyncReport
    from reader.sync.subscribe import Added


def mark_read(archive: Archive, article_ids: Sequence[int], read: bool = True) -> Changes:
    changed = archive.set_read(article_ids, read)
    return Changes(articles=frozenset(changed), counts=True, sources=True) if changed \
        else NO_CHANGES


def mark_read_matching(archive: Archive, query: str | Query, read: bool = True, *,
                       source_id: int | None = None) -> Changes:
    """Mark all read (or unread): every article the search matches, whatever its size."""
    changed = archive.set_read_matching(query, read, source_id=source_id)
    return Changes(articles=frozenset(changed), counts=True, sources=True) if changed \
        else NO_CHANGES


def mark_read_older_than(archive: Archive, days: int, query: str | Query = "", *,
                         source_id: int | None = None) -> Outcome[int]:
    """Mark read every unread article the search matches that is older than ``days`` days
    (by the date the list shows); the result is how many were marked."""
    changed = archive.mark_read_older_than(query, retention.days(days), source_id=source_id)
    return Outcome(len(changed), Changes(articles=frozenset(changed), counts=True, sources=True)
                   if changed else NO_CHANGES)


def bookmark(archive: Archive, article_ids: Sequence[int], bookmarked: bool = True) -> Changes:
    changed = archive.set_bookmarked(article_ids, bookmarked)
    return Changes(articles=frozenset(changed), counts=True) if changed else NO_CHANGES


def delete(archive: Archive, article_ids: Sequence[int]) -> Changes:
    """Delete articles for good (a tombstone keeps sync and import from bringing them back)."""
    archive.delete(article_ids)
    return Changes(removed=frozenset(article_ids), counts=True, tags=True, sources=True)


def purge(archive: Archive, source_id: int | None, days: int,
          dry_run: bool = False) -> Outcome[int]:
    """Remove read articles older than ``days`` days that are neither bookmarked nor tagged
    by hand (of one source, or all), leaving tombstones; the result is how many went — or,
    with ``dry_run``, how many would, and nothing changes."""
    removed = archive.purge(retention.days(days), source_id=source_id, dry_run=dry_run)
    if dry_run or not removed:
        return Outcome(len(removed), NO_CHANGES)
    return Outcome(len(removed), Changes(removed=frozenset(removed), counts=True, tags=True,
                                         sources=True))


def _tagged(article_id: int, changed: bool) -> Changes:
    return Changes(articles=frozenset({article_id}), counts=True, tags=True) if changed \
        else NO_CHANGES


def tag(archive: Archive, article_id: int, names: Sequence[str]) -> Changes:
    """Add tags; no changes if the article had them all."""
    return _tagged(article_id, archive.tag(article_id, names))


def tag_many(archive: Archive, article_ids: Sequence[int], names: Sequence[str]) -> Changes:
    """Add tags to every one of several articles (one transaction)."""
    changed = archive.tag_articles(article_ids, names)
    return Changes(articles=frozenset(changed), counts=True, tags=True) if changed \
        else NO_CHANGES


def untag(archive: Archive, article_id: int, names: Sequence[str]) -> Changes:
    """Remove tags; no changes if the article had none of them."""
    return _tagged(article_id, archive.untag(article_id, names))


def set_tags(archive: Archive, article_id: int, names: Sequence[str]) -> Changes:
    """Give an article exactly these tags (the window's tag editor), in one transaction."""
    return _tagged(article_id, archive.set_tags(article_id, names))


def rename_tag(archive: Archive, old: str, new: str) -> Changes:
    """Rename a tag, or merge it into ``new`` when that tag exists."""
    stored, affected = archive.rename_tag(old, new)
    return Changes(articles=frozenset(affected), counts=True, tags=True,
                   renamed_tags=((old, stored),))


def delete_tag(archive: Archive, name: str) -> Outcome[tuple[tuple[int, bool], ...]]:
    """Delete a tag from every article (the articles keep everything else). The result,
    (article id, by_user) per article, is what ``restore_tag`` needs to undo it."""
    carried = tuple(archive.delete_tag(name))
    return Outcome(carried, Changes(articles=frozenset(a for a, _ in carried), counts=True,
                                    tags=True))


def restore_tag(archive: Archive, name: str, carried: Sequence[tuple[int, bool]]) -> Changes:
    """Undo ``delete_tag``."""
    gained = archive.restore_tag(name, carried)
    return Changes(articles=frozenset(gained), counts=True, tags=True) if gained \
        else NO_CHANGES


def move_to_folder(archive: Archive, source_id: int, folder: str | None) -> Changes:
    """Put a source in a folder (None: out of any); its articles take the folder's tag."""
    moved = archive.move_to_folder(source_id, folder)
    return Changes(articles=frozenset(moved), counts=True, tags=True, sources=True) \
        if moved else NO_CHANGES


def rename_folder(archive: Archive, old: str, new: str | None) -> Changes:
    """Rename a folder, or (``new`` None) remove it: its sources go to the top level."""
    moved = archive.rename_folder(old, new)
    return Changes(articles=frozenset(moved), counts=True, tags=True, sources=True)


def save_search(archive: Archive, name: str, query: str) -> Outcome[SavedSearch]:
    return Outcome(archive.save_search(name, query), Changes(saved=True))


def change_saved_search(archive: Archive, name: str, *, new_name: str | None = None,
                        query: str | None = None) -> Outcome[SavedSearch]:
    return Outcome(archive.change_saved_search(name, new_name=new_name, query=query),
                   Changes(saved=True))


def remove_saved_search(archive: Archive, name: str) -> Changes:
    archive.remove_saved_search(name)
    return Changes(saved=True)


def import_paths(archive: Archive, paths: Iterable[str | Path],
                 progress: Callable[[int, int, str], None] | None = None
                 ) -> Outcome[list[ImportResult]]:
    from reader.importing import import_paths as run_import  # the parsers: only when importing

    results = run_import(archive, paths, progress)
    stored = any(result.status in ("imported", "updated") for result in results)
    return Outcome(results, Changes(added=True, counts=True, tags=True, sources=True)
                   if stored else Changes(sources=True))


def subscribe(archive: Archive, url: str, tags: Sequence[str] = (),
              fetcher: Fetcher | None = None) -> Outcome[Added]:
    from reader.sync.subscribe import subscribe as run_subscribe

    return Outcome(run_subscribe(archive, url, tags, fetcher), Changes(sources=True))


def save_page(archive: Archive, url: str, tags: Sequence[str] = (),
              fetcher: Fetcher | None = None) -> Outcome[Added]:
    from reader.sync.subscribe import save_page as run_save_page

    added = run_save_page(archive, url, tags, fetcher)
    changes = Changes(sources=True)
    if added.article_id is not None:
        changes = Changes(articles=frozenset({added.article_id}), added=True, counts=True,
                          tags=True, sources=True)
    return Outcome(added, changes)


def sync_changes(reports: Iterable[SyncReport]) -> Changes:
    """What a sync (or one source of it) changed, from its reports."""
    stored = any(report.new or report.updated for report in reports)
    purged = frozenset(article_id for report in reports for article_id in report.purged)
    return Changes(removed=purged, added=stored, counts=stored or bool(purged),
                   tags=stored or bool(purged), sources=True)


def sync(archive: Archive, source_ids: Sequence[int] | None = None, *,
         progress: Progress | None = None, cancel: threading.Event | None = None,
         fetcher: Fetcher | None = None, automatic: bool = False,
         every: timedelta | None = None) -> Outcome[list[SyncReport]]:
    """Sync feeds; ``progress`` hears of each source as its transaction commits.
    ``automatic``: only the sources due (see ``reader.sync.pipeline.sync``)."""
    from reader.sync.pipeline import sync as run_sync

    reports = run_sync(archive, source_ids, fetcher=fetcher, progress=progress, cancel=cancel,
                       automatic=automatic, every=every)
    return Outcome(reports, sync_changes(reports))


def delete_for_undo(archive: Archive, article_ids: Sequence[int]) -> Outcome[Trash | None]:
    """``delete``, keeping what Ctrl+Z needs to put the articles back."""
    kept = archive.delete(article_ids, keep_trash=True)
    return Outcome(kept, Changes(removed=frozenset(article_ids), counts=True, tags=True,
                                 sources=True))


def restore(archive: Archive, kept: Trash) -> Changes:
    """Undo a delete or an unsubscribe."""
    restored = archive.restore(kept)
    return Changes(articles=frozenset(restored), added=True, counts=True, tags=True,
                   sources=True)


# --- sources -----------------------------------------------------------------------------------


def rename_source(archive: Archive, source_id: int, title: str) -> Outcome[str]:
    """Name a source; its articles' rows show the new name."""
    with archive.writing() as connection:
        title = subscription.rename(connection, source_id, title)
        shown = subscription.article_ids(connection, source_id)
    return Outcome(title, Changes(articles=frozenset(shown), sources=True))


def change_source_url(archive: Archive, source_id: int, url: str) -> Outcome[str]:
    with archive.writing() as connection:
        return Outcome(subscription.change_url(connection, source_id, url), SOURCE_CHANGED)


def configure_source(archive: Archive, source_id: int, **settings: object
                     ) -> Outcome[SourceInfo]:
    """Per-source settings: ``full_text``, ``keep_images``, ``paused``, ``every_minutes``,
    ``keep_days`` (those given; see ``reader.archive.subscription.configure``)."""
    with archive.writing() as connection:
        return Outcome(subscription.configure(connection, source_id, **settings),
                       SOURCE_CHANGED)


def leaving(archive: Archive, source_id: int, keep_articles: bool = False
            ) -> subscription.Leaving:
    """What unsubscribing would remove and keep (asked before doing it)."""
    with archive.reading() as connection:
        return subscription.leaving(connection, source_id, keep_articles)


def unsubscribe(archive: Archive, source_id: int, keep_articles: bool = False, *,
                keep_trash: bool = False
                ) -> Outcome[tuple[subscription.Leaving, Trash | None]]:
    """Leave a feed: its articles go, except bookmarked and hand-tagged ones (or all stay
    with ``keep_articles``)."""
    with archive.writing() as connection:
        left, removed, kept = subscription.unsubscribe(connection, source_id, keep_articles,
                                                       keep_trash=keep_trash)
    return Outcome((left, kept), Changes(removed=frozenset(removed), counts=True, tags=True,
                                         sources=True))
