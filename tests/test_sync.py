"""Sync end to end against a loopback server: feeds, images, validators, failures, pages."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from feedserver import FeedServer
from kill import kill_cli_midway
from PIL import Image
from test_counters import recount_mismatches

from reader.archive import Archive
from reader.cli import main

REPO = Path(__file__).resolve().parents[1]


def png(width: int = 4, height: int = 3, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def rss(items: list[dict[str, str]], title: str = "Harbour Herald") -> bytes:
    entries = "".join(
        f"""<item><title>{item['title']}</title><link>{item['link']}</link>
        <guid>{item.get('guid', item['link'])}</guid>
        <pubDate>{item.get('date', 'Mon, 04 Nov 2024 09:00:00 GMT')}</pubDate>
        <category>{item.get('category', 'Local')}</category>
        <description><![CDATA[{item['body']}]]></description></item>"""
        for item in items)
    return (f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{title}</title><link>http://example.invalid/</link>
{entries}</channel></rss>""").encode()


LONG = " ".join(["The council met again to discuss the seawall and its cost."] * 20)


def story(n: int, server: FeedServer, image: str = "/img/red.png", body: str = LONG) -> dict[
        str, str]:
    return {"title": f"Story {n}", "link": server.url(f"/story/{n}"),
            "body": f"<p>{body} Number {n}.</p><p><img src=\"{image}\" alt=\"Photo {n}\"></p>"
                    f"<script>alert(1)</script><p onclick=\"x()\">"
                    f"<a href=\"javascript:alert(1)\">bad link</a></p>"}


