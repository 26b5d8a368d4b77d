"""The sync HTTP client against a loopback server that misbehaves on demand."""

from __future__ import annotations

import itertools
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from feedserver import FeedServer
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.errors import (
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    HttpStatusError,
    ResponseTooLarge,
    RetryLater,
    SourceGone,
    TooManyRedirects,
    UnsafeURL,
)
from reader.sync.fetch import USER_AGENT, Fetcher, FetchResult, parse_retry_after

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    """Short limits so every failure test finishes in well under a second or two."""
    with Fetcher(timeout=0.5, connect_timeout=0.5, deadline=1.0, host_interval=0) as made:
        yield made


# --- success ------------------------------------------------------------------------------------


def test_200_returns_body_and_validators(server: FeedServer, fetcher: Fetcher) -> None:
    route = server.add("/feed.xml", FEED, last_modified=LAST_MODIFIED)
    result = fetcher.fetch(server.url("/feed.xml"))
    assert result == FetchResult(
        url=server.url("/feed.xml"),
        status=200,
        content=FEED,
        content_type="application/rss+xml",
        charset="utf-8",
        etag=route.etag,
        last_modified=LAST_MODIFIED,
        permanent_url=None,
        not_modified=False,
    )


def test_conditional_request_gets_304_and_sends_validators(
    server: FeedServer, fetcher: Fetcher
) -> None:
    server.add("/feed.xml", FEED, last_modified=LAST_MODIFIED)
    first = fetcher.fetch(server.url("/feed.xml"))
    again = fetcher.fetch(server.url("/feed.xml"), etag=first.etag,
                          last_modified=first.last_modified)
    assert again.not_modified and again.status == 304 and again.content == b""
    assert again.etag == first.etag and again.last_modified == LAST_MODIFIED
    sent = server.requests[-1].headers
    assert sent["If-None-Match"] == first.etag
    assert sent["If-Modified-Since"] == LAST_MODIFIED
    assert "If-None-Match" not in server.requests[0].headers


def test_if_modified_since_alone_gets_304(server: FeedServer, fetcher: Fetcher) -> None:
    server.add("/feed.xml", FEED, etag=False, last_modified=LAST_MODIFIED)
    result = fetcher.fetch(server.url("/feed.xml"), last_modified=LAST_MODIFIED)
    assert result.not_modified and result.last_modified == LAST_MODIFIED


def test_gzip_body_is_decoded(server: FeedServer, fetcher: Fetcher) -> None:
    body = FEED * 200
    server.add("/feed.xml", body)
    server.misbehave("/feed.xml", "gzip")
    result = fetcher.fetch(server.url("/feed.xml"))
    assert result.content == body
    assert "gzip" in server.requests[0].headers["Accept-Encoding"]


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_body_is_decoded_in_both_flavours(
    server: FeedServer, fetcher: Fetcher, wbits: int
) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    server.add("/d", compressor.compress(FEED) + compressor.flush(),
               headers={"Content-Encoding": "deflate"})
    assert fetcher.fetch(server.url("/d")).content == FEED


def test_unknown_content_encoding_is_a_fetch_error(server: FeedServer, fetcher: Fetcher) -> None:
    server.add("/br", b"\x0b\x02\x80hello\x03", headers={"Content-Encoding": "br"})
    with pytest.raises(FetchError, match="encoding we cannot read"):
        fetcher.fetch(server.url("/br"))


def test_wrong_type_reports_media_type_and_charset(server: FeedServer, fetcher: Fetcher) -> None:
    server.add("/feed.xml", FEED)
    server.misbehave("/feed.xml", "wrong_type", content_type='Text/HTML; Charset="ISO-8859-1"')
    result = fetcher.fetch(server.url("/feed.xml"))
    assert (result.content_type, result.charset) == ("text/html", "iso-8859-1")


