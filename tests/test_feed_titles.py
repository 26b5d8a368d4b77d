"""Titles a publisher escaped once too often read as the characters meant, in every kind of
feed and through an OPML export and import; an ampersand that is text stays one."""

from __future__ import annotations

import html
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedserver import FeedServer
from hypothesis import given
from hypothesis import strategies as st

from reader.archive import Archive
from reader.cli import main
from reader.references import decode_references
from reader.sync.feeds import parse_feed
from reader.sync.opml import OutlineFeed, read_opml, write_opml
from reader.sync.subscribe import subscribe


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as started:
        yield started


def rss20(channel: str, item: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f'<title>{channel}</title><link>https://example.org/</link>'
            f'<item><title>{item}</title><link>https://example.org/1</link>'
            f'<description>Body</description></item></channel></rss>').encode()


def rss091(channel: str, item: str) -> bytes:
    # RSS 0.91 is read by feedparser itself, not the fast tier.
    return (f'<?xml version="1.0"?><rss version="0.91"><channel>'
            f'<title>{channel}</title><link>https://example.org/</link>'
            f'<description>d</description><language>en</language>'
            f'<item><title>{item}</title><link>https://example.org/1</link></item>'
            f'</channel></rss>').encode()


def atom(channel: str, item: str, kind: str = "text") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>'
            f'<feed xmlns="http://www.w3.org/2005/Atom"><title type="{kind}">{channel}</title>'
            f'<id>urn:x</id><updated>2024-06-01T00:00:00Z</updated>'
            f'<entry><title type="{kind}">{item}</title><id>urn:1</id>'
            f'<link href="https://example.org/1"/><updated>2024-06-01T00:00:00Z</updated>'
            f'<content type="html">Body</content></entry></feed>').encode()


@pytest.mark.parametrize("make", [rss20, rss091, atom], ids=["rss20", "rss091", "atom"])
def test_references_escaped_twice_in_xml_feeds_are_decoded(make: object) -> None:
    assert callable(make)
    feed = parse_feed(make("Blog &amp;#8211; InfluxData", "Tom &amp;amp; Jerry &amp;#x2014; again"))
    assert feed.title == "Blog – InfluxData"
    assert feed.entries[0].title == "Tom & Jerry — again"


def test_html_titles_escaped_twice_are_decoded() -> None:
    feed = parse_feed(atom("News &amp;amp;amp; Views",
                           "Caf&amp;amp;eacute; &lt;b&gt;open&lt;/b&gt;", kind="html"))
    assert feed.title == "News & Views"
    assert feed.entries[0].title == "Café open"


def test_json_feed_titles_with_literal_references_are_decoded() -> None:
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "Blog &#8211; JSON",
                "items": [{"id": "1", "url": "https://example.org/1",
                           "title": "Add Task &amp; Sub Tasks", "content_text": "x"}]}
    feed = parse_feed(json.dumps(document).encode())
    assert feed.title == "Blog – JSON"
    assert feed.entries[0].title == "Add Task & Sub Tasks"


@pytest.mark.parametrize(("written", "meant"), [
    ("AT&amp;T results", "AT&T results"),
    ("R&amp;D &amp; more", "R&D & more"),
    ("Fish &amp;chips &amp;notes", "Fish &chips &notes"),  # no semicolon: not a reference
    ("Tags &amp;foo; and &amp;bar;", "Tags &foo; and &bar;"),  # no such character
])
def test_ampersands_that_are_text_stay(written: str, meant: str) -> None:
    feed = parse_feed(rss20(written, written))
    assert (feed.title, feed.entries[0].title) == (meant, meant)


def test_opml_export_escapes_once_and_import_reads_the_same_title(
        archive: Archive, archive_path: Path, server: FeedServer, tmp_path: Path) -> None:
    server.add("/qa.xml", rss20("Q&amp;amp;A &amp;#8211; Weekly", "One"))
    added = subscribe(archive, server.url("/qa.xml"))
    assert added.title == "Q&A – Weekly"
    exported = tmp_path / "subscriptions.opml"
    assert main(["--archive", str(archive_path), "export-opml", str(exported)],
                io.StringIO()) == 0
    data = exported.read_bytes()
    assert 'title="Q&amp;A – Weekly"' in data.decode("utf-8")
    assert b"&amp;amp;" not in data and b"&amp;#" not in data
    other = tmp_path / "other.db"
    assert main(["--archive", str(other), "import", str(exported)], io.StringIO()) == 0
    with Archive.open(other) as imported:
        assert [source.title for source in imported.sources()
                if source.url == server.url("/qa.xml")] == ["Q&A – Weekly"]


def test_a_title_stored_with_a_reference_is_exported_as_its_text() -> None:
    data = write_opml([OutlineFeed("https://example.org/rss", "Blog &#8211; InfluxData", None,
                                   ())])
    assert b"&amp;#8211;" not in data
    [outline] = read_opml(data)
    assert outline.title == "Blog – InfluxData"


def test_opml_titles_escaped_twice_are_decoded_on_import() -> None:
    data = (b'<?xml version="1.0"?><opml version="2.0"><head/><body>'
            b'<outline type="rss" text="Ars &amp;amp; Co &amp;#8212; Tech" '
            b'xmlUrl="https://example.org/rss"/></body></opml>')
    [outline] = read_opml(data)
    assert outline.title == "Ars & Co — Tech"


plain_text = st.text().filter(lambda text: decode_references(text) == text)


@given(plain_text)
def test_text_escaped_once_or_twice_reads_back(text: str) -> None:
    assert decode_references(html.escape(text)) == text
    assert decode_references(html.escape(html.escape(text))) == text


@given(st.text(alphabet=st.sampled_from("&#;amp x0123456789abcdefltgAZ\u2013"), max_size=60)
       | st.text())
def test_decoding_never_raises_or_grows(text: str) -> None:
    decoded = decode_references(text)
    assert len(decoded) <= len(text)
    if "&" not in text:
        assert decoded == text
