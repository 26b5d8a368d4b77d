"""Retention: a source's keep_days and `broadsheet purge` remove only old read articles that
nobody keeps (bookmarked, tagged by hand or unread ones stay), leave tombstones so a sync
does not bring them back, and keep every count equal to a recount."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from drafts import make_draft
from feedserver import FeedServer
from hypothesis import given
from hypothesis import strategies as st
from test_counters import recount_mismatches
from test_sync import png, rss, story

from reader import operations
from reader.archive import Archive, retention
from reader.archive.timestamps import to_micros
from reader.cli import main
from reader.errors import NotFound, ReaderError

OLD = "Mon, 04 Nov 2024 09:00:00 GMT"


def run(archive: Path, *argv: str) -> tuple[int, str]:
    """The exit status (a usage error's too) and what was printed."""
    out = io.StringIO()
    try:
        code = main(["--archive", str(archive), *argv], out)
    except SystemExit as stopped:
        code = int(stopped.code or 0)
    return code, out.getvalue()


def run_json(archive: Path, *argv: str) -> Any:
    code, text = run(archive, *argv, "--json")
    assert code == 0, text
    return json.loads(text)


def tag_by_hand(path: Path, article_id: int, name: str) -> None:
    """``broadsheet tag``, and the mark a hand-made tag carries (``article_tags.by_user``),
    set here too so the test does not depend on which writer sets it."""
    assert run(path, "tag", str(article_id), name)[0] == 0
    with sqlite3.connect(path) as db:
        db.execute("UPDATE article_tags SET by_user = 1 WHERE article_id = ?", (article_id,))
    db.close()


def titles(archive: Archive) -> set[str]:
    return {row.title for row in archive.headlines("", limit=100).rows}


def consistent(archive: Archive) -> None:
    """Every counter equals a recount, and every health check passes."""
    with archive.reading() as connection:
        assert recount_mismatches(connection) == []
    assert [(r.name, r.detail) for r in archive.health() if not r.ok] == []
    with archive.reading() as connection:
        orphans = connection.exec_driver_sql(
            "SELECT count(*) FROM images WHERE sha256 NOT IN "
            "(SELECT sha256 FROM article_images)").scalar_one()
    assert orphans == 0


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as started:
        yield started


def test_keep_days_purges_after_a_sync_and_a_resync_does_not_bring_them_back(
        archive_path: Path, server: FeedServer) -> None:
    recent = format_datetime(datetime.now(UTC) - timedelta(days=1), usegmt=True)
    items = [
        {**story(1, server, image="/img/only-mine.png"), "date": OLD},  # read: goes
        {**story(2, server), "date": OLD},  # read, bookmarked: stays
        {**story(3, server), "date": OLD},  # read, tagged by hand: stays
        {**story(4, server), "date": OLD},  # unread: stays
        {**story(5, server), "date": recent},  # read but recent: stays
        {**story(6, server), "date": OLD, "category": "Passing"},  # read, feed tag: goes
    ]
    server.add("/img/red.png", png(), content_type="image/png")
    server.add("/img/only-mine.png", png(colour=(1, 2, 3)), content_type="image/png")
    server.add("/feed.xml", rss(items))
    source_id = run_json(archive_path, "add", server.url("/feed.xml"))["source_id"]
    [first] = run_json(archive_path, "sync")
    assert first["new"] == 6
    ids = {row["title"]: row["id"] for row in run_json(archive_path, "list")}
    for n in (1, 2, 3, 5, 6):
        assert run(archive_path, "read", str(ids[f"Story {n}"]))[0] == 0
    assert run(archive_path, "bookmark", str(ids["Story 2"]))[0] == 0
    tag_by_hand(archive_path, ids["Story 3"], "Keep")
    with Archive.open(archive_path) as archive:
        only_mine = re.findall(r"[0-9a-f]{64}", archive.article(ids["Story 1"]).body_html)
        shared = re.findall(r"[0-9a-f]{64}", archive.article(ids["Story 2"]).body_html)
        assert only_mine and shared and set(only_mine).isdisjoint(shared)
        archive.set_keep_days(source_id, 30)
        unchanged = operations.purge(archive, source_id, 30, dry_run=True)
        assert unchanged.result == 2 and not unchanged.changes
        assert len(titles(archive)) == 6  # a dry run changes nothing

        synced = operations.sync(archive, [source_id])
        [report] = synced.result
        assert report.status in ("ok", "not_modified")  # a 304 is a successful sync too
        assert set(report.purged) == {ids["Story 1"], ids["Story 6"]}
        assert synced.changes.removed == {ids["Story 1"], ids["Story 6"]}
        assert synced.changes.counts and synced.changes.tags
        assert titles(archive) == {"Story 2", "Story 3", "Story 4", "Story 5"}
        assert archive.headlines('"Number 1"').rows == ()  # gone from the full-text index
        assert [t.name for t in archive.tag_counts()] == ["Keep", "Local"]  # "Passing" went
        for sha in only_mine:  # its image went with it; the shared one stays
            with pytest.raises(NotFound):
                archive.image(sha)
        assert archive.image(shared[0])[0] == "image/png"
        [info] = [s for s in archive.sources() if s.id == source_id]
        assert (info.article_count, info.unread_count) == (4, 1)
        assert archive.totals() == type(archive.totals())(4, 1, 1)
        consistent(archive)

    server.add("/feed.xml", rss(items) + b"\n")  # a changed document: fetched in full
    [again] = run_json(archive_path, "sync")  # and it still lists every story
    assert (again["status"], again["new"], again["updated"]) == ("ok", 0, 0)
    with Archive.open(archive_path) as archive:
        assert titles(archive) == {"Story 2", "Story 3", "Story 4", "Story 5"}
        consistent(archive)


def test_a_source_without_keep_days_keeps_everything(archive_path: Path,
                                                     server: FeedServer) -> None:
    server.add("/img/red.png", png(), content_type="image/png")
    server.add("/feed.xml", rss([{**story(1, server), "date": OLD}]))
    source_id = run_json(archive_path, "add", server.url("/feed.xml"))["source_id"]
    run_json(archive_path, "sync")
    [row] = run_json(archive_path, "list")
    run(archive_path, "read", str(row["id"]))
    with Archive.open(archive_path) as archive:
        archive.set_keep_days(source_id, 30)
        archive.set_keep_days(source_id, None)  # back to "keep everything"
        [report] = operations.sync(archive, [source_id]).result
        assert report.purged == () and titles(archive) == {"Story 1"}
        with pytest.raises(NotFound):
            archive.set_keep_days(source_id + 100, 7)
        with pytest.raises(ReaderError):
            archive.set_keep_days(source_id, 0)


def _stored(path: Path) -> dict[str, int]:
    """Six imported articles (2024, so all old), four read, one of those bookmarked."""
    with Archive.open(path) as archive:
        archive.store([make_draft(n) for n in range(6)])
        ids = {row.title: row.id for row in archive.headlines("", limit=10).rows}
        operations.mark_read(archive, [ids[f"Article number {n}"] for n in range(4)])
        operations.bookmark(archive, [ids["Article number 0"]])
        return ids


def test_purge_dry_run_says_how_many_and_changes_nothing(archive_path: Path) -> None:
    _stored(archive_path)
    with Archive.open(archive_path) as archive:
        before = archive.totals()
    assert run_json(archive_path, "purge", "--older-than", "30", "--dry-run") == {
        "removed": 3, "dry_run": True, "source": None, "older_than_days": 30}
    code, text = run(archive_path, "purge", "--older-than", "30", "--dry-run")
    assert code == 0
    assert text == ("Would remove 3 articles (read, older than 30 days, not bookmarked or "
                    "tagged by hand) from every source\n")
    with Archive.open(archive_path) as archive:
        assert archive.totals() == before
        local = archive.sources()[0].id

    code, text = run(archive_path, "purge", "--source", str(local), "--older-than", "30")
    assert code == 0
    assert text == ("Removed 3 articles (read, older than 30 days, not bookmarked or tagged "
                    f"by hand) from #{local} Imported files\n")
    with Archive.open(archive_path) as archive:
        assert titles(archive) == {"Article number 0", "Article number 4", "Article number 5"}
        consistent(archive)
    assert run_json(archive_path, "purge", "--older-than", "1") == {
        "removed": 0, "dry_run": False, "source": None, "older_than_days": 1}
    # Importing the same files again does not bring them back either.
    with Archive.open(archive_path) as archive:
        outcomes = archive.store([make_draft(n) for n in range(6)])
        assert [o.status for o in outcomes].count("tombstoned") == 3


def test_purge_keeps_what_is_newer_than_the_cutoff(archive_path: Path) -> None:
    _stored(archive_path)
    age = (datetime.now(UTC) - datetime(2024, 11, 4, tzinfo=UTC)).days
    assert run_json(archive_path, "purge", "--older-than", str(age + 2))["removed"] == 0
    assert run_json(archive_path, "purge", "--older-than", str(age - 1))["removed"] == 3
    # A number of days beyond any calendar keeps everything rather than failing.
    assert run_json(archive_path, "purge", "--older-than", "9" * 30)["removed"] == 0


@pytest.mark.parametrize(("argv", "code", "message"), [
    (["purge", "--older-than", "0"], 2, "must be at least 1"),
    (["purge", "--older-than", "-3"], 2, "must be at least 1"),
    (["purge", "--older-than", "week"], 2, "not a whole number: 'week'"),
    (["purge"], 2, "the following arguments are required: --older-than"),
    (["purge", "--older-than", "7", "--source", "999"], 1, "no source with id 999"),
])
def test_purge_refuses_bad_input_in_one_line(archive_path: Path, argv: list[str], code: int,
                                             message: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _stored(archive_path)
    capsys.readouterr()
    assert run(archive_path, *argv)[0] == code
    error = capsys.readouterr().err
    assert message in error and error.strip().splitlines()[-1].count(message) == 1
    with Archive.open(archive_path) as archive:
        assert archive.totals().articles == 6


@given(count=st.integers(1, 10**30),
       now=st.datetimes(timezones=st.just(UTC)))
def test_any_number_of_days_gives_a_cutoff_sqlite_can_compare(count: int,
                                                              now: datetime) -> None:
    cutoff = retention.cutoff_key(now, retention.days(count))
    assert -(2**63) <= cutoff < to_micros(now)
    if count < 10**6:  # within the calendar: exactly that many days back
        assert to_micros(now) - cutoff == count * 86_400_000_000
    assert retention.cutoff_key(now, retention.days(count + 1)) <= cutoff
