"""Entries without a title are named by their first sentence, never "(untitled)": in the
list, ``show``, the pane and in archives written before this rule (migration 0007)."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from feedserver import FeedServer
from hypothesis import given
from hypothesis import strategies as st

from reader.archive import Archive
from reader.archive.engine import (
    HEAD_REVISION,
    _alembic_config,
    create_archive_file,
    migration_engine,
)
from reader.archive.timestamps import to_micros
from reader.cli import main
from reader.records import ArticleDraft
from reader.render.article_html import article_document
from reader.render.plaintext import title_key
from reader.titles import MAX_DERIVED_TITLE, derived_title

FIXTURES = Path(__file__).parent / "fixtures" / "microblog"
MOMENT = datetime(2026, 12, 4, 7, 30, tzinfo=UTC)


def run(archive: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--archive", str(archive), *argv], out)
    return code, out.getvalue()


def run_json(archive: Path, *argv: str) -> Any:
    code, text = run(archive, *argv, "--json")
    assert code == 0, text
    return json.loads(text)


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "html", "title"), [
    ("Hello harbour. More to say.", "", "Hello harbour"),
    ("Ships are in, e.g. the ferry. Next", "", "Ships are in, e.g. the ferry"),
    ("Version 3.5 is out! Upgrade now.", "", "Version 3.5 is out!"),
    ("The U.S. Senate voted today. Then", "", "The U.S. Senate voted today"),
    ("Dr. No was on at 8 p.m. tonight. Good", "", "Dr. No was on at 8 p.m. tonight"),
    ("J. Smith wrote it. Yes", "", "J. Smith wrote it"),
    ("Is it late? Yes.", "", "Is it late?"),
    ("\u201cWe sail at dawn.\u201d She said", "", "\u201cWe sail at dawn.\u201d"),
    ("First paragraph ends here\n\nSecond one", "", "First paragraph ends here"),
    ("Great read https://news.example/a/b today.", "", "Great read today"),
    ("https://www.news.example/2026/12/seawall", "", "Link to news.example"),
    ("🎉🎉", "", "🎉🎉"),
    ("A grey heron", '<img src="x" alt="A grey heron">', "A grey heron"),
    ("[image: A grey heron]", '<span class="image-missing">[image: A grey heron]</span>',
     "A grey heron"),
    ("[image]", '<span class="image-missing">[image]</span>', "Photo"),
    ("", '<img src="archive-image:ab">', "Photo"),
    ("", "", "Post of 4 Dec 2026"),
    ("   ...  ", "<p>...</p>", "Post of 4 Dec 2026"),
])
def test_first_sentence_becomes_the_title(text: str, html: str, title: str) -> None:
    assert derived_title(text, html, MOMENT) == title


def test_a_long_first_sentence_is_cut_at_a_word() -> None:
    text = "Storm warning for the whole coast tonight " + "and the estuary " * 20
    title = derived_title(text, "", MOMENT)
    assert len(title) <= MAX_DERIVED_TITLE + 1 and title.endswith("…")
    assert title.startswith("Storm warning for the whole coast tonight and")
    assert title[:-1] == title[:-1].rstrip() and text.startswith(title[:-1])


@given(st.text(), st.text(max_size=200), st.datetimes(timezones=st.just(UTC)))
def test_the_title_rule_never_fails(text: str, html: str, moment: datetime) -> None:
    title = derived_title(text, html, moment)
    assert title.strip() and title == title.strip()
    assert len(title) <= MAX_DERIVED_TITLE + 1
    assert title.splitlines() == [title]


# --- through import, sync and the archive ------------------------------------------------------


MASTODON_TITLES = [
    "Post of 4 Dec 2026",
    "Photo",
    "A grey heron on the harbour wall",
    "@bob Version 3.5 of the timetable is out?",
    "Link to news.example",
    "The ferry is late again, e.g. by 20 minutes at the U.S. pier",
]


def test_microblog_feeds_show_first_sentences(archive_path: Path) -> None:
    for name in ("mastodon.rss", "bluesky.rss", "microblog.json"):
        [result] = run_json(archive_path, "import", str(FIXTURES / name))
        assert result["status"] == "imported", result
    rows = run_json(archive_path, "list", "--limit", "50")
    titles = {row["title"] for row in rows}
    assert set(MASTODON_TITLES) <= titles
    assert "Dr. Okafor opens the new lifeboat station at 10 a.m. on Saturday" in titles
    assert "Walked down to the harbour for coffee" in titles
    assert "Currently reading: The Tide Tables 📚" in titles
    storm = next(title for title in titles if title.startswith("Storm warning"))
    assert storm.endswith("…") and len(storm) <= MAX_DERIVED_TITLE + 1
    assert not any("untitled" in title for title in titles)

    ferry = next(row for row in rows if row["title"].startswith("The ferry"))
    shown = run_json(archive_path, "show", str(ferry["id"]))
    assert shown["title"] == ferry["title"]
    code, text = run(archive_path, "show", str(ferry["id"]))
    assert code == 0 and text.splitlines()[0] == ferry["title"]
    with Archive.open(archive_path) as archive:
        article = archive.article(ferry["id"])
        assert f">{ferry['title']}</h1>" in article_document(article)


def test_a_titled_update_replaces_the_derived_title(archive: Archive) -> None:
    draft = ArticleDraft(title="", body_html="<p>Fog on the river. Cold.</p>", guid="g:1",
                         published=MOMENT)
    [first] = archive.store([draft])
    assert archive.article(first.article_id or 0).title == "Fog on the river"
    [again] = archive.store([ArticleDraft(title="River fog", body_html=draft.body_html,
                                          guid="g:1", published=MOMENT)])
    assert again.status == "updated" and archive.article(first.article_id or 0).title == (
        "River fog")


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as started:
        yield started


def test_synced_microblog_items_get_first_sentences(archive_path: Path,
                                                    server: FeedServer) -> None:
    items = "".join(
        f"<item><link>{server.url(f'/post/{n}')}</link><guid>post-{n}</guid>"
        f"<pubDate>Thu, 03 Dec 2026 0{n}:00:00 +0000</pubDate>"
        f"<description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
        for n, text in enumerate(["Low tide at six. Mind the mud.",
                                  "New bench on the pier! Finally."]))
    server.add("/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>Posts'
                            f"</title><link>{server.url('/')}</link>{items}</channel></rss>".encode())
    run_json(archive_path, "add", server.url("/feed.xml"))
    [report] = run_json(archive_path, "sync")
    assert report["status"] == "ok" and report["new"] == 2
    assert [row["title"] for row in run_json(archive_path, "list")] == [
        "New bench on the pier!", "Low tide at six"]


# --- migration 0007 ----------------------------------------------------------------------------


def test_migration_names_untitled_articles_by_their_first_sentence(archive_path: Path) -> None:
    create_archive_file(archive_path)
    engine = migration_engine(archive_path)
    with engine.connect() as connection:
        with connection.begin():
            command.upgrade(_alembic_config(connection), "0006")
        with connection.begin():
            connection.exec_driver_sql(
                "INSERT INTO sources (id, kind, title, created_at) VALUES (1, 'local', 'x', 0)")
            rows = [
                (1, "(untitled)", "<p>Kelp forest returns to the bay. Divers cheer.</p>",
                 "Kelp forest returns to the bay. Divers cheer."),
                (2, "(untitled)", "", ""),
                (3, "Kept as it was", "<p>Some body.</p>", "Some body."),
            ]
            for article_id, title, html, text in rows:
                connection.exec_driver_sql(
                    "INSERT INTO articles (id, source_id, guid, title, title_key, fetched, "
                    "published, order_key, excerpt, word_count, content_hash) "
                    "VALUES (?, 1, ?, ?, ?, ?, NULL, ?, '', 0, 'h')",
                    (article_id, f"g{article_id}", title, title_key(title),
                     to_micros(MOMENT), article_id))
                connection.exec_driver_sql("INSERT INTO article_bodies VALUES (?, ?, ?)",
                                           (article_id, html, text))
            connection.exec_driver_sql("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
    engine.dispose()

    with Archive.open(archive_path) as archive:
        assert archive.backup_path is not None
        assert [archive.article(n).title for n in (1, 2, 3)] == [
            "Kelp forest returns to the bay", "Post of 4 Dec 2026", "Kept as it was"]
        # The full-text index followed the new title and dropped the old one.
        assert [row.id for row in archive.headlines("kelp").rows] == [1]
        assert archive.headlines("untitled").rows == ()
        archive.check()
    database = sqlite3.connect(archive_path)
    assert database.execute("SELECT title_key FROM articles WHERE id = 1").fetchone()[0] == (
        "kelpforestreturnstothebay")
    [version] = database.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == HEAD_REVISION
    database.close()
