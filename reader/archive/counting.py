"""Counting a search's matches, and the saved searches' counts remembered between writes.

The sidebar shows every saved search with its unread and total counts, composed with the
search box, and asks again after every change, filter choice and external poll. Counting ten
saved searches at a million articles is tens of milliseconds of SQLite work; asking again
when nothing was written should cost nothing. Every write transaction raises
``archive_stats.generation`` (``Archive.writing``), so counts read in the same snapshot as a
generation stay true until the generation moves: that pair is the cache key, and no write
needs to say which counts it touched.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from reader.archive import saved, search
from reader.archive.database import Connection
from reader.errors import ArchiveError, ReaderError
from reader.query import And, Query, SavedIs
from reader.records import ArchiveTotals, SavedSearch, TagCount

SavedCounts = list[tuple[SavedSearch, TagCount]]


def totals(connection: Connection, query: Query, limit: int, *,
           source_id: int | None = None, bookmarked: bool = True) -> ArchiveTotals:
    """All / unread / bookmarked among the first ``limit`` matches (``capped`` when there
    were that many), counted by SQLite in one statement; without ``bookmarked`` (0 for it)
    from indexes alone (``search.count_matching``)."""
    articles, unread, marked = search.count_matching(connection, query, limit,
                                                     source_id=source_id,
                                                     bookmarked=bookmarked)
    return ArchiveTotals(articles, unread, marked, capped=articles >= limit)


def within_saved(name: str, query: Query) -> Query:
    """``saved:NAME`` and ``query``: what the list shows when that saved search is chosen
    while ``query`` is in the search box (the same shape the window composes)."""
    chosen = SavedIs(name)
    return Query(chosen if query.root is None else And((chosen, query.root)), query.sort)


def generation(connection: Connection) -> int:
    """The archive's write generation, as of this connection's snapshot."""
    found = connection.exec_driver_sql(
        "SELECT generation FROM archive_stats WHERE id = 1").scalar()
    return 0 if found is None else int(found)


class SavedCountCache:
    """The saved searches' counts per (write generation, search), for a few recent searches.

    Thread-safe: counts are asked for on worker threads. Two threads missing at once both
    count (the same numbers); the lock guards only the dictionary.
    """

    SIZE = 16

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[int, Query], SavedCounts] = OrderedDict()

    def counts(self, connection: Connection, query: Query,
               count: Callable[[Query], ArchiveTotals]) -> SavedCounts:
        """Every saved search with its counts within ``query``; ``count`` totals one search
        on ``connection``. The generation is read first, in the same snapshot as the counts,
        so an entry is never older than its key."""
        key = (generation(connection), query)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return list(found)
        counted: SavedCounts = []
        for entry in saved.all_saved(connection):
            try:
                found_totals = count(within_saved(entry.name, query))
            except ArchiveError:
                raise
            except ReaderError:  # one that no longer parses, or names a gone saved search
                found_totals = ArchiveTotals(0, 0, 0)
            counted.append((entry, TagCount(entry.name, found_totals.articles,
                                            found_totals.unread)))
        with self._lock:
            for stale in [old for old in self._entries if old[0] < key[0]]:
                del self._entries[stale]
            self._entries[key] = counted
            while len(self._entries) > self.SIZE:
                self._entries.popitem(last=False)
        return list(counted)
