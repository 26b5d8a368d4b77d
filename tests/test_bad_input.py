"""Bad input gets one clear error and loses nothing: one named test per case from the issue."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kill import kill_cli_midway
from pages import news_page
from test_counters import recount_mismatches

from reader.archive import Archive
from reader.cli import main

REPO = Path(__file__).resolve().parents[1]


def cli(archive: Path, *argv: str, env: dict[str, str] | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real command in its own process, as a user (or another tool) would."""
    return subprocess.run(
        [sys.executable, "-m", "reader.cli", "--archive", str(archive), *argv],
        capture_output=True, text=True, cwd=REPO, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def import_json(archive: Path, *paths: Path) -> tuple[int, list[dict[str, object]]]:
    out = io.StringIO()
    code = main(["--archive", str(archive), "import", *map(str, paths), "--json"], out)
    return code, json.loads(out.getvalue())


def test_empty_file(archive_path: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, [result] = import_json(archive_path, empty)
    assert code == 1
    assert result["status"] == "failed" and "empty" in str(result["error"])


def test_binary_file(archive_path: Path, tmp_path: Path) -> None:
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    code, [result] = import_json(archive_path, binary)
    assert code == 1
    assert result["status"] == "failed" and "not text" in str(result["error"])


def test_huge_file_is_refused_before_reading(archive_path: Path, tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:  # sparse: 200 MB long, nothing written
        handle.truncate(200 * 1024 * 1024)
    code, [result] = import_json(archive_path, huge)
    assert code == 1
    assert result["status"] == "failed"
    assert "209.7 MB" in str(result["error"]) and "limit" in str(result["error"])


def test_missing_path(archive_path: Path, tmp_path: Path) -> None:
    code, [result] = import_json(archive_path, tmp_path / "nowhere.txt")
    assert code == 1 and result["error"] == "no such file or folder"


def test_fifo_is_not_read(archive_path: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    code, [result] = import_json(archive_path, fifo)
    assert code == 1 and result["error"] == "not a regular file"


@contextlib.contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """Make ``path`` unwritable even for root (immutable flag), else by mode bits."""
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("running as root on a file system without chattr +i")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(mode)


def test_unreadable_file(archive_path: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(news_page(1))
    secret.chmod(0)
    wrapper: list[str] = []
    if os.geteuid() == 0:
        # Root reads every file; without the DAC capabilities it is refused like anyone else.
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv to drop the read capability")
        wrapper = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    try:
        done = subprocess.run(
            [*wrapper, sys.executable, "-m", "reader.cli", "--archive", str(archive_path),
             "import", str(secret), "--json"],
            capture_output=True, text=True, cwd=REPO, timeout=60)
    finally:
        secret.chmod(0o644)
    assert done.returncode == 1
    [result] = json.loads(done.stdout)
    assert result["status"] == "failed"
    assert "permission denied" in str(result["error"]).lower()


def test_folder_mixing_good_and_bad_files(archive_path: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    (folder / "a-good.txt").write_text(news_page(1))
    (folder / "b-empty.txt").write_bytes(b"   \n\n")
    (folder / "c-binary.txt").write_bytes(b"PK\x03\x04" + b"\x00\xff" * 500)
    (folder / "sub" / "d-good.txt").write_text(news_page(2), encoding="utf-16")
    (folder / "e-picture.png").write_bytes(b"\x89PNG")
    (folder / ".hidden.txt").write_text(news_page(3))
    code, results = import_json(archive_path, folder)
    assert code == 1
    statuses = {Path(str(r["path"])).name: r["status"] for r in results}
    assert statuses == {"a-good.txt": "imported", "b-empty.txt": "failed",
                        "c-binary.txt": "failed", "d-good.txt": "imported"}
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("broadsheet: ") for line in err)
    with Archive.open(archive_path) as archive:
        assert archive.totals().articles == 2


def test_non_archive_given_as_archive(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an archive")
    done = cli(notes, "list")
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "not a Broadsheet archive" in done.stderr
    assert notes.read_text() == "not an archive"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_corrupt_archive_given_as_archive(archive_path: Path, tmp_path: Path) -> None:
    Archive.open(archive_path).close()
    data = bytearray(archive_path.read_bytes())
    data[100:] = b"\xde\xad" * ((len(data) - 100) // 2)
    archive_path.write_bytes(bytes(data))
    done = cli(archive_path, "list")
    assert done.returncode == 1
    assert "damaged" in done.stderr and done.stderr.count("\n") == 1


def test_read_only_archive(archive_path: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(news_page(1))
    assert cli(archive_path, "import", str(page)).returncode == 0
    with unwritable(archive_path):
        listed = cli(archive_path, "list", "--json")
        assert listed.returncode == 0, listed.stderr
        assert len(json.loads(listed.stdout)) == 1
        done = cli(archive_path, "bookmark", "1")
        assert done.returncode == 1
        assert "read-only" in done.stderr and done.stderr.count("\n") == 1
    with Archive.open(archive_path) as archive:
        assert not archive.article(1).bookmarked


def test_locked_archive_waits_then_says_busy(archive_path: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(news_page(1))
    assert cli(archive_path, "import", str(page)).returncode == 0
    holder = sqlite3.connect(archive_path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    try:
        done = cli(archive_path, "bookmark", "1", env={"BROADSHEET_BUSY_TIMEOUT_MS": "300"})
        assert done.returncode == 1
        assert "busy" in done.stderr and "another program" in done.stderr
        assert done.stderr.count("\n") == 1
        # A writer that finishes while we wait is simply waited for.
        threading.Timer(0.5, holder.execute, ["COMMIT"]).start()
        done = cli(archive_path, "bookmark", "1", env={"BROADSHEET_BUSY_TIMEOUT_MS": "10000"})
        assert done.returncode == 0, done.stderr
    finally:
        time.sleep(0.6)
        holder.close()
    with Archive.open(archive_path) as archive:
        assert archive.article(1).bookmarked


@pytest.mark.slow
def test_kill_during_large_import_leaves_archive_consistent(archive_path: Path,
                                                            tmp_path: Path) -> None:
    first = tmp_path / "first.txt"
    first.write_text(news_page(0))
    assert cli(archive_path, "import", str(first)).returncode == 0
    assert cli(archive_path, "bookmark", "1").returncode == 0
    assert cli(archive_path, "read", "1").returncode == 0
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(1, 4001):
        (folder / f"page-{n:05}.txt").write_text(news_page(n, tag=f"Tag {n % 7}"))
    kill_cli_midway(archive_path, "import", str(folder), once_articles=200)
    with Archive.open(archive_path) as archive:
        archive.check()
        with archive.reading() as connection:
            assert recount_mismatches(connection) == []
        stored = archive.totals().articles
        assert 200 < stored < 4001
        article = archive.article(1)
        assert article.bookmarked and article.read
    # Importing again finishes the job without duplicates.
    again = cli(archive_path, "import", str(folder), "--json", timeout=600)
    assert again.returncode == 0, again.stderr
    statuses = [r["status"] for r in json.loads(again.stdout)]
    assert statuses.count("unchanged") >= stored - 1 and len(statuses) == 4000
    with Archive.open(archive_path) as archive:
        assert archive.totals().articles == 4001
        archive.check()
