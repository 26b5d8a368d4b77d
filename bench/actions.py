"""The issue's figures at full size, each beside a peer timed in the same run on the same
archive: "Mark all read" of one 10,000-article source and its undo (against loading that
source's first page and marking one page read), and the sidebar's counts of ten saved
searches (counted afresh after a write, against the same counts read back when nothing was
written, and against the tag counts the sidebar also shows).

``bench/run.py`` calls ``run_actions`` after its queries. ``python -m bench.actions ARCHIVE``
measures these and the window's memory runs alone, on an archive ``python -m bench`` filled
(``--work`` keeps it), into ``bench/results/actions.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.data import COMMON_WORD, PHRASE, RARE_WORD, SEED, Corpus
from bench.queries import _percentile, pick_tags, time_operation
from reader import operations
from reader.archive import Archive
from reader.archive.counting import within_saved
from reader.query import Query, parse_query

#: Runs of each write figure: every run writes 10,000 rows and writes them back.
WRITE_RUNS = 5
#: Rows the window asks for at a time (``ui/headlines.py`` PAGE_SIZE; not imported, so this
#: process never loads Qt).
PAGE_SIZE = 200


def saved_search_set(archive: Archive, corpus: Corpus) -> dict[str, str]:
    """Ten saved searches of the kinds people keep: words, a phrase, tags, a source, the
    unread and bookmarked filters, dates, combinations, and one built on another."""
    common_tag, rare_tag = pick_tags(archive)
    source = next(s.title for s in archive.sources() if s.article_count >= 1)
    return {
        "Quillwort": COMMON_WORD,
        "Marrowfat unread": f"{RARE_WORD} is:unread",
        "Silver harbour": f'"{PHRASE[0]} {PHRASE[1]}"',
        "Common tag": f'tag:"{common_tag}"',
        "Rare tag unread": f'tag:"{rare_tag}" is:unread',
        "One source": f'source:"{source}"',
        "Bookmarked": "is:bookmarked",
        "Recent unread": "is:unread after:2025-06-01",
        "Tag without word": f'tag:"{common_tag}" -{COMMON_WORD} is:unread',
        "Saved inside": f'saved:"Quillwort" ({corpus.prefix}* OR {RARE_WORD})',
    }


def prepare(archive: Archive, corpus: Corpus, seed: int = SEED) -> dict[str, str]:
    """Save the ten searches (once) and bookmark 500 articles for "Bookmarked" to find."""
    wanted = saved_search_set(archive, corpus)
    have = {entry.name for entry in archive.saved_searches()}
    for name, query in wanted.items():
        if name not in have:
            archive.save_search(name, query)
    if archive.totals().bookmarked < 500:
        newest = archive.newest_article_id()
        rng = random.Random(seed)
        archive.set_bookmarked(sorted(rng.sample(range(1, newest + 1), 500)))
    return {entry.name: entry.query for entry in archive.saved_searches()
            if entry.name in wanted}


def _write(archive: Archive, run: int) -> None:
    """A write the counts do not depend on (a view-state key): it moves the generation, so
    the next count is made afresh, as after any write in the window."""
    archive.save_view_state({"bench.actions": str(run)})


def _figures(seconds: list[float]) -> dict[str, Any]:
    """``time_operation``'s figures from timings taken by hand: the first is the cold run."""
    warm = seconds[1:] or seconds
    return {"median_ms": round(statistics.median(warm) * 1000, 3),
            "p95_ms": round(_percentile(warm, 0.95) * 1000, 3), "runs": len(warm),
            "first_run_ms": round(seconds[0] * 1000, 3)}


def saved_counts(archive: Archive, runs: int, search: str = "") -> dict[str, Any]:
    """The sidebar's saved-search counts (``Archive.saved_counts``, as ``ui/counts.py`` asks
    on its worker thread): after a write (the write itself left out of the time), and asked
    again with nothing written; and each saved search counted alone (``search_totals``)."""
    query = parse_query(search)
    after: list[float] = []
    for run in range(runs + 1):
        _write(archive, run)
        started = time.perf_counter()
        archive.saved_counts(query)
        after.append(time.perf_counter() - started)
    cached = time_operation(lambda _run: archive.saved_counts(query), runs)

    def count_alone(name: str) -> Callable[[int], object]:
        within = within_saved(name, query)
        return lambda _run: archive.search_totals(within)

    each = {entry.name: time_operation(count_alone(entry.name), runs)
            for entry, _count in archive.saved_counts(query)}
    shown = {entry.name: [count.count, count.unread]
             for entry, count in archive.saved_counts(query)}
    return {"search": search, "after_write": _figures(after), "cached": cached,
            "each": each, "counts": shown}


