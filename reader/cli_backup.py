"""``broadsheet backup PATH`` and ``broadsheet restore PATH``: the archive file as a whole.

These run on the archive's path without opening it as an archive first: a backup must not
migrate what it copies, and a restore must work when the current archive is damaged, or is
not there at all.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from reader import backup


def _print_json(document: Any, out: TextIO) -> None:
    json.dump(document, out, ensure_ascii=False, indent=2)
    out.write("\n")


def cmd_backup(archive: Path, args: argparse.Namespace, out: TextIO) -> int:
    made = backup.backup(archive, Path(args.path))
    if args.json:
        _print_json({"backup": str(made.path), "bytes": made.bytes,
                     "articles": made.articles}, out)
    else:
        out.write(f"backed up {made.articles:,} article{'s' if made.articles != 1 else ''} "
                  f"({made.bytes / 2**20:.1f} MB) to {made.path}; it passed the integrity and "
                  f"full-text checks\n")
    return 0


def cmd_restore(archive: Path, args: argparse.Namespace, out: TextIO) -> int:
    done = backup.restore(archive, Path(args.path))
    if args.json:
        _print_json({"restored": str(Path(args.path)),
                     "previous": None if done.previous is None else str(done.previous),
                     "articles": done.articles}, out)
    else:
        kept = (f"; the archive as it was is kept as {done.previous}" if done.previous
                else "")
        out.write(f"restored {done.articles:,} article{'s' if done.articles != 1 else ''} "
                  f"from {args.path} into {done.restored}{kept}\n")
    return 0


#: Commands given the archive's path, not an open archive (see the module docstring).
COMMANDS: dict[str, Callable[[Path, argparse.Namespace, TextIO], int]] = {
    "backup": cmd_backup,
    "restore": cmd_restore,
}


def add_parsers(add: Callable[..., Any], json_flag: argparse.ArgumentParser,
                path: Callable[[str], str]) -> None:
    sub = add("backup", "copy the archive to PATH (a new file, or a folder) while the window or "
                        "a sync may be writing; the copy is checked before it is kept",
              json_flag)
    sub.add_argument("path", metavar="PATH", type=path)
    sub = add("restore", "replace the archive with the backup at PATH once it passes the "
                         "integrity, full-text and schema checks; the current archive is kept "
                         "as a dated copy beside it", json_flag)
    sub.add_argument("path", metavar="PATH", type=path)
