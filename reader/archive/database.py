"""Pooled SQLite connections and honest transactions, on the ``sqlite3`` module alone.

Every query the archive runs is SQL it writes itself; what it needed from SQLAlchemy's engine
was a pool, BEGIN/BEGIN IMMEDIATE, and ``exec_driver_sql``. Importing SQLAlchemy took about
250 ms of the window's 580 ms to first headlines, so the running archive does without it:
``Connection`` keeps the small part of SQLAlchemy's ``Connection`` interface the archive's
modules and tests use, and SQLAlchemy (with Alembic) is imported only to create or migrate an
archive (``engine.upgrade``) — and by the typed models in ``schema.py`` that migrations and
tests read.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

Params = Sequence[Any] | Mapping[str, Any]
#: Called with every statement's SQL before it runs (tests watch what queries touch).
Tracer = Callable[[str], None]


class Result:
    """The rows of one statement: the subset of SQLAlchemy's ``CursorResult`` in use here."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)

    def first(self) -> Any:
        return self._cursor.fetchone()

    def one(self) -> Any:
        row = self._cursor.fetchone()
        if row is None:
            raise LookupError("the statement returned no row")
        return row

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar(self) -> Any:
        row = self._cursor.fetchone()
        return None if row is None else row[0]

    def all(self) -> list[Any]:
        return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int:
        return self._cursor.lastrowid or 0


class Connection:
    """One pooled connection inside one transaction (``Database.transaction``)."""

    __slots__ = ("info", "raw")

    def __init__(self, raw: sqlite3.Connection, info: dict[str, Any]) -> None:
        #: The sqlite3 connection itself: the write path (storing an article is a dozen small
        #: statements and a few ``executemany`` batches) calls it directly, with no ``Result``
        #: made per statement.
        self.raw = raw
        #: Per-connection scratch space that outlives the transaction (like SQLAlchemy's).
        self.info = info

    def exec_driver_sql(self, sql: str, params: Params | list[Params] = ()) -> Result:
        """Run ``sql`` once with ``params``, or once per row when given a list of rows (as
        SQLAlchemy's ``exec_driver_sql`` does)."""
        if isinstance(params, list) and params and isinstance(params[0], tuple | list | dict):
            return Result(self.raw.executemany(sql, params))
        return Result(self.raw.execute(sql, params))


class Database:
    """A pool of connections to one archive file, each with the archive's PRAGMAs.

    ``connect`` makes a configured connection (in autocommit mode, so BEGIN is ours); up to
    ``keep`` idle ones are kept for the next transaction, any number may be open at once.
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection], keep: int = 4) -> None:
        self._connect = connect
        self._keep = keep
        self._idle: list[tuple[sqlite3.Connection, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self.tracer: Tracer | None = None

    @contextlib.contextmanager
    def transaction(self, *, write: bool) -> Iterator[Connection]:
        """BEGIN IMMEDIATE for writers (a busy archive is reported before any work is done),
        BEGIN for readers (one snapshot for every query); COMMIT, or ROLLBACK on any error."""
        raw, info = self._checkout()
        healthy = False
        try:
            raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Connection(raw, info)
            except BaseException:
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
                healthy = True  # rolled back cleanly: the connection can serve the next one
                raise
            if raw.in_transaction:
                raw.execute("COMMIT")
            healthy = True
        finally:
            self._checkin(raw, info, healthy)

    def _checkout(self) -> tuple[sqlite3.Connection, dict[str, Any]]:
        with self._lock:
            if self._idle:
                raw, info = self._idle.pop()
            else:
                raw, info = None, {}
        if raw is None:
            raw = self._connect()
        raw.set_trace_callback(self.tracer)
        return raw, info

    def _checkin(self, raw: sqlite3.Connection, info: dict[str, Any], healthy: bool) -> None:
        if healthy and not raw.in_transaction:
            with self._lock:
                if len(self._idle) < self._keep:
                    self._idle.append((raw, info))
                    return
        with contextlib.suppress(sqlite3.Error):
            raw.close()

    def dispose(self) -> None:
        """Close the idle connections. As with SQLAlchemy's ``Engine.dispose``, a transaction
        asked for later (a worker finishing after the window closed) opens a new one."""
        with self._lock:
            idle, self._idle = self._idle, []
        for raw, _info in idle:
            with contextlib.suppress(sqlite3.Error):
                raw.close()
