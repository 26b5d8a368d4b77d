"""``python -m bench.hostile [--code DIR] [--label NAME]``: what each hostile input costs.

Every case of issue 17, as a reader meets it: one small hostile feed (served from loopback)
added and synced in a fresh archive, one hostile text page imported, and one hostile body
opened in the reading pane. Each runs in a process of its own (``--code`` chooses which
checkout's ``reader``/``ui`` it runs, so an older commit can be measured by the same
harness), is killed after ``--timeout`` seconds, and reports its wall time and its peak
memory (the process's VmHWM, and its worker processes' ``ru_maxrss``). A plain 20-item feed is the
baseline the memory figures are read against.

Results go to ``bench/results/hostile-LABEL.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the loopback feed server the tests use

from feedserver import FeedServer  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def rss(items: list[str], title: str = "Hostile") -> bytes:
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>"
            f"<title>{title}</title><link>http://127.0.0.1/</link>"
            + "".join(items) + "</channel></rss>").encode()


def item(n: int, description: str, title: str | None = None) -> str:
    return (f"<item><title>{title or f'Item {n}'}</title><link>http://127.0.0.1/a/{n}</link>"
            f"<guid>hostile-{n}</guid><pubDate>Mon, 04 Nov 2024 09:00:00 GMT</pubDate>"
            f"<description>{description}</description></item>")


def escaped(html: str) -> str:
    return html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def png(width: int, height: int, tag: str) -> bytes:
    """A valid PNG of one colour, made distinct by a text chunk (images are stored by hash)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\x00" + b"\x28\x5a\xa0" * width
    pixels = zlib.compress(row * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"tEXt", b"k\x00" + tag.encode())
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


