"""Hostile images: what one sync may keep, scaling down, bombs, hidden images, orphans.

Each test asserts the mechanism a reader relies on — the budget was applied and the article
says so, nothing hidden was requested, nothing is left behind — never a wall-clock time.
"""

from __future__ import annotations

import io
import os
import random
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedserver import FeedServer
from PIL import Image
from test_images import png_header

from reader.archive import Archive
from reader.archive import images as archive_images
from reader.render.images import MAX_STORED_SIDE, archive_image_uri, prepare_image
from reader.sync import images as sync_images
from reader.sync import pipeline
from reader.sync.fetch import Fetcher
from reader.sync.images import ImageCache
from reader.sync.pipeline import sync

LONG = " ".join(["The council met again to discuss the seawall and its cost."] * 20)


def noise_png(seed: int, side: int = 90) -> bytes:
    """A PNG that does not compress: about 3 bytes a pixel, different for every seed."""
    rng = random.Random(seed)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def solid_png(width: int, height: int, colour: tuple[int, int, int] = (20, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def rss(items: list[tuple[str, str]], title: str = "Hostile Herald") -> bytes:
    entries = "".join(
        f"<item><title>{name}</title><link>http://example.invalid/{name}</link>"
        f"<guid>{title}/{name}</guid><description><![CDATA[{body}]]></description></item>"
        for name, body in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://example.invalid/</link>{entries}"
            f"</channel></rss>").encode()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as started:
        yield started


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(host_interval=0) as client:
        yield client


def subscribe(archive: Archive, server: FeedServer, path: str, body: bytes) -> int:
    from reader.archive import sources

    server.add(path, body)
    with archive.writing() as connection:
        return sources.add_source(connection, kind=sources.FEED_KIND, url=server.url(path),
                                  title=path)


def bodies(archive: Archive) -> dict[str, str]:
    with archive.reading() as connection:
        return {str(title): str(html) for title, html in connection.exec_driver_sql(
            "SELECT a.title, b.html FROM articles a JOIN article_bodies b "
            "ON b.article_id = a.id")}


def texts(archive: Archive) -> dict[str, str]:
    """Each article's plain text (what ``show`` prints, what search indexes), by title."""
    with archive.reading() as connection:
        return {str(title): str(text) for title, text in connection.exec_driver_sql(
            "SELECT a.title, b.text FROM articles a JOIN article_bodies b "
            "ON b.article_id = a.id")}


def stored_images(archive: Archive) -> tuple[int, int]:
    with archive.reading() as connection:
        row = connection.exec_driver_sql(
            "SELECT count(*), coalesce(sum(size), 0) FROM images").one()
    return int(row[0]), int(row[1])


def orphans(archive: Archive) -> tuple[int, int]:
    with archive.reading() as connection:
        return archive_images.orphans(connection)


def image_hits(server: FeedServer, prefix: str) -> list[str]:
    return [r.path for r in server.requests if r.path.startswith(prefix)]


# --- budgets ----------------------------------------------------------------------------------


@pytest.fixture
def small_budgets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The budgets scaled down 400-fold, so a test needs kilobytes, not 100 MB."""
    monkeypatch.setattr(sync_images, "MAX_IMAGE_BYTES_PER_ARTICLE", 60_000)
    monkeypatch.setattr(sync_images, "MAX_IMAGE_BYTES_PER_SOURCE", 150_000)
    monkeypatch.setattr(sync_images, "MAX_IMAGES_PER_ARTICLE", 40)
    monkeypatch.setattr(sync_images, "MAX_IMAGES_PER_SOURCE", 300)


def test_many_large_images_are_capped_per_article_and_per_source(
        archive: Archive, server: FeedServer, fetcher: Fetcher, small_budgets: None) -> None:
    each = len(noise_png(0))  # about 24 KB
    items = []
    for entry in range(8):
        tags = "".join(f'<img src="/img/{entry}-{n}.png" alt="p{entry}-{n}">' for n in range(30))
        for n in range(30):
            server.add(f"/img/{entry}-{n}.png", noise_png(entry * 100 + n),
                       content_type="image/png")
        items.append((f"story{entry}", f"<p>{LONG}</p>{tags}"))
    hostile = subscribe(archive, server, "/hostile.xml", rss(items))
    server.add("/ok.png", noise_png(9999), content_type="image/png")
    calm = subscribe(archive, server, "/calm.xml", rss(
        [("calm", f'<p>{LONG}</p><img src="/ok.png" alt="fine">')], title="Calm"))

    reports = {r.source_id: r for r in sync(archive, fetcher=fetcher)}
    assert reports[hostile].status == "ok" and reports[hostile].new == 8
    assert reports[calm].status == "ok"

    size = stored_images(archive)[1]
    assert size <= 150_000 + each  # the source's budget (and the calm feed's one image)
    stored = bodies(archive)
    first = stored["story0"]
    kept = first.count("archive-image:")
    assert kept == 60_000 // each  # as many as fit in the article's budget, in order
    assert first.count("[image: p0-") == 30 - kept
    text = texts(archive)
    assert (f"Shortened: {30 - kept} images were not kept: over this article's 0.1 MB for "
            f"images" in text["story0"])
    assert "archive-image:" not in stored["story7"]
    assert ("Shortened: 30 images were not kept: over this feed's 0.1 MB for images in one "
            "sync" in text["story7"])
    assert stored["calm"].count("archive-image:") == 1 and "Shortened" not in stored["calm"]
    # Once a budget is used up nothing more is requested: at most one refused download per
    # budget, never the 240 images the feed names.
    assert len(image_hits(server, "/img/")) <= 150_000 // each + 8
    assert orphans(archive) == (0, 0)


def test_an_image_every_entry_shows_is_paid_for_once_by_its_source(
        archive: Archive, server: FeedServer, fetcher: Fetcher, small_budgets: None) -> None:
    server.add("/banner.png", noise_png(42), content_type="image/png")  # 24 KB of 150 KB
    subscribe(archive, server, "/f.xml", rss(
        [(f"e{n}", f'<p>{LONG}</p><img src="/banner.png" alt="banner">') for n in range(12)]))
    [report] = sync(archive, fetcher=fetcher)
    assert report.status == "ok" and report.new == 12
    assert server.hits("/banner.png") == 1
    assert all(body.count("archive-image:") == 1 for body in bodies(archive).values())
    assert not any("Shortened" in text for text in texts(archive).values())


def test_the_count_budget_stops_requests_even_when_every_image_fails(
        archive: Archive, server: FeedServer, fetcher: Fetcher,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync_images, "MAX_IMAGES_PER_ARTICLE", 5)
    tags = "".join(f'<img src="/missing/{n}.png">' for n in range(50))
    subscribe(archive, server, "/broken.xml", rss([("broken", f"<p>{LONG}</p>{tags}")]))
    [report] = sync(archive, fetcher=fetcher)
    assert report.status == "ok"
    assert len(image_hits(server, "/missing/")) == 5
    assert bodies(archive)["broken"].count("[image]") == 50
    assert ("Shortened: 45 images were not kept: over this article's limit of 5 images"
            in texts(archive)["broken"])


def test_images_are_stored_as_they_arrive_not_held_until_the_article(
        archive: Archive, server: FeedServer, fetcher: Fetcher,
        monkeypatch: pytest.MonkeyPatch) -> None:
    server.add("/a.png", noise_png(1), content_type="image/png")
    server.add("/b.png", noise_png(2), content_type="image/png")
    subscribe(archive, server, "/f.xml", rss(
        [("one", f'<p>{LONG}</p><img src="/a.png"><img src="/b.png">')]))
    seen: list[tuple[int, list[object]]] = []
    real_apply = pipeline.apply

    def watching_apply(archive_: Archive, update: pipeline.SourceUpdate,
                       now: object) -> pipeline.SyncReport:
        seen.append((stored_images(archive_)[0], list(update.images.values())))
        return real_apply(archive_, update, now)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "apply", watching_apply)
    sync(archive, fetcher=fetcher)
    [(already_stored, carried)] = seen
    assert already_stored == 2  # in the archive before the article's transaction began
    assert all(isinstance(image, sync_images.KeptImage) for image in carried)
    assert not any(hasattr(image, "data") for image in carried)  # hashes and sizes only
    assert bodies(archive)["one"].count("archive-image:") == 2


# --- huge dimensions and bombs ------------------------------------------------------------------


def test_a_huge_image_is_stored_scaled_down_and_its_attributes_clamped(
        archive: Archive, server: FeedServer, fetcher: Fetcher) -> None:
    server.add("/huge.png", solid_png(6000, 3000), content_type="image/png")
    server.add("/small.png", noise_png(5, 40), content_type="image/png")
    subscribe(archive, server, "/f.xml", rss([(
        "huge", f'<p>{LONG}</p><img src="/huge.png" width="6000" height="999999999" alt="h">'
                '<img src="/small.png" width="4000" height="12" alt="s">')]))
    [report] = sync(archive, fetcher=fetcher)
    assert report.status == "ok"
    with archive.reading() as connection:
        rows = dict(((int(w), int(h)), str(sha)) for sha, w, h in connection.exec_driver_sql(
            "SELECT sha256, width, height FROM images"))
    assert set(rows) == {(MAX_STORED_SIDE, MAX_STORED_SIDE // 2), (40, 40)}
    mime, data = archive.image(rows[(MAX_STORED_SIDE, MAX_STORED_SIDE // 2)])
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.size == (MAX_STORED_SIDE, MAX_STORED_SIDE // 2) and mime == "image/png"
    body = bodies(archive)["huge"]
    assert "999999999" not in body and "6000" not in body and "4000" not in body
    sizes = re.findall(r'<img src="archive-image:[0-9a-f]+" width="(\d+)" height="(\d+)"', body)
    assert sizes == [(str(MAX_STORED_SIDE), str(MAX_STORED_SIDE // 2)), ("40", "12")]


@pytest.mark.parametrize(("kind", "mode", "mime", "width"), [
    ("JPEG", "RGB", "image/jpeg", 5000), ("WEBP", "RGB", "image/webp", 5000),
    ("GIF", "P", "image/png", 5000), ("BMP", "RGB", "image/png", 2600),
    ("PNG", "RGBA", "image/png", 5000)])
def test_each_format_scales_down_sensibly(kind: str, mode: str, mime: str, width: int) -> None:
    buffer = io.BytesIO()
    colour = 7 if mode == "P" else (200, 10, 10, 128)[:len(mode)]
    Image.new(mode, (width, width // 4), colour).save(buffer, kind)
    stored = prepare_image(buffer.getvalue())
    assert (stored.width, stored.height) == (MAX_STORED_SIDE, 600)
    assert stored.mime_type == mime and stored.decoded_pixels > 0
    with Image.open(io.BytesIO(stored.data)) as reread:
        assert reread.size == (MAX_STORED_SIDE, 600)


def test_an_oversized_animated_gif_keeps_its_first_frame() -> None:
    frames = [Image.new("P", (3000, 100), colour) for colour in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    stored = prepare_image(buffer.getvalue())
    with Image.open(io.BytesIO(stored.data)) as reread:
        assert getattr(reread, "n_frames", 1) == 1 and reread.size == (MAX_STORED_SIDE, 80)
    small = io.BytesIO()
    frames[0].resize((300, 10)).save(small, "GIF", save_all=True,
                                     append_images=[f.resize((300, 10)) for f in frames[1:]])
    assert prepare_image(small.getvalue()).data == small.getvalue()  # kept as it came


def test_a_jpeg_turned_by_exif_is_stored_upright() -> None:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to show"
    Image.new("RGB", (4800, 1200), (0, 90, 0)).save(buffer, "JPEG", exif=exif)
    stored = prepare_image(buffer.getvalue())
    assert (stored.width, stored.height) == (600, MAX_STORED_SIDE)


def test_scaling_down_stays_within_the_sources_pixel_budget(
        archive: Archive, server: FeedServer, fetcher: Fetcher,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync_images, "MAX_SCALED_PIXELS_PER_SOURCE", 20_000_000)
    tags = ""
    for n in range(5):  # 5 x 12 Mpx, each to be scaled down: only one fits 20 Mpx
        server.add(f"/big/{n}.png", solid_png(4000, 3000, (n, 0, 0)), content_type="image/png")
        tags += f'<img src="/big/{n}.png" alt="big {n}">'
    server.add("/fine.png", noise_png(3), content_type="image/png")
    subscribe(archive, server, "/f.xml", rss(
        [("big", f'<p>{LONG}</p>{tags}<img src="/fine.png" alt="fine">')]))
    [report] = sync(archive, fetcher=fetcher)
    assert report.status == "ok"
    assert bodies(archive)["big"].count("archive-image:") == 2  # the first big one, the small
    assert ("Shortened: 4 images were not kept: too large to scale down within this feed's "
            "budget of 20 million pixels in one sync" in texts(archive)["big"])


def test_images_whose_header_lies_cost_the_pixel_budget_too(
        archive: Archive, server: FeedServer, fetcher: Fetcher,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync_images, "MAX_SCALED_PIXELS_PER_SOURCE", 30_000_000)
    tags = ""
    for n in range(8):  # each claims 12 Mpx and holds 64 bytes: decoding fails, after costing
        server.add(f"/liar/{n}.png", png_header(4000, 3000 + n), content_type="image/png")
        tags += f'<img src="/liar/{n}.png" alt="liar {n}">'
    subscribe(archive, server, "/f.xml", rss([("liars", f"<p>{LONG}</p>{tags}")]))
    [report] = sync(archive, fetcher=fetcher)
    assert report.status == "ok"
    assert bodies(archive)["liars"].count("[image: liar") == 8
    assert "6 images were not kept: too large to scale down" in texts(archive)["liars"]


def test_a_decompression_bomb_is_refused_from_its_header(
        archive: Archive, server: FeedServer, fetcher: Fetcher,
        monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[object] = []
    real_load = Image.Image.load

    def load(self: Image.Image) -> object:
        decoded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(Image.Image, "load", load)
    server.add("/bomb.png", png_header(100_000, 100_000), content_type="image/png")
    server.add("/nearly.png", png_header(7100, 7100), content_type="image/png")  # 50.4 Mpx
    subscribe(archive, server, "/f.xml", rss(
        [("bomb", f'<p>{LONG}</p><img src="/bomb.png" alt="boom">'
                  '<img src="/nearly.png" alt="nearly">')]))
    [report] = sync(archive, fetcher=fetcher)
    assert report.status == "ok"
    body = bodies(archive)["bomb"]
    assert "[image: boom]" in body and "[image: nearly]" in body
    assert stored_images(archive) == (0, 0)
    assert (100_000, 100_000) not in decoded and (7100, 7100) not in decoded


# --- hidden images ----------------------------------------------------------------------------


HIDDEN = {
    "display-none": '<div style="display: none"><p>x</p><img src="/h/1.png"></div>',
    "hidden-attribute": '<section hidden><img src="/h/2.png"></section>',
    "aria-hidden": '<span aria-hidden="true"><img src="/h/3.png"></span>',
    "visibility": '<p style="visibility:hidden"><img src="/h/4.png"></p>',
    "zero-width-attribute": '<img src="/h/5.png" width="0" height="300">',
    "zero-height-css": '<img src="/h/6.png" style="height:0">',
    "zero-width-css-container": '<div style="width:0;overflow:hidden"><img src="/h/7.png"></div>',
    "zero-attribute-container": '<table width="0"><tr><td><img src="/h/8.png"></td></tr></table>',
    "deep": "<div hidden>" + "<div>" * 100 + '<img src="/h/9.png">' + "</div>" * 100 + "</div>",
}


def test_hidden_images_are_never_requested(archive: Archive, server: FeedServer,
                                           fetcher: Fetcher) -> None:
    for n in range(1, 10):
        server.add(f"/h/{n}.png", noise_png(n), content_type="image/png")
    server.add("/shown.png", noise_png(50), content_type="image/png")
    server.add("/boxed.png", noise_png(51), content_type="image/png")
    shown = ('<img src="/shown.png" alt="shown">'
             '<div style="height:0;padding-bottom:56%"><img src="/boxed.png" alt="boxed"></div>')
    subscribe(archive, server, "/f.xml", rss(
        [(name, f"<p>{LONG}</p>{markup}{shown}") for name, markup in HIDDEN.items()]))
    reports = sync(archive, fetcher=fetcher)
    assert [r.status for r in reports] == ["ok"]
    assert image_hits(server, "/h/") == []  # not one request for a hidden image
    assert server.hits("/shown.png") == 1 and server.hits("/boxed.png") == 1
    with archive.reading() as connection:
        linked = connection.exec_driver_sql("SELECT count(DISTINCT sha256) FROM article_images"
                                            ).scalar()
    assert linked == 2
    for name, body in bodies(archive).items():
        assert body.count("archive-image:") == 2, name
        assert "/h/" not in body and "[image]" not in body, name


# --- orphans ----------------------------------------------------------------------------------


def test_a_source_whose_articles_fail_to_store_leaves_no_images(
        archive: Archive, server: FeedServer, fetcher: Fetcher,
        monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(4):
        server.add(f"/i/{n}.png", noise_png(n), content_type="image/png")
    bad = subscribe(archive, server, "/bad.xml", rss(
        [("bad", f'<p>{LONG}</p><img src="/i/0.png"><img src="/i/1.png">')], title="Bad"))
    good = subscribe(archive, server, "/good.xml", rss(
        [("good", f'<p>{LONG}</p><img src="/i/2.png"><img src="/i/3.png">')], title="Good"))
    real_store = pipeline.articles.store_draft

    def failing_store(connection: object, source_id: int, *args: object,
                      **kwargs: object) -> object:
        if source_id == bad:
            raise RuntimeError("the disk said no")
        return real_store(connection, source_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline.articles, "store_draft", failing_store)
    reports = {r.source_id: r.status for r in sync(archive, fetcher=fetcher)}
    assert reports == {bad: "failed", good: "ok"}
    assert server.hits("/i/0.png") == 1  # the bad source's images were stored, then...
    assert stored_images(archive)[0] == 2  # ...deleted when the sync ended: only good's left
    assert orphans(archive) == (0, 0)


def test_a_cancelled_sync_leaves_no_images(archive_path: Path, server: FeedServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(6):
        for m in range(3):
            server.add(f"/c/{n}-{m}.png", noise_png(n * 10 + m), content_type="image/png")
    stored = threading.Semaphore(0)
    real_store_one = archive_images.store_one

    def counting_store_one(*args: object) -> bool:
        inserted = real_store_one(*args)  # type: ignore[arg-type]
        stored.release()
        return inserted

    monkeypatch.setattr(archive_images, "store_one", counting_store_one)
    cancel = threading.Event()

    def cancel_once_others_stored_images(*_args: object) -> None:
        for _ in range(5):  # the first source's 3, and at least 2 of another still running
            assert stored.acquire(timeout=10)
        cancel.set()

    with Archive.open(archive_path) as archive:
        for n in range(6):
            tags = "".join(f'<img src="/c/{n}-{m}.png">' for m in range(3))
            subscribe(archive, server, f"/c{n}.xml", rss([(f"c{n}", f"<p>{LONG}</p>{tags}")],
                                                         title=f"C{n}"))
        with Fetcher(host_interval=0) as fetcher:
            reports = sync(archive, fetcher=fetcher, workers=3, cancel=cancel,
                           progress=cancel_once_others_stored_images)
        kept = [r.source_id for r in reports if r.status == "ok"]
        assert [r.error for r in reports].count("cancelled") == 6 - len(kept) >= 3
    with Archive.open(archive_path) as archive:  # after the run's threads have all ended
        assert orphans(archive) == (0, 0)
        with archive.reading() as connection:
            linked = connection.exec_driver_sql("SELECT count(*) FROM article_images").scalar()
        assert stored_images(archive)[0] == linked == 3 * len(kept)


def test_an_image_another_sync_still_needs_is_handed_over_not_deleted(
        archive: Archive, server: FeedServer, fetcher: Fetcher) -> None:
    server.add("/shared.png", noise_png(77), content_type="image/png")
    server.add("/feed.xml", rss([("a", "<p>a</p>")]))
    first, second = ImageCache(archive), ImageCache(archive)
    with fetcher.source():  # a feed on loopback may load its images from there
        fetcher.fetch(server.url("/feed.xml"))
        image = first.get(server.url("/shared.png"), fetcher)
        assert image is not None and second.get(server.url("/shared.png"), fetcher) == image
    first.close()  # its article failed; but the second sync may still link the image
    assert stored_images(archive)[0] == 1
    second.close()  # the second one's article failed too: now nothing needs it
    assert stored_images(archive) == (0, 0)


def test_an_image_deleted_before_its_article_is_written_becomes_a_placeholder(
        archive: Archive, server: FeedServer, fetcher: Fetcher,
        monkeypatch: pytest.MonkeyPatch) -> None:
    server.add("/gone.png", noise_png(8), content_type="image/png")
    server.add("/kept.png", noise_png(9), content_type="image/png")
    subscribe(archive, server, "/f.xml", rss(
        [("one", f'<p>{LONG}</p><img src="/gone.png" alt="gone"><img src="/kept.png">')]))
    real_apply = pipeline.apply

    def apply_after_another_process_deleted(archive_: Archive, update: pipeline.SourceUpdate,
                                            now: object) -> pipeline.SyncReport:
        gone = hashlib_of(noise_png(8))
        with archive_.writing() as connection:  # what another process's clean-up might do
            connection.exec_driver_sql("DELETE FROM images WHERE sha256 = ?", (gone,))
        return real_apply(archive_, update, now)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "apply", apply_after_another_process_deleted)
    [report] = sync(archive, fetcher=fetcher)
    assert report.status == "ok"
    body = bodies(archive)["one"]
    assert "[image: gone]" in body and body.count("archive-image:") == 1
    assert archive_image_uri(hashlib_of(noise_png(9))) in body


def hashlib_of(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_saving_a_page_keeps_its_images_within_the_article_budget(
        archive: Archive, server: FeedServer, fetcher: Fetcher,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from reader.sync.subscribe import save_page

    monkeypatch.setattr(sync_images, "MAX_IMAGE_BYTES_PER_ARTICLE", 50_000)
    tags = "".join(f'<img src="/p/{n}.png" alt="p{n}">' for n in range(10))
    for n in range(10):
        server.add(f"/p/{n}.png", noise_png(300 + n), content_type="image/png")
    page = (f"<html><head><title>Page</title></head><body><article><h1>Page</h1>"
            f"<p>{LONG}</p><p>{LONG}</p>{tags}</article></body></html>").encode()
    server.add("/page.html", page, content_type="text/html; charset=utf-8")
    added = save_page(archive, server.url("/page.html"), fetcher=fetcher)
    assert added.article_id is not None
    article = archive.article(added.article_id)
    assert 0 < article.body_html.count("archive-image:") <= 2
    assert "images were not kept: over this article's" in article.body_text
    assert stored_images(archive)[1] <= 50_000
    assert os.environ.get("BROADSHEET_ARCHIVE")  # the test archive, never the user's