def run(archive: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--archive", str(archive), *argv], out)
    return code, out.getvalue()


def run_json(archive: Path, *argv: str, expect: int = 0) -> Any:
    code, text = run(archive, *argv, "--json")
    assert code == expect, text
    return json.loads(text)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as started:
        yield started


def test_add_and_sync_bring_articles_with_images(archive_path: Path, server: FeedServer) -> None:
    server.add("/img/red.png", png(), content_type="image/png")
    server.add("/feed.xml", rss([story(n, server) for n in range(3)]))
    added = run_json(archive_path, "add", server.url("/feed.xml"))
    assert added == {"source_id": added["source_id"], "url": server.url("/feed.xml"),
                     "title": "Harbour Herald"}
    [report] = run_json(archive_path, "sync")
    assert report == {"source_id": added["source_id"], "url": server.url("/feed.xml"),
                      "status": "ok", "new": 3, "updated": 0, "error": None}
    rows = run_json(archive_path, "list")
    assert [row["title"] for row in rows] == ["Story 2", "Story 1", "Story 0"] or len(rows) == 3
    article = run_json(archive_path, "show", str(rows[0]["id"]))
    body = article["body_html"]
    assert "archive-image:" in body and "127.0.0.1" not in body.split("href")[0]
    assert "<script" not in body and "onclick" not in body and "javascript:" not in body
    assert article["tags"] == ["Local"]
    assert article["published"] == "2024-11-04T09:00:00+00:00"
    with Archive.open(archive_path) as archive, archive.reading() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM images").scalar() == 1
        sha = body.split("archive-image:")[1][:64]
        mime, data = archive.image(sha)
        assert mime == "image/png" and data == png()
    image_hits = [r for r in server.requests if r.path == "/img/red.png"]
    assert len(image_hits) == 1  # shared by three articles, fetched and stored once


def test_second_sync_is_conditional_and_not_modified(archive_path: Path,
                                                     server: FeedServer) -> None:
    server.add("/img/red.png", png(), content_type="image/png")
    server.add("/a.xml", rss([story(1, server)], title="A"))
    server.add("/b.xml", rss([story(2, server)], title="B"))
    run_json(archive_path, "add", server.url("/a.xml"))
    run_json(archive_path, "add", server.url("/b.xml"))
    assert [r["status"] for r in run_json(archive_path, "sync")] == ["ok", "ok"]
    before = len(server.requests)
    assert [r["status"] for r in run_json(archive_path, "sync")] == ["not_modified"] * 2
    second = server.requests[before:]
    assert len(second) == 2
    assert all(r.headers.get("If-None-Match") for r in second)


def test_failing_source_is_recorded_and_others_carry_on(archive_path: Path,
                                                        server: FeedServer) -> None:
    server.add("/img/red.png", png(), content_type="image/png")
    server.add("/good.xml", rss([story(1, server)]))
    server.add("/broken.xml", rss([story(2, server)]))
    good = run_json(archive_path, "add", server.url("/good.xml"))["source_id"]
    broken = run_json(archive_path, "add", server.url("/broken.xml"))["source_id"]
    server.misbehave("/broken.xml", "status", status=500)
    reports = {r["source_id"]: r for r in run_json(archive_path, "sync", expect=1)}
    assert reports[good]["status"] == "ok" and reports[good]["new"] == 1
    assert reports[broken]["status"] == "failed" and "500" in reports[broken]["error"]
    listed = {s["id"]: s for s in run_json(archive_path, "sources")}
    assert set(listed[broken]) >= {"id", "url", "title", "kind", "last_synced", "last_error"}
    assert listed[broken]["failures"] == 1  # the other source answered: not offline
    assert "500" in listed[broken]["last_error"] and listed[good]["last_error"] is None
    assert listed[good]["last_synced"] is not None


def test_gone_feed_is_marked_and_skipped(archive_path: Path, server: FeedServer) -> None:
    server.add("/gone.xml", rss([]))
    source = run_json(archive_path, "add", server.url("/gone.xml"))["source_id"]
    server.misbehave("/gone.xml", "status", status=410)
    [report] = run_json(archive_path, "sync", expect=1)
    assert report["status"] == "failed" and "gone" in report["error"].lower()
    assert run_json(archive_path, "sync") == []
    [again] = run_json(archive_path, "sync", str(source), expect=1)  # asked by id: tried
    assert again["status"] == "failed"


def test_retry_after_is_respected(archive_path: Path, server: FeedServer) -> None:
    server.add("/busy.xml", rss([]))
    run_json(archive_path, "add", server.url("/busy.xml"))
    server.misbehave("/busy.xml", "status", status=429, retry_after=3600)
    [report] = run_json(archive_path, "sync", expect=1)
    assert report["status"] == "failed"
    hits = len(server.requests)
    assert run_json(archive_path, "sync") == []
    assert len(server.requests) == hits


def test_permanent_redirect_updates_the_stored_url(archive_path: Path,
                                                   server: FeedServer) -> None:
    server.add("/new.xml", rss([]))
    server.add("/old.xml", rss([]))
    run_json(archive_path, "add", server.url("/old.xml"))
    server.misbehave("/old.xml", "redirect", status=301, to="/new.xml")
    [report] = run_json(archive_path, "sync")
    assert report["status"] == "ok"
    [source] = run_json(archive_path, "sources")
    assert source["url"] == server.url("/new.xml")


def test_updated_entry_keeps_state_and_deleted_entry_stays_deleted(
        archive_path: Path, server: FeedServer) -> None:
    server.add("/img/red.png", png(), content_type="image/png")
    server.add("/feed.xml", rss([story(1, server), story(2, server)]))
    run_json(archive_path, "add", server.url("/feed.xml"))
    run_json(archive_path, "sync")
    ids = {row["title"]: row["id"] for row in run_json(archive_path, "list")}
    assert run(archive_path, "bookmark", str(ids["Story 1"]))[0] == 0
    assert run(archive_path, "read", str(ids["Story 1"]))[0] == 0
    assert run(archive_path, "delete", str(ids["Story 2"]))[0] == 0
    edited = story(1, server, body=LONG + " A correction was added.")
    server.add("/feed.xml", rss([edited, story(2, server)]))
    [report] = run_json(archive_path, "sync")
    assert (report["new"], report["updated"]) == (0, 1)
    article = run_json(archive_path, "show", str(ids["Story 1"]))
    assert article["bookmarked"] and article["read"]
    assert "correction was added" in article["body_text"]
    assert [row["title"] for row in run_json(archive_path, "list")] == ["Story 1"]


def test_failed_image_becomes_a_placeholder(archive_path: Path, server: FeedServer) -> None:
    server.add("/feed.xml", rss([story(1, server, image="/img/missing.png")]))
    run_json(archive_path, "add", server.url("/feed.xml"))
    run_json(archive_path, "sync")
    [row] = run_json(archive_path, "list")
    body = run_json(archive_path, "show", str(row["id"]))["body_html"]
    assert "missing.png" not in body and "<img" not in body
    assert "Photo 1" in body  # the placeholder keeps the alt text


def test_summary_feed_gets_the_full_page(archive_path: Path, server: FeedServer) -> None:
    page = f"""<!doctype html><html><head><title>Story 7</title>
    <meta name="author" content="Priya Raman"></head><body>
    <nav><a href="/">Home</a> <a href="/news">News</a></nav>
    <article><h1>Story 7</h1><p>{LONG}</p><p>The full text has a closing paragraph about
    the harbour, the ferry and the lifeboat station, which is only on the page.</p></article>
    <footer>© 2024 Harbour Herald</footer></body></html>"""
    server.add("/story/7", page.encode(), content_type="text/html; charset=utf-8")
    summary = {"title": "Story 7", "link": server.url("/story/7"), "body": "<p>Short teaser.</p>"}
    server.add("/feed.xml", rss([summary]))
    run_json(archive_path, "add", server.url("/feed.xml"))
    run_json(archive_path, "sync")
    [row] = run_json(archive_path, "list")
    text = run_json(archive_path, "show", str(row["id"]))["body_text"]
    assert "only on the page" in text and "Home" not in text


def test_add_a_web_page_subscribes_to_its_feed(archive_path: Path, server: FeedServer,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    server.add("/feed.xml", rss([]))
    server.add("/", f"""<!doctype html><html><head><title>Herald</title>
        <link rel="alternate" type="application/rss+xml" href="{server.url('/feed.xml')}">
        </head><body><p>Home page</p></body></html>""".encode(), content_type="text/html")
    added = run_json(archive_path, "add", server.url("/"))
    assert added["url"] == server.url("/feed.xml")
    assert "subscribed to the feed it links to" in capsys.readouterr().err


def test_add_a_page_without_feeds_suggests_saving_it(
        archive_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.add("/plain", b"<!doctype html><html><body><p>Nothing here</p></body></html>",
               content_type="text/html")
    code, _ = run(archive_path, "add", server.url("/plain"))
    assert code == 1
    err = capsys.readouterr().err
    assert "not a feed" in err and "add --page" in err and err.count("\n") == 1
    assert run_json(archive_path, "sources") == []


def test_add_page_saves_full_text_and_images(archive_path: Path, server: FeedServer) -> None:
    server.add("/img/blue.png", png(colour=(10, 20, 200)), content_type="image/png")
    server.add("/article", f"""<!doctype html><html><head><title>Night market returns</title>
        <meta property="article:published_time" content="2024-11-06T18:00:00+01:00">
        </head><body><nav>Menu Home About</nav><article><h1>Night market returns</h1>
        <p>{LONG}</p><figure><img src="/img/blue.png" alt="Stalls"></figure>
        <p>Ninety stalls will open this weekend in the old tram depot.</p></article>
        </body></html>""".encode(), content_type="text/html; charset=utf-8")
    added = run_json(archive_path, "add", "--page", server.url("/article"), "--tag", "Weekend")
    assert set(added) == {"source_id", "url", "title"}
    assert added["title"] == "Night market returns"
    [row] = run_json(archive_path, "list")
    article = run_json(archive_path, "show", str(row["id"]))
    assert "Ninety stalls" in article["body_text"] and "Weekend" in article["tags"]
    assert "archive-image:" in article["body_html"]
    assert article["published"] == "2024-11-06T17:00:00+00:00"


def test_opml_round_trip_with_folders_as_tags(archive_path: Path, tmp_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text("""<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head>
    <body><outline text="Local news"><outline type="rss" text="Herald"
      xmlUrl="http://127.0.0.1:9/herald.xml" htmlUrl="http://127.0.0.1:9/"/></outline>
    <outline type="rss" text="Top level" xmlUrl="http://127.0.0.1:9/top.xml"/></body></opml>""")
    [result] = run_json(archive_path, "import", str(opml))
    assert result["status"] == "imported" and result["article_ids"] == []
    titles = sorted(s["title"] for s in run_json(archive_path, "sources"))
    assert titles == ["Herald", "Top level"]
    exported = tmp_path / "out.opml"
    assert run(archive_path, "export-opml", str(exported))[0] == 0
    other = tmp_path / "other.db"
    run_json(other, "import", str(exported))
    assert sorted(s["title"] for s in run_json(other, "sources")) == titles
    text = exported.read_text()
    assert 'text="Local news"' in text and "http://127.0.0.1:9/herald.xml" in text


def test_import_feed_file_and_html_page(archive_path: Path, tmp_path: Path) -> None:
    feed = tmp_path / "saved.rss"
    feed.write_bytes(rss([{"title": "Offline story", "link": "http://example.invalid/1",
                           "body": f"<p>{LONG}</p><img src=\"http://example.invalid/x.png\">"}]))
    page = tmp_path / "page.html"
    page.write_text(f"<html><head><title>Saved page</title></head><body><article>"
                    f"<h1>Saved page</h1><p>{LONG}</p></article></body></html>")
    results = run_json(archive_path, "import", str(feed), str(page))
    assert [r["status"] for r in results] == ["imported", "imported"]
    rows = {row["title"]: row for row in run_json(archive_path, "list")}
    assert set(rows) == {"Offline story", "Saved page"}
    body = run_json(archive_path, "show", str(rows["Offline story"]["id"]))["body_html"]
    assert "example.invalid/x.png" not in body
    assert run_json(archive_path, "import", str(feed))[0]["status"] == "unchanged"


@pytest.mark.slow
def test_kill_during_sync_leaves_archive_consistent(archive_path: Path,
                                                    server: FeedServer) -> None:
    server.add("/img/red.png", png(), content_type="image/png")
    with Archive.open(archive_path):
        pass
    for feed in range(30):
        items = [story(feed * 100 + n, server) for n in range(60)]
        server.add(f"/feed{feed}.xml", rss(items, title=f"Feed {feed}"))
        run_json(archive_path, "add", server.url(f"/feed{feed}.xml"))
    kill_cli_midway(archive_path, "sync", once_articles=119)
    with Archive.open(archive_path) as archive:
        archive.check()
        with archive.reading() as connection:
            assert recount_mismatches(connection) == []
            per_source = connection.exec_driver_sql(
                "SELECT count(*) FROM articles GROUP BY source_id").all()
        assert all(count == 60 for (count,) in per_source)  # each source all or nothing
    reports = run_json(archive_path, "sync")
    assert all(r["status"] in ("ok", "not_modified") for r in reports)
    with Archive.open(archive_path) as archive:
        assert archive.totals().articles == 1800


def test_progress_is_reported_per_source_and_cancel_stops_between_sources(
        archive_path: Path, server: FeedServer) -> None:
    import threading

    from reader.sync.fetch import Fetcher
    from reader.sync.pipeline import sync

    for n in range(6):
        server.add(f"/f{n}.xml", rss([], title=f"Feed {n}"))
        run_json(archive_path, "add", server.url(f"/f{n}.xml"))
    seen: list[tuple[int, int, str | None]] = []
    with Archive.open(archive_path) as archive, Fetcher(host_interval=0) as fetcher:
        reports = sync(archive, fetcher=fetcher, workers=2,
                       progress=lambda done, total, r: seen.append(
                           (done, total, r.title if r else None)))
    assert [(done, total) for done, total, _ in seen] == [(n, 6) for n in range(1, 7)]
    assert {title for _, _, title in seen} == {f"Feed {n}" for n in range(6)}
    assert [r.status for r in reports] == ["ok"] * 6

    for n in range(6):
        server.misbehave(f"/f{n}.xml", "slow", delay=0.3)
    cancel = threading.Event()

    def stop_after_first(done: int, total: int, report: object) -> None:
        cancel.set()

    with Archive.open(archive_path) as archive, Fetcher(host_interval=0) as fetcher:
        reports = sync(archive, fetcher=fetcher, workers=1, cancel=cancel,
                       progress=stop_after_first)
    statuses = [r.status for r in reports]
    assert statuses.count("not_modified") + statuses.count("ok") == 1
    assert [r.error for r in reports].count("cancelled") == 5


def test_import_feed_file_keeps_images_beside_it(archive_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    (folder / "pics").mkdir(parents=True)
    (folder / "pics" / "harbour.png").write_bytes(png(8, 6))
    (tmp_path / "outside.png").write_bytes(png(8, 6, (0, 200, 0)))
    feed = folder / "herald.rss"
    feed.write_bytes(rss([{"title": "With pictures", "link": "http://example.invalid/p",
                           "body": f"<p>{LONG}</p><img src=\"pics/harbour.png\" alt=\"Harbour\">"
                                   "<img src=\"../outside.png\" alt=\"Outside\">"}]))
    [result] = run_json(archive_path, "import", str(feed))
    body = run_json(archive_path, "show", str(result["article_ids"][0]))["body_html"]
    assert body.count("archive-image:") == 1
    assert "Outside" in body and "outside.png" not in body
