"""Podcast and media enclosures: read from every feed format, cleaned of hostile values,
stored and replaced with their article, listed under it as links (never loaded), and given by
``show`` and ``show --json``."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from reader.archive import Archive
from reader.cli import main
from reader.enclosures import MAX_ENCLOSURES, clean_enclosures
from reader.records import ArticleDraft, Enclosure
from reader.render.article_html import article_document
from reader.render.attachments import human_size, type_label
from reader.sync.feeds import parse_feed

FEED_URL = "https://pod.example/feeds/main.xml"
EPISODE = Enclosure("https://cdn.pod.example/ep42.mp3", "audio/mpeg", 48_213_000)


def rss(items: str, *, tier: str = "fast") -> bytes:
    # Whitespace before the declaration is recovered from, which leaves the document to
    # feedparser instead of the fast tier: the same feed read by both parsers.
    lead = " " if tier == "feedparser" else ""
    return (f'{lead}<?xml version="1.0" encoding="utf-8"?>'
            '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
            f"<title>Pod</title><link>https://pod.example/</link>{items}</channel></rss>"
            ).encode()


def item(extra: str, n: int = 1) -> str:
    return (f"<item><title>Episode {n}</title><link>https://pod.example/{n}</link>"
            f"<guid>ep-{n}</guid><description>Show notes {n}.</description>{extra}</item>")


TIERS = pytest.mark.parametrize("tier", ["fast", "feedparser"])


def enclosures_of(data: bytes, tier: str) -> tuple[Enclosure, ...]:
    feed = parse_feed(data, url=FEED_URL)
    assert bool(feed.warnings) == (tier == "feedparser")
    [entry] = feed.entries
    return entry.enclosures


# --- parsing ----------------------------------------------------------------------------------


@TIERS
def test_rss_enclosure(tier: str) -> None:
    data = rss(item('<enclosure url="/media/ep42.mp3" type="audio/mpeg" length="48213000"/>'),
               tier=tier)
    assert enclosures_of(data, tier) == (
        Enclosure("https://pod.example/media/ep42.mp3", "audio/mpeg", 48_213_000),)


@TIERS
def test_atom_enclosure_link(tier: str) -> None:
    lead = " " if tier == "feedparser" else ""
    data = (f'{lead}<?xml version="1.0" encoding="utf-8"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>Talks</title><id>t</id>'
            "<updated>2026-12-01T00:00:00Z</updated>"
            "<entry><title>Talk</title><id>talk-1</id><updated>2026-12-01T00:00:00Z</updated>"
            '<link rel="alternate" href="https://talks.example/1"/>'
            '<link rel="enclosure" href="https://talks.example/1.ogg" type="audio/ogg" '
            'length="9900"/><summary>Notes</summary></entry></feed>').encode()
    assert enclosures_of(data, tier) == (
        Enclosure("https://talks.example/1.ogg", "audio/ogg", 9900),)


def test_json_feed_attachments() -> None:
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "Pod", "items": [{
        "id": "1", "title": "Ep", "content_text": "Notes", "attachments": [
            {"url": "ep1.m4a", "mime_type": "audio/x-m4a", "size_in_bytes": 1234},
            {"url": "javascript:alert(1)", "mime_type": "audio/mpeg"},
            {"url": 42}, "not an attachment",
            {"url": "https://cdn.pod.example/ep1.pdf", "mime_type": "application/pdf",
             "size_in_bytes": -5},
        ]}]}
    feed = parse_feed(json.dumps(document).encode(), url=FEED_URL)
    assert feed.entries[0].enclosures == (
        Enclosure("https://pod.example/feeds/ep1.m4a", "audio/x-m4a", 1234),
        Enclosure("https://cdn.pod.example/ep1.pdf", "application/pdf", None))


@TIERS
def test_media_rss_files_are_kept_and_pictures_are_not(tier: str) -> None:
    media = (
        '<media:content url="https://cdn.pod.example/v.mp4" type="video/mp4" fileSize="5000" '
        'medium="video"/>'
        '<media:content url="https://cdn.pod.example/lead.jpg" type="image/jpeg" '
        'medium="image"/>'
        '<media:content url="https://cdn.pod.example/wide.jpg"/>'
        '<media:thumbnail url="https://cdn.pod.example/thumb.jpg"/>'
        '<media:group><media:content url="https://cdn.pod.example/a.mp3" fileSize="70"/>'
        "</media:group>")
    assert enclosures_of(rss(item(media), tier=tier), tier) == (
        Enclosure("https://cdn.pod.example/v.mp4", "video/mp4", 5000),
        Enclosure("https://cdn.pod.example/a.mp3", None, 70))


def test_lead_pictures_with_query_strings_keep_the_fast_tier() -> None:
    from reader.sync import fastfeed

    picture = '<media:content url="https://i.pod.example/lead.jpg?w=140&amp;q=85" medium="image"/>'
    video = '<media:content url="https://cdn.pod.example/v.mp4?a=1&amp;b=2" type="video/mp4"/>'
    assert fastfeed.parse(rss(item(picture)).decode()) is not None
    # feedparser-rs may leave "&amp;" undecoded in attributes: such a file is left to feedparser.
    assert fastfeed.parse(rss(item(video)).decode()) is None
    assert parse_feed(rss(item(video)), url=FEED_URL).entries[0].enclosures == (
        Enclosure("https://cdn.pod.example/v.mp4?a=1&b=2", "video/mp4", None),)


@TIERS
def test_hostile_enclosures_are_cleaned(tier: str) -> None:
    hostile = "".join(f'<enclosure url="{escape(url)}" type="{escape(kind)}" length="{length}"/>'
                      for url, kind, length in [
        ("javascript:alert(1)", "audio/mpeg", "1"),
        ("file:///etc/passwd", "audio/mpeg", "1"),
        ("data:audio/mpeg;base64,AAAA", "audio/mpeg", "1"),
        ("http://[oops/a.mp3", "audio/mpeg", "1"),
        ("mailto:host@pod.example", "audio/mpeg", "1"),
        ("https://cdn.pod.example/a.mp3", "audio/MPEG; charset=binary", "-1"),
        ("https://cdn.pod.example/a.mp3", "audio/mpeg", "10"),  # again, with its length
        ("https://cdn.pod.example/my episode.mp3", "mp3", "12 MB"),
        ("https://cdn.pod.example/b.mp3", "audio mpeg", "1" + "0" * 30),
        ("https://cdn.pod.example/c.mp3", '"><script>', "0"),
    ])
    assert enclosures_of(rss(item(hostile), tier=tier), tier) == (
        Enclosure("https://cdn.pod.example/a.mp3", "audio/mpeg", 10),
        Enclosure("https://cdn.pod.example/my%20episode.mp3", None, None),
        Enclosure("https://cdn.pod.example/b.mp3", None, None),
        Enclosure("https://cdn.pod.example/c.mp3", None, 0))


@TIERS
def test_a_file_named_twice_is_listed_once_with_what_both_say(tier: str) -> None:
    twice = ('<enclosure url="https://cdn.pod.example/ep42.mp3" length="48213000"/>'
             '<media:content url="https://cdn.pod.example/ep42.mp3" type="audio/mpeg" '
             'fileSize="1"/>')
    assert enclosures_of(rss(item(twice), tier=tier), tier) == (EPISODE,)


@TIERS
def test_an_entry_keeps_at_most_twenty(tier: str) -> None:
    many = "".join(f'<enclosure url="https://cdn.pod.example/{n}.mp3" type="audio/mpeg"/>'
                   for n in range(500))
    found = enclosures_of(rss(item(many), tier=tier), tier)
    assert len(found) == MAX_ENCLOSURES
    assert found[0].url.endswith("/0.mp3") and found[-1].url.endswith("/19.mp3")


@given(st.lists(st.builds(Enclosure, url=st.one_of(st.text(), st.sampled_from([
    "https://a.example/x.mp3", "http://b.example/", "/rel.mp3", "ftp://c.example/f"])),
    mime_type=st.one_of(st.none(), st.text(), st.just("audio/mpeg")),
    length=st.one_of(st.none(), st.integers()))), st.sampled_from([None, FEED_URL]))
def test_cleaning_never_fails_and_keeps_only_web_links(found: list[Enclosure],
                                                       base: str | None) -> None:
    kept = clean_enclosures(found, base)
    assert len(kept) <= MAX_ENCLOSURES
    assert len({e.url for e in kept}) == len(kept)
    assert all(re.match(r"https?://[^/\s]", e.url) for e in kept)
    assert all(e.length is None or 0 <= e.length <= 10**12 for e in kept)
    assert all(e.mime_type is None or re.fullmatch(r"[a-z0-9][^/\s;]*/[^/\s;]+", e.mime_type)
               for e in kept)
    assert clean_enclosures(kept) == kept


# --- the archive ------------------------------------------------------------------------------


def draft(*enclosures: Enclosure) -> ArticleDraft:
    return ArticleDraft(title="Episode 42", body_html="<p>Show notes.</p>", guid="ep-42",
                        published=datetime(2026, 12, 1, tzinfo=UTC), enclosures=enclosures)


def test_enclosures_are_stored_and_replaced_on_update(archive: Archive) -> None:
    video = Enclosure("https://cdn.pod.example/ep42.mp4", "video/mp4", 900)
    [stored] = archive.store([draft(EPISODE, video)])
    article_id = stored.article_id or 0
    assert archive.article(article_id).enclosures == (EPISODE, video)
    assert archive.store([draft(EPISODE, video)])[0].status == "unchanged"

    moved = Enclosure("https://cdn2.pod.example/ep42.mp3", "audio/mpeg", 48_213_000)
    [updated] = archive.store([draft(moved)])
    assert (updated.status, updated.article_id) == ("updated", article_id)
    assert archive.article(article_id).enclosures == (moved,)

    archive.delete([article_id])
    with archive.reading() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM enclosures").scalar() == 0


def test_the_archive_cleans_drafts_from_any_source(archive: Archive) -> None:
    [stored] = archive.store([draft(Enclosure("javascript:x()"), EPISODE, EPISODE,
                                    Enclosure("https://a.example/x", "no type", -3))])
    assert archive.article(stored.article_id or 0).enclosures == (
        EPISODE, Enclosure("https://a.example/x", None, None))


# --- showing them -----------------------------------------------------------------------------


def test_sizes_and_type_labels() -> None:
    assert [human_size(n) for n in (None, 0, 1, 999, 48_213_000, 999_960, 3_200_000_000)] == [
        None, None, "1 byte", "999 bytes", "48.2 MB", "1.0 MB", "3.2 GB"]
    assert type_label(EPISODE) == "MP3 audio"
    assert type_label(Enclosure("https://a.example/talk.pdf")) == "PDF document"
    assert type_label(Enclosure("https://a.example/x", "audio/x-unheard")) == "Audio"
    assert type_label(Enclosure("https://a.example/x")) == "File"


def pane_article(archive: Archive, *enclosures: Enclosure) -> Any:
    [stored] = archive.store([draft(*enclosures)])
    return archive.article(stored.article_id or 0)


_LOADING = re.compile(r"<(?:img|audio|video|source|embed|object|iframe|link)\b", re.IGNORECASE)


def test_the_pane_lists_attachments_as_links_it_never_loads(archive: Archive) -> None:
    pdf = Enclosure("https://cdn.pod.example/notes%20for%2042.pdf?sig=1&x=2", "application/pdf")
    page = article_document(pane_article(archive, EPISODE, pdf))
    assert "Attachments" in page
    assert '<a href="https://cdn.pod.example/ep42.mp3">ep42.mp3</a>' in page
    assert "· MP3 audio · 48.2 MB" in page
    assert '<a href="https://cdn.pod.example/notes%20for%2042.pdf?sig=1&amp;x=2">' in page
    assert "notes for 42.pdf</a>" in page and "· PDF document</span>" in page
    assert not _LOADING.search(page)
    assert "Attachments" not in article_document(pane_article(archive))


def test_the_reading_pane_shows_attachments_and_hands_clicks_to_the_browser(
        qtbot: QtBot, archive: Archive) -> None:
    from PySide6.QtCore import QPoint, Qt, QUrl

    from ui.article_view import ArticleView

    view = ArticleView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    qtbot.waitExposed(view)
    view.show_article(pane_article(archive, EPISODE))
    text = view.toPlainText()
    assert "ATTACHMENTS" in text.upper() and "ep42.mp3 · MP3 audio · 48.2 MB" in text
    assert view.blocked_requests == []  # nothing was asked for, let alone fetched

    cursor = view.document().find("ep42.mp3")
    assert not cursor.isNull()
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    point = view.cursorRect(cursor).center() - QPoint(8, 0)
    with qtbot.waitSignal(view.external_link_clicked) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == [QUrl(EPISODE.url)]
    assert view.blocked_requests == []


# --- the command line -------------------------------------------------------------------------


def run(archive: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--archive", str(archive), *argv], out)
    return code, out.getvalue()


def test_show_gives_enclosures(archive_path: Path, tmp_path: Path) -> None:
    feed = tmp_path / "pod.xml"
    feed.write_bytes(rss(
        item('<enclosure url="https://cdn.pod.example/ep42.mp3" type="audio/mpeg" '
             'length="48213000"/>', 1) + item("", 2)))
    assert run(archive_path, "import", str(feed))[0] == 0
    code, listed = run(archive_path, "list", "--json")
    ids = {row["title"]: row["id"] for row in json.loads(listed)}

    code, text = run(archive_path, "show", str(ids["Episode 1"]), "--json")
    assert code == 0
    assert json.loads(text)["enclosures"] == [
        {"url": "https://cdn.pod.example/ep42.mp3", "type": "audio/mpeg", "length": 48213000}]
    code, text = run(archive_path, "show", str(ids["Episode 2"]), "--json")
    assert json.loads(text)["enclosures"] == []

    code, text = run(archive_path, "show", str(ids["Episode 1"]))
    assert code == 0
    assert "Attachments\n  - ep42.mp3 (MP3 audio · 48.2 MB)\n" in text
    assert "https://cdn.pod.example/ep42.mp3" in text

