"""Builds (or refreshes) the demo archive that `make run` opens, from resources/demo/."""

from __future__ import annotations

import sys
from pathlib import Path

from reader.archive import Archive
from reader.importing import import_paths

DEMO_PAGES = Path(__file__).resolve().parents[1] / "resources" / "demo"


def main(target: str) -> int:
    with Archive.open(target) as archive:
        results = import_paths(archive, [DEMO_PAGES])
        failed = [result for result in results if result.status == "failed"]
        for result in failed:
            print(f"demo: {result.path}: {result.error}", file=sys.stderr)
        if archive.totals().bookmarked == 0 and results and results[0].article_ids:
            archive.set_bookmarked([results[0].article_ids[0]])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