def test_user_agent_and_accept_are_sent(server: FeedServer, fetcher: Fetcher) -> None:
    server.add("/feed.xml", FEED)
    fetcher.fetch(server.url("/feed.xml"), accept="application/rss+xml, */*;q=0.1")
    headers = server.requests[0].headers
    assert headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("Broadsheet/") and "offline news reader" in USER_AGENT
    assert headers["Accept"] == "application/rss+xml, */*;q=0.1"


# --- redirects ----------------------------------------------------------------------------------


def test_302_is_followed_without_a_permanent_url(server: FeedServer, fetcher: Fetcher) -> None:
    server.add("/new.xml", FEED)
    server.misbehave("/old.xml", "redirect", to="/new.xml", status=302)
    result = fetcher.fetch(server.url("/old.xml"))
    assert result.content == FEED
    assert result.url == server.url("/new.xml")
    assert result.permanent_url is None


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_sets_permanent_url(
    server: FeedServer, fetcher: Fetcher, status: int
) -> None:
    server.add("/feeds/new.xml", FEED)
    server.misbehave("/feeds/old.xml", "redirect", to="new.xml", status=status)  # relative
    result = fetcher.fetch(server.url("/feeds/old.xml"))
    assert result.url == result.permanent_url == server.url("/feeds/new.xml")


def test_permanent_url_stops_at_the_first_temporary_hop(
    server: FeedServer, fetcher: Fetcher
) -> None:
    server.add("/c", FEED)
    server.misbehave("/a", "redirect", to="/b", status=301)
    server.misbehave("/b", "redirect", to="/c", status=302)
    assert fetcher.fetch(server.url("/a")).permanent_url == server.url("/b")
    server.misbehave("/x", "redirect", to="/y", status=307)
    server.misbehave("/y", "redirect", to="/c", status=301)
    assert fetcher.fetch(server.url("/x")).permanent_url is None


def test_redirect_loop_is_too_many_redirects(server: FeedServer, fetcher: Fetcher) -> None:
    server.misbehave("/loop", "redirect_loop")
    with pytest.raises(TooManyRedirects, match="loop"):
        fetcher.fetch(server.url("/loop"))
    assert server.hits("/loop") == 2


def test_more_than_max_redirects_is_too_many_redirects(server: FeedServer) -> None:
    for hop in range(4):
        server.misbehave(f"/r{hop}", "redirect", to=f"/r{hop + 1}")
    server.add("/r4", FEED)
    with Fetcher(max_redirects=4, host_interval=0) as fetcher:
        assert fetcher.fetch(server.url("/r0")).content == FEED
    with Fetcher(max_redirects=3, host_interval=0) as fetcher, pytest.raises(
        TooManyRedirects, match="more than 3 redirects"
    ):
        fetcher.fetch(server.url("/r0"))


def test_redirect_to_a_file_url_is_unsafe(server: FeedServer, fetcher: Fetcher) -> None:
    server.misbehave("/sneaky", "redirect", to="file:///etc/passwd")
    with pytest.raises(UnsafeURL):
        fetcher.fetch(server.url("/sneaky"))


# --- error statuses -----------------------------------------------------------------------------


def test_404_is_http_status_error(server: FeedServer, fetcher: Fetcher) -> None:
    url = server.url("/missing.xml")
    with pytest.raises(HttpStatusError) as caught:
        fetcher.fetch(url)
    assert caught.value.status == 404
    assert str(caught.value) == f"HTTP 404 Not Found from {url}"


def test_410_is_source_gone(server: FeedServer, fetcher: Fetcher) -> None:
    server.misbehave("/gone", "status", status=410)
    with pytest.raises(SourceGone) as caught:
        fetcher.fetch(server.url("/gone"))
    assert caught.value.status == 410


