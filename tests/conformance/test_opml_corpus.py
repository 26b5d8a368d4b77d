"""The corpus's OPML subscription lists, read by the OPML importer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reader.sync.opml import read_opml

FEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "feeds"


def opml_cases() -> list[Any]:
    manifest = FEEDS / "manifest.json"
    if not manifest.exists():
        return []
    files = json.loads(manifest.read_text())["files"]
    return [pytest.param(f, id=f["file"]) for f in files
            if str(f["expect"].get("format", "")).startswith("opml")]


@pytest.mark.parametrize("case", opml_cases())
def test_opml_list(case: dict[str, Any]) -> None:
    expect = case["expect"]
    feeds = read_opml((FEEDS / case["file"]).read_bytes())
    assert len(feeds) == expect["feed_outline_count"]
    assert feeds[0].url == expect["first_feed_url"]
