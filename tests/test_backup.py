"""``broadsheet backup`` and ``restore``: a copy made while another process writes passes every
check; a restore puts a backup back and keeps the archive it replaced; a restore of anything
that is not a good archive leaves the current one exactly as it was."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from drafts import make_draft
from processes import live_children
from test_archive_health import damage_term_pages, quokka_drafts

from reader import backup
from reader.archive import Archive
from reader.cli import main
from reader.errors import ArchiveBusy

REPO = Path(__file__).resolve().parents[1]


def run(archive: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--archive", str(archive), *argv], out)
    return code, out.getvalue()


def run_json(archive: Path, *argv: str) -> Any:
    code, text = run(archive, *argv, "--json")
    assert code == 0, text
    return json.loads(text)


def titles(path: Path) -> list[str]:
    with Archive.open(path) as archive:
        return sorted(row.title for row in archive.headlines(limit=1000).rows)


def checks_pass(path: Path) -> bool:
    with Archive.open(path) as archive:
        return all(result.ok for result in archive.health())


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file in the folder with a hash of its bytes."""
    return {entry.name: hashlib.sha256(entry.read_bytes()).hexdigest()
            for entry in sorted(folder.iterdir()) if entry.is_file()}


@pytest.fixture
def filled(archive_path: Path) -> Path:
    with Archive.open(archive_path) as archive:
        archive.store([make_draft(n) for n in range(3)])
    return archive_path


_WRITER = """
import itertools, sys, time
sys.path.insert(0, sys.argv[2])
from drafts import make_draft
from reader.archive import Archive

with Archive.open(sys.argv[1]) as archive:
    deadline = time.monotonic() + 120
    for n in itertools.count(1000):
        archive.store([make_draft(n, body="<p>" + " ".join(f"word{n}x{j}" for j in range(400))
                                  + "</p>")])
        if n == 1000:
            print("writing", flush=True)
        if time.monotonic() > deadline or n > 1000 + 20000:
            break
"""


def test_backup_while_another_process_writes_passes_integrity_and_full_text_checks(
        tmp_path: Path, filled: Path) -> None:
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(filled), str(REPO / "tests")],
                              stdout=subprocess.PIPE, text=True, cwd=REPO)
    copies: list[tuple[Path, int]] = []
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing"
        for n in range(4):
            made = run_json(filled, "backup", str(tmp_path / f"copy-{n}.db"))
            copies.append((Path(made["backup"]), made["articles"]))
            time.sleep(0.2)
        assert writer.poll() is None, "the writer kept writing throughout"
    finally:
        writer.terminate()
        writer.wait(timeout=30)
    assert live_children() == []
    counts = [count for _path, count in copies]
    assert counts == sorted(counts) and counts[-1] > counts[0] >= 3  # the writes went on
    for path, count in copies:
        assert checks_pass(path)
        with Archive.open(path) as archive:
            assert archive.search_totals().articles == count
            assert archive.search_totals("word1000x5").articles == 1  # the index finds it


def test_backup_json_shape_and_into_a_folder(tmp_path: Path, filled: Path) -> None:
    made = run_json(filled, "backup", str(tmp_path / "one.db"))
    assert made == {"backup": str(tmp_path / "one.db"),
                    "bytes": (tmp_path / "one.db").stat().st_size, "articles": 3}
    folder = tmp_path / "backups"
    folder.mkdir()
    dated = run_json(filled, "backup", str(folder))
    assert Path(dated["backup"]).parent == folder
    assert Path(dated["backup"]).name.startswith("archive.db.backup-")
    assert titles(Path(dated["backup"])) == titles(filled)
    assert [entry.name for entry in folder.iterdir()] == [Path(dated["backup"]).name]


