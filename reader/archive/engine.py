"""Opening an archive file: refusing foreign files, creating, migrating, per-connection PRAGMAs.

Everything here happens before any article is read. The order matters: a file is identified
from its header bytes without opening it through SQLite (so a foreign file is left untouched),
then the schema revision decides between "use", "migrate after a backup" and "refuse".
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.archive.database import Connection, Database
from reader.errors import (
    ArchiveBusy,
    ArchiveCorrupt,
    ArchiveError,
    ArchiveFull,
    ArchiveReadOnly,
    ArchiveTooNew,
    ArchiveUnavailable,
    NotAnArchive,
)

if TYPE_CHECKING:
    import sqlalchemy

#: ``PRAGMA application_id`` of every Broadsheet archive: "BSHT".
APPLICATION_ID = 0x42534854
#: The newest schema this code knows; tests check it equals the migrations' head.
HEAD_REVISION = "0009"
DEFAULT_BUSY_TIMEOUT_MS = 5000
_SQLITE_MAGIC = b"SQLite format 3\x00"
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def busy_timeout_ms() -> int:
    """How long a writer waits for another one; ``BROADSHEET_BUSY_TIMEOUT_MS`` overrides it."""
    raw = os.environ.get("BROADSHEET_BUSY_TIMEOUT_MS", "")
    return int(raw) if raw.isdigit() else DEFAULT_BUSY_TIMEOUT_MS


#: The files SQLite keeps beside an archive (write-ahead log, its index, a rollback journal).
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")

_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind_of(mode: int) -> str:
    return next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")


def _refuse_unless_regular(path: Path) -> bool:
    """True when ``path`` is a regular file, False when nothing is there; raises for anything
    else, before it is opened: reading a FIFO blocks until a writer comes (forever), and
    SQLite would put a journal beside a device (``/dev/null-journal``)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return False
    except OSError as error:
        raise ArchiveUnavailable(f"cannot read {path}: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise NotAnArchive(f"{path} is a folder, not a Broadsheet archive")
    if not stat.S_ISREG(info.st_mode):
        raise NotAnArchive(f"{path} is {_kind_of(info.st_mode)}, not a Broadsheet archive: "
                           f"an archive is a regular file (or a path where one can be created)")
    return True


def identify(path: Path) -> bool:
    """Return True for an existing Broadsheet archive, False for a file to create.

    Anything that is not a regular file or a new path is refused before it is opened, and so
    is an archive whose SQLite companion files are not regular files. Reads only the 100-byte
    header, so a foreign file is never opened by SQLite (which could create journal files
    beside it). Raises NotAnArchive for anything else.
    """
    exists = _refuse_unless_regular(path)
    for suffix in COMPANION_SUFFIXES:
        companion = path.with_name(path.name + suffix)
        try:
            _refuse_unless_regular(companion)
        except NotAnArchive as error:
            raise NotAnArchive(f"{path} cannot be used: {error}") from None
    if not exists:
        return False
    try:
        # O_NONBLOCK: should the path have become a FIFO since it was looked at, opening it
        # returns at once instead of waiting for a writer; the fstat below then refuses it.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _O_NOCTTY | _O_CLOEXEC)
    except FileNotFoundError:
        return False
    except IsADirectoryError:
        raise NotAnArchive(f"{path} is a folder, not a Broadsheet archive") from None
    except OSError as error:
        raise ArchiveUnavailable(f"cannot read {path}: {error.strerror}") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise NotAnArchive(f"{path} is {_kind_of(mode)}, not a Broadsheet archive")
        header = os.read(descriptor, 100)
    except OSError as error:
        raise ArchiveUnavailable(f"cannot read {path}: {error.strerror}") from None
    finally:
        os.close(descriptor)
    if not header:
        return False
    if not header.startswith(_SQLITE_MAGIC) or len(header) < 100:
        raise NotAnArchive(f"{path} is not a Broadsheet archive (not an SQLite database)")
    if int.from_bytes(header[68:72], "big") != APPLICATION_ID:
        raise NotAnArchive(f"{path} is an SQLite database but not a Broadsheet archive")
    return True


# --- unclean shutdowns -------------------------------------------------------------------------
#
# How a crash is noticed, cheaply and without writing anything: in WAL mode, the last
# connection to close checkpoints the write-ahead log and deletes it, and every open
# connection holds a read lock on one byte of the "-shm" index (SQLite's unix VFS calls it the
# dead-man switch, UNIX_SHM_DMS: byte 128), which the kernel drops when its process dies,
# however it dies. So a non-empty "-wal" that no process holds that lock for was left by a
# process that never closed the archive: killed, crashed, or the machine lost power. Locks are
# read from /proc/locks (Linux), never probed with fcntl: closing a descriptor of the file
# would drop this process's own SQLite locks on it. Elsewhere nothing is detected.

#: Bits of the database header's ``user_version`` (the schema's version is Alembic's, in
#: ``alembic_version``; nothing else uses this field): the archive's health as last seen.
HEALTH_CHECK_DUE = 1  #: an unclean shutdown was noticed; the full-text index is to be checked
HEALTH_FTS_DAMAGED = 2  #: the last check found the full-text index damaged
_DEAD_MAN_SWITCH = 128


def shm_lock_holders(path: Path) -> set[int] | None:
    """Ids of the processes with the archive open (holding SQLite's lock on byte 128 of its
    "-shm"); empty when none does; None when that cannot be known (not Linux, no /proc)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        info = os.stat(path.with_name(path.name + "-shm"))
    except FileNotFoundError:
        return set()
    except OSError:
        return None
    device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    try:
        table = Path("/proc/locks").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    holders: set[int] = set()
    for line in table.splitlines():
        # "12: POSIX  ADVISORY  READ 1806 fe:00:2149227 128 128"; "12: -> POSIX ..." lines
        # are requests waiting for a lock, not locks held.
        fields = line.split()
        if device not in fields or "->" in fields:
            continue
        at = fields.index(device)
        try:
            pid, start, end = int(fields[at - 1]), int(fields[at + 1]), fields[at + 2]
            if start <= _DEAD_MAN_SWITCH and (end == "EOF" or int(end) >= _DEAD_MAN_SWITCH):
                holders.add(pid)
        except (ValueError, IndexError):
            return None  # a format this code does not know: say nothing rather than guess
    return holders


def unclean_shutdown(path: Path) -> bool:
    """True when the archive at ``path`` was last left by a process that did not close it
    (see above): a non-empty write-ahead log that no running process holds open."""
    try:
        info = os.stat(path.with_name(path.name + "-wal"))
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
        return False
    holders = shm_lock_holders(path)
    return holders is not None and not holders


def open_elsewhere(path: Path) -> bool:
    """True unless it is known that no other process has the archive open (so a clean-up
    that another process's sync could be racing is safe only when this is False)."""
    holders = shm_lock_holders(path)
    return holders is None or bool(holders - {os.getpid()})


def health_flags(connection: Connection) -> int:
    return int(connection.exec_driver_sql("PRAGMA user_version").scalar() or 0)


def set_health_flags(connection: Connection, flags: int) -> None:
    connection.exec_driver_sql(f"PRAGMA user_version = {int(flags)}")


def _is_writable(path: Path) -> bool:
    folder = path.parent
    return os.access(path, os.W_OK) and os.access(folder, os.W_OK | os.X_OK)


def connector(path: Path, *, read_only: bool) -> Callable[[], sqlite3.Connection]:
    """A function making connections with the archive's PRAGMAs, in autocommit mode: BEGIN
    is ``Database.transaction``'s, so a writer's BEGIN IMMEDIATE reports a busy archive when
    the transaction starts, not halfway through it (Python 3.11's sqlite3 module would begin
    transactions on its own, and not before SELECTs)."""
    timeout_ms = busy_timeout_ms()
    if read_only:
        uri = f"{path.resolve().as_uri()}?mode=ro"

        def open_read_only() -> sqlite3.Connection:
            try:
                connection = sqlite3.connect(uri, uri=True, check_same_thread=False,
                                             isolation_level=None)
                connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return connection
            except sqlite3.OperationalError:
                # A read-only WAL archive needs its -shm file; when it cannot be created, the
                # SQLite docs ("WAL databases on read-only media") say to open it immutable.
                return sqlite3.connect(f"{uri}&immutable=1", uri=True, check_same_thread=False,
                                       isolation_level=None)

        return open_read_only

    def open_read_write() -> sqlite3.Connection:
        connection = sqlite3.connect(path, timeout=timeout_ms / 1000, check_same_thread=False,
                                     isolation_level=None)
        # 16 MB of page cache per connection and no mmap: memory-mapped pages count in the
        # window's resident memory (412 MB against 160 MB after scrolling 10,000 headlines on
        # a 100,000-article archive) and made no measurable difference to query times.
        # Checkpoint the WAL at 64 MB rather than SQLite's 4 MB: one feed's transaction is a
        # megabyte or more, so the default checkpointed (and synced to disk) on almost every
        # commit; a 30-feed sync went from 801 to 958 articles/s. The WAL is cut back to 64 MB
        # after a checkpoint, and removed when the archive closes.
        for pragma in (
            "foreign_keys = ON",
            f"busy_timeout = {timeout_ms}",
            "synchronous = NORMAL",
            "cache_size = -16384",
            "temp_store = MEMORY",
            "wal_autocheckpoint = 16384",
            f"journal_size_limit = {64 * 2**20}",
        ):
            connection.execute(f"PRAGMA {pragma}")
        return connection

    return open_read_write


def make_database(path: Path, *, read_only: bool) -> Database:
    return Database(connector(path, read_only=read_only))


def migration_engine(path: Path) -> sqlalchemy.Engine:
    """A SQLAlchemy engine for Alembic (the only user of SQLAlchemy at run time), whose
    transactions begin IMMEDIATE like every other writer's."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    engine = create_engine("sqlite://", creator=connector(path, read_only=False),
                           poolclass=NullPool)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sqlalchemy.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_archive_file(path: Path) -> None:
    """Create an empty archive with our application id, in WAL mode, before any schema.

    The id goes in first, in rollback-journal mode, so it is in the main file's header from
    the start and ``identify`` recognises even an archive interrupted during creation.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute("PRAGMA journal_mode = WAL")
        finally:
            connection.close()
    except (OSError, sqlite3.Error) as error:
        raise ArchiveUnavailable(f"cannot create an archive at {path}: {error}") from None


def stored_revision(connection: Connection) -> str | None:
    row = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).first()
    if row is None:
        return None
    version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return str(version) if version is not None else None


def _alembic_config(connection: sqlalchemy.Connection | None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    return config


def known_revisions() -> list[str]:
    """Revisions from oldest to newest, read from the migration scripts."""
    from alembic.script import ScriptDirectory

    config = _alembic_config(None)
    scripts = ScriptDirectory.from_config(config)
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def upgrade(path: Path, target: str = "head") -> None:
    """Run the migrations up to ``target`` in one write transaction."""
    from alembic import command

    engine = migration_engine(path)
    try:
        with engine.connect() as connection, connection.begin():
            command.upgrade(_alembic_config(connection), target)
    finally:
        engine.dispose()


def backup(path: Path) -> Path:
    """Copy the archive, WAL included, to a dated file beside it (SQLite's online backup)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.backup-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.backup-{stamp}-{counter}")
    source = sqlite3.connect(path)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    return target


def open_database(path: Path) -> tuple[Database, bool, Path | None]:
    """Open (creating or migrating as needed) the archive at ``path``.

    Returns its connection pool, whether it is read-only, and the backup made before a
    migration. Raises NotAnArchive, ArchiveTooNew, ArchiveCorrupt, ArchiveReadOnly, ArchiveBusy,
    ArchiveUnavailable (ArchiveFull).
    """
    exists = identify(path)
    if not exists:
        if path.exists() and not _is_writable(path):
            raise ArchiveReadOnly(f"cannot create an archive in read-only {path}")
        create_archive_file(path)
    read_only = not _is_writable(path)
    database = make_database(path, read_only=read_only)
    backup_path: Path | None = None
    try:
        with translate_errors(path), database.transaction(write=False) as connection:
            revision = stored_revision(connection)
        if revision == HEAD_REVISION:
            return database, read_only, None
        if revision is None and exists and _has_user_tables(database, path):
            raise NotAnArchive(f"{path} has Broadsheet's id but no schema version; not touching it")
        if revision is not None and revision not in known_revisions():
            raise ArchiveTooNew(
                f"{path} was written by a newer Broadsheet (schema {revision}); this version "
                f"reads schema {HEAD_REVISION} at most — update Broadsheet to open it"
            )
        if read_only:
            raise ArchiveReadOnly(f"{path} needs a schema upgrade but is read-only")
        with translate_errors(path):  # a full disk can stop the backup as well as the upgrade
            if revision is not None:
                backup_path = backup(path)
            upgrade(path)
    except BaseException:
        database.dispose()
        raise
    return database, read_only, backup_path


def _has_user_tables(database: Database, path: Path) -> bool:
    with translate_errors(path), database.transaction(write=False) as connection:
        count = connection.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).scalar()
    return bool(count)


@contextlib.contextmanager
def translate_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's environment errors into the core's one-line ArchiveErrors.

    Classified by SQLite's result code, never by its wording (which changes between SQLite
    versions and says nothing about whose fault it is). Anything else — bad SQL, a constraint
    we should have checked, a type mismatch — is a bug and propagates unchanged, as
    qutebrowser's sql.py splits "known" (environmental) from "bug" errors.
    """
    try:
        yield
    except sqlite3.Error as error:
        translated = _translate(error, path)
        if translated is None:
            raise
        raise translated from error
    except Exception as error:
        # A migration's error comes wrapped by SQLAlchemy (DBAPIError, with the sqlite3 one as
        # ``orig``); matched by attribute so that reading an archive never imports SQLAlchemy.
        original = getattr(error, "orig", None)
        translated = _translate(original, path) if isinstance(original, sqlite3.Error) else None
        if translated is None:
            raise
        raise translated from error


def primary_code(error: sqlite3.Error) -> int | None:
    """SQLite's primary result code for ``error`` (``SQLITE_BUSY`` for ``SQLITE_BUSY_SNAPSHOT``).

    Read from ``sqlite_errorcode``, whose low byte is the primary code, rather than from
    ``sqlite_errorname``: CPython names only the extended codes its own build knew, and calls
    a newer one "unknown". None for the errors the sqlite3 module raises itself (a wrong
    number of parameters, a closed connection), which are always bugs.
    """
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


_SQLITE_CORRUPT_VTAB = getattr(sqlite3, "SQLITE_CORRUPT_VTAB", 267)

#: Result codes that mean the archive cannot be reached at all: a missing or unopenable file,
#: the disk or the file system failing, permissions, no large-file support, a broken lock
#: protocol (as on some network file systems), an authorizer's refusal.
_UNAVAILABLE = frozenset({sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_PERM,
                          sqlite3.SQLITE_NOLFS, sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_AUTH})


def _translate(error: sqlite3.Error, path: Path) -> ArchiveError | None:
    """The ArchiveError a person should see for ``error``, or None when it is a bug."""
    code = primary_code(error)
    reason = " ".join(str(error).split())  # one line, whatever SQLite said
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        seconds = busy_timeout_ms() / 1000
        return ArchiveBusy(
            f"the archive {path} is busy: another program is writing to it "
            f"(waited {seconds:g} s); try again when it has finished"
        )
    if code == sqlite3.SQLITE_READONLY:
        return ArchiveReadOnly(f"the archive {path} is read-only; it can be read but not changed")
    if getattr(error, "sqlite_errorcode", None) == _SQLITE_CORRUPT_VTAB:
        # FTS5's word for a damaged index: the articles are fine, and a rebuild fixes it.
        return ArchiveCorrupt(f"the full-text index of the archive {path} is damaged "
                              f"({reason}); run `broadsheet check --repair` to rebuild it")
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return ArchiveCorrupt(f"the archive {path} is damaged ({reason}); restore a backup")
    if code == sqlite3.SQLITE_FULL:
        return ArchiveFull(f"the disk holding the archive {path} is full; free some space "
                           f"and try again")
    if code in _UNAVAILABLE:
        return ArchiveUnavailable(f"cannot use the archive {path}: {reason}")
    return None