def mark_all_read(archive: Archive, runs: int = WRITE_RUNS) -> dict[str, Any]:
    """"Mark all read" on a source's sidebar row (``operations.mark_read_matching`` with the
    source's id, as ``ui/article_actions.py`` calls it) and its undo (``mark_read`` of the
    ids it changed, unread again); peers: that source's first page, one page marked read."""
    source = max(archive.sources(), key=lambda s: (s.unread_count, -s.id))
    empty = Query(None)
    read_ms: list[float] = []
    undo_ms: list[float] = []
    changed = 0
    for _run in range(runs):
        started = time.perf_counter()
        changes = operations.mark_read_matching(archive, empty, True, source_id=source.id)
        read_ms.append(time.perf_counter() - started)
        ids = sorted(changes.articles)
        changed = len(ids)
        started = time.perf_counter()
        operations.mark_read(archive, ids, False)
        undo_ms.append(time.perf_counter() - started)
    page = time_operation(
        lambda _run: archive.headlines(empty, source_id=source.id, limit=PAGE_SIZE), 20)
    page_ids = [row.id for row in archive.headlines(empty, source_id=source.id,
                                                    limit=PAGE_SIZE).rows]

    def one_page(run: int) -> None:
        operations.mark_read(archive, page_ids, run % 2 == 0)

    page_read = time_operation(one_page, 20)
    operations.mark_read(archive, page_ids, False)

    return {"source": source.title, "source_articles": source.article_count,
            "articles_changed": changed, "mark_all_read": _figures(read_ms),
            "undo": _figures(undo_ms), "source_first_page": page,
            "page_rows": len(page_ids), "page_mark_read": page_read}


def run_actions(archive: Archive, corpus: Corpus, runs: int) -> dict[str, Any]:
    saved = prepare(archive, corpus)
    return {
        "saved_searches": saved,
        "saved_counts": saved_counts(archive, runs),
        "saved_counts_in_search": saved_counts(archive, runs, COMMON_WORD),
        "tag_counts": time_operation(lambda _run: archive.tag_counts(), runs),
        "mark_all_read": mark_all_read(archive),
    }


def main(argv: list[str] | None = None) -> int:
    """The issue's figures alone, on an archive already filled: these actions, then the
    window's memory runs (``bench.run.WINDOW_RUNS``); the table rows and JSON as the full
    run writes them."""
    from bench.run import DEFAULT_OUT, WINDOW_RUNS, _action_rows, log, machine, window_memory

    parser = argparse.ArgumentParser(prog="python -m bench.actions", description=__doc__)
    parser.add_argument("archive", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--scroll-rows", type=int, default=10_000)
    parser.add_argument("--open-articles", type=int, default=100)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT.with_name("actions.json"))
    args = parser.parse_args(argv)
    result: dict[str, Any] = {"machine": machine(),
                              "started": datetime.now(UTC).isoformat(timespec="seconds")}
    log("actions: mark all read of a source, saved-search counts")
    with Archive.open(args.archive) as archive:
        result["articles"] = archive.totals().articles
        result["actions"] = run_actions(archive, Corpus(args.seed), args.runs)
    with tempfile.TemporaryDirectory(prefix="broadsheet-actions-") as work:
        for prefix, extra in WINDOW_RUNS:
            log(f"window: memory {' '.join(extra) or '(snippets on)'}")
            figures = window_memory(args.archive, Path(work), args.scroll_rows,
                                    args.open_articles, extra)
            result.update({f"{prefix}{key}": value for key, value in figures.items()})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    for name, value, goal, _ok in _action_rows(result):
        print(f"| {name:<30} | {value:>12} | {goal:>10} |")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