def test_429_with_retry_after_seconds_is_retry_later(server: FeedServer, fetcher: Fetcher) -> None:
    server.misbehave("/busy", "status", status=429, retry_after=120)
    with pytest.raises(RetryLater) as caught:
        fetcher.fetch(server.url("/busy"))
    assert (caught.value.status, caught.value.retry_after) == (429, 120)
    assert server.hits("/busy") == 1  # no retries inside fetch


def test_503_with_retry_after_http_date_is_retry_later(
    server: FeedServer, fetcher: Fetcher
) -> None:
    when = datetime.now(UTC) + timedelta(seconds=120)
    server.misbehave("/busy", "status", status=503, retry_after=format_datetime(when, usegmt=True))
    with pytest.raises(RetryLater) as caught:
        fetcher.fetch(server.url("/busy"))
    assert caught.value.status == 503
    assert 110 <= caught.value.retry_after <= 121


def test_503_without_retry_after_is_http_status_error(
    server: FeedServer, fetcher: Fetcher
) -> None:
    server.misbehave("/down", "status", status=503)
    with pytest.raises(HttpStatusError) as caught:
        fetcher.fetch(server.url("/down"))
    assert not isinstance(caught.value, RetryLater)
    assert caught.value.status == 503


def test_500_is_http_status_error(server: FeedServer, fetcher: Fetcher) -> None:
    server.misbehave("/broken", "status", status=500)
    with pytest.raises(HttpStatusError, match="HTTP 500 Internal Server Error") as caught:
        fetcher.fetch(server.url("/broken"))
    assert caught.value.status == 500


def test_parse_retry_after_http_date() -> None:
    now = datetime(2015, 10, 21, 7, 26, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now=now) == 0  # in the past
    assert parse_retry_after(" 30 ") == 30
    for unreadable in (None, "", "soon", "-5", "1.5e3"):
        assert parse_retry_after(unreadable) is None


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**7))
def test_parse_retry_after_both_forms_agree(delay: int, base: int) -> None:
    now = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=base)
    assert parse_retry_after(str(delay), now=now) == delay
    later = format_datetime(now + timedelta(seconds=delay % 10**6), usegmt=True)
    assert parse_retry_after(later, now=now) == delay % 10**6


# --- limits -------------------------------------------------------------------------------------


def test_slow_server_times_out_quickly(server: FeedServer, fetcher: Fetcher) -> None:
    server.add("/slow", FEED)
    server.misbehave("/slow", "slow", delay=5)
    started = time.monotonic()
    with pytest.raises(FetchTimeout, match=r"timed out after 0\.5 s"):
        fetcher.fetch(server.url("/slow"))
    assert time.monotonic() - started < 2


def test_drip_beyond_the_deadline_times_out(server: FeedServer, fetcher: Fetcher) -> None:
    server.add("/drip", FEED * 10)
    server.misbehave("/drip", "drip", rate=20)  # every byte well within the 0.5 s read timeout
    started = time.monotonic()
    with pytest.raises(FetchTimeout, match=r"in 1 s; gave up on"):
        fetcher.fetch(server.url("/drip"))
    assert 0.9 <= time.monotonic() - started < 2.5


def test_header_drip_beyond_the_deadline_times_out(server: FeedServer, fetcher: Fetcher) -> None:
    """Per-read timeouts alone never fire on a server that dribbles its headers."""
    server.add("/drip", FEED, headers={"X-Padding": "p" * 200})
    server.misbehave("/drip", "drip", rate=20, headers=True)
    started = time.monotonic()
    with pytest.raises(FetchTimeout, match=r"in 1 s; gave up on"):
        fetcher.fetch(server.url("/drip"))
    assert 0.9 <= time.monotonic() - started < 2.5


def test_endless_body_is_response_too_large(server: FeedServer, fetcher: Fetcher) -> None:
    server.misbehave("/endless", "endless")
    with pytest.raises(ResponseTooLarge, match="larger than 256 KB"):
        fetcher.fetch(server.url("/endless"), max_bytes=256 * 1024)


