"""A large sync parses and cleans in worker processes: same archive, same errors, never stuck."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from feedserver import FeedServer
from processes import gone, live_children
from test_sync import png, rss, story

from reader.archive import Archive
from reader.errors import NotAFeed, ResourceLimitExceeded
from reader.sync import cpu
from reader.sync.cpu import PROCESS_THRESHOLD, CpuPool
from reader.sync.opml import OutlineFeed
from reader.sync.pipeline import sync
from reader.sync.subscribe import subscribe_outlines

FEEDS = PROCESS_THRESHOLD + 2


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as started:
        started.add("/img/red.png", png(), content_type="image/png")
        for feed in range(FEEDS):
            started.add(f"/feed/{feed}.xml", rss([story(feed * 10 + n, started)
                                                  for n in range(3)], title=f"Feed {feed}"))
        started.add("/broken.xml", b"<rss version='2.0'><channel><title>cut",
                    content_type="application/rss+xml")
        started.add("/page.html", b"<!doctype html><html><head><title>P</title></head>"
                    b"<body><p>Not a feed</p></body></html>", content_type="text/html")
        yield started


def subscribed(archive: Archive, server: FeedServer) -> None:
    urls = [server.url(f"/feed/{feed}.xml") for feed in range(FEEDS)]
    urls += [server.url("/broken.xml"), server.url("/page.html")]
    subscribe_outlines(archive, [OutlineFeed(url, None, None, ()) for url in urls])


def synced(path: Path, server: FeedServer, processes: int | None) -> dict[str, Any]:
    """Sync every feed into a fresh archive; what a reader would see of the result."""
    with Archive.open(path) as archive:
        subscribed(archive, server)
        reports = sync(archive, processes=processes)
        rows = []
        for headline in archive.headlines(limit=1000).rows:
            article = archive.article(headline.id)
            rows.append((article.title, article.body_html, article.body_text, article.tags,
                         article.published))
        archive.check()
    return {"reports": sorted((r.url, r.status, r.new, r.error) for r in reports),
            "articles": sorted(rows, key=lambda row: row[0])}


def test_processes_and_threads_store_the_same_archive(tmp_path: Path,
                                                      server: FeedServer) -> None:
    in_processes = synced(tmp_path / "processes.db", server, processes=1)
    on_threads = synced(tmp_path / "threads.db", server, processes=0)
    assert in_processes == on_threads
    assert len(in_processes["articles"]) == FEEDS * 3
    assert all("archive-image:" in body for _, body, *_ in in_processes["articles"])
    errors = {url.rsplit("/", 1)[1]: error for url, status, _, error in in_processes["reports"]
              if status == "failed"}
    assert set(errors) == {"broken.xml", "page.html"}
    assert "truncated" in errors["broken.xml"]
    assert "HTML page" in errors["page.html"]


def test_a_large_sync_starts_processes_and_a_small_one_does_not() -> None:
    assert CpuPool.size_for(PROCESS_THRESHOLD - 1) == 0
    assert CpuPool.size_for(PROCESS_THRESHOLD) >= 1


def test_not_a_feed_keeps_its_alternates_across_processes() -> None:
    error = pickle.loads(pickle.dumps(NotAFeed("an HTML page", ("https://a.example/feed",))))
    assert isinstance(error, NotAFeed)
    assert str(error) == "an HTML page"
    assert error.alternates == ("https://a.example/feed",)


def _dies_in_a_worker(value: int) -> int:
    if multiprocessing.parent_process() is not None:
        os._exit(3)  # a worker killed mid-task (out of memory, a crash in a C library)
    return value * 2


def test_a_task_that_kills_its_worker_fails_and_the_next_gets_a_new_one() -> None:
    """A worker dying mid-task (out of memory, a crash in a C library) is that task's doing:
    it fails with a clear error rather than running again unguarded on this thread."""
    pool = CpuPool(1)
    try:
        with pytest.raises(ResourceLimitExceeded, match=r"stopped its worker process "
                                                        r"\(exit status 3\); skipped"):
            pool.run(_dies_in_a_worker, 21)
        assert pool.run(cpu.is_summary, "<p>short</p>") is True
    finally:
        pool.close()
    assert live_children() == []


class _NeverStarts:
    def __init__(self, *args: object) -> None:
        raise cpu._CannotStart("no processes here")


def test_a_pool_that_cannot_start_processes_runs_on_this_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A host script that spawned processes cannot re-import: the sync still runs."""
    monkeypatch.setattr(cpu, "_Worker", _NeverStarts)
    pool = CpuPool(1)
    try:
        assert pool.run(_dies_in_a_worker, 21) == 42
        assert pool.run(cpu.is_summary, "<p>short</p>") is True
    finally:
        pool.close()


