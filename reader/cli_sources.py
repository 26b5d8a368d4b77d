"""The command line's subscription commands: ``unsubscribe``, ``rename-source``,
``set-source``. Kept apart from ``reader.cli`` (which registers them) so each module stays
about one thing; they call the same operations as the window's Sources dialog."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TextIO

from reader import operations
from reader.archive import Archive
from reader.archive.subscription import LONGEST_INTERVAL_MINUTES, LONGEST_KEEP_DAYS
from reader.errors import ReaderError
from reader.records import SourceInfo

Command = Callable[[Archive, argparse.Namespace, TextIO], int]


def _articles(count: int) -> str:
    return f"{count:,} article{'s' if count != 1 else ''}"


def cmd_unsubscribe(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    left, _trash = operations.unsubscribe(archive, args.source_id, args.keep_articles).result
    if args.json:
        from reader.cli import _print_json

        _print_json({"source_id": left.source_id, "title": left.title, "removed": left.going,
                     "kept": left.staying}, out)
        return 0
    line = f"unsubscribed from #{left.source_id} {left.title}: removed {_articles(left.going)}"
    if left.staying:
        why = "as asked" if args.keep_articles else "bookmarked or tagged by you"
        line += f", kept {_articles(left.staying)} ({why})"
    out.write(line + "\n")
    return 0


def cmd_rename_source(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    title = operations.rename_source(archive, args.source_id, args.title).result
    out.write(f"source #{args.source_id} is now called {title!r}\n")
    return 0


def describe(source: SourceInfo) -> str:
    """A source's settings in one line (also what ``set-source`` prints after a change)."""
    every = f"every {source.every_minutes} min" if source.every_minutes else "app's interval"
    keep = f"read ones kept {source.keep_days} days" if source.keep_days else "keeps all"
    return (f"#{source.id} {source.title}: {'paused' if source.paused else 'syncing'}, "
            f"{every}, full text {source.full_text}, "
            f"images {'on' if source.keep_images else 'off'}, {keep}")


def cmd_set_source(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    settings: dict[str, Any] = {}
    if args.full_text is not None:
        settings["full_text"] = {"on": "always", "off": "never"}.get(args.full_text,
                                                                    args.full_text)
    if args.images is not None:
        settings["keep_images"] = args.images == "on"
    if args.pause or args.resume:
        settings["paused"] = bool(args.pause)
    if args.every is not None:
        settings["every_minutes"] = args.every or None
    if args.keep_days is not None:
        settings["keep_days"] = args.keep_days or None
    if args.url is None and not settings:
        raise ReaderError("set-source: nothing to change; give --url, --full-text, --images, "
                          "--pause, --resume, --every or --keep-days")
    if args.url is not None:
        operations.change_source_url(archive, args.source_id, args.url)
    if settings:
        source = operations.configure_source(archive, args.source_id, **settings).result
    else:
        [source] = [s for s in archive.sources() if s.id == args.source_id]
    if args.json:
        from reader.cli import _print_json, source_json

        _print_json(source_json(source), out)
    else:
        out.write(describe(source) + (f"\n  {source.url}" if args.url else "") + "\n")
    return 0


def _count_of(unit: str, longest: int, zero: str) -> Callable[[str], int]:
    """An argument type: a whole number of ``unit`` from 0 (meaning ``zero``) to ``longest``."""
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of {unit}: {value!r}") from None
        if not 0 <= number <= longest:
            raise argparse.ArgumentTypeError(f"must be 1 to {longest} {unit} (0: {zero})")
        return number

    return parse


def add_parsers(add: Callable[..., argparse.ArgumentParser], json_flag: argparse.ArgumentParser,
                row_id: Callable[[str], int], text: Callable[[str], str]) -> None:
    sub = add("unsubscribe", "leave a feed: its articles go, except the ones you bookmarked or "
                             "tagged by hand", json_flag)
    sub.add_argument("source_id", type=row_id, metavar="SOURCE_ID")
    sub.add_argument("--keep-articles", action="store_true",
                     help="keep every article of it (only stop syncing)")
    sub = add("rename-source", "give a source your own name (a sync keeps it)")
    sub.add_argument("source_id", type=row_id, metavar="SOURCE_ID")
    sub.add_argument("title", type=text, metavar="TITLE")
    sub = add("set-source", "change a feed's address or its own settings", json_flag)
    sub.add_argument("source_id", type=row_id, metavar="SOURCE_ID")
    sub.add_argument("--url", type=text, metavar="URL", help="the feed's new address")
    sub.add_argument("--full-text", choices=("on", "off", "auto"),
                     help="fetch each article's web page: always (on), never (off), or only "
                          "when the feed gives a summary (auto, the default)")
    sub.add_argument("--images", choices=("on", "off"), help="download the articles' images")
    pause = sub.add_mutually_exclusive_group()
    pause.add_argument("--pause", action="store_true", help="stop syncing it for now")
    pause.add_argument("--resume", action="store_true", help="sync it again")
    sub.add_argument("--every", type=_count_of("minutes", LONGEST_INTERVAL_MINUTES,
                                               "the app's interval"), metavar="MINUTES",
                     help="sync it this often when the window syncs on its own (0: the app's "
                          "interval)")
    sub.add_argument("--keep-days", type=_count_of("days", LONGEST_KEEP_DAYS, "keep everything"),
                     metavar="DAYS",
                     help="remove its read articles older than DAYS (never bookmarked, "
                          "hand-tagged or unread ones; 0: keep everything, the default)")


COMMANDS: dict[str, Command] = {
    "unsubscribe": cmd_unsubscribe,
    "rename-source": cmd_rename_source,
    "set-source": cmd_set_source,
}
