"""The demo archive: what a first run opens, built through the real import path."""

from __future__ import annotations

from pathlib import Path

from reader.archive import Archive
from reader.importing import import_paths
from reader.records import ImportResult

DEMO_FOLDER = Path(__file__).resolve().parents[1] / "resources" / "demo"


def build_demo(path: Path) -> list[ImportResult]:
    """Import resources/demo/ (text pages, a feed file with images) into ``path``.

    Importing is idempotent, so running it on an existing demo archive changes nothing. One
    article is bookmarked so the "Bookmarked" filter has something to show.
    """
    with Archive.open(path) as archive:
        results = import_paths(archive, [DEMO_FOLDER])
        ids = [article_id for result in results for article_id in result.article_ids]
        if ids and archive.totals().bookmarked == 0:
            archive.set_bookmarked(ids[:1])
    return results
