"""The archive: one SQLite file holding every article, opened through ``Archive``.

``Archive`` is a small facade in the manner of Anki's ``Collection``: it owns the engine and the
transactions, and delegates to one module per concern (articles, tags, sources, search, fts).
Each public method is one short transaction; writes are BEGIN IMMEDIATE, so two writers queue
rather than deadlock, and a crash at any point leaves the last committed state.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import platformdirs

from reader.archive import (
    articles,
    counting,
    folders,
    fts,
    health,
    images,
    retention,
    saved,
    search,
    sources,
    subscription,
    tags,
    trash,
    view_state,
)
from reader.archive.database import Connection, Database
from reader.archive.engine import (
    HEALTH_CHECK_DUE,
    HEALTH_FTS_DAMAGED,
    connector,
    health_flags,
    open_database,
    open_elsewhere,
    set_health_flags,
    translate_errors,
    unclean_shutdown,
)
from reader.archive.sources import SyncTarget
from reader.archive.watch import ChangeWatch, OwnWrites
from reader.errors import ArchiveError, ArchiveReadOnly
from reader.query import And, FlagIs, Query, parse_query
from reader.records import (
    ArchiveTotals,
    Article,
    ArticleDraft,
    Headline,
    Page,
    SavedSearch,
    SourceInfo,
    StoreOutcome,
    TagCount,
)

ARCHIVE_ENV = "BROADSHEET_ARCHIVE"


def default_archive_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--archive PATH``, else ``$BROADSHEET_ARCHIVE``, else the user data folder."""
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get(ARCHIVE_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return platformdirs.user_data_path("broadsheet", appauthor=False) / "archive.db"


def _unread_only(query: Query) -> Query:
    """``query`` and ``is:unread``: the same matches for marking read, found through the
    unread-only indexes rather than by reading every old article."""
    unread = FlagIs("unread")
    if query.root is None:
        return dataclasses.replace(query, root=unread)
    children = query.root.children if isinstance(query.root, And) else (query.root,)
    return dataclasses.replace(query, root=And((*children, unread)))


class Archive:
    """An open archive. Thread-safe: every call takes its own pooled connection."""

    def __init__(self, path: Path, database: Database, read_only: bool,
                 backup_path: Path | None = None) -> None:
        self.path = path
        self.read_only = read_only
        #: The copy made before the last schema migration, if this open migrated.
        self.backup_path = backup_path
        self._database = database
        self._own_writes = OwnWrites()
        self._saved_counts = counting.SavedCountCache()

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> Archive:
        """Open or create the archive; see ``engine.open_database`` for what it refuses.

        After an unclean shutdown (``engine.unclean_shutdown``, looked at before this process
        opens anything) the full-text index is checked on a background thread: see
        ``due_check``.
        """
        resolved = default_archive_path(path)
        unclean = unclean_shutdown(resolved)
        database, read_only, backup_path = open_database(resolved)
        archive = cls(resolved, database, read_only, backup_path)
        archive._after_open(unclean)
        return archive

    def close(self) -> None:
        self._stop_due_check()
        if not self.read_only:
            with contextlib.suppress(Exception), \
                    self._database.transaction(write=True) as connection:
                connection.exec_driver_sql("PRAGMA optimize")
        self._database.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- transactions ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot for several queries."""
        with translate_errors(self.path), \
                self._database.transaction(write=False) as connection:
            yield connection

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction: all of it commits, or (on any exception) none of it.

        Each one raises the archive's write generation, remembered once committed so this
        process's ``watch`` can tell its own writes from other processes' (see watch.py).
        """
        if self.read_only:
            raise ArchiveReadOnly(
                f"the archive {self.path} is read-only; it can be read but not changed")
        with translate_errors(self.path), \
                self._database.transaction(write=True) as connection:
            try:
                yield connection
                fts.flush(connection)
                generation = int(connection.exec_driver_sql(
                    "UPDATE archive_stats SET generation = generation + 1 WHERE id = 1 "
                    "RETURNING generation").scalar_one())
            finally:
                fts.discard(connection)
        self._own_writes.add(generation)

    def watch(self) -> ChangeWatch:
        """A watcher whose ``poll()`` tells when another process has written to the archive."""
        with translate_errors(self.path):
            return ChangeWatch(connector(self.path, read_only=self.read_only), self._own_writes)

    # --- articles --------------------------------------------------------------------------------

    def store(self, drafts: Sequence[ArticleDraft], source_id: int | None = None,
              fetched: datetime | None = None) -> list[StoreOutcome]:
        """Store drafts in one transaction (the local-files source unless one is given)."""
        with self.writing() as connection:
            target = source_id if source_id is not None else sources.local_source_id(connection)
            return [articles.store_draft(connection, target, draft, fetched)
                    for draft in drafts]

    def article(self, article_id: int) -> Article:
        with self.reading() as connection:
            return articles.load(connection, article_id)

    def headlines(self, query: str | Query = "", *, source_id: int | None = None,
                  cursor: str | None = None, limit: int = 50) -> Page:
        """A page of headlines for a search (raises QuerySyntaxError for bad syntax)."""
        parsed = parse_query(query) if isinstance(query, str) else query
        with self.reading() as connection:
            return search.headline_page(connection, parsed, source_id=source_id,
                                        cursor=cursor, limit=limit)

    def headlines_after(self, query: str | Query, after_id: int, *,
                        source_id: int | None = None, limit: int = 2000,
                        among: Sequence[int] = ()) -> tuple[list[Headline], int]:
        """Matches stored since article ``after_id`` (or among ``among``: articles an undo
        put back), newest first, and the newest id now (pass it next time): how a list on
        screen finds what a sync, an import or an undo added."""
        parsed = parse_query(query) if isinstance(query, str) else query
        with self.reading() as connection:
            return (search.headlines_after(connection, parsed, source_id=source_id,
                                           after_id=after_id, limit=limit, among=among),
                    search.newest_id(connection))

    def newest_article_id(self) -> int:
        """The highest article id so far (0 for an empty archive); new articles get higher."""
        with self.reading() as connection:
            return search.newest_id(connection)

    def headlines_by_id(self, article_ids: Sequence[int]) -> list[Headline]:
        """The current rows of these articles (missing ones were deleted), in the order given."""
        with self.reading() as connection:
            return search.headlines_by_id(connection, article_ids)

    def set_read(self, article_ids: Sequence[int], read: bool = True) -> list[int]:
        """Returns the ids whose read state changed."""
        with self.writing() as connection:
            return articles.set_read(connection, article_ids, read)

    def set_read_matching(self, query: str | Query, read: bool = True, *,
                          source_id: int | None = None) -> list[int]:
        """Mark every article a search matches read or unread, in one transaction; returns
        the ids whose state changed (raises QuerySyntaxError for bad syntax)."""
        parsed = parse_query(query) if isinstance(query, str) else query
        with self.writing() as connection:
            return search.set_read_matching(connection, parsed, read, source_id=source_id)

    def mark_read_older_than(self, query: str | Query, older_than: timedelta, *,
                             source_id: int | None = None, now: datetime | None = None
                             ) -> list[int]:
        """Mark every unread match of a search older than ``older_than`` read (by the date
        the list shows: see ``retention``), in one transaction; the ids that changed."""
        parsed = parse_query(query) if isinstance(query, str) else query
        before = retention.cutoff_key(now or datetime.now(UTC), older_than)
        with self.writing() as connection:
            return search.set_read_matching(connection, _unread_only(parsed), True,
                                            source_id=source_id, before=before)

    def set_bookmarked(self, article_ids: Sequence[int], bookmarked: bool = True) -> list[int]:
        """Returns the ids whose bookmark changed."""
        with self.writing() as connection:
            return articles.set_bookmarked(connection, article_ids, bookmarked)

    def delete(self, article_ids: Sequence[int], *, keep_trash: bool = False
               ) -> trash.Trash | None:
        """Delete articles; with ``keep_trash``, returns what ``restore`` needs to undo it."""
        with self.writing() as connection:
            articles.require(connection, article_ids)
            kept = trash.capture(connection, article_ids) if keep_trash else None
            articles.delete(connection, article_ids)
            return kept

    def restore(self, kept: trash.Trash) -> list[int]:
        """Undo a delete or an unsubscribe: the ids of the articles that came back."""
        with self.writing() as connection:
            return trash.restore(connection, kept)

    def purge(self, older_than: timedelta, *, source_id: int | None = None,
              dry_run: bool = False, now: datetime | None = None) -> list[int]:
        """Remove the read, unbookmarked, not hand-tagged articles older than ``older_than``
        (of one source, or all), each with a tombstone, in one transaction; the ids removed
        — or, with ``dry_run``, that would be, changing nothing. See ``retention``."""
        moment = now or datetime.now(UTC)
        if dry_run:
            with self.reading() as connection:
                return retention.candidates(connection, source_id=source_id,
                                            older_than=older_than, now=moment)
        with self.writing() as connection:
            return retention.purge(connection, source_id=source_id, older_than=older_than,
                                   now=moment)

    # --- tags ------------------------------------------------------------------------------------

    def tag(self, article_id: int, names: Sequence[str]) -> bool:
        """Add tags by hand (``by_user``, also when a feed had given the article one of them);
        False if the article had them all, as the reader's own, already."""
        with self.writing() as connection:
            articles.require(connection, [article_id])
            return tags.retag(connection, article_id, tags.clean_tag_names(names))

    def untag(self, article_id: int, names: Sequence[str]) -> bool:
        """Remove tags; False if the article had none of them."""
        with self.writing() as connection:
            articles.require(connection, [article_id])
            return tags.retag(connection, article_id, (), tags.clean_tag_names(names))

    def tag_articles(self, article_ids: Sequence[int], names: Sequence[str]) -> list[int]:
        """Add tags by hand to several articles in one transaction; the ids that gained a tag
        (or made one the reader's own, as ``tag`` does)."""
        cleaned = tags.clean_tag_names(names)
        with self.writing() as connection:
            articles.require(connection, article_ids)
            return [article_id for article_id in dict.fromkeys(article_ids)
                    if tags.retag(connection, article_id, cleaned)]

    def set_tags(self, article_id: int, names: Sequence[str]) -> bool:
        """Give an article exactly these tags, in one transaction; False if it had them.

        The tags it gains are the reader's own (``by_user``); those it keeps stay as they
        were: leaving a feed's category in place is not choosing it.
        """
        wanted = tags.clean_tag_names(names)
        keep = {name.casefold() for name in wanted}
        with self.writing() as connection:
            articles.require(connection, [article_id])
            current = tags.names_for(connection, [article_id]).get(article_id, ())
            had = {name.casefold() for name in current}
            removed = [name for name in current if name.casefold() not in keep]
            added = [name for name in wanted if name.casefold() not in had]
            return tags.retag(connection, article_id, added, removed)

    def tag_counts(self, query: str | Query = "") -> list[TagCount]:
        """Every tag with its counts; with a search, counted over its first matches only.

        Without a search the stored counters are read (no scan). With one, at most
        ``SEARCH_COUNT_LIMIT`` matches are counted, newest first, so the tag list can follow
        the search box on any archive size.
        """
        parsed = parse_query(query) if isinstance(query, str) else query
        with self.reading() as connection:
            if parsed.root is None:
                return tags.counts(connection)
            return tags.counts_among(connection, self._matching_ids(connection, parsed))

    def source_counts(self, query: str | Query = "") -> list[SourceInfo]:
        """Every source; with a search, its counts are over the search's first matches."""
        parsed = parse_query(query) if isinstance(query, str) else query
        with self.reading() as connection:
            listed = sources.list_sources(connection)
            if parsed.root is None:
                return listed
            return sources.counted_among(connection, listed,
                                         self._matching_ids(connection, parsed))

    def search_totals(self, query: str | Query = "", *,
                      source_id: int | None = None) -> ArchiveTotals:
        """All / unread / bookmarked counts for a search (its first matches, as above),
        optionally within one source."""
        parsed = parse_query(query) if isinstance(query, str) else query
        if parsed.root is None and source_id is None:
            return self.totals()
        with self.reading() as connection:
            return counting.totals(connection, parsed, self.SEARCH_COUNT_LIMIT,
                                   source_id=source_id)

    def saved_counts(self, query: str | Query = "") -> list[tuple[SavedSearch, TagCount]]:
        """Every saved search with its counts within ``query`` (as ``search_totals`` of
        ``saved:NAME`` and the query; 0 for one that no longer parses). Remembered until the
        archive is next written, so asking again when nothing changed costs one lookup."""
        parsed = parse_query(query) if isinstance(query, str) else query
        with self.reading() as connection:
            return self._saved_counts.counts(
                connection, parsed,
                lambda within: counting.totals(connection, within, self.SEARCH_COUNT_LIMIT,
                                               bookmarked=False))

    SEARCH_COUNT_LIMIT = 10_000

    def _matching_ids(self, connection: Connection, query: Query) -> list[int]:
        return search.matching_ids(connection, query, self.SEARCH_COUNT_LIMIT)

    def rename_tag(self, old: str, new: str) -> tuple[str, list[int]]:
        """Rename a tag, or merge it into ``new`` when that tag exists (raises TagNotFound).

        Returns the name as stored and the articles that carried ``old``.
        """
        with self.writing() as connection:
            return tags.rename(connection, old, new)

    def delete_tag(self, name: str) -> list[tuple[int, bool]]:
        """Take a tag off every article and drop it (raises TagNotFound); returns (article
        id, by_user) for each article that carried it, which ``restore_tag`` puts back."""
        with self.writing() as connection:
            carried = tags.carriers(connection, name)
            tags.delete(connection, name)
            return carried

    def restore_tag(self, name: str, carried: Sequence[tuple[int, bool]]) -> list[int]:
        """Undo ``delete_tag``: the tag back on those articles, by_user marks and all."""
        with self.writing() as connection:
            return tags.restore(connection, name, carried)

    def hand_made_tags(self) -> set[str]:
        """The tags a person put on some article by hand."""
        return {tag.name for tag in self.tag_counts() if tag.by_user}

    # --- folders --------------------------------------------------------------------------------

    def move_to_folder(self, source_id: int, folder: str | None) -> list[int]:
        """Put a source in a folder (None: in none); returns its articles if it moved."""
        with self.writing() as connection:
            return folders.move(connection, source_id, folder)

    def rename_folder(self, old: str, new: str | None) -> list[int]:
        """Move a folder's sources to ``new`` (None: out of any folder; raises NotFound)."""
        with self.writing() as connection:
            return folders.rename(connection, old, new)

    # --- saved searches -------------------------------------------------------------------------

    def saved_searches(self) -> list[SavedSearch]:
        with self.reading() as connection:
            return saved.all_saved(connection)

    def save_search(self, name: str, query: str) -> SavedSearch:
        """Save ``query`` as ``name`` (raises SavedSearchExists, QuerySyntaxError)."""
        with self.writing() as connection:
            return saved.add(connection, name, query)

    def change_saved_search(self, name: str, *, new_name: str | None = None,
                            query: str | None = None) -> SavedSearch:
        with self.writing() as connection:
            return saved.change(connection, name, new_name=new_name, query=query)

    def remove_saved_search(self, name: str) -> None:
        with self.writing() as connection:
            saved.remove(connection, name)

    # --- what a window last showed ------------------------------------------------------------

    def view_state(self) -> dict[str, str]:
        with self.reading() as connection:
            return view_state.load(connection)

    def save_view_state(self, values: dict[str, str | None]) -> None:
        """Remember what the window shows (None forgets a key); a read-only archive keeps
        nothing, quietly: there is nothing the reader could do about it."""
        if self.read_only:
            return
        with self.writing() as connection:
            view_state.save(connection, values)

    # --- sources and totals ----------------------------------------------------------------------

    def sources(self) -> list[SourceInfo]:
        with self.reading() as connection:
            return sources.list_sources(connection)

    def set_keep_days(self, source_id: int, days: int | None) -> None:
        """Purge this source's read articles older than ``days`` after each sync (None: keep
        everything); raises NotFound."""
        with self.writing() as connection:
            subscription.configure(connection, source_id, keep_days=days)

    def sync_targets(self, ids: Sequence[int] | None, now: datetime, *,
                     automatic: bool = False, every: timedelta | None = None
                     ) -> tuple[list[SyncTarget], list[tuple[int, str | None, str]]]:
        with self.reading() as connection:
            return sources.sync_targets(connection, ids, now, automatic=automatic,
                                        every=every)

    def known_entries(self, source_id: int, guids: Sequence[str]
                      ) -> tuple[dict[str, str], set[str]]:
        """Content hashes of these guids already stored, and the tombstoned ones."""
        hashes: dict[str, str] = {}
        tombstoned: set[str] = set()
        with self.reading() as connection:
            for start in range(0, len(guids), 500):
                batch = list(guids[start : start + 500])
                marks = ",".join("?" * len(batch))
                for guid, content_hash in connection.exec_driver_sql(
                        f"SELECT guid, content_hash FROM articles WHERE source_id = ? "
                        f"AND guid IN ({marks})", (source_id, *batch)):
                    hashes[str(guid)] = str(content_hash)
                tombstoned.update(str(row[0]) for row in connection.exec_driver_sql(
                    f"SELECT guid FROM tombstones WHERE source_id = ? AND guid IN ({marks})",
                    (source_id, *batch)))
        return hashes, tombstoned

    def image(self, sha256: str) -> tuple[str, bytes]:
        """(mime type, bytes) of an archived image; raises NotFound."""
        with self.reading() as connection:
            return images.load(connection, sha256)

    def totals(self) -> ArchiveTotals:
        with self.reading() as connection:
            row = connection.exec_driver_sql(
                "SELECT articles, unread, bookmarked FROM archive_stats WHERE id = 1").one()
        return ArchiveTotals(int(row[0]), int(row[1]), int(row[2]))

    # --- health ----------------------------------------------------------------------------------

    def health(self, seed: int | None = None) -> list[health.CheckResult]:
        """Every check of ``reader.archive.health``, one result each (``broadsheet check``).

        Remembers what the full-text check found (see ``health_notice``). Holds the write
        lock while it runs (FTS5's check is an INSERT; taking the lock first means waiting
        for a writer rather than failing halfway); a read-only archive gets every check but
        FTS5's own (the probe still runs)."""
        self._stop_due_check()  # this supersedes it
        if self.read_only:
            with self.reading() as connection:
                results = health.run_checks(connection, seed, thorough=False)
        else:
            with self.writing() as connection:
                results = health.run_checks(connection, seed)
        full_text = next(result for result in results if result.name == "full-text index")
        self._remember_full_text(full_text.ok)
        return results

    def repair(self, rebuild_index: bool | None = None) -> list[str]:
        """Fix what can be fixed, each in one transaction; one line for each thing done.

        Rebuilds the full-text index when ``rebuild_index`` (None: when its check fails now),
        and deletes orphan images when no other process has the archive open (one of them
        could be a sync about to link them).
        """
        self._stop_due_check()
        done: list[str] = []
        if rebuild_index is None:
            with self.writing() as connection:  # FTS5's check takes the write lock anyway
                rebuild_index = not health.full_text(connection).ok
        if rebuild_index:
            with self.writing() as connection:
                count = fts.rebuild(connection)
                flags = health_flags(connection)
                set_health_flags(connection, flags & ~(HEALTH_FTS_DAMAGED | HEALTH_CHECK_DUE))
            self.health_notice = None
            done.append(f"rebuilt the full-text index ({count} articles)")
        with self.writing() as connection:
            if open_elsewhere(self.path):
                orphans = 0
                if images.orphans(connection)[0]:
                    done.append("left the orphan images: another program has the archive open "
                                "(close it and repair again)")
            else:
                orphans = images.drop_all_orphans(connection)
        if orphans:
            done.append(f"deleted {orphans} images no article showed")
        return done

    #: One line for people when the full-text index is known to be damaged, else None.
    health_notice: str | None = None
    _due_check: threading.Thread | None = None
    _checking: sqlite3.Connection | None = None

    @property
    def check_due(self) -> bool:
        """True while the full-text check owed after an unclean shutdown has not finished."""
        thread = self._due_check
        return thread is not None and thread.is_alive()

    def due_check(self, wait: bool = True) -> str | None:
        """The outcome of the check ``open`` started after an unclean shutdown: waits for it
        (unless ``wait`` is false) and returns ``health_notice``. The command line waits; the
        window lets it run and reads ``health_notice`` later."""
        thread = self._due_check
        if wait and thread is not None:
            thread.join()
        return self.health_notice

    def _after_open(self, unclean: bool) -> None:
        self._stopping = threading.Event()
        self._check_lock = threading.Lock()
        if self.read_only:
            return  # nothing could be recorded or repaired
        with contextlib.suppress(ArchiveError):
            with self.reading() as connection:
                flags = health_flags(connection)
            if unclean:
                with self.writing() as connection:
                    flags = health_flags(connection) | HEALTH_CHECK_DUE
                    set_health_flags(connection, flags)
                    # Images a killed sync stored ahead of its articles: safe to delete only
                    # while no other process could be syncing (checked inside this write
                    # transaction, which any other writer would have to wait for).
                    if not open_elsewhere(self.path):
                        images.drop_all_orphans(connection)
            if flags & HEALTH_FTS_DAMAGED:
                self.health_notice = self._damaged_notice()
            if flags & HEALTH_CHECK_DUE:
                self._due_check = threading.Thread(target=self._run_due_check, daemon=True,
                                                   name="archive-check")
                self._due_check.start()

    def _damaged_notice(self) -> str:
        return (f"the full-text index of {self.path} is damaged, so searches may miss "
                f"articles; {health.REPAIR_HINT}")

    def _run_due_check(self) -> None:
        """The full-text check after an unclean shutdown, on its own thread and connection
        (a read transaction: nothing waits for it). Stopped by ``close``; then it is owed
        again at the next open."""
        try:
            with self.reading() as connection:
                with self._check_lock:  # so close interrupts this connection only while ours
                    self._checking = connection.raw
                try:
                    if self._stopping.is_set():
                        return
                    result = health.full_text(connection, thorough=False)
                finally:
                    with self._check_lock:
                        self._checking = None
            if self._stopping.is_set():
                return
            self._remember_full_text(result.ok)
        except (ArchiveError, sqlite3.Error):
            return  # interrupted, or the archive went away: the check stays owed

    def _remember_full_text(self, ok: bool) -> None:
        self.health_notice = None if ok else self._damaged_notice()
        if self.read_only:
            return
        with contextlib.suppress(ArchiveError), self.writing() as connection:
            flags = health_flags(connection) & ~HEALTH_CHECK_DUE
            flags = flags & ~HEALTH_FTS_DAMAGED if ok else flags | HEALTH_FTS_DAMAGED
            set_health_flags(connection, flags)

    def _stop_due_check(self) -> None:
        thread = self._due_check
        if thread is None or not thread.is_alive() or thread is threading.current_thread():
            return
        self._stopping.set()
        for _ in range(100):  # an interrupt between two of its statements is lost: repeat
            with self._check_lock:
                if self._checking is not None:
                    with contextlib.suppress(sqlite3.Error):
                        self._checking.interrupt()
            thread.join(timeout=0.1)
            if not thread.is_alive():
                break

    def check(self) -> None:
        """Raise if SQLite or the full-text index find the archive inconsistent."""
        with self.reading() as connection:
            result = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
            if result != "ok":
                raise RuntimeError(f"integrity_check: {result}")
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if problems:
                raise RuntimeError(f"foreign_key_check: {problems[:5]}")
            fts.check(connection)
