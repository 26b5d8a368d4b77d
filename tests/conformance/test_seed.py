"""The page the project started from, imported end to end through the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from reader.cli import main

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed"


def run_json(*argv: str) -> Any:
    out = io.StringIO()
    assert main([*argv, "--json"], out) == 0
    return json.loads(out.getvalue())


def test_seed_page_imports_with_all_its_facts(tmp_path: Path) -> None:
    archive = str(tmp_path / "archive.db")
    results = run_json("--archive", archive, "import", str(SEED))
    assert results and all(r["status"] == "imported" for r in results)
    article = run_json("--archive", archive, "show", str(results[0]["article_ids"][0]))

    assert article["title"] == (
        "US Troops Leave Niger After Military Junta Seeks Closer Ties with Russia")
    assert article["subtitle"] == "US to Withdraw Troops From Niger"
    assert article["body_html"].count("<h2>") == 3
    assert article["tags"] == ["ECOWAS"]
    assert article["author"] == "Dexter"
    assert article["published"] is None
    related = article["related"]
    assert len(related) == 6
    assert [r["published"][:10] for r in related] == ["2024-11-04"] * 3 + ["2024-11-03"] * 3
    assert related[0]["title"].startswith("Zimbabwe’s rich")
    assert all(r["excerpt"] for r in related)
    body = article["body_html"] + article["body_text"]
    for furniture in ["Keep Reading", "cookies", "Recent Posts", "TAGS", "November 4, 2024"]:
        assert furniture not in body
    assert "Niger’s distance from Western powers" in article["body_text"]
    assert "\u00a0" not in article["body_text"]

    again = run_json("--archive", archive, "import", str(SEED))
    assert [r["status"] for r in again] == ["unchanged"] * len(results)
    assert run_json("--archive", archive, "list", "ecowas")[0]["id"] == article["id"]
