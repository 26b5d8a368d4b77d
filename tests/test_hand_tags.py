"""Tags a person put on an article are told apart from a feed's categories and folder tags,
and stay theirs through re-syncs, renames and merges."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from drafts import make_draft
from feedserver import FeedServer

from reader.archive import Archive, tags
from reader.cli import main

LONG = " ".join(["The ferry timetable changes on Monday for the winter months."] * 20)


def rss(body: str, category: str = "Ferries, Winter") -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbour Herald</title><link>http://example.invalid/</link>
<item><title>Winter timetable</title><link>http://example.invalid/winter</link>
<guid>winter-timetable</guid><pubDate>Mon, 04 Nov 2024 09:00:00 GMT</pubDate>
<category>{category}</category><category>Section:local</category>
<description><![CDATA[<p>{body}</p>]]></description></item></channel></rss>""".encode()


def run_json(archive: Path, *argv: str) -> Any:
    out = io.StringIO()
    code = main(["--archive", str(archive), *argv, "--json"], out)
    assert code == 0, out.getvalue()
    return json.loads(out.getvalue())


def run(archive: Path, *argv: str) -> str:
    out = io.StringIO()
    assert main(["--archive", str(archive), *argv], out) == 0, out.getvalue()
    return out.getvalue()


def mine(archive: Path) -> dict[str, bool]:
    return {tag["name"]: tag["mine"] for tag in run_json(archive, "tags")}


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as started:
        yield started


def test_a_hand_tag_survives_the_feed_giving_the_same_category_again(
        archive_path: Path, server: FeedServer) -> None:
    server.add("/feed.xml", rss(LONG))
    run_json(archive_path, "add", server.url("/feed.xml"), "--tag", "Local")
    run_json(archive_path, "sync")
    # Feed categories (split, the Section key left out) and the folder tag are not the user's.
    assert mine(archive_path) == {"Ferries": False, "Local": False, "Winter": False}
    [row] = run_json(archive_path, "list")

    assert run(archive_path, "tag", str(row["id"]), "Ferries") == (
        f"tagged #{row['id']} with Ferries\n")
    assert run(archive_path, "tag", str(row["id"]), "Ferries") == (
        f"#{row['id']} already had the tag Ferries\n")
    assert mine(archive_path) == {"Ferries": True, "Local": False, "Winter": False}

    server.add("/feed.xml", rss(LONG + " Updated.", category="Ferries; Winter"))
    [report] = run_json(archive_path, "sync")
    assert report["updated"] == 1
    assert mine(archive_path) == {"Ferries": True, "Local": False, "Winter": False}


def test_sync_and_import_tags_are_not_hand_tags(archive: Archive) -> None:
    [first, second, third] = [outcome.article_id for outcome in archive.store(
        [make_draft(1, tags=("Sahel",)), make_draft(2, tags=("Sahel",)), make_draft(3)])]
    assert first and second and third
    archive.tag(second, ["Reading list"])
    with archive.reading() as connection:
        assert tags.hand_tagged(connection, [first, second, third]) == {second}
        assert tags.hand_tagged(connection, []) == set()
    assert {t.name: t.by_user for t in archive.tag_counts()} == {
        "Reading list": True, "Sahel": False}


def test_keeping_a_feed_category_in_the_tag_editor_is_not_choosing_it(archive: Archive) -> None:
    [outcome] = archive.store([make_draft(1, tags=("Sahel", "Politics"))])
    article_id = outcome.article_id
    assert article_id
    assert archive.set_tags(article_id, ["Sahel", "Politics", "Follow up"])
    assert {t.name: t.by_user for t in archive.tag_counts()} == {
        "Follow up": True, "Politics": False, "Sahel": False}
    assert archive.tag_articles([article_id], ["Politics"]) == [article_id]
    assert {t.name: t.by_user for t in archive.tag_counts()}["Politics"] is True


def test_rename_and_merge_keep_whose_tag_it_is(archive: Archive) -> None:
    ids = [outcome.article_id or 0 for outcome in archive.store(
        [make_draft(1, tags=("sahel region",)), make_draft(2, tags=("Sahel",)),
         make_draft(3, tags=("Politics",))])]
    archive.tag(ids[0], ["sahel region"])  # by hand, on the feed's category
    archive.rename_tag("Politics", "Elections")
    assert {t.name: t.by_user for t in archive.tag_counts()} == {
        "Elections": False, "Sahel": False, "sahel region": True}
    # Merge: article 1's row was the user's, article 2's was the feed's.
    archive.rename_tag("sahel region", "Sahel")
    assert {t.name: (t.count, t.by_user) for t in archive.tag_counts()} == {
        "Elections": (1, False), "Sahel": (2, True)}
    with archive.reading() as connection:
        assert tags.hand_tagged(connection, ids) == {ids[0]}
    # Merging a feed's tag into the user's keeps the user's rows theirs and the others not.
    archive.tag(ids[2], ["Follow up"])
    archive.rename_tag("Follow up", "Elections")
    with archive.reading() as connection:
        assert tags.hand_tagged(connection, ids) == {ids[0], ids[2]}
    archive.check()


def test_the_tag_list_of_a_search_still_tells_the_users_tags(archive: Archive) -> None:
    ids = [outcome.article_id or 0 for outcome in archive.store(
        [make_draft(1, tags=("Sahel",), body="<p>Rain in the north.</p>"),
         make_draft(2, tags=("Sahel",), body="<p>Drought in the east.</p>")])]
    archive.tag(ids[0], ["Sahel"])
    assert [(t.name, t.count, t.by_user) for t in archive.tag_counts("drought")] == [
        ("Sahel", 1, True)]


def test_tags_given_when_saving_a_page_are_the_users(archive_path: Path,
                                                     server: FeedServer) -> None:
    page = f"""<!doctype html><html><head><title>Night market returns</title>
        <meta name="keywords" content="markets, Uncategorized, pid:9912">
        </head><body><article><h1>Night market returns</h1><p>{LONG}</p>
        <p>Ninety stalls will open this weekend in the old tram depot.</p></article>
        </body></html>"""
    server.add("/article", page.encode(), content_type="text/html; charset=utf-8")
    run_json(archive_path, "add", "--page", server.url("/article"), "--tag", "Weekend")
    assert mine(archive_path) == {"markets": False, "Weekend": True}
    # Saving it again with another tag adds that tag to the article already saved.
    run_json(archive_path, "add", "--page", server.url("/article"), "--tag", "Markets")
    assert mine(archive_path) == {"markets": True, "Weekend": True}
    [row] = run_json(archive_path, "list")
    assert row["tags"] == ["markets", "Weekend"]