def test_announced_length_over_the_cap_is_refused_before_reading(
    server: FeedServer, fetcher: Fetcher
) -> None:
    server.add("/big", b"x" * 5000)
    with pytest.raises(ResponseTooLarge, match="larger than 1 KB"):
        fetcher.fetch(server.url("/big"), max_bytes=1024)


def test_gzip_bomb_is_stopped_quickly_with_little_memory(server: FeedServer) -> None:
    server.misbehave("/bomb", "gzip_bomb")
    with Fetcher(max_bytes=1024 * 1024, host_interval=0) as fetcher:
        tracemalloc.start()
        started = time.monotonic()
        try:
            with pytest.raises(ResponseTooLarge, match="larger than 1 MB"):
                fetcher.fetch(server.url("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert time.monotonic() - started < 3
    assert peak < 8 * 1024 * 1024  # the bomb inflates to 101 MB


def test_truncated_body_is_a_fetch_error(server: FeedServer, fetcher: Fetcher) -> None:
    server.add("/cut", FEED * 20)
    server.misbehave("/cut", "truncated")
    with pytest.raises(FetchError, match="connection closed before the whole response arrived"):
        fetcher.fetch(server.url("/cut"))


def test_connection_refused_is_connection_failed(fetcher: Fetcher) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionFailed, match=r"could not connect to 127\.0\.0\.1"):
        fetcher.fetch(f"http://127.0.0.1:{port}/feed.xml")


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "javascript:alert(1)", "data:text/plain,hi", "ftp://127.0.0.1/x",
     "example.com/feed", "http:///no-host"],
)
def test_non_web_urls_are_unsafe(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(UnsafeURL):
        fetcher.fetch(url)


# --- politeness and threads ---------------------------------------------------------------------


def test_per_host_concurrency_is_bounded(server: FeedServer) -> None:
    server.add("/slow", FEED)
    server.misbehave("/slow", "slow", delay=0.25)
    with Fetcher(per_host=2, host_interval=0) as fetcher, ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: fetcher.fetch(server.url("/slow")), range(6)))
    assert all(result.content == FEED for result in results)
    assert server.peak_concurrency("/slow") == 2


def test_host_interval_spaces_request_starts(server: FeedServer) -> None:
    server.add("/feed.xml", FEED)
    with Fetcher(host_interval=0.3) as fetcher, ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: fetcher.fetch(server.url("/feed.xml")), range(3)))
    starts = sorted(request.started for request in server.requests)
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert len(gaps) == 2 and min(gaps) >= 0.9 * 0.3


def test_fetcher_is_usable_from_several_threads(server: FeedServer) -> None:
    bodies = {f"/feed{n}.xml": FEED.replace(b"<title>T", f"<title>{n}".encode()) for n in range(8)}
    for path, body in bodies.items():
        server.add(path, body)
    jobs = [path for path in bodies for _ in range(5)]
    with Fetcher(per_host=4, host_interval=0) as fetcher, ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda path: (path, fetcher.fetch(server.url(path))), jobs))
    assert all(result.content == bodies[path] for path, result in results)
    assert len(server.requests) == len(jobs)


# --- the test server itself --------------------------------------------------------------------


def test_feedserver_stops_promptly_and_leaks_no_threads() -> None:
    before = set(threading.enumerate())
    server = FeedServer().start()
    server.misbehave("/endless", "endless")
    server.add("/slow", FEED)
    server.misbehave("/slow", "slow", delay=30)
    with Fetcher(timeout=0.3, host_interval=0, max_bytes=64 * 1024) as fetcher:
        with pytest.raises(ResponseTooLarge):
            fetcher.fetch(server.url("/endless"))
        with pytest.raises(FetchTimeout):
            fetcher.fetch(server.url("/slow"))
        started = time.monotonic()
        server.stop()  # the slow handler is still asleep; stopping must wake it
        assert time.monotonic() - started < 3
    leftover = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert leftover == []
