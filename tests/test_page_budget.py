"""A feed of bare links costs a bounded number of page downloads per sync."""

from __future__ import annotations

from feedserver import FeedServer
from test_sync import rss

from reader.archive import Archive
from reader.sync import pipeline
from reader.sync.fetch import GIVE_UP_PAGES, Fetcher
from reader.sync.pipeline import sync
from reader.sync.subscribe import subscribe

PAGE = ("<html><body><article><h1>Full</h1>"
        + "<p>The whole story, told at length with every detail the summary left out.</p>" * 30
        + "</article></body></html>").encode()


def bare_links(server: FeedServer, count: int) -> bytes:
    return rss([{"title": f"Link {n}", "link": server.url(f"/page/{n}"), "body": "Short."}
                for n in range(count)])


def test_pages_are_fetched_for_at_most_the_budget_and_the_rest_keep_their_summary(
        archive: Archive) -> None:
    with FeedServer() as server:
        for n in range(45):
            server.add(f"/page/{n}", PAGE, content_type="text/html; charset=utf-8")
        server.add("/feed.xml", bare_links(server, 45))
        subscribe(archive, server.url("/feed.xml"))
        with Fetcher(host_interval=0) as fetcher:
            [report] = sync(archive, fetcher=fetcher)
        pages = sum(server.hits(f"/page/{n}") for n in range(45))
    assert report.status == "ok" and report.new == 45
    assert pages == pipeline.MAX_PAGES_PER_SOURCE
    assert report.note is not None and "15 summary-only entries kept the feed's summary" \
        in report.note
    assert archive.search_totals("whole story").articles == pipeline.MAX_PAGES_PER_SOURCE


def test_pages_stop_after_failures_in_a_row(archive: Archive) -> None:
    with FeedServer() as server:  # no page exists: every link answers 404
        server.add("/feed.xml", bare_links(server, 40))
        subscribe(archive, server.url("/feed.xml"))
        with Fetcher(host_interval=0) as fetcher:
            [report] = sync(archive, fetcher=fetcher)
        pages = sum(server.hits(f"/page/{n}") for n in range(40))
    assert report.status == "ok" and report.new == 40
    assert pages == GIVE_UP_PAGES  # then no more are asked for in this sync
    archive.check()
