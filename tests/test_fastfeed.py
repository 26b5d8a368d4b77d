"""The fast parsing tier: the same feed as feedparser reads it, or feedparser reads it instead."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.sync import fastfeed, feeds
from reader.sync.feeds import ParsedFeed, parse_feed

DC = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'


def slow_parse(data: bytes, url: str | None = None) -> ParsedFeed:
    """parse_feed with the fast tier switched off: feedparser alone."""
    original = feeds.fastfeed.parse
    feeds.fastfeed.parse = lambda _text: None
    try:
        return parse_feed(data, url)
    finally:
        feeds.fastfeed.parse = original


def rss_doc(items: list[dict[str, object]], version: str = ' version="2.0"',
            link: str = "https://news.example/") -> bytes:
    parts = []
    for entry in items:
        tags = "".join(f"<category>{escape(str(tag))}</category>"
                       for tag in entry.get("tags", []))  # type: ignore[attr-defined]
        enclosure = entry.get("enclosure", "")
        parts.append(
            f"<item><title>{escape(str(entry['title']))}</title>"
            f"<link>{escape(str(entry['link']))}</link><guid>{escape(str(entry['guid']))}</guid>"
            f"<pubDate>Mon, 04 Nov 2024 09:00:00 GMT</pubDate>"
            f"<dc:creator>{escape(str(entry.get('author', 'Jo Bloggs')))}</dc:creator>{tags}"
            f"{enclosure}<description>{escape(str(entry['body']))}</description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss{version} {DC}><channel>'
            f"<title>Harbour Herald</title><link>{link}</link>{''.join(parts)}"
            "</channel></rss>").encode()


def atom_doc(entries: list[dict[str, object]], extra: str = "") -> bytes:
    parts = []
    for entry in entries:
        tags = "".join(f'<category term="{escape(str(tag))}"/>'
                       for tag in entry.get("tags", []))  # type: ignore[attr-defined]
        parts.append(
            f"<entry><title type=\"html\">{escape(str(entry['title']))}</title>"
            f"<id>{escape(str(entry['guid']))}</id><link href=\"{escape(str(entry['link']))}\"/>"
            "<updated>2024-11-04T09:00:00Z</updated>"
            f"<author><name>{escape(str(entry.get('author', 'Jo Bloggs')))}</name></author>{tags}"
            f"<content type=\"html\">{escape(str(entry['body']))}</content></entry>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<feed xmlns="http://www.w3.org/2005/Atom"{extra}><title>Harbour Herald</title>'
            '<id>urn:herald</id><updated>2024-11-04T09:00:00Z</updated>'
            f"{''.join(parts)}</feed>").encode()


STORY = {"title": "Ferry <b>back</b> & running", "link": "https://news.example/ferry",
         "guid": "ferry-1", "body": "<p>The ferry is back. <img src=\"/img/f.png\"></p>",
         "tags": ["Transport", "Harbour"]}


@pytest.mark.parametrize("document", [rss_doc([STORY]), atom_doc([STORY])],
                         ids=["rss20", "atom10"])
def test_plain_feeds_are_read_by_the_fast_tier_exactly_as_feedparser_reads_them(
        document: bytes) -> None:
    assert fastfeed.parse(document.decode()) is not None
    fast = parse_feed(document, "https://news.example/feed")
    assert fast == slow_parse(document, "https://news.example/feed")
    [draft] = fast.entries
    assert draft.url == "https://news.example/ferry"
    assert draft.published == datetime(2024, 11, 4, 9, 0, tzinfo=UTC)
    assert draft.tags == ("Transport", "Harbour")
    assert 'src="https://news.example/img/f.png"' in draft.body_html


def test_an_rss_enclosure_survives_the_fast_tier() -> None:
    story = {**STORY, "enclosure": '<enclosure url="https://cdn.example/ep1.mp3" '
                                   'type="audio/mpeg" length="1234"/>'}
    document = rss_doc([story])
    assert fastfeed.parse(document.decode()) is not None
    [draft] = parse_feed(document).entries
    assert [(e.url, e.mime_type, e.length) for e in draft.enclosures] == [
        ("https://cdn.example/ep1.mp3", "audio/mpeg", 1234)]


@pytest.mark.parametrize("document", [
    # feedparser-rs empties links to loopback and private addresses: intranet feeds keep them
    rss_doc([{**STORY, "link": "http://192.168.1.20/ferry"}]),
    rss_doc([{**STORY, "link": "http://127.0.0.1:8080/ferry"}]),
    # xml:base changes what relative links mean, and feedparser-rs does not report it
    atom_doc([STORY], extra=' xml:base="https://other.example/base/"'),
    # an <rss> with no version is "rss" to feedparser
    rss_doc([STORY], version=""),
    # an undeclared namespace prefix: feedparser reads it leniently and says so
    rss_doc([{**STORY, "author": "x"}]).replace(b"<dc:creator>", b"<zz:creator>")
    .replace(b"</dc:creator>", b"</zz:creator>"),
    # UTF-8 written as Latin-1 character references, which feedparser repairs
    rss_doc([{**STORY, "body": "<p>&#226;&#128;&#166;</p>"}]).replace(b"&amp;#", b"&#"),
    # ...and as Latin-1 text ("Ã©" for "é"), which feedparser repairs in names
    rss_doc([{**STORY, "author": "Ren\u00c3\u00a9e"}]),
    # an Atom link with a query string: feedparser-rs leaves "&amp;" in attributes undecoded
    atom_doc([{**STORY, "link": "https://news.example/a?x=1&y=2"}]),
], ids=["private-link", "loopback-link", "xml-base", "no-version", "undeclared-prefix",
        "double-encoded", "mojibake", "attribute-reference"])
def test_documents_the_fast_tier_would_misread_go_to_feedparser(document: bytes) -> None:
    assert fastfeed.parse(document.decode()) is None
    assert parse_feed(document, "https://news.example/feed") == slow_parse(
        document, "https://news.example/feed")


def test_private_links_are_kept() -> None:
    [draft] = parse_feed(rss_doc([{**STORY, "link": "http://192.168.1.20/ferry"}])).entries
    assert draft.url == "http://192.168.1.20/ferry"


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
_ENTRY = st.fixed_dictionaries({
    "title": _TEXT,
    "link": st.sampled_from(["https://news.example/a", "https://news.example/b?x=1&y=2",
                             "/relative/c", "https://news.example/ü"]),
    "guid": st.text("abcdefghij0123456789-:", min_size=1, max_size=20),
    "body": st.lists(st.sampled_from(["<p>", "</p>", "text", " & ", "&amp;", "<img src=x.png>",
                                      "<b>", "</b>", "é", "<a href=\"/r\">r</a>", "\n"]),
                     max_size=12).map("".join),
    "tags": st.lists(_TEXT.filter(str.strip), max_size=3),
    "author": _TEXT,
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ENTRY, min_size=1, max_size=4), st.booleans())
def test_both_tiers_agree_on_generated_feeds(entries: list[dict[str, object]],
                                             atom: bool) -> None:
    document = atom_doc(entries) if atom else rss_doc(entries)
    assert parse_feed(document, "https://news.example/feed") == slow_parse(
        document, "https://news.example/feed")


@pytest.mark.parametrize("title", ["<>", "a < b", "x &amp; y", "<b>bold</b> news"])
def test_an_rss_title_that_only_looks_like_markup_is_read_as_feedparser_reads_it(
        title: str) -> None:
    document = rss_doc([{**STORY, "title": title}])
    assert parse_feed(document).entries[0].title == slow_parse(document).entries[0].title
