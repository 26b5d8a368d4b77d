"""Builds (or refreshes) a demo archive from resources/demo/: ``make_demo.py PATH``."""

from __future__ import annotations

import sys
from pathlib import Path

from reader.demo import build_demo


def main(target: str) -> int:
    failed = [result for result in build_demo(Path(target)) if result.status == "failed"]
    for result in failed:
        print(f"demo: {result.path}: {result.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
