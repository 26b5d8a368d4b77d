"""Running the write path's statements on the DBAPI connection under SQLAlchemy's transaction.

SQLAlchemy's per-statement overhead (about 80 µs on this machine, against 30 µs for SQLite
itself) dominated storing an article, which runs a dozen small statements. The statements
still run inside the transaction the ``Archive`` opened through SQLAlchemy: same connection,
same BEGIN IMMEDIATE, same commit or rollback.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reader.archive.database import Connection

Params = Sequence[Any] | Mapping[str, Any]


class RawSql:
    def __init__(self, connection: Connection) -> None:
        self._db: sqlite3.Connection = connection.raw

    def run(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, params)

    def many(self, sql: str, rows: Iterable[Params]) -> None:
        self._db.executemany(sql, rows)

    def first(self, sql: str, params: Params = ()) -> Any:
        return self._db.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self._db.execute(sql, params).fetchone()
        return None if row is None else row[0]
