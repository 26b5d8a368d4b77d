"""The archive's health and text at its edges: a damaged full-text index found and rebuilt,
unclean shutdowns noticed, paths that are not files refused, bad bytes and huge ids from the
command line answered with one line."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from drafts import make_draft
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.archive import Archive, engine, health
from reader.archive import images as archive_images
from reader.cli import main
from reader.errors import ArchiveCorrupt, NotAnArchive
from reader.records import ArticleDraft
from reader.text import valid_text

REPO = Path(__file__).resolve().parents[1]
MATCHES = 120


def run(archive: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--archive", str(archive), *argv], out)
    return code, out.getvalue()


def quokka_drafts() -> list[list[ArticleDraft]]:
    """120 articles with the word "quokka", stored 10 to a transaction (so 12 segments)."""
    return [[make_draft(batch * 10 + n, body=(
        f"<p>zebra quokka {batch} {n} " + " ".join(f"w{batch}x{j}" for j in range(300))
        + "</p>")) for n in range(10)] for batch in range(12)]


def damage_term_pages(path: Path) -> int:
    """Overwrite one byte of the term "quokka" in half the index's pages that spell it out,
    so those pages index "quokkb" instead. SQLite's integrity_check cannot see it (the
    pages are well-formed), nor, with order-key rowids, can FTS5's own checksum."""
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        blocks = [(rowid, bytes(block)) for rowid, block in connection.execute(
            "SELECT id, block FROM articles_fts_data") if b"quokka" in bytes(block)]
        for rowid, block in blocks[: len(blocks) // 2 + 1]:
            at = block.index(b"quokka") + 5
            connection.execute("UPDATE articles_fts_data SET block = ? WHERE id = ?",
                               (block[:at] + b"b" + block[at + 1:], rowid))
    return len(blocks)


def zero_after_terms(path: Path) -> int:
    """Zero 40 bytes after "quokka" in half the pages that hold it: doclists FTS5 cannot read."""
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        blocks = [(rowid, bytes(block)) for rowid, block in connection.execute(
            "SELECT id, block FROM articles_fts_data") if b"quokka" in bytes(block)]
        for rowid, block in blocks[: len(blocks) // 2 + 1]:
            at = block.index(b"quokka") + 6
            connection.execute("UPDATE articles_fts_data SET block = ? WHERE id = ?",
                               (block[:at] + bytes(40) + block[at + 40:], rowid))
    return len(blocks)


@pytest.fixture
def quokkas(archive_path: Path) -> Path:
    with Archive.open(archive_path) as archive:
        for batch in quokka_drafts():
            archive.store(batch)
        assert archive.search_totals("quokka").articles == MATCHES
    return archive_path


def matches(path: Path) -> int:
    with Archive.open(path) as archive:
        return archive.search_totals("quokka").articles


# --- check and check --repair -----------------------------------------------------------------


@pytest.mark.parametrize("damage", [damage_term_pages, zero_after_terms])
def test_check_finds_a_damaged_index_and_repair_rebuilds_it(
        quokkas: Path, damage: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert damage(quokkas) > 0  # type: ignore[operator]
    assert matches(quokkas) < MATCHES  # searches silently miss articles...
    with contextlib.closing(sqlite3.connect(quokkas)) as connection:  # ...yet SQLite is fine
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    code, text = run(quokkas, "check")
    assert code == 1
    lines = {line.split()[1] if not line.startswith("FAILED  full") else "full-text": line
             for line in text.splitlines()}
    assert len(text.splitlines()) == 5  # one line per check
    assert lines["full-text"].startswith("FAILED  full-text index  damaged")
    assert "broadsheet check --repair" in lines["full-text"]
    assert lines["integrity"].startswith("ok")
    with Archive.open(quokkas) as archive:  # remembered: every command now warns
        assert archive.health_notice is not None and "damaged" in archive.health_notice
    capsys.readouterr()
    assert run(quokkas, "tags")[0] == 0
    warning = capsys.readouterr().err.splitlines()
    assert len(warning) == 1 and warning[0].startswith("broadsheet: warning: the full-text")

    code, text = run(quokkas, "check", "--repair")
    assert code == 0, text
    assert "fixed   rebuilt the full-text index (120 articles)" in text
    assert "FAILED" not in text
    assert matches(quokkas) == MATCHES
    capsys.readouterr()
    assert run(quokkas, "tags")[0] == 0
    assert capsys.readouterr().err == ""  # no more warning
    with Archive.open(quokkas) as archive:
        archive.check()


def test_fts5s_error_on_a_damaged_page_says_how_to_repair_it(quokkas: Path) -> None:
    zero_after_terms(quokkas)
    with Archive.open(quokkas) as archive, pytest.raises(ArchiveCorrupt) as raised, \
            archive.writing() as connection:
        health.fts.check(connection)  # what FTS5 raises reading a damaged page
    assert "full-text index" in str(raised.value)
    assert "broadsheet check --repair" in str(raised.value)


def test_check_json_and_a_healthy_archive(quokkas: Path) -> None:
    code, text = run(quokkas, "check", "--json")
    assert code == 0
    document = json.loads(text)
    assert [check["check"] for check in document["checks"]] == [
        "integrity", "foreign keys", "full-text index", "schema", "orphan images"]
    assert all(check["ok"] for check in document["checks"]) and document["repaired"] == []
    assert "sampled words found where they are" in document["checks"][2]["detail"]


def test_rebuild_goes_through_the_write_paths_rows(quokkas: Path) -> None:
    with Archive.open(quokkas) as archive:
        with archive.writing() as connection:
            from reader.archive import fts

            assert fts.rebuild(connection) == MATCHES
        archive.check()
        assert archive.search_totals("quokka").articles == MATCHES
        assert archive.search_totals('tag:nothing OR "Article number"').articles == MATCHES


def test_orphan_images_are_reported_and_repaired(archive_path: Path) -> None:
    with Archive.open(archive_path) as archive:
        archive.store([make_draft(1)])
        with archive.writing() as connection:
            archive_images.store_one(connection, "ab" * 32, "image/png", 2, 2, b"x" * 1000)
    code, text = run(archive_path, "check")
    assert code == 0  # informational: a running sync has some for a moment
    assert "1 images (0.0 MB) no article shows" in text
    code, text = run(archive_path, "check", "--repair")
    assert "fixed   deleted 1 images no article showed" in text
    with Archive.open(archive_path) as archive, archive.reading() as connection:
        assert archive_images.orphans(connection) == (0, 0)


# --- unclean shutdowns ------------------------------------------------------------------------


HOLD_OPEN = textwrap.dedent("""
    import sys, time
    from reader.archive import Archive
    from reader.archive import images
    archive = Archive.open(sys.argv[1])
    archive.set_read([1], True)  # a write: the log is not empty
    if sys.argv[2] == "orphan":
        with archive.writing() as connection:  # an image stored ahead of its article
            images.store_one(connection, "cd" * 32, "image/png", 2, 2, b"y" * 500)
    if sys.argv[2] == "close":
        archive.close()
    print("ready", flush=True)
    time.sleep(600)
""")


@pytest.fixture
def holder() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def hold_open(path: Path, started: list[subprocess.Popen[str]], mode: str = "") -> (
        subprocess.Popen[str]):
    """A process with the archive open (and written to), waiting to be killed."""
    process = subprocess.Popen([sys.executable, "-c", HOLD_OPEN, str(path), mode], cwd=REPO,
                               stdout=subprocess.PIPE, text=True)
    started.append(process)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def kill(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="unclean shutdowns are noticed through /proc/locks")


@linux_only
def test_a_killed_process_is_an_unclean_shutdown_a_live_or_closed_one_is_not(
        quokkas: Path, holder: list[subprocess.Popen[str]]) -> None:
    assert not engine.unclean_shutdown(quokkas)
    live = hold_open(quokkas, holder)
    assert Path(f"{quokkas}-wal").stat().st_size > 0
    assert not engine.unclean_shutdown(quokkas)  # open elsewhere: not a crash
    assert engine.open_elsewhere(quokkas)
    kill(live)
    assert engine.unclean_shutdown(quokkas)
    assert not engine.open_elsewhere(quokkas)
    with Archive.open(quokkas) as archive:  # this process has it open now
        assert not engine.unclean_shutdown(quokkas)
        archive.due_check()
    assert not engine.unclean_shutdown(quokkas)  # closed cleanly: the log is gone
    closed = hold_open(quokkas, holder, "close")
    kill(closed)  # after it closed the archive: nothing was left open
    assert not engine.unclean_shutdown(quokkas)


@linux_only
def test_after_an_unclean_shutdown_the_index_is_checked_off_the_opening_path(
        quokkas: Path, holder: list[subprocess.Popen[str]],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    damage_term_pages(quokkas)
    kill(hold_open(quokkas, holder))
    release = threading.Event()
    real_full_text = health.full_text

    def slow_full_text(connection: object, seed: int | None = None,
                       thorough: bool = True) -> health.CheckResult:
        assert not thorough  # beside the window: no write lock held for the whole index
        assert release.wait(30)
        return real_full_text(connection, seed, thorough=thorough)  # type: ignore[arg-type]

    monkeypatch.setattr(health, "full_text", slow_full_text)
    archive = Archive.open(quokkas)
    try:
        assert archive.check_due  # open returned while the check is still running
        assert archive.headlines("zebra").rows  # and the archive answers meanwhile
        release.set()
        notice = archive.due_check()
        assert notice is not None and "full-text index" in notice and "damaged" in notice
        assert not archive.check_due
    finally:
        archive.close()
    monkeypatch.setattr(health, "full_text", real_full_text)
    # Found damaged, and remembered: the next command says so without checking again.
    assert run(quokkas, "list", "zebra", "--limit", "1")[0] == 0
    assert "broadsheet: warning: the full-text index" in capsys.readouterr().err
    assert run(quokkas, "check", "--repair")[0] == 0
    assert matches(quokkas) == MATCHES


@linux_only
def test_the_cli_finishes_the_owed_check_before_its_command(
        quokkas: Path, holder: list[subprocess.Popen[str]],
        capsys: pytest.CaptureFixture[str]) -> None:
    kill(hold_open(quokkas, holder))
    code, _text = run(quokkas, "tags")
    assert code == 0 and capsys.readouterr().err == ""  # checked, and found sound
    with Archive.open(quokkas) as archive, archive.reading() as connection:
        assert engine.health_flags(connection) == 0  # nothing owed any more
        assert not archive.check_due


@linux_only
def test_a_check_interrupted_by_closing_is_owed_again(
        quokkas: Path, holder: list[subprocess.Popen[str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    kill(hold_open(quokkas, holder))
    started = threading.Event()
    real_probe = health.fts.probe

    def slow_probe(connection: object, **_options: object) -> tuple[int, int]:
        started.set()
        raw = connection.raw  # type: ignore[attr-defined]
        raw.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                    "SELECT count(*) FROM n").fetchone()  # runs until interrupted
        return 0, 0

    monkeypatch.setattr(health.fts, "probe", slow_probe)
    archive = Archive.open(quokkas)
    assert started.wait(30)
    with archive.writing() as connection:  # writers do not wait for the check
        connection.exec_driver_sql("UPDATE articles SET read = 1 WHERE id = 1")
    archive.close()  # interrupts it
    monkeypatch.setattr(health.fts, "probe", real_probe)
    with Archive.open(quokkas) as again:  # owed again: checked now, and found sound
        assert again.due_check() is None
        with again.reading() as connection:
            assert engine.health_flags(connection) == 0


@linux_only
def test_images_a_killed_sync_stored_ahead_are_deleted(
        archive_path: Path, holder: list[subprocess.Popen[str]]) -> None:
    with Archive.open(archive_path) as archive:
        archive.store([make_draft(1)])
    kill(hold_open(archive_path, holder, "orphan"))
    assert engine.unclean_shutdown(archive_path)
    with Archive.open(archive_path) as archive, archive.reading() as connection:
        assert archive_images.orphans(connection) == (0, 0)
        assert connection.exec_driver_sql("SELECT count(*) FROM images").scalar() == 0
    # (Opening it with sqlite3 first would have run SQLite's own recovery and, on closing,
    # removed the log: the evidence of the crash. Archive.open looks before it opens.)


# --- paths that are not files ---------------------------------------------------------------


def test_a_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    completed = subprocess.run(
        [sys.executable, "-m", "reader.cli", "--archive", str(fifo), "list"], cwd=REPO,
        capture_output=True, text=True, timeout=60)
    assert completed.returncode == 1
    assert completed.stderr.splitlines() == [
        f"broadsheet: error: {fifo} is a named pipe (FIFO), not a Broadsheet archive: an "
        f"archive is a regular file (or a path where one can be created)"]
    with pytest.raises(NotAnArchive, match="named pipe"):
        Archive.open(fifo)  # the window opens archives the same way
    assert sorted(os.listdir(tmp_path)) == ["pipe.db"]


def test_a_device_is_refused_and_nothing_is_created_beside_it(tmp_path: Path) -> None:
    device = Path("/dev/null")
    if not device.exists() or not stat.S_ISCHR(device.stat().st_mode):
        pytest.skip("no /dev/null character device here")
    journals = [Path(f"/dev/null{suffix}") for suffix in engine.COMPANION_SUFFIXES]
    before = [journal.exists() for journal in journals]
    code, _text = run(device, "tags")
    assert code == 1
    with pytest.raises(NotAnArchive, match="character device"):
        Archive.open(device)
    assert [journal.exists() for journal in journals] == before


def test_a_companion_file_that_is_not_a_file_is_refused(archive_path: Path) -> None:
    with Archive.open(archive_path) as archive:
        archive.store([make_draft(1)])
    os.mkfifo(f"{archive_path}-wal")
    with pytest.raises(NotAnArchive, match=r"-wal is a named pipe"):
        Archive.open(archive_path)


def test_a_folder_and_a_new_path(tmp_path: Path) -> None:
    with pytest.raises(NotAnArchive, match="folder"):
        Archive.open(tmp_path)
    with Archive.open(tmp_path / "deep" / "new.db") as archive:
        assert archive.totals().articles == 0


# --- bad bytes and huge numbers -----------------------------------------------------------------


def test_an_argument_that_is_not_utf8_becomes_valid_text(
        archive_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Archive.open(archive_path) as archive:
        [outcome] = archive.store([make_draft(1)])
    article = str(outcome.article_id)
    raw = os.fsdecode(b"caf\xe9 \xff")  # what Python makes of `tag 1 $'caf\xe9 \xff'`
    assert run(archive_path, "tag", article, raw)[0] == 0
    code, text = run(archive_path, "tags", "--json")
    assert code == 0 and [tag["name"] for tag in json.loads(text)] == ["caf\ufffd \ufffd"]
    assert run(archive_path, "list", raw)[0] == 0  # a search with them too
    assert run(archive_path, "untag", article, raw)[0] == 0
    assert capsys.readouterr().err == ""


def test_a_tag_from_a_feed_with_a_lone_surrogate_is_stored(archive: Archive) -> None:
    [outcome] = archive.store([make_draft(1, tags=("\ud800x", "ok"))])
    assert outcome.article_id is not None
    assert set(archive.article(outcome.article_id).tags) == {"ok", "\ufffdx"}


def test_valid_draft_makes_every_text_field_storable(archive: Archive) -> None:
    import dataclasses

    from reader.records import Enclosure, RelatedDraft
    from reader.text import valid_draft

    plain = make_draft(1)
    assert valid_draft(plain) is plain  # nothing to do, nothing copied
    bad = dataclasses.replace(
        make_draft(2, author="\udcffauthor"), title="T\ud800", subtitle="s\udc80",
        body_html="<p>\udcff body</p>", url="http://x.example/\udcff", guid="g\udcff",
        tags=("\udcfftag",), related=(RelatedDraft("r\udcff", "e\udcff", None, "u\udcff"),),
        enclosures=(Enclosure("http://x.example/\ud800.mp3", "audio/\udcff"),))
    fixed = valid_draft(bad)
    for value in (fixed.title, fixed.subtitle, fixed.author, fixed.url, fixed.guid,
                  fixed.body_html, *fixed.tags, fixed.related[0].title,
                  fixed.related[0].excerpt, fixed.related[0].url, fixed.enclosures[0].url,
                  fixed.enclosures[0].mime_type):
        assert value is not None and "\ufffd" in value
        value.encode("utf-8")
    [outcome] = archive.store([fixed])
    assert outcome.status == "imported"


def test_a_path_keeps_its_bytes(tmp_path: Path) -> None:
    name = os.fsdecode(b"archive-\xff.db")
    code, _text = run(tmp_path / name, "tags")
    assert code == 0
    assert os.listdir(os.fsencode(tmp_path)) == [b"archive-\xff.db"]
    out = io.StringIO()
    assert main(["--archive", str(tmp_path / name), "export-opml", str(tmp_path / name)
                 + ".opml"], out) == 0
    assert "\ufffd" in out.getvalue()  # printed as valid text


@pytest.mark.parametrize("argv", [
    ["show", "99999999999999999999"], ["show", "-99999999999999999999"],
    ["bookmark", "1", str(2**63)], ["list", "--source", str(2**64)], ["sync", str(2**70)],
    ["tag", "9" * 5000, "x"]])
def test_an_id_too_large_for_sqlite_is_a_usage_error(
        archive_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(archive_path, *argv)
    assert exited.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1
    assert "no id is that large" in errors[0] or "not a whole number" in errors[0]


def test_valid_text() -> None:
    assert valid_text("plain") == "plain"
    assert valid_text("caf\u00e9") == "caf\u00e9"
    assert valid_text("\udcff") == "\ufffd"
    assert valid_text("a\ud83d\ude00b") == "a\U0001f600b"  # a pair is the character it spells
    assert valid_text("\ud800\ud800\udc00") == "\ufffd\U00010000"


# Commands that never touch the network and, with the paths below, never leave tmp_path.
SAFE_COMMANDS = ["list", "show", "tags", "bookmark", "unbookmark", "read", "unread", "tag",
                 "untag", "delete", "sources", "check", "export-opml", "import"]
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00")
               | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=12)
NUMBERS = st.integers(min_value=-(2**80), max_value=2**80).map(str)
WORDS = st.one_of(TEXT, NUMBERS, st.sampled_from(
    ["--json", "--repair", "--limit", "--source", "--page", "--tag", "-h", "--archive",
     "-", "1", "0", "-1", str(2**63), "tag:x", '"', "(", "\udcff", "caf\udce9"]))


def harmless(argument: str) -> bool:
    """Nothing that could name a file outside the test's folder, or the network."""
    return not argument.startswith(("/", "~", "\\")) and ".." not in argument \
        and argument not in ("add", "sync") and not argument.startswith(("-h", "--h"))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(SAFE_COMMANDS), st.lists(WORDS.filter(harmless), max_size=5))
def test_any_arguments_end_in_an_exit_code_and_at_most_one_error_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        command: str, words: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    try:
        code = main(["--archive", "fuzz.db", command, *words], out)
    except SystemExit as exited:
        code = exited.code if isinstance(exited.code, int) else 2
    assert code in (0, 1, 2)
    errors = [line for line in capsys.readouterr().err.splitlines() if ": error:" in line]
    assert len(errors) <= 1, errors
    out.getvalue().encode("utf-8")  # valid text, whatever the arguments held


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(WORDS.filter(harmless), max_size=6))
def test_any_argument_list_at_all_ends_in_an_exit_code(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        words: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    if words and words[0] in ("import", "export-opml"):
        words = words[1:]  # their arguments name files; the test above keeps them inside
    try:
        code = main(words, io.StringIO())
    except SystemExit as exited:
        code = exited.code if isinstance(exited.code, int) else 2
    assert code in (0, 1, 2)
    errors = [line for line in capsys.readouterr().err.splitlines() if ": error:" in line]
    assert len(errors) <= 1, errors
