"""The benchmark run: ingest via sync, raw SQLite ceiling, bulk fill, queries, window; JSON out."""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bench.actions import run_actions
from bench.data import (
    IMAGE_COUNT,
    ITEMS_PER_FEED,
    SEED,
    Corpus,
    feed_count,
    image_path,
    image_png,
    render_feed,
)
from bench.queries import QUERY_NAMES, run_queries
from reader.archive import Archive
from reader.archive.articles import identity
from reader.archive.timestamps import to_micros
from reader.render.plaintext import title_key
from reader.sync.fetch import Fetcher
from reader.sync.opml import OutlineFeed
from reader.sync.pipeline import sync
from reader.sync.subscribe import subscribe_outlines

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "bench" / "results" / "latest.json"

# (figure, target, comparison) for the table; "ratio:" targets compare two figures.
TARGETS_MS = {
    "first_page": 10.0, "next_page": 10.0, "tag_page_common": 10.0, "tag_page_rare": 10.0,
    "search_common": 10.0, "search_rare": 10.0, "search_needle": 10.0, "prefix": 30.0,
    "open_article": 16.0,
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = 0
    return {
        "cores": os.cpu_count(),
        "memory_mb": round(memory / 2**20),
        "sqlite_version": sqlite3.sqlite_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.machine(),
    }


# --- 1. ingest through the real sync pipeline --------------------------------------------------


def serve_feeds(corpus: Corpus, feeds: int) -> tuple[Any, list[str]]:
    """A loopback server (tests/feedserver.py) with every feed and picture; (server, feed URLs)."""
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from feedserver import FeedServer

    server = FeedServer()
    base = server.url("").rstrip("/")
    modified = format_datetime(datetime(2026, 1, 1, tzinfo=UTC), usegmt=True)
    urls = []
    for feed in range(feeds):
        body, content_type = render_feed(corpus, feed, base)
        server.add(f"/feeds/{feed}", body, content_type=content_type, etag=True,
                   last_modified=modified)
        urls.append(server.url(f"/feeds/{feed}"))
    for picture in range(IMAGE_COUNT):
        server.add(image_path(picture), image_png(picture), content_type="image/png",
                   etag=True, last_modified=modified)
    return _ServerProcess(server).start(), urls


class _ServerProcess:
    """The feed server in a child process of its own, as a remote server would be: served
    from a thread of this process it took 13% of the samples of a sync (py-spy), in
    competition with the pipeline it was feeding. Forked once every route is added."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self._process: multiprocessing.process.BaseProcess | None = None

    def start(self) -> _ServerProcess:
        serve = self._server._httpd.serve_forever
        self._process = multiprocessing.get_context("fork").Process(
            target=serve, kwargs={"poll_interval": 0.05}, name="bench-feed-server", daemon=True)
        self._process.start()
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(timeout=10)
        self._server._httpd.server_close()



def ingest_feeds(urls: list[str], path: Path) -> dict[str, Any]:
    """Broadsheet's first sync of ``urls`` into a new archive at ``path``, then a second one
    with nothing changed; the rate is on the articles it stored (its rows)."""
    with Archive.open(path) as archive:
        subscribe_outlines(archive, [OutlineFeed(url, f"Bench feed {n}", None, ())
                                     for n, url in enumerate(urls)])
        ids = [source.id for source in archive.sources() if source.kind == "feed"]
        with Fetcher(host_interval=0, per_host=4) as fetcher:
            started = time.perf_counter()
            reports = sync(archive, ids, fetcher=fetcher)
            first = time.perf_counter() - started
            started = time.perf_counter()
            again = sync(archive, ids, fetcher=fetcher)
            resync = time.perf_counter() - started
        stored = archive.totals().articles
    failed = [report.error for report in reports if report.status == "failed"]
    if failed:
        log(f"sync failures: {failed[:3]}")
    return {"items_new": sum(report.new for report in reports), "items_stored": stored,
            "seconds": first, "items_per_s": round(stored / first, 1) if first else 0.0,
            "bytes_per_item": round(file_bytes(path) / stored, 1) if stored else None,
            "resync_s": resync, "resync_statuses": sorted({r.status for r in again})}


def ingest(corpus: Corpus, feeds: int, work: Path) -> tuple[dict[str, Any], list[str], Any]:
    server, urls = serve_feeds(corpus, feeds)
    figures = ingest_feeds(urls, work / "ingest.db")
    statuses = figures["resync_statuses"]
    result = {
        "ingest_items": figures["items_new"],
        "ingest_items_stored": figures["items_stored"],
        "ingest_feeds": feeds,
        "ingest_seconds": round(figures["seconds"], 3),
        "ingest_items_per_s": figures["items_per_s"],
        "resync_unchanged_s": round(figures["resync_s"], 3),
        "resync_statuses": statuses,
        "resync_all_not_modified": statuses == ["not_modified"],
    }
    return result, urls, server


# --- 2. the raw SQLite ceiling ------------------------------------------------------------------

_TAGS = re.compile(r"<[^>]+>")


def raw_sqlite(corpus: Corpus, items: int, work: Path) -> float:
    """Plain executemany into articles and article_bodies of a fresh project-schema archive."""
    path = work / "raw.db"
    Archive.open(path).close()
    now = to_micros(datetime.now(UTC))
    articles_rows = []
    bodies_rows = []
    used: set[int] = set()
    for index in range(items):
        draft = corpus.draft(index)
        guid, content_hash = identity(draft)
        text = " ".join(_TAGS.sub(" ", draft.body_html).split())
        key = to_micros(draft.published) if draft.published else now
        while key in used:
            key += 1
        used.add(key)
        published = to_micros(draft.published) if draft.published else None
        articles_rows.append((index + 1, 1, guid, draft.url, draft.title, title_key(draft.title),
                              draft.author, published, now, key, text[:300], len(text.split()),
                              content_hash))
        bodies_rows.append((index + 1, draft.body_html, text))
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute(
            "INSERT INTO sources (id, kind, url, title, created_at) "
            "VALUES (1, 'feed', 'http://raw.invalid/', 'raw', ?)", (now,))
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT INTO articles (id, source_id, guid, url, title, title_key, author, "
            "published, fetched, order_key, excerpt, word_count, content_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", articles_rows)
        connection.executemany(
            "INSERT INTO article_bodies (article_id, html, text) VALUES (?, ?, ?)", bodies_rows)
        connection.execute("COMMIT")
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    return round(items / elapsed, 1)


# --- 3. bulk fill with Archive.store ------------------------------------------------------------


_GENERATOR_CORPUS: Corpus | None = None


def _start_generator(seed: int) -> None:
    global _GENERATOR_CORPUS
    _GENERATOR_CORPUS = Corpus(seed)


def _generate(start: int, stop: int) -> list[Any]:
    assert _GENERATOR_CORPUS is not None
    return list(_GENERATOR_CORPUS.drafts(start, stop))


#: Articles per source in the bulk-filled archive: a million is 100 sources of 10,000, the
#: size of source whose "Mark all read" the issue times.
SOURCE_ARTICLES = 10_000


def bulk_sources(archive: Archive, articles: int) -> list[int]:
    """Subscribe (without fetching) the feeds the bulk fill stores into; their ids in order."""
    count = max(1, -(-articles // SOURCE_ARTICLES))
    subscribe_outlines(archive, [OutlineFeed(f"https://bench.example/bulk/{n}.xml",
                                             f"Bulk feed {n}", None, ())
                                 for n in range(count)])
    return [source.id for source in archive.sources()
            if source.url and source.url.startswith("https://bench.example/bulk/")]


def _batch_end(start: int, articles: int, batch: int) -> int:
    """Where the batch from ``start`` ends: at ``batch`` drafts, the end, or its source's end."""
    source_end = (start // SOURCE_ARTICLES + 1) * SOURCE_ARTICLES
    return min(articles, start + batch, source_end)


def bulk_fill(corpus: Corpus, articles: int, path: Path, batch: int) -> dict[str, Any]:
    """Fill the archive with ``Archive.store`` in batches; only the store calls are timed.

    Article ``n`` goes to source ``n // SOURCE_ARTICLES``. The drafts are generated in a
    process of their own, a few batches ahead: generating them on the storing thread (about
    0.5 ms an article) made the full run take 40 minutes.
    """
    batches: list[tuple[int, int, float]] = []  # (start, count, seconds)
    batch = max(1, min(batch, SOURCE_ARTICLES))
    starts = [start for first in range(0, articles, SOURCE_ARTICLES)
              for start in range(first, min(articles, first + SOURCE_ARTICLES), batch)]
    ahead = 4
    context = multiprocessing.get_context("spawn")
    with Archive.open(path) as archive, context.Pool(
            1, initializer=_start_generator, initargs=(corpus.seed,)) as generator:
        source_ids = bulk_sources(archive, articles)
        pending = [generator.apply_async(_generate, (start, _batch_end(start, articles, batch)))
                   for start in starts[:ahead]]
        total_started = time.perf_counter()
        last_log = time.monotonic()
        for number, start in enumerate(starts):
            drafts = pending.pop(0).get()
            if number + ahead < len(starts):
                following = starts[number + ahead]
                pending.append(generator.apply_async(
                    _generate, (following, _batch_end(following, articles, batch))))
            started = time.perf_counter()
            archive.store(drafts, source_id=source_ids[start // SOURCE_ARTICLES])
            batches.append((start, len(drafts), time.perf_counter() - started))
            if time.monotonic() - last_log > 15:
                last_log = time.monotonic()
                log(f"bulk fill {start + len(drafts):,}/{articles:,}")
        total = time.perf_counter() - total_started

    def rate(chosen: list[tuple[int, int, float]]) -> float | None:
        seconds = sum(s for _, _, s in chosen)
        return round(sum(c for _, c, _ in chosen) / seconds, 1) if seconds else None

    tenth = articles / 10
    stored = sum(s for _, _, s in batches)
    return {
        "bulk_batch": batch,
        "bulk_seconds_including_generation": round(total, 3),
        "bulk_items_per_s": round(articles / stored, 1) if stored else None,
        "bulk_first_10pct_per_s": rate([b for b in batches if b[0] < tenth]),
        "bulk_last_10pct_per_s": rate([b for b in batches if b[0] + b[1] > articles - tenth]),
    }


def file_bytes(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


# --- 4. the window ------------------------------------------------------------------------------


def _window_env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def first_paint(archive: Path, work: Path, runs: int) -> tuple[float | None, list[float]]:
    """Milliseconds from process start to the first headlines painted, median of ``runs``
    after one run not counted. That first run starts as the first start after installing
    does, compiling every module to bytecode; the counted ones start as every later start
    does, from the compiled modules. Hence the environment without PYTHONDONTWRITEBYTECODE:
    with it, each run compiled ~150 modules from source, 0.3-0.5 s that no installed copy
    ever spends (pip compiles on install; a checkout writes ``__pycache__`` on first run)."""
    env = {key: value for key, value in _window_env().items()
           if key != "PYTHONDONTWRITEBYTECODE"}
    values = []
    for run in range(runs + 1):
        settings = work / f"paint-{run}.ini"
        done = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "--archive", str(archive),
             "--startup-report", "--settings", str(settings)],
            capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
        found = re.search(r"first_paint_ms ([0-9.]+)", done.stdout)
        if not found:
            log(f"no first_paint_ms (exit {done.returncode}): {done.stderr[-500:]}")
        elif run > 0:
            values.append(float(found.group(1)))
    return (round(statistics.median(values), 1) if values else None), values


#: The window-memory runs: (key prefix, extra arguments). The first, the Preferences default
#: (snippets on, no search), gives the headline ``peak_rss_mb``; the others are its peers.
WINDOW_RUNS = (
    ("", ()),
    ("no_snippets_", ("--no-snippets",)),
    ("search_snippets_", ("--search", "quillwort")),
)


def window_memory(archive: Path, work: Path, scroll_rows: int, open_articles: int,
                  extra: tuple[str, ...] = ()) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.window_memory", str(archive), str(work / "memory.ini"),
         "--scroll-rows", str(scroll_rows), "--open-articles", str(open_articles), *extra],
        capture_output=True, text=True, timeout=600, env=_window_env(), cwd=ROOT)
    figures = dict(re.findall(r"^(\w+) ([0-9.]+)$", done.stdout, re.MULTILINE))
    if "peak_rss_mb" not in figures:
        log(f"window_memory failed (exit {done.returncode}): {done.stderr[-800:]}")
    return {
        "peak_rss_mb": float(figures["peak_rss_mb"]) if "peak_rss_mb" in figures else None,
        "ru_maxrss_mb": float(figures["ru_maxrss_mb"]) if "ru_maxrss_mb" in figures else None,
        "memory_rows_scrolled": int(float(figures.get("rows", 0))),
        "memory_articles_opened": int(float(figures.get("opened", 0))),
        "memory_scroll_s": float(figures["scroll_s"]) if "scroll_s" in figures else None,
    }


# --- 5. newsboat --------------------------------------------------------------------------------


def newsboat(urls: list[str], work: Path, name: str = "newsboat") -> dict[str, Any] | None:
    """newsboat's reload of ``urls`` into a cache of its own, its rate counted on the items it
    stored (its ``rss_item`` rows): Debian's newsboat 2.21 reads no JSON Feed, so a third of
    the feeds it is given store nothing, and dividing every item offered by its time
    inflated its rate by half. None without newsboat."""
    program = shutil.which("newsboat")
    if program is None:
        return None
    folder = work / name
    folder.mkdir(exist_ok=True)
    (folder / "urls").write_text("\n".join(urls) + "\n")
    (folder / "config").write_text("reload-threads 4\n")
    cache = folder / "cache.db"
    started = time.perf_counter()
    done = subprocess.run(
        [program, "-x", "reload", "-u", str(folder / "urls"), "-c", str(cache),
         "-C", str(folder / "config")], capture_output=True, timeout=1800, cwd=folder)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        log(f"newsboat failed: {done.stderr[-300:]!r}")
        return None
    with contextlib.closing(sqlite3.connect(cache)) as connection:
        stored = int(connection.execute("SELECT count(*) FROM rss_item").fetchone()[0])
    return {"items_stored": stored, "seconds": round(elapsed, 3),
            "items_per_s": round(stored / elapsed, 1) if stored else None,
            "bytes_per_item": round(cache.stat().st_size / stored, 1) if stored else None}


def same_feeds(urls: list[str]) -> list[str]:
    """The RSS and Atom feeds of ``urls`` (``bench.data.render_feed`` rotates RSS, Atom,
    JSON Feed): the ones both readers store, for a ratio on identical work."""
    return [url for feed, url in enumerate(urls) if feed % 3 != 2]


def compare_with_newsboat(urls: list[str], work: Path) -> dict[str, Any]:
    """newsboat on every feed and on the RSS/Atom ones, and Broadsheet's sync on those same
    RSS/Atom feeds into a fresh archive: both ratios, on the items each actually stored."""
    every = newsboat(urls, work)
    subset = newsboat(same_feeds(urls), work, "newsboat-same-feeds")
    ours = ingest_feeds(same_feeds(urls), work / "ingest-same-feeds.db")
    result: dict[str, Any] = {
        "newsboat_items_per_s": None if every is None else every["items_per_s"],
        "newsboat_items_stored": None if every is None else every["items_stored"],
        "newsboat_seconds": None if every is None else every["seconds"],
        "newsboat_bytes_per_item": None if every is None else every["bytes_per_item"],
        "newsboat_same_feeds_items_per_s": None if subset is None else subset["items_per_s"],
        "newsboat_same_feeds_items_stored": None if subset is None else subset["items_stored"],
        "ingest_same_feeds_items_per_s": ours["items_per_s"],
        "ingest_same_feeds_items_stored": ours["items_stored"],
        "ingest_same_feeds_bytes_per_item": ours["bytes_per_item"],
    }
    return result


def ratios(result: dict[str, Any]) -> dict[str, float | None]:
    """Broadsheet's sync rate over newsboat's, each on the items it stored: on every feed
    (``ingest_vs_newsboat``) and on the RSS/Atom feeds both store (``…_same_feeds``)."""
    def ratio(ours: float | None, theirs: float | None) -> float | None:
        return round(ours / theirs, 3) if ours and theirs else None
    return {
        "ingest_vs_newsboat": ratio(result["ingest_items_per_s"],
                                    result["newsboat_items_per_s"]),
        "ingest_vs_newsboat_same_feeds": ratio(result["ingest_same_feeds_items_per_s"],
                                               result["newsboat_same_feeds_items_per_s"]),
    }


# --- the table ----------------------------------------------------------------------------------


def _fmt(value: object, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else ("ok" if ok else "MISSED")


def table(result: dict[str, Any]) -> str:
    lines = [f"Broadsheet benchmark: {result['articles']:,} articles "
             f"({result['machine']['cores']} cores, {result['machine']['memory_mb']:,} MB, "
             f"SQLite {result['machine']['sqlite_version']}, "
             f"Python {result['machine']['python']})", ""]
    lines.append(f"| {'operation':<22} | {'median ms':>10} | {'p95 ms':>9} | {'cold ms':>9} "
                 f"| {'target':>8} |        |")
    lines.append(f"|{'-' * 24}|{'-' * 11}:|{'-' * 10}:|{'-' * 10}:|{'-' * 9}:|--------|")
    for name in QUERY_NAMES:
        entry = result["queries"][name]
        target = TARGETS_MS.get(name)
        ok = None if target is None else entry["median_ms"] <= target
        lines.append(
            f"| {name:<22} | {entry['median_ms']:>10.2f} | {entry['p95_ms']:>9.2f} "
            f"| {entry['first_run_ms']:>9.2f} | {_fmt(target, ' ms') if target else '':>8} "
            f"| {_verdict(ok):<6} |")
    lines.append("")
    ingest = result["ingest_items_per_s"]
    raw = result["raw_sqlite_items_per_s"]
    boat = result["newsboat_items_per_s"]
    paint = result["first_paint_ms"]
    same = result.get("ingest_same_feeds_items_per_s")
    same_boat = result.get("newsboat_same_feeds_items_per_s")
    rows: list[tuple[str, str, str, bool | None]] = [
        (f"ingest via sync (items/s, {result.get('ingest_items_stored', 0):,} stored)",
         _fmt(ingest), "", None),
        (f"newsboat reload (items/s, {result.get('newsboat_items_stored') or 0:,} stored)",
         _fmt(boat), "", None),
        ("ingest / newsboat", _ratio(result.get("ingest_vs_newsboat")), "≥ 1.0",
         None if boat is None else ingest >= boat),
        (f"ingest, RSS+Atom only ({result.get('ingest_same_feeds_items_stored', 0):,})",
         _fmt(same), "", None),
        (f"newsboat, RSS+Atom only ({result.get('newsboat_same_feeds_items_stored') or 0:,})",
         _fmt(same_boat), "", None),
        ("ingest / newsboat, same feeds", _ratio(result.get("ingest_vs_newsboat_same_feeds")),
         "≥ 1.0", None if not (same and same_boat) else same >= same_boat),
        ("raw SQLite ceiling (items/s)", _fmt(raw), "", None),
        ("sync ingest / raw ceiling", f"{ingest / raw:.3f}" if raw else "n/a", "≥ 0.5",
         ingest >= 0.5 * raw if raw else None),
        ("bulk store (items/s)", _fmt(result["bulk_items_per_s"]), "", None),
        ("bulk store / raw ceiling",
         f"{result['bulk_items_per_s'] / raw:.3f}" if raw and result["bulk_items_per_s"]
         else "n/a", "≥ 0.5",
         result["bulk_items_per_s"] >= 0.5 * raw if raw and result["bulk_items_per_s"]
         else None),
        ("bulk first 10% (items/s)", _fmt(result["bulk_first_10pct_per_s"]), "", None),
        ("bulk last 10% (items/s)", _fmt(result["bulk_last_10pct_per_s"]), "", None),
        ("resync unchanged (s)", f"{result['resync_unchanged_s']:.3f}",
         "all 304", result["resync_all_not_modified"]),
        ("bytes per article", _fmt(result["bytes_per_article"]), "", None),
        ("first paint (ms)", _fmt(paint), "≤ 300", None if paint is None else paint <= 300),
    ]
    lines.append(f"| {'figure':<42} | {'value':>12} | {'target':>10} |        |")
    lines.append(f"|{'-' * 44}|{'-' * 13}:|{'-' * 11}:|--------|")
    rows += _action_rows(result)
    for name, value, goal, ok in rows:
        lines.append(f"| {name:<42} | {value:>12} | {goal:>10} | {_verdict(ok):<6} |")
    return "\n".join(lines)


def _action_rows(result: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """The issue's figures (bench/actions.py, and the window's runs with and without
    snippets), each after the peer it is read against."""
    actions = result["actions"]
    marking = actions["mark_all_read"]
    counts = actions["saved_counts"]
    within = actions["saved_counts_in_search"]
    read_ms, undo_ms = marking["mark_all_read"]["median_ms"], marking["undo"]["median_ms"]
    after = counts["after_write"]["median_ms"]
    searched = within["after_write"]["median_ms"]

    def rss(key: str) -> str:
        return _fmt(result.get(key))

    snippets = result.get("peak_rss_mb")
    return [
        (f"mark all read, {marking['articles_changed']:,} (ms)", f"{read_ms:,.1f}", "≤ 1000",
         read_ms <= 1000),
        ("  its undo (ms)", f"{undo_ms:,.1f}", "", None),
        ("  peer: source's first page", f"{marking['source_first_page']['median_ms']:.2f}", "",
         None),
        ("  peer: mark one page read", f"{marking['page_mark_read']['median_ms']:.2f}", "",
         None),
        ("10 saved counts, fresh (ms)", f"{after:.2f}", "≤ 50", after <= 50),
        ("  within a search (ms)", f"{searched:.2f}", "≤ 50", searched <= 50),
        ("  asked again, no write (ms)", f"{counts['cached']['median_ms']:.3f}", "", None),
        ("  peer: tag counts (ms)", f"{actions['tag_counts']['median_ms']:.2f}", "", None),
        ("peak RSS, snippets (MB)", rss("peak_rss_mb"), "≤ 200",
         None if snippets is None else snippets <= 200),
        ("  snippets, a search (MB)", rss("search_snippets_peak_rss_mb"), "≤ 200",
         None if result.get("search_snippets_peak_rss_mb") is None
         else result["search_snippets_peak_rss_mb"] <= 200),
        ("  peer: no snippets (MB)", rss("no_snippets_peak_rss_mb"), "", None),
    ]


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--runs", type=int, default=20, help="warm runs per query")
    parser.add_argument("--feeds", type=int, default=None,
                        help=f"feeds of {ITEMS_PER_FEED} items to sync (default: by size)")
    parser.add_argument("--batch", type=int, default=5_000, help="drafts per store() call")
    parser.add_argument("--paint-runs", type=int, default=3)
    parser.add_argument("--scroll-rows", type=int, default=10_000)
    parser.add_argument("--open-articles", type=int, default=100)
    parser.add_argument("--work", type=Path, default=None,
                        help="keep the archives in this folder (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.articles < 1 or args.runs < 1 or args.batch < 1:
        parser.error("--articles, --runs and --batch must be positive")
    return args


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    corpus = Corpus(args.seed)
    feeds = args.feeds if args.feeds is not None else feed_count(args.articles)
    result: dict[str, Any] = {
        "articles": args.articles, "seed": args.seed, "machine": machine(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    wall = time.perf_counter()

    log(f"sync ingest: {feeds} feeds x {ITEMS_PER_FEED} items")
    ingest_result, urls, server = ingest(corpus, feeds, work)
    result.update(ingest_result)
    try:
        log("newsboat" if shutil.which("newsboat") else "newsboat not installed: null")
        result.update(compare_with_newsboat(urls, work))
        result.update(ratios(result))
    finally:
        server.stop()

    log("raw SQLite ceiling")
    result["raw_sqlite_items_per_s"] = raw_sqlite(corpus, feeds * ITEMS_PER_FEED, work)

    log(f"bulk fill to {args.articles:,} with Archive.store")
    path = work / "archive.db"
    result.update(bulk_fill(corpus, args.articles, path, args.batch))

    log("queries")
    with Archive.open(path) as archive:
        queries, details = run_queries(archive, corpus, args.runs)
    result["queries"], result["query_details"] = queries, details
    result["bytes_per_article"] = round(file_bytes(path) / args.articles, 1)
    log("actions: mark all read of a source, saved-search counts")
    with Archive.open(path) as archive:
        result["actions"] = run_actions(archive, corpus, args.runs)

    log("window: first paint")
    paint, paint_runs = first_paint(path, work, args.paint_runs)
    result["first_paint_ms"], result["first_paint_runs_ms"] = paint, paint_runs
    for prefix, extra in WINDOW_RUNS:
        log(f"window: memory {' '.join(extra) or '(snippets on)'}")
        figures = window_memory(path, work, args.scroll_rows, args.open_articles, extra)
        result.update({(f"{prefix}{key}" if prefix else key): value
                       for key, value in figures.items()})
    result["wall_seconds"] = round(time.perf_counter() - wall, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        for stale in args.work.glob("*.db*"):
            stale.unlink()
        result = run(args, args.work)
    else:
        with tempfile.TemporaryDirectory(prefix="broadsheet-bench-") as folder:
            result = run(args, Path(folder))
    print(table(result), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"wrote {args.out} ({result['wall_seconds']} s)")
    return 0
