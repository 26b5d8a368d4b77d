"""The command line's ``export`` command: a search's articles as Markdown, HTML, EPUB or
JSON (see reader/export). Kept apart from ``reader.cli``, which registers it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TextIO

from reader.archive import Archive
from reader.export import FORMATS, export


def cmd_export(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    query = " ".join(args.query)
    result = export(archive, args.format, args.out, query)
    if args.json:
        from reader.cli import _print_json

        _print_json({"format": result.format, "out": result.out, "articles": result.articles,
                     "images": result.images, "bytes": result.bytes}, out)
    elif result.articles == 0:
        out.write("no articles match; nothing exported\n")
    else:
        plural = "s" if result.articles != 1 else ""
        out.write(f"exported {result.articles:,} article{plural} and {result.images:,} "
                  f"image{'s' if result.images != 1 else ''} to {result.out} "
                  f"({result.bytes:,} bytes)\n")
    return 0


def add_parsers(add: Callable[..., argparse.ArgumentParser], json_flag: argparse.ArgumentParser,
                text: Callable[[str], str], path: Callable[[str], str]) -> None:
    sub = add("export", "write the articles a search matches (all when none), newest first: "
                        "md (a folder of Markdown files), html (one page), epub (a book) or "
                        "json (a folder)", json_flag)
    sub.add_argument("query", nargs="*", metavar="QUERY", type=text,
                     help="a search (see `broadsheet --help`); none: every article")
    sub.add_argument("--format", choices=FORMATS, required=True)
    sub.add_argument("--out", type=path, metavar="PATH", required=True,
                     help="the folder (md, json) or file (html, epub) to create")


COMMANDS = {"export": cmd_export}
