"""Checking an archive's health, and the one repair there is: rebuilding the full-text index.

``broadsheet check`` runs every check here (``run_checks``) and prints one line for each;
``Archive`` also runs the full-text check by itself after an unclean shutdown (see
``engine.unclean_shutdown``), because a damaged index does not make SQLite's own
``integrity_check`` fail: it only makes searches silently miss articles.

The checks, each one line:

- ``integrity`` — SQLite's ``PRAGMA integrity_check`` (every page, index and constraint);
- ``foreign keys`` — ``PRAGMA foreign_key_check``;
- ``full-text index`` — FTS5's own integrity-check, then ``fts.probe`` (do sampled words of
  sampled articles find them?); the only check ``repair`` can fix, by rebuilding the index.
  After an unclean shutdown ``Archive`` runs the probe alone (see ``full_text``);
- ``schema`` — the stored schema version is the one this Broadsheet writes;
- ``orphan images`` — images no article shows (left by a sync that was killed between
  storing an image and its article); informational, and ``repair`` deletes them when no
  other process has the archive open (a running sync's images are orphans for a moment).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from reader.archive import fts, images
from reader.archive.database import Connection
from reader.archive.engine import HEAD_REVISION, primary_code, stored_revision

REPAIR_HINT = "run `broadsheet check --repair` to rebuild it"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's outcome; ``detail`` is one line for people."""

    name: str
    ok: bool
    detail: str
    #: ``repair`` can fix what this check found.
    repairable: bool = False


def _is_damage(error: sqlite3.Error) -> bool:
    return primary_code(error) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())[:300]


def integrity(connection: Connection) -> CheckResult:
    try:
        rows = [str(row[0]) for row in
                connection.exec_driver_sql("PRAGMA integrity_check(20)").all()]
    except sqlite3.DatabaseError as error:
        reason = _one_line(error)
        return CheckResult("integrity", False,
                           f"SQLite cannot read the archive ({reason}); restore a backup")
    if rows == ["ok"]:
        return CheckResult("integrity", True, "SQLite's integrity_check found no problem")
    return CheckResult("integrity", False, f"SQLite's integrity_check: {_one_line(rows[0])}"
                       + (f" (and {len(rows) - 1} more)" if len(rows) > 1 else "")
                       + "; restore a backup")


def foreign_keys(connection: Connection) -> CheckResult:
    try:
        rows = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    except sqlite3.DatabaseError as error:
        return CheckResult("foreign keys", False, f"cannot be checked ({_one_line(error)})")
    if not rows:
        return CheckResult("foreign keys", True, "every reference points at a row")
    tables = sorted({str(row[0]) for row in rows})
    return CheckResult("foreign keys", False, f"{len(rows)} rows of {', '.join(tables)} point "
                       f"at rows that do not exist; restore a backup")


def full_text(connection: Connection, seed: int | None = None, *,
              thorough: bool = True) -> CheckResult:
    """FTS5's integrity-check (when ``thorough``), then ``fts.probe``.

    FTS5 runs its integrity-check as an INSERT, so it holds the archive's write lock for as
    long as it reads the whole index (about a second per 20,000 articles): every writer waits
    meanwhile. ``broadsheet check`` is asked for and may do that; the check after an unclean
    shutdown runs beside the window and is the probe alone (SELECTs, about a second on any
    archive size), which finds what a reader would notice: searches missing articles.
    """
    name = "full-text index"
    try:
        if thorough:
            fts.check(connection)
    except sqlite3.DatabaseError as error:
        if not _is_damage(error):
            raise  # interrupted, busy, out of memory: says nothing about the index
        return CheckResult(name, False, f"damaged: FTS5's integrity-check failed "
                           f"({_one_line(error)}), so searches may miss articles; "
                           f"{REPAIR_HINT}", repairable=True)
    try:
        misses, probes = fts.probe(connection, seed=seed)
    except sqlite3.DatabaseError as error:
        if not _is_damage(error):
            raise
        return CheckResult(name, False, f"damaged: searching it failed ({_one_line(error)}); "
                           f"{REPAIR_HINT}", repairable=True)
    if misses:
        return CheckResult(name, False, f"damaged: {misses} of {probes} sampled words did not "
                           f"find the article they are in, so searches miss articles; "
                           f"{REPAIR_HINT}", repairable=True)
    how = "FTS5's integrity-check, and " if thorough else ""
    if not probes:
        return CheckResult(name, True, f"consistent with the articles ({how}no words to "
                           f"sample)")
    return CheckResult(name, True, f"consistent with the articles ({how}{probes} sampled "
                       f"words found where they are)")


def schema(connection: Connection) -> CheckResult:
    revision = stored_revision(connection)
    if revision == HEAD_REVISION:
        return CheckResult("schema", True, f"version {revision}, the one this Broadsheet "
                           f"writes")
    return CheckResult("schema", False, f"version {revision or 'missing'}; this Broadsheet "
                       f"writes {HEAD_REVISION}")


def orphan_images(connection: Connection) -> CheckResult:
    count, size = images.orphans(connection)
    if not count:
        return CheckResult("orphan images", True, "none: every stored image is shown")
    return CheckResult("orphan images", True, f"{count} images ({size / 2**20:.1f} MB) no "
                       f"article shows (a sync was stopped, or is storing them right now); "
                       f"--repair deletes them when no other Broadsheet has the archive open")


def run_checks(connection: Connection, seed: int | None = None, *,
               thorough: bool = True) -> list[CheckResult]:
    """Every check, in the order above, in the caller's transaction (a write transaction
    when ``thorough``: see ``full_text``)."""
    return [integrity(connection), foreign_keys(connection),
            full_text(connection, seed, thorough=thorough), schema(connection),
            orphan_images(connection)]
