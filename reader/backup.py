"""Backing an archive up and restoring it: consistent copies, checked before they are trusted.

A backup is made with SQLite's online backup API in one step, inside one read transaction:
in WAL mode that snapshot never waits for, nor stops, a window or a sync writing meanwhile,
and it is exactly the archive as of one commit. It is written to ``NAME.partial`` and renamed
only once it passes SQLite's integrity check and the full-text index check, so a backup file
that exists is a good one.

A restore trusts nothing it is given: the file must be a Broadsheet archive (by its header,
before SQLite opens it), is copied beside the archive and checked there (integrity, the
full-text index, a schema this Broadsheet knows; an older one is migrated on the next open,
after its own backup), and only then is the current archive kept as a dated copy and the
checked one renamed into its place. Until that rename nothing about the current archive has
changed; a restore while another process has the archive open is refused, because that
process would go on writing its log into the file that replaced it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reader.archive import health
from reader.archive.database import Connection
from reader.archive.engine import (
    COMPANION_SUFFIXES,
    HEAD_REVISION,
    busy_timeout_ms,
    identify,
    known_revisions,
    open_elsewhere,
    stored_revision,
)
from reader.errors import (
    ArchiveBusy,
    ArchiveCorrupt,
    ArchiveError,
    ArchiveTooNew,
    ArchiveUnavailable,
    NotAnArchive,
)

#: The automatic weekly backup: how often, how many are kept, how they are named.
WEEKLY_INTERVAL = timedelta(days=7)
WEEKLY_KEEP = 4
WEEKLY_MARK = ".weekly-"
_STAMP = "%Y%m%d-%H%M%S"


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    bytes: int
    articles: int


@dataclass(frozen=True, slots=True)
class RestoreResult:
    restored: Path
    #: The archive as it was before, kept beside it; None when there was none.
    previous: Path | None
    articles: int


def _stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime(_STAMP)


def _unused(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``… when it is taken."""
    candidate, counter = path, 1
    while candidate.exists():
        counter += 1
        candidate = path.with_name(f"{path.name}-{counter}")
    return candidate


@contextlib.contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    try:
        connection = sqlite3.connect(path, timeout=busy_timeout_ms() / 1000,
                                     isolation_level=None)
    except sqlite3.Error as error:
        raise ArchiveUnavailable(f"cannot open {path}: {error}") from None
    try:
        yield connection
    finally:
        connection.close()


def _remove(path: Path) -> None:
    for name in (path.name, *(path.name + suffix for suffix in COMPANION_SUFFIXES)):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(name).unlink()


def check_copy(path: Path, shown: Path | None = None) -> int:
    """Check an archive file no other process uses (a copy); its article count. Errors name
    ``shown`` (the file the person gave) rather than the copy being checked.

    Raises ArchiveCorrupt when SQLite's integrity check or the full-text check fails,
    NotAnArchive without a schema version, ArchiveTooNew for a schema this Broadsheet does
    not know.
    """
    name = shown or path
    with _sqlite(path) as raw:
        connection = Connection(raw, {})
        try:
            revision = stored_revision(connection)
        except sqlite3.DatabaseError as error:
            raise ArchiveCorrupt(f"{name} is damaged ({' '.join(str(error).split())})") \
                from None
        if revision is None:
            raise NotAnArchive(f"{name} has Broadsheet's id but no schema version")
        if revision not in known_revisions():
            raise ArchiveTooNew(
                f"{name} was written by a newer Broadsheet (schema {revision}); this version "
                f"reads schema {HEAD_REVISION} at most")
        for check in (health.integrity, health.full_text):
            result = check(connection)
            if not result.ok:
                detail = result.detail.split(";")[0]  # the hints are for an archive in use
                raise ArchiveCorrupt(f"{name} is damaged: its {result.name} check failed "
                                     f"({detail})")
        try:
            return int(raw.execute("SELECT count(*) FROM articles").fetchone()[0])
        except sqlite3.DatabaseError as error:
            raise ArchiveCorrupt(f"{name} is damaged ({' '.join(str(error).split())})") \
                from None


