"""Hostile servers and documents against sync: one source's bad values, slow drips, private
addresses and costly parsing cost that source alone.

Every test asserts what a person relies on: the hostile source fails with a clear error (or
its image becomes a placeholder), the other sources synced and were recorded, the archive is
consistent, and no worker process is left behind. None measures wall-clock time; the limits
that are times are made small through parameters so the tests stay quick.
"""

from __future__ import annotations

import io
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import hostile_tasks
import pytest
from feedserver import FeedServer
from PIL import Image
from processes import live_children
from test_sync import LONG, png, rss, run, run_json, story

from reader.archive import Archive, articles
from reader.archive import sources as archive_sources
from reader.errors import FetchError, ResourceLimitExceeded, UnsafeURL
from reader.sync import cpu, fetch
from reader.sync.cpu import BIG_TASK_BYTES, CpuPool, TaskLimits
from reader.sync.extract import extract_article
from reader.sync.fetch import MAX_RETRY_AFTER, Fetcher
from reader.sync.opml import OutlineFeed
from reader.sync.pipeline import SyncReport, sync
from reader.sync.subscribe import subscribe_outlines

GOOD = 10


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as started:
        started.add("/img/red.png", png(), content_type="image/png")
        yield started


@pytest.fixture
def elsewhere() -> Iterator[FeedServer]:
    """Another machine on the reader's own network (a router, a printer): 127.0.0.2."""
    with FeedServer(host="127.0.0.2") as started:
        started.add("/img/secret.png", png(colour=(0, 0, 0)), content_type="image/png")
        started.add("/story", b"<html><body><p>internal</p></body></html>",
                    content_type="text/html")
        started.add("/feed.xml", rss([]))
        yield started


def add_good_feeds(archive_path: Path, server: FeedServer, count: int = GOOD) -> None:
    for feed in range(count):
        server.add(f"/good/{feed}.xml", rss([story(feed * 10 + n, server) for n in range(2)],
                                            title=f"Good {feed}"))
        run_json(archive_path, "add", server.url(f"/good/{feed}.xml"))


