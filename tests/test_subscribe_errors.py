"""Subscribing through a web page whose advertised feed fails: the error says where the feed
address came from, keeps its type, and nothing is subscribed."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedserver import FeedServer
from test_sync import rss, story

from reader.archive import Archive
from reader.cli import main
from reader.errors import ConnectionFailed, HttpStatusError, MalformedFeed
from reader.sync.subscribe import subscribe


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as started:
        yield started


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def page_linking(feed_url: str) -> bytes:
    return (f'<!doctype html><html><head><title>Harbour Herald</title>'
            f'<link rel="alternate" type="application/rss+xml" href="{feed_url}"></head>'
            f'<body><p>Welcome to the Herald.</p></body></html>').encode()


def serve_page(server: FeedServer, feed_url: str) -> str:
    server.add("/", page_linking(feed_url), content_type="text/html; charset=utf-8")
    return server.url("/")


def test_unreachable_feed_of_a_page_names_the_page_and_the_feed(archive: Archive,
                                                                server: FeedServer) -> None:
    feed_url = f"http://127.0.0.1:{dead_port()}/rss"
    page = serve_page(server, feed_url)
    with pytest.raises(ConnectionFailed) as failed:
        subscribe(archive, page)
    message = str(failed.value)
    assert message.startswith(f"{page} is a web page; the feed it links to ({feed_url}) "
                              "could not be fetched: could not connect to 127.0.0.1")
    assert archive.sources() == []


def test_missing_feed_keeps_the_http_status(archive: Archive, server: FeedServer) -> None:
    server.misbehave("/gone.xml", "status", status=404)
    page = serve_page(server, server.url("/gone.xml"))
    with pytest.raises(HttpStatusError) as failed:
        subscribe(archive, page)
    assert failed.value.status == 404
    assert str(failed.value).startswith(
        f"{page} is a web page; the feed it links to ({server.url('/gone.xml')}) "
        "could not be fetched: ")


def test_broken_feed_of_a_page_is_said_to_be_unreadable(archive: Archive,
                                                        server: FeedServer) -> None:
    server.add("/broken.xml", b"<?xml version='1.0'?><rss version='2.0'><channel><title>x")
    page = serve_page(server, server.url("/broken.xml"))
    with pytest.raises(MalformedFeed) as failed:
        subscribe(archive, page)
    assert f"the feed it links to ({server.url('/broken.xml')}) could not be read: " in str(
        failed.value)


def test_a_page_whose_feed_works_still_subscribes(archive: Archive, server: FeedServer) -> None:
    server.add("/rss", rss([story(1, server)]))
    page = serve_page(server, server.url("/rss"))
    added = subscribe(archive, page)
    assert added.url == server.url("/rss")
    assert added.note == f"{page} is a web page; subscribed to the feed it links to: {added.url}"


def test_cli_prints_the_whole_story_on_one_line(archive_path: Path, server: FeedServer,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    feed_url = f"http://127.0.0.1:{dead_port()}/rss"
    page = serve_page(server, feed_url)
    code = main(["--archive", str(archive_path), "add", page], io.StringIO())
    error = capsys.readouterr().err
    assert code != 0
    assert error.count("\n") == 1
    assert f"{page} is a web page; the feed it links to ({feed_url}) could not be fetched: " \
           "could not connect to 127.0.0.1" in error