def backup(archive: Path, target: Path) -> BackupResult:
    """Copy the archive at ``archive`` to ``target`` (a new file, or a folder to put a dated
    one in), consistently while others write; the copy is checked before it is kept."""
    if not identify(archive):
        raise NotAnArchive(f"there is no archive at {archive} to back up")
    if target.is_dir():
        target = _unused(target / f"{archive.name}.backup-{_stamp()}")
    if target.exists() or target.is_symlink():
        raise ArchiveError(f"{target} exists already; give a new file name or a folder")
    partial = _unused(target.with_name(target.name + ".partial"))
    try:
        try:
            source = sqlite3.connect(f"{archive.resolve().as_uri()}?mode=ro", uri=True,
                                     timeout=busy_timeout_ms() / 1000)
        except sqlite3.Error as error:
            raise ArchiveUnavailable(f"cannot read {archive}: {error}") from None
        try:
            with _sqlite(partial) as destination:
                source.backup(destination)  # one step: one snapshot, never restarted
                destination.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise ArchiveBusy(f"the archive {archive} stayed busy; try again") from None
            raise ArchiveUnavailable(f"cannot write {partial}: {error}") from None
        except OSError as error:
            raise ArchiveUnavailable(f"cannot write {partial}: {error.strerror}") from None
        finally:
            source.close()
        articles = check_copy(partial, target)
        os.replace(partial, target)
    except BaseException:
        _remove(partial)
        raise
    return BackupResult(target, target.stat().st_size, articles)


def restore(archive: Path, copy: Path) -> RestoreResult:
    """Put the checked archive ``copy`` in the place of ``archive``, keeping the current one
    as ``NAME.before-restore-STAMP`` beside it (see the module docstring)."""
    if not identify(copy):
        raise NotAnArchive(f"{copy} is not a Broadsheet archive (it is empty)" if copy.exists()
                           else f"there is no file at {copy}")
    if copy.resolve() == archive.resolve():
        raise ArchiveError(f"{copy} is the archive itself; give a backup to restore")
    if archive.exists() and open_elsewhere(archive):
        raise ArchiveBusy(f"the archive {archive} is open in another Broadsheet (the window or "
                          f"a sync); close it, then restore")
    archive.parent.mkdir(parents=True, exist_ok=True)
    staged = _unused(archive.with_name(f"{archive.name}.restoring"))
    try:
        try:
            shutil.copyfile(copy, staged)
            wal = copy.with_name(copy.name + "-wal")
            if wal.is_file():
                shutil.copyfile(wal, staged.with_name(staged.name + "-wal"))
        except OSError as error:
            raise ArchiveUnavailable(f"cannot copy {copy}: {error.strerror}") from None
        articles = check_copy(staged, copy)
        with _sqlite(staged) as raw:
            raw.execute("PRAGMA journal_mode = WAL")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for suffix in COMPANION_SUFFIXES:
            with contextlib.suppress(FileNotFoundError):
                staged.with_name(staged.name + suffix).unlink()
        previous = _keep_current(archive) if archive.exists() else None
        os.replace(staged, archive)
    except BaseException:
        _remove(staged)
        raise
    return RestoreResult(archive, previous, articles)


def _keep_current(archive: Path) -> Path:
    """The current archive, with its log, as a dated copy beside it; then its log files are
    taken away, so the restored file is not read with the old one's log."""
    with contextlib.suppress(sqlite3.Error, ArchiveError), _sqlite(archive) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    previous = _unused(archive.with_name(f"{archive.name}.before-restore-{_stamp()}"))
    try:
        _link_or_copy(archive, previous)
        wal = archive.with_name(archive.name + "-wal")
        if wal.is_file() and wal.stat().st_size:
            _link_or_copy(wal, previous.with_name(previous.name + "-wal"))
    except OSError as error:
        _remove(previous)
        raise ArchiveUnavailable(f"cannot keep a copy of {archive}: {error.strerror}") from None
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            archive.with_name(archive.name + suffix).unlink()
    return previous


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


# --- the weekly backup ---------------------------------------------------------------------------


def weekly_backups(archive: Path) -> list[Path]:
    """The weekly backups beside the archive, oldest first (their names sort by date)."""
    prefix = archive.name + WEEKLY_MARK
    try:
        found = [entry for entry in archive.parent.iterdir()
                 if entry.name.startswith(prefix) and not entry.name.endswith(".partial")
                 and entry.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda entry: entry.name)


def _taken_at(path: Path, archive: Path) -> datetime | None:
    stamp = path.name[len(archive.name + WEEKLY_MARK):][:15]
    try:
        return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def weekly_due(archive: Path, now: datetime | None = None) -> bool:
    """True when the newest weekly backup is older than a week, or there is none."""
    moment = now or datetime.now(UTC)
    taken = [when for path in weekly_backups(archive)
             if (when := _taken_at(path, archive)) is not None]
    return not taken or moment - max(taken) >= WEEKLY_INTERVAL


def weekly_backup(archive: Path, keep: int = WEEKLY_KEEP,
                  now: datetime | None = None) -> BackupResult | None:
    """Make the weekly backup when one is due, then keep only the newest ``keep``; None when
    none was due. Meant for a worker thread: it reads the whole archive."""
    if not weekly_due(archive, now):
        return None
    made = backup(archive, _unused(archive.with_name(f"{archive.name}{WEEKLY_MARK}"
                                                     f"{_stamp(now)}")))
    for old in weekly_backups(archive)[:-keep]:
        with contextlib.suppress(OSError):
            old.unlink()
    return made
