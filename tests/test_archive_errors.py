"""SQLite's errors as a person sees them: environment problems become one clear line, bugs
stay bugs (classified by SQLite's result code, never by its wording)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from drafts import make_draft

from reader.archive import Archive
from reader.archive.engine import make_database, translate_errors
from reader.errors import (
    ArchiveBusy,
    ArchiveCorrupt,
    ArchiveError,
    ArchiveFull,
    ArchiveReadOnly,
    ArchiveUnavailable,
)


def sqlite_error(name: str, code: int,
                 kind: type[sqlite3.Error] = sqlite3.OperationalError) -> sqlite3.Error:
    """An error as the sqlite3 module raises it, with SQLite's (extended) result code."""
    error = kind(f"message for {name}")
    error.sqlite_errorname = name  # type: ignore[attr-defined]
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    return error


KNOWN = [
    ("SQLITE_BUSY", 5, ArchiveBusy),
    ("SQLITE_BUSY_SNAPSHOT", 517, ArchiveBusy),
    ("SQLITE_BUSY_RECOVERY", 261, ArchiveBusy),
    ("SQLITE_LOCKED", 6, ArchiveBusy),
    ("SQLITE_LOCKED_SHAREDCACHE", 262, ArchiveBusy),
    ("SQLITE_READONLY", 8, ArchiveReadOnly),
    ("SQLITE_READONLY_DBMOVED", 1032, ArchiveReadOnly),
    ("SQLITE_CORRUPT", 11, ArchiveCorrupt),
    ("SQLITE_CORRUPT_VTAB", 267, ArchiveCorrupt),
    ("SQLITE_NOTADB", 26, ArchiveCorrupt),
    ("SQLITE_FULL", 13, ArchiveFull),
    ("SQLITE_CANTOPEN", 14, ArchiveUnavailable),
    ("SQLITE_CANTOPEN_ISDIR", 526, ArchiveUnavailable),
    ("SQLITE_IOERR", 10, ArchiveUnavailable),
    ("SQLITE_IOERR_SHORT_READ", 522, ArchiveUnavailable),
    ("SQLITE_PERM", 3, ArchiveUnavailable),
    ("SQLITE_NOLFS", 22, ArchiveUnavailable),
    ("SQLITE_PROTOCOL", 15, ArchiveUnavailable),
    ("SQLITE_AUTH", 23, ArchiveUnavailable),
    # CPython calls an extended code it does not know "unknown": the code still tells.
    ("unknown", 5 | (99 << 8), ArchiveBusy),
]

BUGS = [
    ("SQLITE_ERROR", 1, sqlite3.OperationalError),
    ("SQLITE_CONSTRAINT_UNIQUE", 2067, sqlite3.IntegrityError),
    ("SQLITE_CONSTRAINT_FOREIGNKEY", 787, sqlite3.IntegrityError),
    ("SQLITE_MISMATCH", 20, sqlite3.IntegrityError),
    ("SQLITE_RANGE", 25, sqlite3.ProgrammingError),
    ("SQLITE_SCHEMA", 17, sqlite3.OperationalError),
    ("SQLITE_TOOBIG", 18, sqlite3.DataError),
    ("SQLITE_MISUSE", 21, sqlite3.InterfaceError),
]


@pytest.mark.parametrize(("name", "code", "expected"), KNOWN)
def test_environment_errors_become_one_line_archive_errors(
        tmp_path: Path, name: str, code: int, expected: type[ArchiveError]) -> None:
    error = sqlite_error(name, code)
    with pytest.raises(expected) as raised, translate_errors(tmp_path / "archive.db"):
        raise error
    assert type(raised.value) is expected
    assert raised.value.__cause__ is error
    message = str(raised.value)
    assert str(tmp_path / "archive.db") in message and "\n" not in message


@pytest.mark.parametrize(("name", "code", "kind"), BUGS)
def test_bugs_propagate_unchanged(tmp_path: Path, name: str, code: int,
                                  kind: type[sqlite3.Error]) -> None:
    error = sqlite_error(name, code, kind)
    with pytest.raises(kind) as raised, translate_errors(tmp_path / "archive.db"):
        raise error
    assert raised.value is error