def noise_png(side: int, tag: str) -> bytes:
    """A PNG that does not compress (so its bytes are large)."""
    from PIL import Image

    image = Image.frombytes("RGB", (side, side), hashlib.shake_256(tag.encode()).digest(
        side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # "sync", "import" or "pane"
    #: Sets up the server (sync) or writes a file (import); returns the URL or path.
    build: Callable[[FeedServer, Path], str]


def _feed(body: bytes) -> Callable[[FeedServer, Path], str]:
    def build(server: FeedServer, _folder: Path) -> str:
        server.add("/feed.xml", body)
        return server.url("/feed.xml")
    return build


def _entity_feed(declared: int, uses: int) -> bytes:
    names = [f"e{n}" for n in range(declared)]
    doctype = "<!DOCTYPE rss [" + "".join(f'<!ENTITY {name} "xy">' for name in names) + "]>"
    body = "".join(f"&{names[n % declared]};" for n in range(uses))
    return rss([item(0, body)]).replace(b"<rss ", doctype.encode() + b"<rss ", 1)


def _one_entity_feed(uses: int) -> bytes:
    """An entity whose text is an unknown HTML reference ("&a;"), used ``uses`` times."""
    doctype = '<!DOCTYPE rss [<!ENTITY e "&#38;a;">]>'
    return rss([item(0, "&e;" * uses)]).replace(b"<rss ", doctype.encode() + b"<rss ", 1)


def _atom_xhtml(content: str, entries: int = 1) -> bytes:
    """Atom with inline XHTML content: the markup arrives as XML elements, not text."""
    body = "".join(
        f'<entry><title>Entry {n}</title><id>urn:hostile:{n}</id>'
        f'<updated>2024-11-04T09:00:00Z</updated><link href="http://127.0.0.1/e/{n}"/>'
        f'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">{content}</div>'
        "</content></entry>" for n in range(entries))
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            '<title>Hostile</title><id>urn:hostile</id><updated>2024-11-04T09:00:00Z</updated>'
            + body + "</feed>").encode()


def _tiny_items(count: int) -> bytes:
    return rss([f"<item><title>i{n}</title><guid>g{n}</guid></item>" for n in range(count)])


def _retry_after_build(server: FeedServer, _folder: Path) -> str:
    server.add("/feed.xml", rss([item(0, "ok")]))
    server.misbehave("/feed.xml", "status", status=429, retry_after="999999999999")
    return server.url("/feed.xml")


def _drip_build(server: FeedServer, _folder: Path) -> str:
    server.add("/feed.xml", rss([item(n, "a drip") for n in range(40)]))
    server.misbehave("/feed.xml", "drip", rate=1.0)
    return server.url("/feed.xml")


def _images_build(count: int, side: int, per_item: int, noisy: bool
                  ) -> Callable[[FeedServer, Path], str]:
    def build(server: FeedServer, _folder: Path) -> str:
        items = []
        for n in range(count):
            tags = []
            for k in range(per_item):
                path = f"/img/{n}-{k}.png"
                data = noise_png(side, path) if noisy else png(side, side, path)
                server.add(path, data, content_type="image/png")
                tags.append(f'<p><img src="{server.url(path)}" alt="picture {k}"></p>')
            items.append(item(n, escaped("<p>Pictures.</p>" + "".join(tags))))
        server.add("/feed.xml", rss(items))
        return server.url("/feed.xml")
    return build


def _text_page(_server: FeedServer, folder: Path) -> str:
    path = folder / "long.txt"
    lines = ["A Very Long Page", "", "A standfirst for it.", ""]
    lines += [f"Line {n} of the page." for n in range(800_000)]  # 19.6 MB: under the 20 MB cap
    path.write_text("\n".join(lines))
    return str(path)


def cases() -> list[Case]:
    nested = "<div>" * 20_000 + "deep" + "</div>" * 20_000
    return [
        Case("baseline: a plain 20-item feed", "sync",
             _feed(rss([item(n, escaped(f"<p>Story {n} " + "words " * 300 + "</p>"))
                        for n in range(20)]))),
        Case("1,500,000 unknown entity references (&a;)", "sync",
             _feed(rss([item(0, "&amp;a;" * 1_500_000)]))),
        Case("200,000 unknown entity references (&eN;)", "sync",
             _feed(rss([item(0, "".join(f"&amp;e{n};" for n in range(200_000)))]))),
        Case("one entity used 330,000 times (990,000 characters)", "sync",
             _feed(_one_entity_feed(330_000))),
        Case("2,400 entities used 300,000 times", "sync", _feed(_entity_feed(2_400, 300_000))),
        Case("20,000 nested <div> (escaped HTML)", "sync",
             _feed(rss([item(0, escaped(nested))]))),
        Case("20,000 nested <div> (Atom XHTML)", "sync", _feed(_atom_xhtml(nested))),
        Case("one 5 MB word", "sync", _feed(rss([item(0, "x" * 5_000_000)]))),
        Case("200,000 items in one feed", "sync", _feed(_tiny_items(200_000))),
        Case("a server dripping 1 byte a second", "sync", _drip_build),
        Case("429 with Retry-After: 999999999999", "sync", _retry_after_build),
        Case("40 images of 49 megapixels", "sync", _images_build(1, 7000, 40, False)),
        Case("many large images (60 x 12 MB)", "sync", _images_build(20, 2000, 3, True)),
        Case("a 20 MB text page of short lines", "import", _text_page),
    ]


PANE_BODIES: dict[str, str] = {
    "10,000 nested <div>": "<div>" * 10_000 + "deep" + "</div>" * 10_000,
    "30,000 nested <div>": "<div>" * 30_000 + "deep" + "</div>" * 30_000,
    "a 1 MB word": "<p>" + "x" * 1_000_000 + "</p>",
    "200,000 unknown entity references": "<p>" + "".join(
        f"&amp;e{n};" for n in range(200_000)) + "</p>",
    "an image height of 999999999": "<p>IMAGE</p>",
    "40 images of 49 megapixels": "<p>IMAGES</p>",
}

_SYNC_RUNNER = """
import json, resource, sys, time
from reader.cli import main
archive, target, kind = sys.argv[1:4]
if kind == "sync":  # subscribed through an OPML list: nothing is fetched until the sync
    opml = archive + ".opml"
    with open(opml, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head>'
                  f'<body><outline type="rss" text="hostile" xmlUrl="{target}"/></body></opml>')
    main(["--archive", archive, "import", opml])
    started = time.perf_counter()
    code = main(["--archive", archive, "sync"])
else:
    started = time.perf_counter()
    code = main(["--archive", archive, "import", target])
seconds = time.perf_counter() - started
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would report the harness's
# own size at fork; VmHWM starts afresh with the new program. Workers: their ru_maxrss.
own = next(int(line.split()[1]) for line in open("/proc/self/status")
           if line.startswith("VmHWM:"))
peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "exit": code}), file=sys.stderr)
"""

_PANE_RUNNER = r"""
import dataclasses, hashlib, io, json, resource, sys, time
from datetime import UTC, datetime
from PySide6.QtWidgets import QApplication
app = QApplication([])
from reader.records import Article
from ui.article_view import ArticleView
body, picture = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
images = {}
if picture:
    import struct, zlib
    side, count = (64, 1) if picture == "tall" else (7000, 40)
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    packer, row = zlib.compressobj(9), b"\x00" + b"\x28\x5a\xa0" * side
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    for n in range(count):  # one colour each, distinct by a text chunk
        header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
        data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                + chunk(b"tEXt", b"n\x00" + str(n).encode()) + chunk(b"IDAT", pixels)
                + chunk(b"IEND", b""))
        images[hashlib.sha256(data).hexdigest()] = data
    size = ' width="640" height="999999999"' if picture == "tall" else ""
    body = "".join(f'<p><img src="archive-image:{sha}"{size}></p>' for sha in images)
article = Article(id=1, title="Hostile", subtitle=None, source="S", source_id=1, url=None,
                  published=None, fetched=datetime.now(UTC), author=None, tags=(), read=False,
                  bookmarked=False, bookmarked_at=None, excerpt="", word_count=1,
                  body_html=body, body_text="", related=())
loader = lambda sha: ("image/png", images[sha])
started = time.perf_counter()
import inspect
if "image_loader" in inspect.signature(ArticleView.__init__).parameters:
    # before issue 11: the view read and decoded images itself
    view = ArticleView(loader)
    view.resize(700, 600)
    view.show()
    view.show_article(article)
else:
    from ui.images import decode_article_images
    decoded = decode_article_images(body, loader)  # on a worker in the window
    view = ArticleView()
    view.resize(700, 600)
    view.show()
    view.show_article(article, decoded)
app.processEvents()
seconds = time.perf_counter() - started
peak = next(int(line.split()[1]) for line in open("/proc/self/status")
            if line.startswith("VmHWM:")) / 1024  # see the sync runner
print(json.dumps({"seconds": seconds, "peak_mb": peak, "exit": 0}), file=sys.stderr)
"""


def _run(code: Path, script: str, args: list[str], timeout: float) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(code), "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", script, *args], cwd=code, env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "peak_mb": None, "exit": None,
                "note": f"killed after {timeout:g} s"}
    lines = [line for line in done.stderr.splitlines() if line.startswith("{")]
    if not lines:
        return {"seconds": time.perf_counter() - started, "peak_mb": None,
                "exit": done.returncode, "note": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(lines[-1])
    errors = [line for line in done.stderr.splitlines() if line.startswith("broadsheet:")]
    result["note"] = errors[:1]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--code", default=str(ROOT), help="the checkout to measure")
    parser.add_argument("--label", default="latest")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--only", help="run only cases whose name contains this")
    parser.add_argument("--kinds", default="sync,import,pane",
                        help="which kinds of case to run (default: all three)")
    args = parser.parse_args(argv)
    code = Path(args.code).resolve()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        kinds = set(args.kinds.split(","))
        for number, case in enumerate(cases()):
            if (args.only and args.only not in case.name) or case.kind not in kinds:
                continue
            with FeedServer() as server:
                target = case.build(server, folder)
                archive = folder / f"case-{number}.db"
                result = _run(code, _SYNC_RUNNER, [str(archive), target, case.kind],
                              args.timeout)
            rows.append({"case": case.name, "kind": case.kind, **result})
            print(_row(rows[-1]), flush=True)
        for name, body in PANE_BODIES.items():
            if (args.only and args.only not in name) or "pane" not in kinds:
                continue
            picture = "tall" if "height" in name else "giant" if "megapixels" in name else ""
            body_file = folder / "body.html"
            body_file.write_text("" if picture else body, encoding="utf-8")
            result = _run(code, _PANE_RUNNER, [str(body_file), picture], args.timeout)
            rows.append({"case": name, "kind": "pane", **result})
            print(_row(rows[-1]), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"hostile-{args.label}.json"
    out.write_text(json.dumps({"code": str(code), "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


def _row(row: dict[str, Any]) -> str:
    seconds = "—" if row["seconds"] is None else f"{row['seconds']:.2f} s"
    peak = "—" if row["peak_mb"] is None else f"{row['peak_mb']:.0f} MB"
    note = row.get("note") or ""
    return f"| {row['kind']} | {row['case']} | {seconds} | {peak} | {note} |"


if __name__ == "__main__":
    sys.exit(main())