def test_backup_never_overwrites_and_says_so(tmp_path: Path, filled: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    taken = tmp_path / "taken.db"
    taken.write_bytes(b"someone's file")
    code, _ = run(filled, "backup", str(taken))
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists already" in err
    assert taken.read_bytes() == b"someone's file"


def test_restore_puts_the_backup_back_and_keeps_the_replaced_archive(
        tmp_path: Path, filled: Path) -> None:
    copy = tmp_path / "saved.db"
    run_json(filled, "backup", str(copy))
    before = titles(filled)
    with Archive.open(filled) as archive:
        archive.delete([archive.headlines().rows[0].id])
        archive.store([make_draft(99)])
    after_changes = titles(filled)
    done = run_json(filled, "restore", str(copy))
    assert done["restored"] == str(copy) and done["articles"] == 3
    previous = Path(done["previous"])
    assert previous.parent == filled.parent and previous.name.startswith(
        "archive.db.before-restore-")
    assert titles(filled) == before
    assert titles(previous) == after_changes
    assert checks_pass(filled)
    assert copy.exists()  # the backup itself stays where it was


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[4096 * 2: 4096 * 6] = bytes(range(256)) * 64
    path.write_bytes(bytes(data))


def _newer(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()


def _foreign_sqlite(path: Path) -> None:
    path.unlink()
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()


def _text_file(path: Path) -> None:
    path.write_text("not an archive at all\n")


def _damaged_index(path: Path) -> None:
    path.unlink()
    with Archive.open(path) as archive:
        for batch in quokka_drafts()[:3]:
            archive.store(batch)
    damage_term_pages(path)


@pytest.mark.parametrize("spoil, says", [
    (_corrupt, "damaged"),
    (_newer, "newer Broadsheet (schema 9999)"),
    (_foreign_sqlite, "not a Broadsheet archive"),
    (_text_file, "not a Broadsheet archive"),
    (_damaged_index, "damaged: its full-text index check failed"),
])
def test_restore_of_a_bad_file_leaves_the_current_archive_untouched(
        tmp_path: Path, filled: Path, capsys: pytest.CaptureFixture[str],
        spoil: Any, says: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bad = elsewhere / "bad.db"
    run_json(filled, "backup", str(bad))
    spoil(bad)
    capsys.readouterr()
    before = fingerprint(filled.parent)
    code, out = run(filled, "restore", str(bad))
    assert code == 1 and out == ""
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err, err
    assert fingerprint(filled.parent) == before  # nothing added, removed or changed
    assert titles(filled) == [make_draft(n).title for n in range(3)]


_HOLDER = """
import sys, time
from reader.archive import Archive
with Archive.open(sys.argv[1]) as archive:
    archive.headlines()
    print("open", flush=True)
    time.sleep(120)
"""


def test_restore_is_refused_while_another_process_has_the_archive_open(
        tmp_path: Path, filled: Path) -> None:
    copy = tmp_path / "saved.db"
    run_json(filled, "backup", str(copy))
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(filled)],
                              stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(ArchiveBusy, match="open in another Broadsheet"):
            backup.restore(filled, copy)
    finally:
        holder.terminate()
        holder.wait(timeout=30)
    assert live_children() == []
    assert backup.restore(filled, copy).articles == 3


def test_restore_into_a_missing_archive_has_no_previous(tmp_path: Path, filled: Path) -> None:
    copy = tmp_path / "saved.db"
    run_json(filled, "backup", str(copy))
    fresh = tmp_path / "new" / "archive.db"
    done = backup.restore(fresh, copy)
    assert done.previous is None and titles(fresh) == titles(filled)


def test_weekly_backup_is_made_when_due_and_keeps_the_newest(tmp_path: Path,
                                                             filled: Path) -> None:
    start = datetime(2026, 1, 5, 12, tzinfo=UTC)
    assert backup.weekly_due(filled, start)
    made = backup.weekly_backup(filled, keep=2, now=start)
    assert made is not None and made.articles == 3 and checks_pass(made.path)
    assert backup.weekly_backup(filled, keep=2, now=start + timedelta(days=6)) is None
    for week in (1, 2, 3):
        assert backup.weekly_backup(filled, keep=2, now=start + timedelta(days=7 * week))
    kept = backup.weekly_backups(filled)
    assert [path.name for path in kept] == [
        "archive.db.weekly-20260119-120000", "archive.db.weekly-20260126-120000"]
