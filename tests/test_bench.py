"""The benchmark runs end to end on a tiny archive and writes every figure (never timed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

NUMBER_KEYS = (
    "articles", "ingest_items_per_s", "raw_sqlite_items_per_s", "resync_unchanged_s",
    "bytes_per_article", "first_paint_ms", "peak_rss_mb", "bulk_first_10pct_per_s",
    "bulk_last_10pct_per_s", "no_snippets_peak_rss_mb", "search_snippets_peak_rss_mb",
    "memory_scroll_s",
)
QUERY_NAMES = (
    "first_page", "next_page", "tag_page_common", "tag_page_rare", "tag_counts",
    "search_common", "search_rare", "search_needle", "phrase", "prefix", "tag_and_word",
    "unread", "relevance", "open_article", "bookmark_toggle",
)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@pytest.mark.slow
def test_quick_benchmark_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--articles", "2000", "--runs", "3",
         "--paint-runs", "1", "--scroll-rows", "500", "--open-articles", "10",
         "--out", str(out), "--work", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())

    assert result["articles"] == 2000
    for key in NUMBER_KEYS:
        assert _is_number(result[key]), (key, result.get(key))
    assert result["ingest_items_stored"] == result["ingest_items"] > 0
    assert 0 < result["ingest_same_feeds_items_stored"] < result["ingest_items_stored"]
    for key in ("newsboat_items_per_s", "newsboat_items_stored", "newsboat_bytes_per_item",
                "ingest_vs_newsboat", "ingest_vs_newsboat_same_feeds"):
        assert result[key] is None or _is_number(result[key]), key
    if result["newsboat_items_stored"] is not None:  # it stores RSS and Atom, not JSON Feed
        assert result["newsboat_items_stored"] == result["ingest_same_feeds_items_stored"]
    machine = result["machine"]
    assert _is_number(machine["cores"]) and _is_number(machine["memory_mb"])
    assert isinstance(machine["sqlite_version"], str) and isinstance(machine["python"], str)
    assert result["resync_all_not_modified"] is True

    assert set(result["queries"]) == set(QUERY_NAMES)
    for name, entry in result["queries"].items():
        assert _is_number(entry["median_ms"]), name
        assert _is_number(entry["p95_ms"]), name
        assert entry["runs"] == 3, name
        assert _is_number(entry["first_run_ms"]), name
    actions = result["actions"]
    marking = actions["mark_all_read"]
    assert marking["articles_changed"] == marking["source_articles"] == 2000
    for figure in ("mark_all_read", "undo", "source_first_page", "page_mark_read"):
        assert _is_number(marking[figure]["median_ms"]), figure
    for counts in (actions["saved_counts"], actions["saved_counts_in_search"]):
        assert len(counts["each"]) == len(counts["counts"]) == 10
        assert _is_number(counts["after_write"]["median_ms"])
        assert _is_number(counts["cached"]["median_ms"])
    assert actions["saved_counts"]["counts"]["Quillwort"][0] == 200  # 1 in 10 of 2,000
    assert "first_page" in done.stdout and "saved counts" in done.stdout  # the table
