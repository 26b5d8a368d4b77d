"""Subscriptions as a person manages them: adding a feed twice, and the OPML export."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from drafts import make_draft
from feedserver import FeedServer
from test_sync import rss, story

from reader.archive import Archive
from reader.opml_export import export_opml
from reader.sync.opml import OutlineFeed, read_opml
from reader.sync.subscribe import subscribe, subscribe_outlines


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as started:
        yield started


def test_subscribing_again_keeps_the_source_and_adds_the_tags(archive: Archive,
                                                              server: FeedServer) -> None:
    server.add("/herald.xml", rss([story(1, server)], title="Harbour Herald"))
    first = subscribe(archive, server.url("/herald.xml"), ["Local"])
    assert (first.title, first.note) == ("Harbour Herald", None)
    again = subscribe(archive, server.url("/herald.xml"), ["Weekend"])
    assert again.source_id == first.source_id
    assert (again.url, again.title) == (server.url("/herald.xml"), "Harbour Herald")
    assert again.note == f"already subscribed (source #{first.source_id})"
    [outline] = read_opml(export_opml(archive))
    assert sorted(outline.tags) == ["Local", "Weekend"]


def test_opml_export_lists_feeds_by_title_with_their_tags_and_nothing_else(
        archive: Archive) -> None:
    subscribe_outlines(archive, [
        OutlineFeed("http://127.0.0.1:9/zeta.xml", "zeta weekly", None, ()),
        OutlineFeed("http://127.0.0.1:9/alpha.xml", "Alpha Daily", "http://127.0.0.1:9/",
                    ("Local news",)),
    ])
    archive.store([make_draft(1)])  # into the imported-files source, which is no feed
    outlines = read_opml(export_opml(archive))
    assert [(o.url, o.title, o.site_url, o.tags) for o in outlines] == [
        ("http://127.0.0.1:9/alpha.xml", "Alpha Daily", "http://127.0.0.1:9/", ("Local news",)),
        ("http://127.0.0.1:9/zeta.xml", "zeta weekly", None, ()),
    ]
