"""Timed archive operations (headline pages, searches, tags, article open) at full size."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.data import COMMON_WORD, NEEDLE_WORD, PHRASE, RARE_WORD, Corpus
from reader.archive import Archive
from reader.render.article_html import article_document

QUERY_NAMES = (
    "first_page", "next_page", "tag_page_common", "tag_page_rare", "tag_counts",
    "search_common", "search_rare", "search_needle", "phrase", "prefix", "tag_and_word",
    "unread", "relevance", "open_article", "bookmark_toggle",
)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * (len(ordered) - 1))))
    return ordered[rank]


def time_operation(operation: Callable[[int], object], runs: int) -> dict[str, Any]:
    """One cold run (reported apart), then ``runs`` warm ones: median and p95 in ms."""
    started = time.perf_counter()
    operation(0)
    cold = time.perf_counter() - started
    timings: list[float] = []
    for run in range(1, runs + 1):
        started = time.perf_counter()
        operation(run)
        timings.append(time.perf_counter() - started)
    return {
        "median_ms": _ms(statistics.median(timings)),
        "p95_ms": _ms(_percentile(timings, 0.95)),
        "runs": runs,
        "first_run_ms": _ms(cold),
    }


def pick_tags(archive: Archive) -> tuple[str, str]:
    """The most used tag, and a rarely used one (the least used that has any article)."""
    counts = [tag for tag in archive.tag_counts() if tag.count > 0]
    common = max(counts, key=lambda tag: (tag.count, tag.name))
    rare = min(counts, key=lambda tag: (tag.count, tag.name))
    return common.name, rare.name


def run_queries(archive: Archive, corpus: Corpus, runs: int, seed: int = 7
                ) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Every named operation, timed; plus what was asked and how many rows came back."""
    common_tag, rare_tag = pick_tags(archive)
    with archive.reading() as connection:
        ids = [int(row[0]) for row in connection.exec_driver_sql(
            "SELECT id FROM articles ORDER BY id")]
    rng = random.Random(seed)
    open_ids = [rng.choice(ids) for _ in range(runs + 1)]
    bookmark_id = rng.choice(ids)
    first = archive.headlines("")

    searches = {
        "first_page": "",
        "tag_page_common": f'tag:"{common_tag}"',
        "tag_page_rare": f'tag:"{rare_tag}"',
        "search_common": COMMON_WORD,
        "search_rare": RARE_WORD,
        "search_needle": NEEDLE_WORD,
        "phrase": f'"{PHRASE[0]} {PHRASE[1]}"',
        "prefix": f"{corpus.prefix}*",
        "tag_and_word": f'tag:"{common_tag}" {COMMON_WORD}',
        "unread": "is:unread",
        "relevance": f"{COMMON_WORD} sort:relevance",
    }
    def search(text: str) -> Callable[[int], object]:
        return lambda _run: archive.headlines(text)

    operations = {name: search(text) for name, text in searches.items()}
    operations["next_page"] = lambda _run: archive.headlines("", cursor=first.next_cursor)
    operations["tag_counts"] = lambda _run: archive.tag_counts()
    operations["open_article"] = lambda run: article_document(archive.article(open_ids[run]))
    operations["bookmark_toggle"] = (
        lambda run: archive.set_bookmarked([bookmark_id], run % 2 == 0))

    results = {name: time_operation(operations[name], runs) for name in QUERY_NAMES}
    rows = {name: len(archive.headlines(text).rows) for name, text in searches.items()}
    archive.set_bookmarked([bookmark_id], False)
    asked = {"queries": {**searches, "next_page": "(page 2 of first_page)"},
             "rows_on_first_page": rows, "common_tag": common_tag, "rare_tag": rare_tag}
    return results, asked