def by_path(reports: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {report["url"].split(":", 2)[2].split("/", 1)[1]: report for report in reports}


def assert_good_feeds_synced(reports: dict[str, dict[str, Any]], count: int = GOOD) -> None:
    good = [reports[f"good/{feed}.xml"] for feed in range(count)]
    assert [(r["status"], r["new"], r["error"]) for r in good] == [("ok", 2, None)] * count


def assert_consistent(archive_path: Path) -> None:
    with Archive.open(archive_path) as archive:
        archive.check()
    assert live_children() == []


def source_row(archive_path: Path, url: str) -> tuple[Any, ...]:
    with Archive.open(archive_path) as archive, archive.reading() as connection:
        row = connection.exec_driver_sql(
            "SELECT last_error, last_error_at, retry_after, etag, last_modified FROM sources "
            "WHERE url = ?", (url,)).one()
    return tuple(row)


# --- values a server sends ------------------------------------------------------------------


def test_a_huge_retry_after_is_a_week_and_the_ten_other_feeds_sync(
        archive_path: Path, server: FeedServer) -> None:
    """The reported case: ``429`` with ``Retry-After: 999999999999`` among ten good feeds
    ended the whole sync in an OverflowError with nothing recorded."""
    add_good_feeds(archive_path, server)
    server.add("/busy.xml", rss([]))
    run_json(archive_path, "add", server.url("/busy.xml"))
    server.misbehave("/busy.xml", "status", status=429, retry_after="999999999999")

    reports = by_path(run_json(archive_path, "sync", expect=1))
    assert_good_feeds_synced(reports)
    busy = reports["busy.xml"]
    assert busy["status"] == "failed"
    assert "HTTP 429 Too Many Requests" in busy["error"]
    assert "retry after 7 days (it asked for 31,688 years" in busy["error"]
    error, error_at, retry_after, *_ = source_row(archive_path, server.url("/busy.xml"))
    assert error == busy["error"]
    assert retry_after - error_at <= MAX_RETRY_AFTER * 1_000_000  # microseconds
    assert retry_after - error_at >= (MAX_RETRY_AFTER - 60) * 1_000_000

    hits = server.hits("/busy.xml")
    again = by_path(run_json(archive_path, "sync"))
    assert "busy.xml" not in again  # waiting out its week, not asked again
    assert server.hits("/busy.xml") == hits
    assert_consistent(archive_path)


@pytest.mark.parametrize(("retry_after", "waits"), [
    ("Fri, 31 Dec 9999 23:59:59 GMT", True),  # a date at the end of the calendar
    ("9" * 5000, True),  # more digits than int() takes
    ("Fri, 31 Dec 99999 23:59:59 GMT", False),  # no such date: an ordinary 429
    ("\u00b2", False),  # a digit to str.isdigit(), not to int()
])
def test_retry_after_of_any_form_is_clamped_or_ignored(
        archive_path: Path, server: FeedServer, retry_after: str, waits: bool) -> None:
    add_good_feeds(archive_path, server, 2)
    server.add("/busy.xml", rss([]))
    run_json(archive_path, "add", server.url("/busy.xml"))
    # http.server sends headers as Latin-1: raw bytes say exactly what a hostile server would.
    server.misbehave("/busy.xml", "raw", response=(
        b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: " + retry_after.encode() +
        b"\r\nContent-Length: 0\r\n\r\n"))
    reports = by_path(run_json(archive_path, "sync", expect=1))
    assert_good_feeds_synced(reports, 2)
    assert reports["busy.xml"]["status"] == "failed"
    assert reports["busy.xml"]["error"].startswith("HTTP 429 Too Many Requests from ")
    error, error_at, retry_after_at, *_ = source_row(archive_path, server.url("/busy.xml"))
    if waits:
        assert "the longest wait kept is 7 days" in error
        assert 0 < retry_after_at - error_at <= MAX_RETRY_AFTER * 1_000_000
    else:
        assert retry_after_at is None
    assert_consistent(archive_path)


def test_absurd_cache_headers_and_validators_never_stop_a_feed(
        archive_path: Path, server: FeedServer) -> None:
    """Cache-Control and Expires are not read; an ETag that is not ASCII (which httpx cannot
    send back: every later sync of the feed failed) and a 600-character Last-Modified are
    not kept, so the next sync simply fetches in full."""
    add_good_feeds(archive_path, server, 2)
    server.add("/odd.xml", rss([story(900, server)], title="Odd"), etag='"\u00e9t\u00e9"',
               last_modified="x" * 600,
               headers={"Cache-Control": "max-age=" + "9" * 400 + ", s-maxage=-1",
                        "Expires": "Fri, 31 Dec 99999 23:59:59 GMT", "Age": "9" * 50})
    run_json(archive_path, "add", server.url("/odd.xml"))
    first = by_path(run_json(archive_path, "sync"))
    assert_good_feeds_synced(first, 2)
    assert (first["odd.xml"]["status"], first["odd.xml"]["new"]) == ("ok", 1)
    *_, etag, last_modified = source_row(archive_path, server.url("/odd.xml"))
    assert (etag, last_modified) == (None, None)
    second = by_path(run_json(archive_path, "sync"))
    assert (second["odd.xml"]["status"], second["odd.xml"]["error"]) == ("ok", None)
    assert_consistent(archive_path)


@pytest.mark.parametrize(("content_length", "error"), [
    ("99999999999999999999999", "sent a malformed HTTP response (bad Content-Length)"),
    (str(10**15), "response larger than 30 MB from http://127.0.0.1:"),
    ("9" * 5000, "sent a malformed HTTP response (bad Content-Length)"),
])
def test_an_absurd_content_length_fails_that_feed_alone(
        archive_path: Path, server: FeedServer, content_length: str, error: str) -> None:
    add_good_feeds(archive_path, server, 2)
    server.add("/liar.xml", rss([]))
    run_json(archive_path, "add", server.url("/liar.xml"))
    server.misbehave("/liar.xml", "raw", response=(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: " +
        content_length.encode() + b"\r\n\r\n<rss version='2.0'><channel>"))
    reports = by_path(run_json(archive_path, "sync", expect=1))
    assert_good_feeds_synced(reports, 2)
    assert reports["liar.xml"]["status"] == "failed"
    assert error in reports["liar.xml"]["error"]
    assert_consistent(archive_path)


@pytest.mark.parametrize(("location", "error"), [
    ("/" + "a" * 9000, "redirected to an address longer than 8192 characters"),
    ("http://127.0.0.1:99999/feed.xml", "not a valid web address (port 99999)"),
    ("http://[::1/feed.xml", "sent a malformed HTTP response (Invalid URL in location header"),
    ("file:///etc/passwd", "redirected to a non-web address"),
])
def test_a_redirect_to_an_unusable_address_fails_that_feed_alone(
        archive_path: Path, server: FeedServer, location: str, error: str) -> None:
    add_good_feeds(archive_path, server, 2)
    server.add("/moved.xml", rss([]))
    run_json(archive_path, "add", server.url("/moved.xml"))
    server.misbehave("/moved.xml", "raw", response=(
        b"HTTP/1.1 301 Moved Permanently\r\nLocation: " + location.encode() +
        b"\r\nContent-Length: 0\r\n\r\n"))
    reports = by_path(run_json(archive_path, "sync", expect=1))
    assert_good_feeds_synced(reports, 2)
    assert reports["moved.xml"]["status"] == "failed"
    assert error in reports["moved.xml"]["error"]
    [moved] = [s for s in run_json(archive_path, "sources") if s["url"].endswith("moved.xml")]
    assert moved["url"] == server.url("/moved.xml")  # the stored address did not move
    assert_consistent(archive_path)


# --- time and bytes per source --------------------------------------------------------------


def sync_with(archive_path: Path, fetcher: Fetcher, **options: Any) -> dict[str, SyncReport]:
    with Archive.open(archive_path) as archive:
        reports = sync(archive, fetcher=fetcher, **options)
        archive.check()
    assert live_children() == []
    return {(report.url or "").rsplit("/", 1)[1]: report for report in reports}


def test_a_server_dripping_a_byte_a_second_is_given_up(archive_path: Path,
                                                       server: FeedServer) -> None:
    """Before: the drip held its source for the whole 60 s deadline. Now it must average
    MIN_RATE once it has been arriving for RATE_GRACE seconds (made 0.5 s here)."""
    add_good_feeds(archive_path, server, 3)
    server.add("/drip.xml", rss([story(900, server)]))
    server.add("/drip-headers.xml", rss([story(901, server)]), headers={"X-Pad": "p" * 300})
    run_json(archive_path, "add", server.url("/drip.xml"))
    run_json(archive_path, "add", server.url("/drip-headers.xml"))
    server.misbehave("/drip.xml", "drip", rate=20)
    server.misbehave("/drip-headers.xml", "drip", rate=20, headers=True)
    with Fetcher(rate_grace=0.5, host_interval=0) as fetcher:
        reports = sync_with(archive_path, fetcher)
    for name in ("drip.xml", "drip-headers.xml"):
        assert reports[name].status == "failed"
        assert reports[name].error is not None
        assert re.fullmatch(r"the server sent \d+ bytes in [\d.]+ s, less than 1 KB a "
                            r"second; gave up on http://127\.0\.0\.1:\d+/" + name,
                            reports[name].error)
    assert [reports[f"{n}.xml"].new for n in range(3)] == [2, 2, 2]


def test_a_steady_trickle_is_given_up_at_the_deadline(archive_path: Path,
                                                      server: FeedServer) -> None:
    add_good_feeds(archive_path, server, 3)
    server.add("/trickle.xml", rss([story(900 + n, server) for n in range(10)]))
    run_json(archive_path, "add", server.url("/trickle.xml"))
    server.misbehave("/trickle.xml", "drip", rate=4000, chunk=200)  # fast enough for the floor
    with Fetcher(deadline=1.0, host_interval=0) as fetcher:
        reports = sync_with(archive_path, fetcher)
    trickle = reports["trickle.xml"]
    assert trickle.status == "failed" and trickle.error is not None
    assert trickle.error.startswith("the server sent ")
    assert " KB in 1 s; gave up on http://" in trickle.error
    assert [reports[f"{n}.xml"].new for n in range(3)] == [2, 2, 2]


def test_images_past_a_sources_byte_budget_are_placeholders(archive_path: Path,
                                                            server: FeedServer) -> None:
    """What one source downloads in a sync (feed, pages, images) has one budget: past it, an
    image becomes a placeholder without being asked for, and the source itself syncs."""
    pictures = [noise(n) for n in range(3)]
    for n, picture in enumerate(pictures):
        server.add(f"/img/{n}.png", picture, content_type="image/png")
    body = "".join(f'<p><img src="/img/{n}.png" alt="Picture {n}"></p>' for n in range(3))
    server.add("/pictures.xml", rss([{"title": "Pictures", "link": server.url("/p"),
                                      "body": f"<p>{LONG}</p>{body}"}], title="Pictures"))
    run_json(archive_path, "add", server.url("/pictures.xml"))
    feed_size = len(server._route("/pictures.xml").body)  # type: ignore[union-attr]
    headers = 1000  # generous: two responses' status lines and headers
    budget = feed_size + len(pictures[0]) + headers + len(pictures[1]) // 2
    with Fetcher(source_bytes=budget, host_interval=0) as fetcher:
        reports = sync_with(archive_path, fetcher)
    assert (reports["pictures.xml"].status, reports["pictures.xml"].new) == ("ok", 1)
    [row] = run_json(archive_path, "list")
    stored = run_json(archive_path, "show", str(row["id"]))["body_html"]
    assert stored.count("archive-image:") == 1
    assert "Picture 1" in stored and "Picture 2" in stored  # placeholders keep the alt text
    assert "/img/1.png" not in stored and "/img/2.png" not in stored


def noise(seed: int) -> bytes:
    """A PNG that does not compress: about 30 KB."""
    import random

    data = random.Random(seed).randbytes(100 * 100 * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (100, 100), data).save(buffer, "PNG")
    return buffer.getvalue()


def summaries(count: int, link: str) -> list[dict[str, str]]:
    return [{"title": f"Summary {n}", "link": link.format(n=n), "body": f"<p>Short {n}.</p>"}
            for n in range(count)]


def test_a_host_that_cannot_be_found_is_tried_once_per_sync(
        archive_path: Path, server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: 2,000 summary entries linking to a name that does not resolve cost 2,000
    polite waits (400 s). A host that could not be reached is not tried again."""
    lookups: list[str] = []
    real_lookup = socket.getaddrinfo

    def lookup(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "gone.example":
            lookups.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_lookup(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    server.add("/feed.xml", rss(summaries(30, "http://gone.example/{n}")))
    run_json(archive_path, "add", server.url("/feed.xml"))
    [report] = run_json(archive_path, "sync")
    assert (report["status"], report["new"]) == ("ok", 30)
    assert lookups == ["gone.example"]
    assert_consistent(archive_path)


def test_a_source_whose_links_lead_nowhere_stops_being_asked(archive_path: Path,
                                                              server: FeedServer) -> None:
    """Before: 2,000 summary entries whose pages answer 404 cost 2,000 polite waits (the
    bench's "200,000 items" case, killed after 120 s). Now GIVE_UP_PAGES in a row end it."""
    short = b"<html><head><title>S</title></head><body><p>Tiny.</p></body></html>"
    for n in range(30):
        server.add(f"/short/{n}", short, content_type="text/html")
    server.add("/missing.xml", rss(summaries(30, server.url("/missing/{n}")), title="Missing"))
    server.add("/short.xml", rss(summaries(30, server.url("/short/{n}")), title="Short"))
    pictures = "".join(f'<img src="/nope/{n}.png" alt="{n}">' for n in range(30))
    server.add("/broken.xml", rss([{"title": "Pictures", "link": server.url("/p"),
                                    "body": f"<p>{LONG}</p>{pictures}"}], title="Broken"))
    for name in ("missing", "short", "broken"):
        run_json(archive_path, "add", server.url(f"/{name}.xml"))
    reports = by_path(run_json(archive_path, "sync"))
    assert [(reports[f"{name}.xml"]["status"], reports[f"{name}.xml"]["new"])
            for name in ("missing", "short", "broken")] == [("ok", 30), ("ok", 30), ("ok", 1)]
    assert sum(server.hits(f"/missing/{n}") for n in range(30)) == fetch.GIVE_UP_PAGES
    assert sum(server.hits(f"/short/{n}") for n in range(30)) == fetch.GIVE_UP_PAGES
    assert sum(server.hits(f"/nope/{n}.png") for n in range(30)) == fetch.GIVE_UP_IMAGES
    assert_consistent(archive_path)


def test_polite_waits_count_in_a_sources_time(archive_path: Path,
                                              server: FeedServer) -> None:
    """Linked pages on one host are fetched a polite interval apart; that waiting is the
    source's time too, so a feed cannot hold its sync with many of them."""
    page = (f"<html><head><title>P</title></head><body><article><h1>P</h1><p>{LONG}</p>"
            f"</article></body></html>").encode()
    for n in range(12):
        server.add(f"/page/{n}", page, content_type="text/html")
    server.add("/feed.xml", rss(summaries(12, server.url("/page/{n}"))))
    run_json(archive_path, "add", server.url("/feed.xml"))
    with Fetcher(host_interval=0.4, source_seconds=1.5) as fetcher:
        reports = sync_with(archive_path, fetcher)
    assert (reports["feed.xml"].status, reports["feed.xml"].new) == ("ok", 12)
    fetched = sum(server.hits(f"/page/{n}") for n in range(12))
    assert 1 <= fetched < 12
    bodies = [run_json(archive_path, "show", str(row["id"]))["body_text"]
              for row in run_json(archive_path, "list")]
    assert sum("The council met again" in body for body in bodies) == fetched
    assert sum(body.startswith("Short") for body in bodies) == 12 - fetched


def test_the_budget_messages_say_what_ran_out(server: FeedServer) -> None:
    server.add("/feed.xml", rss([]))
    with Fetcher(source_bytes=100, host_interval=0) as fetcher, fetcher.source():
        with pytest.raises(FetchError, match=r"this source's downloads came to 100 bytes, "
                                             r"the most one sync allows; gave up on http://"):
            fetcher.fetch(server.url("/feed.xml"))
        with pytest.raises(FetchError, match="the most one sync allows"):
            fetcher.fetch(server.url("/img/red.png"), kind="image")
    assert server.hits("/img/red.png") == 0


# --- private addresses ----------------------------------------------------------------------


@pytest.fixture
def public_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """127.0.0.1 counts as a public address (the test feeds' own server stands for a site on
    the internet); 127.0.0.2, ::1 and the rest keep their real kind. ``printer.example``
    resolves to 127.0.0.2, as a name on a hostile DNS server would."""
    real_kind, real_lookup = fetch.address_kind, socket.getaddrinfo

    def kind(ip: str) -> fetch.AddressKind:
        return "public" if ip == "127.0.0.1" else real_kind(ip)

    def lookup(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "printer.example":
            host = "127.0.0.2"
        return real_lookup(host, port, *args, **kwargs)

    monkeypatch.setattr(fetch, "address_kind", kind)
    monkeypatch.setattr(socket, "getaddrinfo", lookup)


@pytest.mark.usefixtures("public_server")
def test_a_public_feed_cannot_make_sync_fetch_from_the_readers_network(
        archive_path: Path, server: FeedServer, elsewhere: FeedServer) -> None:
    inside = elsewhere.port
    server.misbehave("/img/bounce.png", "redirect", to=f"http://127.0.0.2:{inside}/img/secret.png")
    sources = {
        "direct": f"http://127.0.0.2:{inside}/img/secret.png",
        "by name": f"http://printer.example:{inside}/img/secret.png",
        "redirected": "/img/bounce.png",
        "IPv6 loopback": f"http://[::1]:{inside}/img/secret.png",
        "IPv4-mapped": f"http://[::ffff:127.0.0.2]:{inside}/img/secret.png",
        "link-local": "http://169.254.169.254/latest/meta-data/x.png",
        "unspecified": f"http://0.0.0.0:{inside}/img/secret.png",
        "public": "/img/red.png",
    }
    images = "".join(f'<p><img src="{src}" alt="[{name}]"></p>' for name, src in sources.items())
    server.add("/feed.xml", rss([
        {"title": "Pictures", "link": server.url("/p"), "body": f"<p>{LONG}</p>{images}"},
        {"title": "Summary", "link": f"http://127.0.0.2:{inside}/story",
         "body": "<p>Only a summary.</p>"},
    ], title="Public"))
    add_good_feeds(archive_path, server, 2)
    run_json(archive_path, "add", server.url("/feed.xml"))

    reports = by_path(run_json(archive_path, "sync"))
    assert_good_feeds_synced(reports, 2)
    assert (reports["feed.xml"]["status"], reports["feed.xml"]["new"]) == ("ok", 2)
    assert elsewhere.requests == []  # nothing reached the machine inside
    rows = {row["title"]: row["id"] for row in run_json(archive_path, "list")}
    pictures = run_json(archive_path, "show", str(rows["Pictures"]))["body_html"]
    assert pictures.count("archive-image:") == 1  # the public image only
    for name in sources:
        if name != "public":
            assert f"[{name}]" in pictures  # a placeholder, with its alt text
    assert "127.0.0.2" not in pictures and "169.254" not in pictures
    summary = run_json(archive_path, "show", str(rows["Summary"]))["body_text"]
    assert "Only a summary." in summary and "internal" not in summary
    assert_consistent(archive_path)


@pytest.mark.usefixtures("public_server")
def test_a_saved_public_page_cannot_load_images_from_the_readers_network(
        archive_path: Path, server: FeedServer, elsewhere: FeedServer) -> None:
    server.add("/page.html", (
        f"<html><head><title>Page</title></head><body><article><h1>Page</h1><p>{LONG}</p>"
        f"<p><img src='{elsewhere.url('/img/secret.png')}' alt='[inside]'>"
        f"<img src='/img/red.png' alt='[outside]'></p></article></body></html>").encode(),
        content_type="text/html")
    code, _ = run(archive_path, "add", "--page", server.url("/page.html"))
    assert code == 0
    [row] = run_json(archive_path, "list")
    body = run_json(archive_path, "show", str(row["id"]))["body_html"]
    assert body.count("archive-image:") == 1 and "[inside]" in body
    assert elsewhere.requests == []
    assert_consistent(archive_path)


@pytest.mark.usefixtures("public_server")
def test_each_refusal_says_what_was_refused_and_why(server: FeedServer,
                                                    elsewhere: FeedServer) -> None:
    inside = elsewhere.port
    server.add("/feed.xml", rss([]))
    server.misbehave("/img/bounce.png", "redirect", to=f"http://127.0.0.2:{inside}/img/secret.png")
    with Fetcher(host_interval=0) as fetcher, fetcher.source():
        fetcher.fetch(server.url("/feed.xml"))
        with pytest.raises(UnsafeURL) as image:
            fetcher.fetch(f"http://127.0.0.2:{inside}/img/secret.png", kind="image")
        with pytest.raises(UnsafeURL) as named:
            fetcher.fetch(f"http://printer.example:{inside}/story", kind="page")
        with pytest.raises(UnsafeURL) as bounced:
            fetcher.fetch(server.url("/img/bounce.png"), kind="image")
        with pytest.raises(UnsafeURL) as metadata:
            fetcher.fetch("http://[fe80::1]/x.png", kind="image")
        assert fetcher.fetch(server.url("/img/red.png"), kind="image").status == 200
    assert str(image.value) == (
        f"refused to fetch the image http://127.0.0.2:{inside}/img/secret.png: 127.0.0.2 is "
        f"a loopback address, and only a source that lives on one may load from one")
    assert str(named.value).startswith(
        f"refused to fetch the linked page http://printer.example:{inside}/story: "
        f"printer.example is 127.0.0.2, a loopback address")
    assert f"(redirected from {server.url('/img/bounce.png')})" in str(bounced.value)
    assert "fe80::1 is a link-local address" in str(metadata.value)
    assert elsewhere.requests == []


@pytest.mark.usefixtures("public_server")
def test_a_public_feed_redirecting_into_the_readers_network_is_refused(
        archive_path: Path, server: FeedServer, elsewhere: FeedServer) -> None:
    add_good_feeds(archive_path, server, 2)
    server.add("/moved.xml", rss([]))
    run_json(archive_path, "add", server.url("/moved.xml"))
    server.misbehave("/moved.xml", "redirect", status=301, to=elsewhere.url("/feed.xml"))
    reports = by_path(run_json(archive_path, "sync", expect=1))
    assert_good_feeds_synced(reports, 2)
    assert reports["moved.xml"]["status"] == "failed"
    assert reports["moved.xml"]["error"].startswith(
        f"refused to follow {server.url('/moved.xml')}'s redirect to "
        f"{elsewhere.url('/feed.xml')}: 127.0.0.2 is a loopback address")
    assert elsewhere.requests == []
    assert_consistent(archive_path)


def test_a_source_on_the_readers_network_loads_its_own_images_and_pages(
        archive_path: Path, server: FeedServer, elsewhere: FeedServer) -> None:
    """A feed served from loopback (every other test here) may use loopback addresses: its
    images and pages on 127.0.0.2 are fetched, and its redirects may stay there."""
    elsewhere.add("/full", f"<html><head><title>Full</title></head><body><article><h1>Full"
                           f"</h1><p>{LONG} The whole story.</p><p><img src='/img/secret.png'"
                           f" alt='local'></p></article></body></html>".encode(),
                  content_type="text/html")
    server.add("/feed.xml", rss([{"title": "Local", "link": elsewhere.url("/full"),
                                  "body": "<p>Short.</p>"}], title="Local"))
    run_json(archive_path, "add", server.url("/feed.xml"))
    [report] = run_json(archive_path, "sync")
    assert (report["status"], report["new"]) == ("ok", 1)
    [row] = run_json(archive_path, "list")
    shown = run_json(archive_path, "show", str(row["id"]))
    assert "The whole story." in shown["body_text"]
    assert elsewhere.hits("/full") == 1 and elsewhere.hits("/img/secret.png") == 1
    assert_consistent(archive_path)


def test_outside_a_source_images_reach_public_addresses_only(server: FeedServer) -> None:
    with Fetcher(host_interval=0) as fetcher:
        with pytest.raises(UnsafeURL, match=r"127\.0\.0\.1 is a loopback address"):
            fetcher.fetch(server.url("/img/red.png"), kind="image")
        assert fetcher.fetch(server.url("/img/red.png")).status == 200  # named by a person
    assert server.hits("/img/red.png") == 1


@pytest.mark.parametrize(("ip", "kind"), [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"),
    ("0.0.0.0", "loopback"), ("::", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("fd00::1", "private"), ("100.64.0.1", "private"), ("::ffff:192.168.0.1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1%1", "link-local"),
    ("224.0.0.1", "reserved"), ("ff02::1", "reserved"), ("240.0.0.1", "reserved"),
    ("93.184.215.14", "public"), ("2606:4700::1111", "public"), ("not an address", "reserved"),
])
def test_address_kinds(ip: str, kind: str) -> None:
    assert fetch.address_kind(ip) == kind


# --- one bad value in a URL -----------------------------------------------------------------

HOSTILE_IMAGE_PAGE = (
    "<html><head><title>Hostile image</title></head><body><article><h1>Hostile image</h1>"
    f"<p>{LONG}</p>"
    '<p><IMG SRC=" &#14; javascript:alert(1)" alt="one"></p>'
    '<p><img src="http://[::1" alt="two"><img src="//a:99999/x.png" alt="three">'
    '<a href="java&#10;script:alert(2)">four</a><a href="&#1;&#2;/x">five</a>'
    '<img data-src="&#x7f;&#31;x.png" src="/ok&#8;.png" alt="six"></p>'
    "</article></body></html>").encode()


def test_a_page_hiding_javascript_behind_a_control_character_saves(
        archive_path: Path, server: FeedServer) -> None:
    """The reported case: ``add --page`` printed a ValueError traceback from _absolutize."""
    server.add("/hostile.html", HOSTILE_IMAGE_PAGE, content_type="text/html")
    code, _ = run(archive_path, "add", "--page", server.url("/hostile.html"))
    assert code == 0
    [row] = run_json(archive_path, "list")
    body = run_json(archive_path, "show", str(row["id"]))["body_html"]
    assert "javascript" not in body.lower() and "alert" not in body
    assert_consistent(archive_path)


def test_a_feed_whose_summary_links_to_that_page_syncs(archive_path: Path,
                                                       server: FeedServer) -> None:
    """Before: the feed failed its whole sync on every run."""
    server.add("/hostile.html", HOSTILE_IMAGE_PAGE, content_type="text/html")
    server.add("/feed.xml", rss([{"title": "Hostile", "link": server.url("/hostile.html"),
                                  "body": "<p>A summary.</p>"}]))
    add_good_feeds(archive_path, server, 2)
    run_json(archive_path, "add", server.url("/feed.xml"))
    reports = by_path(run_json(archive_path, "sync"))
    assert_good_feeds_synced(reports, 2)
    assert (reports["feed.xml"]["status"], reports["feed.xml"]["new"]) == ("ok", 1)
    rows = {row["title"]: row["id"] for row in run_json(archive_path, "list")}
    body = run_json(archive_path, "show", str(rows["Hostile"]))["body_text"]
    assert "The council met again" in body  # the page's full text, not the summary
    assert_consistent(archive_path)


@pytest.mark.parametrize("value", [
    " &#14; javascript:alert(1)", "\x0e\x0fjavascript:alert(1)", "http://[::1", "//a:99999/",
    "http://[oops]/", "&#1;&#2;", "java\tscript:x", "http://x/\x1b[31m", "   ", "#\x0b",
])
def test_no_link_or_image_value_breaks_page_extraction(value: str) -> None:
    html = (f"<html><head><title>T</title></head><body><article><h1>T</h1><p>{LONG}</p>"
            f'<p><img src="{value}" alt="a"><a href="{value}">b</a></p></article></body>'
            f"</html>").encode()
    draft = extract_article(html, "http://example.org/dir/page", "text/html")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", draft.body_html)
    assert "javascript:" not in articles.clean_body(draft.body_html, None)[0].lower()


@pytest.mark.parametrize("url", [
    "http://" + "a" * 100 + ".example/",  # a label the IDNA codec refuses
    "http://xn--zz/",  # an invalid A-label
    "http://example.invalid:99999/",
    "http://[::1/",
    "http://exa mple.org/",
])
def test_an_unusable_address_is_one_failed_download(url: str) -> None:
    with Fetcher(host_interval=0, connect_timeout=1, timeout=1) as fetcher, pytest.raises(
            FetchError):
        fetcher.fetch(url, kind="image")
    with Fetcher(host_interval=0, connect_timeout=1, timeout=1) as fetcher, pytest.raises(
            FetchError):
        fetcher.fetch(url)


def test_a_name_server_that_never_answers_costs_the_connect_timeout(
        monkeypatch: pytest.MonkeyPatch) -> None:
    released = threading.Event()
    real_lookup = socket.getaddrinfo

    def lookup(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "silent.example":
            released.wait(30)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real_lookup(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    try:
        with Fetcher(host_interval=0, connect_timeout=0.3) as fetcher, pytest.raises(
                FetchError, match=r"^timed out after 0\.3 s connecting to silent\.example$"):
            fetcher.fetch("http://silent.example/feed.xml")
    finally:
        released.set()


def test_a_subscription_list_with_a_broken_address_imports(archive: Archive) -> None:
    added, existing = subscribe_outlines(archive, [
        OutlineFeed("http://[oops/feed.xml", None, None, ()),
        OutlineFeed("http://example.org/feed.xml", None, None, ())])
    assert (added, existing) == (2, 0)
    archive.check()


# --- CPU time and memory per source ---------------------------------------------------------


def test_a_task_past_its_cpu_time_is_stopped_and_the_pool_carries_on() -> None:
    pool = CpuPool(1, limits=TaskLimits(cpu_seconds=1))
    try:
        with pytest.raises(ResourceLimitExceeded,
                           match=r"^this source's processing took more than 1 s of CPU; "
                                 r"skipped$"):
            pool.run(hostile_tasks.spin)
        assert pool.run(cpu.is_summary, "<p>short</p>") is True
    finally:
        pool.close()
    assert live_children() == []


def test_a_sources_tasks_share_one_cpu_budget() -> None:
    """A feed cannot spread its cost over many tasks (say, linked pages) that each stay
    under the task ceiling: past the source's budget its next task is not even started."""
    pool = CpuPool(1, limits=TaskLimits(cpu_seconds=30, source_cpu_seconds=1))
    try:
        with pool.source():
            with pytest.raises(ResourceLimitExceeded, match=r"took this source past 1 s of "
                                                            r"CPU, the most one source may"):
                pool.run(hostile_tasks.spin)
            with pytest.raises(ResourceLimitExceeded, match=r"^extracting the text of this "
                                                            r"page was not started"):
                pool.run(extract_article, b"<p>x</p>", None, None)
        with pool.source():  # the next source has its own
            assert pool.run(cpu.is_summary, "<p>short</p>") is True
    finally:
        pool.close()
    assert live_children() == []


def test_a_task_past_its_memory_is_stopped_and_the_pool_carries_on() -> None:
    pool = CpuPool(1, limits=TaskLimits(memory_bytes=64 * 1024 * 1024))
    try:
        with pytest.raises(ResourceLimitExceeded,
                           match=r"needed more than 64 MB of memory; skipped$"):
            pool.run(hostile_tasks.hog, 1024, 60)
        assert pool.run(hostile_tasks.hog, 8) == 8
    finally:
        pool.close()
    assert live_children() == []


def test_the_task_queued_behind_a_killed_one_runs_elsewhere() -> None:
    """One worker, two sources' tasks: the first passes its ceiling and kills the worker,
    the second (already sent to that worker, waiting behind it) runs on a fresh one."""
    pool = CpuPool(1, limits=TaskLimits(cpu_seconds=1))
    outcomes: dict[str, object] = {}

    def costly() -> None:
        try:
            pool.run(hostile_tasks.spin)
        except ResourceLimitExceeded as error:
            outcomes["costly"] = str(error)

    try:
        first = threading.Thread(target=costly)
        first.start()
        while not any(worker.load for worker in pool._workers):
            time.sleep(0.01)  # the spinning task has its worker
        outcomes["cheap"] = pool.run(hostile_tasks.nap, 0)
        first.join()
    finally:
        pool.close()
    assert outcomes == {"costly": "this source's processing took more than 1 s of CPU; "
                                  "skipped", "cheap": 0}
    assert live_children() == []


def test_a_worker_holding_much_memory_after_a_task_is_replaced() -> None:
    """Memory a task leaves behind would count against the next task: a worker keeping more
    than half the ceiling after a task exits, and the next task gets a fresh one."""
    pool = CpuPool(1, limits=TaskLimits(memory_bytes=64 * 1024 * 1024))
    try:
        small = pool.run(hostile_tasks.keep, 8)
        assert pool.run(hostile_tasks.pid) == small  # 8 MB kept: the same worker
        large = pool.run(hostile_tasks.keep, 40)
        assert large == small
        assert pool.run(hostile_tasks.pid) != large  # 48 MB kept: replaced
        assert pool.run(hostile_tasks.keep, 40) != large  # and under the ceiling again
    finally:
        pool.close()
    assert live_children() == []


def test_a_task_that_never_answers_is_stopped() -> None:
    pool = CpuPool(1, limits=TaskLimits(wall_seconds=0.5))
    try:
        with pytest.raises(ResourceLimitExceeded, match=r"took more than 0.5 s; skipped$"):
            pool.run(hostile_tasks.nap, 60)
        assert pool.run(hostile_tasks.nap, 0) == 0
    finally:
        pool.close()
    assert live_children() == []


@pytest.mark.parametrize(("marker", "limits", "error"), [
    (hostile_tasks.SPIN, TaskLimits(cpu_seconds=1),
     "parsing this feed took more than 1 s of CPU; skipped"),
    (hostile_tasks.HOG, TaskLimits(memory_bytes=64 * 1024 * 1024),
     "parsing this feed needed more than 64 MB of memory; skipped"),
])
def test_a_feed_past_its_ceiling_fails_alone_in_a_large_sync(
        archive_path: Path, server: FeedServer, monkeypatch: pytest.MonkeyPatch,
        marker: bytes, limits: TaskLimits, error: str) -> None:
    monkeypatch.setattr(cpu, "read_feed", hostile_tasks.read_feed)
    add_good_feeds(archive_path, server)
    server.add("/costly.xml", rss([story(900, server)]).replace(b"<channel>",
                                                                b"<channel>" + marker))
    run_json(archive_path, "add", server.url("/costly.xml"))
    with Fetcher(host_interval=0) as fetcher:
        reports = sync_with(archive_path, fetcher, task_limits=limits)  # 11 feeds: processes
    assert (reports["costly.xml"].status, reports["costly.xml"].error) == ("failed", error)
    assert [(reports[f"{n}.xml"].status, reports[f"{n}.xml"].new)
            for n in range(GOOD)] == [("ok", 2)] * GOOD
    [costly] = [s for s in run_json(archive_path, "sources") if s["url"].endswith("costly.xml")]
    assert costly["last_error"] == error


def test_a_big_feed_in_a_small_sync_still_parses_under_the_ceilings(
        archive_path: Path, server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync of a few sources runs on threads, but a document over BIG_TASK_BYTES goes to a
    worker process (hostile_tasks.spin refuses to run anywhere else)."""
    monkeypatch.setattr(cpu, "read_feed", hostile_tasks.read_feed)
    add_good_feeds(archive_path, server, 2)
    padding = b"<!--" + b"p" * BIG_TASK_BYTES + b"-->"
    server.add("/big.xml", rss([story(900, server)]).replace(
        b"<channel>", b"<channel>" + hostile_tasks.SPIN + padding))
    run_json(archive_path, "add", server.url("/big.xml"))
    with Fetcher(host_interval=0) as fetcher:
        reports = sync_with(archive_path, fetcher, task_limits=TaskLimits(cpu_seconds=1))
    assert reports["big.xml"].error == "parsing this feed took more than 1 s of CPU; skipped"
    assert [reports[f"{n}.xml"].new for n in range(2)] == [2, 2]


# --- recording ------------------------------------------------------------------------------


def test_a_failure_to_record_one_sources_error_never_stops_the_others(
        archive_path: Path, server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    add_good_feeds(archive_path, server)
    for name in ("unlucky", "missing"):
        server.add(f"/{name}.xml", rss([]))
        run_json(archive_path, "add", server.url(f"/{name}.xml"))
        server.misbehave(f"/{name}.xml", "status", status=500)
    record = archive_sources.record_failure

    def record_or_break(connection: Any, source_id: int, **fields: Any) -> None:
        if "unlucky" in str(connection.exec_driver_sql(
                "SELECT url FROM sources WHERE id = ?", (source_id,)).scalar()):
            raise OverflowError("date value out of range")
        record(connection, source_id, **fields)

    monkeypatch.setattr(archive_sources, "record_failure", record_or_break)
    reports = by_path(run_json(archive_path, "sync", expect=1))
    assert_good_feeds_synced(reports)
    assert reports["unlucky.xml"]["status"] == "failed"
    assert reports["unlucky.xml"]["error"] == (
        f"HTTP 500 Internal Server Error from {server.url('/unlucky.xml')} (not recorded: "
        f"unexpected error: OverflowError: date value out of range)")
    assert reports["missing.xml"]["status"] == "failed"
    listed = {s["url"].rsplit("/", 1)[1]: s for s in run_json(archive_path, "sources")}
    assert listed["missing.xml"]["last_error"].startswith("HTTP 500")
    assert listed["unlucky.xml"]["last_error"] is None
    assert all(listed[f"{n}.xml"]["last_synced"] for n in range(GOOD))
    assert_consistent(archive_path)


def test_record_failure_clamps_any_retry_after(archive: Archive) -> None:
    from datetime import UTC, datetime

    from reader.archive.timestamps import to_micros
    now = datetime(2024, 1, 1, tzinfo=UTC)
    with archive.writing() as connection:
        source_id = archive_sources.add_source(connection, kind="feed", url="http://x/f",
                                               title="x")
        archive_sources.record_failure(connection, source_id, now=now, reason="busy\ud800",
                                       retry_after=datetime(9999, 12, 31, tzinfo=UTC))
        retry_after, reason = connection.exec_driver_sql(
            "SELECT retry_after, last_error FROM sources WHERE id = ?", (source_id,)).one()
    assert retry_after == to_micros(now + timedelta(days=7))
    assert reason == "busy?"