def test_only_new_entries_are_examined_and_cleaned(tmp_path: Path, server: FeedServer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A feed that changed by one entry costs the work of one entry, not of the whole feed."""
    looked_at: list[int] = []
    cleaned: list[int] = []
    examine, finish = cpu.examine, cpu.finish_bodies
    monkeypatch.setattr(cpu, "examine", lambda bodies: (looked_at.append(len(bodies)),
                                                        examine(bodies))[1])
    monkeypatch.setattr(cpu, "finish_bodies", lambda jobs: (cleaned.append(len(jobs)),
                                                            finish(jobs))[1])
    server.add("/growing.xml", rss([story(900 + n, server) for n in range(3)], title="G"))
    with Archive.open(tmp_path / "archive.db") as archive:
        subscribe_outlines(archive, [OutlineFeed(server.url("/growing.xml"), None, None, ())])
        sync(archive, processes=0)
        server.add("/growing.xml", rss([story(900 + n, server) for n in range(4)], title="G"))
        [report] = sync(archive, processes=0)
    assert report.new == 1
    assert looked_at == [3, 1] and cleaned == [3, 1]


class Watch:
    """A progress callback that counts the run's worker processes as sources finish, and
    can cancel the sync or fail it after the first one."""

    def __init__(self, then: str = "carry on") -> None:
        self.then = then
        self.cancel = threading.Event()
        self.most_workers = 0

    def __call__(self, done: int, total: int, report: object) -> None:
        self.most_workers = max(self.most_workers, len(live_children()))
        if self.then == "cancel":
            self.cancel.set()
        elif self.then == "fail":
            raise RuntimeError("the progress display broke")


def test_a_sync_in_processes_leaves_no_process_running(tmp_path: Path,
                                                       server: FeedServer) -> None:
    watch = Watch()
    with Archive.open(tmp_path / "archive.db") as archive:
        subscribed(archive, server)
        reports = sync(archive, processes=2, progress=watch)
        assert live_children() == []
    assert watch.most_workers >= 1  # the sync did run in worker processes
    assert sum(report.new for report in reports) == FEEDS * 3


def test_a_cancelled_sync_stops_its_workers_before_it_returns(tmp_path: Path,
                                                             server: FeedServer) -> None:
    watch = Watch("cancel")
    with Archive.open(tmp_path / "archive.db") as archive:
        subscribed(archive, server)
        reports = sync(archive, processes=2, progress=watch, cancel=watch.cancel)
        assert live_children() == []
    assert watch.most_workers >= 1
    assert sum(report.error == "cancelled" for report in reports) >= 1


def test_a_sync_that_fails_stops_its_workers_before_it_raises(tmp_path: Path,
                                                             server: FeedServer) -> None:
    watch = Watch("fail")
    with Archive.open(tmp_path / "archive.db") as archive:
        subscribed(archive, server)
        with pytest.raises(RuntimeError, match="progress display"):
            sync(archive, processes=2, progress=watch)
        assert live_children() == []
    assert watch.most_workers >= 1


_PARENT = """
import os, time
from multiprocessing import resource_tracker
from reader.sync.cpu import CpuPool

pool = CpuPool(1)
print(os.getpid(), pool.run(os.getpid), resource_tracker._resource_tracker._pid, flush=True)
time.sleep(600)
"""


def test_workers_and_their_tracker_die_with_their_parent() -> None:
    """A ``broadsheet sync`` killed mid-run (SIGKILL: no clean-up of any kind) leaves neither
    its worker processes nor multiprocessing's resource tracker behind."""
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE,
                              text=True, cwd=Path(__file__).resolve().parents[1])
    try:
        assert parent.stdout is not None
        parent_pid, worker, tracker = map(int, parent.stdout.readline().split())
        assert worker != parent_pid and not gone(worker) and not gone(tracker)
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
    deadline = time.monotonic() + 30
    while not (gone(worker) and gone(tracker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(worker), "the worker outlived its parent"
    assert gone(tracker), "the resource tracker outlived its parent"