def test_errors_the_sqlite3_module_raises_itself_are_bugs(tmp_path: Path) -> None:
    connection = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.ProgrammingError), translate_errors(tmp_path / "archive.db"):
        connection.execute("SELECT ?", (1, 2))  # no result code: our mistake, not SQLite's


def test_the_wording_is_not_what_classifies(tmp_path: Path) -> None:
    """A bug whose message happens to say "locked" or "disk is full" is still a bug."""
    for message in ("no such table: locked_items", "disk is full of columns: corrupt"):
        error = sqlite3.OperationalError(message)
        error.sqlite_errorname = "SQLITE_ERROR"  # type: ignore[attr-defined]
        error.sqlite_errorcode = 1  # type: ignore[attr-defined]
        with pytest.raises(sqlite3.OperationalError), translate_errors(tmp_path / "a.db"):
            raise error


def test_errors_wrapped_by_sqlalchemy_during_migrations_are_classified(tmp_path: Path) -> None:
    from sqlalchemy.exc import OperationalError

    busy = OperationalError("BEGIN IMMEDIATE", {}, sqlite_error("SQLITE_BUSY", 5))
    with pytest.raises(ArchiveBusy), translate_errors(tmp_path / "archive.db"):
        raise busy
    bug = OperationalError("SELECT nope", {}, sqlite_error("SQLITE_ERROR", 1))
    with pytest.raises(OperationalError) as raised, translate_errors(tmp_path / "archive.db"):
        raise bug
    assert raised.value is bug


def test_bad_sql_through_the_archive_is_a_bug_not_an_archive_error(archive: Archive) -> None:
    with pytest.raises(sqlite3.OperationalError, match="no such column"), \
            archive.reading() as connection:
        connection.exec_driver_sql("SELECT no_such_column FROM articles")
    with pytest.raises(sqlite3.OperationalError, match="syntax error"), \
            archive.reading() as connection:
        connection.exec_driver_sql("SELEC 1")


def test_a_broken_constraint_is_a_bug_and_writes_nothing(archive: Archive) -> None:
    [stored] = archive.store([make_draft(1)])
    with pytest.raises(sqlite3.IntegrityError), archive.writing() as connection:
        connection.exec_driver_sql("UPDATE articles SET title = 'changed' WHERE id = ?",
                                   (stored.article_id,))
        connection.exec_driver_sql("INSERT INTO article_bodies (article_id, html, text) "
                                   "VALUES (?, '', '')", (stored.article_id,))
    assert stored.article_id is not None
    assert archive.article(stored.article_id).title != "changed"


def test_an_archive_another_program_is_writing_to_says_busy(
        archive_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADSHEET_BUSY_TIMEOUT_MS", "50")
    with Archive.open(archive_path) as archive:
        [stored] = archive.store([make_draft(1)])
        assert stored.article_id is not None
        holder = sqlite3.connect(archive_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(ArchiveBusy, match="busy: another program") as raised:
                archive.set_read([stored.article_id])
            assert "\n" not in str(raised.value)
            assert archive.article(stored.article_id).read is False  # reading still works
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        archive.set_read([stored.article_id])
        assert archive.article(stored.article_id).read is True


def test_an_archive_sqlite_can_only_read_says_read_only_on_write(archive_path: Path) -> None:
    """As when the file system turned read-only after the archive was opened: SQLite itself
    refuses the write, and the person is told the archive is read-only."""
    with Archive.open(archive_path) as archive:
        archive.store([make_draft(1)])
    database = make_database(archive_path, read_only=True)
    archive = Archive(archive_path, database, read_only=False)
    try:
        assert archive.totals().articles == 1
        with pytest.raises(ArchiveReadOnly, match="read-only"):
            archive.store([make_draft(2)])
    finally:
        database.dispose()
    with Archive.open(archive_path) as reopened:
        assert reopened.totals().articles == 1


def test_an_archive_damaged_on_disk_says_damaged(archive_path: Path) -> None:
    with Archive.open(archive_path) as archive:
        archive.store([make_draft(n) for n in range(50)])
    data = bytearray(archive_path.read_bytes())
    data[16:18] = b"\x00\x03"  # an impossible page size, behind a valid header otherwise
    archive_path.write_bytes(bytes(data))
    with pytest.raises(ArchiveCorrupt, match="damaged") as raised:
        Archive.open(archive_path)
    assert "restore a backup" in str(raised.value) and "\n" not in str(raised.value)
