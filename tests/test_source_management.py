"""Managing subscriptions from the command line: leave a feed (keeping what the reader made
their own), rename it, move it, pause it, change its per-source settings; automatic sync's
intervals and back-off; undo of delete and unsubscribe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedserver import FeedServer
from test_counters import recount_mismatches
from test_sync import png, rss, run, run_json, story

from reader import operations
from reader.archive import Archive, sources
from reader.archive.sources import back_off


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as started:
        yield started


@pytest.fixture
def synced(archive_path: Path, server: FeedServer) -> Path:
    """Two feeds of five stories each, synced."""
    for name in ("harbour", "market"):
        server.add(f"/{name}.xml", rss([story(n, server) | {"guid": f"{name}-{n}"}
                                        for n in range(5)], title=name.title()))
        assert run(archive_path, "add", server.url(f"/{name}.xml"))[0] == 0
    server.add("/img/red.png", png(), content_type="image/png")
    assert run(archive_path, "sync")[0] == 0
    return archive_path


def _ids(archive: Archive, source_id: int) -> list[int]:
    return [h.id for h in archive.headlines(source_id=source_id, limit=100).rows]


def test_unsubscribe_keeps_bookmarked_and_hand_tagged_articles(synced: Path) -> None:
    with Archive.open(synced) as archive:
        first, second, *_rest = _ids(archive, 1)
        archive.set_bookmarked([first])
        archive.tag(second, ["keep me"])
    assert run(synced, "unsubscribe", "1") == (
        0, "unsubscribed from #1 Harbour: removed 3 articles, kept 2 articles "
           "(bookmarked or tagged by you)\n")
    with Archive.open(synced) as archive:
        assert sorted(_ids(archive, 1)) == sorted([first, second])
        [left] = [s for s in archive.sources() if s.id == 1]
        assert left.unsubscribed and left.article_count == 2
        assert archive.totals().articles == 7
        with archive.reading() as connection:
            assert recount_mismatches(connection) == []
    # A sync of everything leaves it alone; asked by id, it says why it does not fetch.
    reports = run_json(synced, "sync")
    assert [r["source_id"] for r in reports] == [2]
    reports = run_json(synced, "sync", "1", expect=1)
    assert reports[0]["error"] == "source #1 was unsubscribed"


def test_unsubscribe_with_nothing_kept_removes_the_source(synced: Path,
                                                          server: FeedServer) -> None:
    payload = run_json(synced, "unsubscribe", "2")
    assert payload == {"source_id": 2, "title": "Market", "removed": 5, "kept": 0}
    listed = run_json(synced, "sources")
    assert [s["id"] for s in listed] == [1]
    # Subscribing again brings every article back: no tombstones were left.
    assert run(synced, "add", server.url("/market.xml"))[0] == 0
    assert run(synced, "sync")[0] == 0
    with Archive.open(synced) as archive:
        assert archive.totals().articles == 10


def test_unsubscribe_keep_articles_and_resubscribe(synced: Path, server: FeedServer) -> None:
    assert run(synced, "unsubscribe", "1", "--keep-articles")[1].endswith(
        "removed 0 articles, kept 5 articles (as asked)\n")
    code, text = run(synced, "add", server.url("/harbour.xml"))
    assert code == 0 and "#1" in text
    assert not run_json(synced, "sources")[0]["unsubscribed"]


def test_rename_source_sticks_through_a_sync(synced: Path) -> None:
    assert run(synced, "rename-source", "1", "  My   harbour ") == (
        0, "source #1 is now called 'My harbour'\n")
    assert run(synced, "sync")[0] == 0
    assert [s["title"] for s in run_json(synced, "sources") if s["id"] == 1] == ["My harbour"]
    assert run_json(synced, "list", "--source", "1")[0]["source"] == "My harbour"


def test_set_source_settings_and_their_json(synced: Path, server: FeedServer) -> None:
    payload = run_json(synced, "set-source", "1", "--pause", "--full-text", "off",
                       "--images", "off", "--every", "90", "--keep-days", "30")
    assert {key: payload[key] for key in ("paused", "full_text", "images", "every_minutes",
                                          "keep_days")} == {
        "paused": True, "full_text": "never", "images": False, "every_minutes": 90,
        "keep_days": 30}
    # Paused: a sync of everything skips it; asked by id, it is fetched.
    assert [r["source_id"] for r in run_json(synced, "sync")] == [2]
    assert [r["source_id"] for r in run_json(synced, "sync", "1")] == [1]
    code, text = run(synced, "set-source", "1", "--resume", "--every", "0")
    assert code == 0 and text.startswith("#1 Harbour: syncing, app's interval, full text never, "
                                         "images off, read ones kept 30 days")
    code, text = run(synced, "sources")
    assert "paused" not in text


def test_images_off_keeps_new_articles_free_of_downloads(archive_path: Path,
                                                         server: FeedServer) -> None:
    server.add("/feed.xml", rss([story(1, server)]))
    server.add("/img/red.png", png(), content_type="image/png")
    assert run(archive_path, "add", server.url("/feed.xml"))[0] == 0
    assert run(archive_path, "set-source", "1", "--images", "off")[0] == 0
    assert run(archive_path, "sync")[0] == 0
    assert server.hits("/img/red.png") == 0
    with Archive.open(archive_path) as archive:
        [headline] = archive.headlines(limit=5).rows
        assert "Photo 1" in archive.article(headline.id).body_html  # a placeholder, kept


def test_set_source_url_moves_the_feed_and_refuses_a_taken_one(
        synced: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.add("/moved.xml", rss([story(9, server) | {"guid": "moved-9"}], title="Harbour"))
    assert run(synced, "set-source", "1", "--url", server.url("/moved.xml"))[0] == 0
    assert run_json(synced, "sources")[0]["url"] == server.url("/moved.xml")
    assert run(synced, "sync", "1")[0] == 0
    assert server.hits("/moved.xml") == 1
    assert run(synced, "set-source", "1", "--url", server.url("/market.xml"))[0] == 1
    assert "source #2 already has the address" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["unsubscribe", "99"], "no source with id 99"),
    (["rename-source", "1", "   "], "a source's name cannot be empty"),
    (["set-source", "1"], "nothing to change"),
    (["set-source", "1", "--url", "ftp://example.org/feed"], "must start with http"),
    (["set-source", "99", "--pause"], "no source with id 99"),
])
def test_bad_arguments_get_one_clear_line(synced: Path, capsys: pytest.CaptureFixture[str],
                                          argv: list[str], message: str) -> None:
    before = run_json(synced, "sources")
    assert run(synced, *argv)[0] == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert run_json(synced, "sources") == before  # nothing half-applied


@pytest.mark.parametrize("argv", [["set-source", "1", "--every", "-5"],
                                  ["set-source", "1", "--every", "often"],
                                  ["set-source", "1", "--keep-days", "99999"],
                                  ["set-source", "1", "--pause", "--resume"],
                                  ["unsubscribe", "zero"]])
def test_bad_values_are_usage_errors(synced: Path, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(synced, *argv)
    assert exited.value.code == 2


def test_a_saved_page_source_cannot_be_unsubscribed(archive_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from drafts import make_draft

    with Archive.open(archive_path) as archive:
        archive.store([make_draft(1)])
    assert run(archive_path, "unsubscribe", "1")[0] == 1
    assert "is not a feed" in capsys.readouterr().err


def test_automatic_sync_fetches_only_what_is_due_and_backs_off(synced: Path,
                                                               server: FeedServer) -> None:
    with Archive.open(synced) as archive:
        now = datetime.now(UTC)
        due = archive.sync_targets(None, now, automatic=True, every=timedelta(minutes=30))
        assert due == ([], [])  # both just synced
        later = now + timedelta(minutes=31)
        due = archive.sync_targets(None, later, automatic=True, every=timedelta(minutes=30))
        assert [t.id for t in due[0]] == [1, 2]
        assert archive.sync_targets(None, later, automatic=True, every=None) == ([], [])
        operations.configure_source(archive, 2, every_minutes=10)
        soon = now + timedelta(minutes=11)
        assert [t.id for t in archive.sync_targets(None, soon, automatic=True,
                                                   every=None)[0]] == [2]
    # Source 1 breaks while 2 answers: one failure each sync, and automatic sync waits longer.
    server.misbehave("/harbour.xml", "status", status=500)
    for _ in range(3):
        run(synced, "sync")
    with Archive.open(synced) as archive:
        [broken] = [s for s in archive.sources() if s.id == 1]
        assert broken.failures == 3 and broken.last_error_at is not None
        wait = back_off(timedelta(minutes=30), 3)
        assert wait == timedelta(hours=2)
        moment = broken.last_error_at + timedelta(minutes=31)
        assert [t.id for t in archive.sync_targets(None, moment, automatic=True,
                                                   every=timedelta(minutes=30))[0]] == [2]
        moment = broken.last_error_at + wait
        assert 1 in [t.id for t in archive.sync_targets(None, moment, automatic=True,
                                                        every=timedelta(minutes=30))[0]]
    server.behave("/harbour.xml")
    assert run(synced, "sync", "1")[0] == 0
    assert run_json(synced, "sources")[0]["failures"] == 0


def test_offline_is_no_sources_fault(synced: Path, server: FeedServer) -> None:
    """When no source of a sync could be reached, none of them counts a failure."""
    for name in ("harbour", "market"):
        server.misbehave(f"/{name}.xml", "raw", response=b"")
    run(synced, "sync")
    assert [s["failures"] for s in run_json(synced, "sources")] == [0, 0]


def test_back_off_grows_to_a_day() -> None:
    every = timedelta(minutes=30)
    assert [back_off(every, n) for n in (0, 1, 2, 3)] == [every, every, 2 * every, 4 * every]
    assert back_off(every, 50) == sources.LONGEST_BACK_OFF


def test_undo_delete_and_unsubscribe_gives_everything_back(synced: Path) -> None:
    with Archive.open(synced) as archive:
        ids = _ids(archive, 1)
        archive.set_bookmarked([ids[0]])
        archive.set_read([ids[1]])
        archive.tag(ids[2], ["mine"])
        before = {i: archive.article(i) for i in ids}
        totals = archive.totals()
        kept = operations.delete_for_undo(archive, ids[:2]).result
        assert kept is not None and archive.totals().articles == totals.articles - 2
        operations.restore(archive, kept)
        assert archive.totals() == totals
        assert {i: archive.article(i) for i in ids} == before
        assert [h.id for h in archive.headlines("seawall is:bookmarked").rows] == [ids[0]]
        left, trash = operations.unsubscribe(archive, 2, keep_trash=True).result
        assert left.going == 5 and trash is not None
        assert [s.id for s in archive.sources()] == [1]
        operations.restore(archive, trash)
        assert [s.title for s in archive.sources()] == ["Harbour", "Market"]
        assert archive.totals() == totals
        left, trash = operations.unsubscribe(archive, 1, keep_trash=True).result
        assert left.staying == 2 and trash is not None
        operations.restore(archive, trash)
        assert {i: archive.article(i) for i in ids} == before
        assert not [s for s in archive.sources() if s.unsubscribed]
        with archive.reading() as connection:
            assert recount_mismatches(connection) == []
        assert archive.health() and all(result.ok for result in archive.health())
