"""Noticing writes made by other processes (the command line, a second window, a sync).

``PRAGMA data_version`` changes on a connection whenever any *other* connection commits, so
on its own it cannot tell a window's writes (made on its pooled connections) from a command
line's. Every write transaction therefore also raises ``archive_stats.generation`` and the
archive remembers the generations it wrote (``OwnWrites``); a change is foreign when a
generation appeared that this process did not write, or the file changed without one (a
tool that does not keep the counter).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable


class OwnWrites:
    """The generations this process committed and nobody has looked past yet."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[int] = set()

    def add(self, generation: int) -> None:
        with self._lock:
            self._seen.add(generation)

    def covers(self, after: int, upto: int) -> bool:
        """True if every generation in (after, upto] is ours; forgets those up to ``upto``."""
        with self._lock:
            ours = upto > after and all(g in self._seen for g in range(after + 1, upto + 1))
            self._seen = {g for g in self._seen if g > upto}
        return ours


class ChangeWatch:
    """``poll()`` says whether another process changed the archive since the last poll.

    Holds one connection of its own (data_version is per connection); safe to call from any
    thread, a few microseconds when nothing changed.
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection], own: OwnWrites) -> None:
        self._lock = threading.Lock()
        self._own = own
        self._connection: sqlite3.Connection | None = connect()
        self._version, self._generation = self._read()

    def _read(self) -> tuple[int, int]:
        assert self._connection is not None
        version = int(self._connection.execute("PRAGMA data_version").fetchone()[0])
        row = self._connection.execute(
            "SELECT generation FROM archive_stats WHERE id = 1").fetchone()
        return version, int(row[0]) if row is not None else 0

    def poll(self) -> bool:
        with self._lock:
            if self._connection is None:
                return False
            version = int(self._connection.execute("PRAGMA data_version").fetchone()[0])
            if version == self._version:
                return False
            self._version, generation = self._read()
            previous, self._generation = self._generation, generation
            return not self._own.covers(previous, generation)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._connection.close()
                self._connection = None
