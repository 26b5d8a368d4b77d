"""The ``broadsheet`` command line: the archive's operations for people and for other tools.

The commands and their ``--json`` shapes are a contract other tools rely on; change them only
by adding. Errors print one line on stderr and exit 1; usage errors exit 2.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TextIO

from reader import operations
from reader.archive import Archive
from reader.errors import ReaderError
from reader.records import Article, Headline, ImportResult, SourceInfo, TagCount
from reader.render.dates import humanize_date

PROGRAM = "broadsheet"
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


# --- JSON shapes (the contract) ---------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def headline_json(row: Headline | Article) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "source": row.source,
        "source_id": row.source_id,
        "published": _iso(row.published),
        "author": row.author,
        "tags": list(row.tags),
        "read": row.read,
        "bookmarked": row.bookmarked,
        "excerpt": row.excerpt,
    }


def article_json(article: Article) -> dict[str, Any]:
    return {
        **headline_json(article),
        "subtitle": article.subtitle,
        "url": article.url,
        "body_html": article.body_html,
        "body_text": article.body_text,
        "related": [
            {"title": link.title, "excerpt": link.excerpt, "published": _iso(link.published),
             "article_id": link.article_id}
            for link in article.related
        ],
    }


def import_json(result: ImportResult) -> dict[str, Any]:
    return {"path": result.path, "status": result.status,
            "article_ids": list(result.article_ids), "error": result.error}


def tag_json(tag: TagCount) -> dict[str, Any]:
    return {"name": tag.name, "count": tag.count, "unread": tag.unread}


def source_json(source: SourceInfo) -> dict[str, Any]:
    return {"id": source.id, "url": source.url, "title": source.title, "kind": source.kind,
            "last_synced": _iso(source.last_synced), "last_error": source.last_error}


def _print_json(document: Any, out: TextIO) -> None:
    json.dump(document, out, ensure_ascii=False, indent=2)
    out.write("\n")


# --- text for people --------------------------------------------------------------------------


def _width() -> int:
    return max(60, shutil.get_terminal_size((100, 24)).columns)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def print_headlines(rows: Sequence[Headline], out: TextIO) -> None:
    if not rows:
        out.write("No articles match.\n")
        return
    id_width = max(len(str(row.id)) for row in rows)
    dates = [humanize_date(row.published) for row in rows]
    date_width = max(len(date) for date in dates)
    source_width = min(18, max(len(row.source) for row in rows))
    title_width = _width() - id_width - date_width - source_width - 10
    for row, date in zip(rows, dates, strict=True):
        marks = ("★" if row.bookmarked else " ") + ("•" if not row.read else " ")
        source = _clip(row.source, source_width)
        title = _clip(row.title, title_width)
        out.write(f"{row.id:>{id_width}}  {marks} {date:<{date_width}}  "
                  f"{source:<{source_width}}  {title}\n")


def print_article(article: Article, out: TextIO) -> None:
    width = min(_width(), 88)
    out.write(article.title + "\n")
    if article.subtitle:
        out.write(article.subtitle + "\n")
    meta = [part for part in (
        f"by {article.author}" if article.author else None,
        article.source,
        humanize_date(article.published),
        f"{article.word_count} words",
        "bookmarked" if article.bookmarked else None,
        "read" if article.read else "unread",
    ) if part]
    out.write(" · ".join(meta) + "\n")
    if article.tags:
        out.write("Tags: " + ", ".join(article.tags) + "\n")
    if article.url:
        out.write(article.url + "\n")
    out.write("\n")
    for paragraph in article.body_text.split("\n\n"):
        out.write(textwrap.fill(paragraph, width) + "\n\n")
    if article.related:
        out.write("Related\n")
        for link in article.related:
            where = f"#{link.article_id}" if link.article_id is not None else "not archived"
            out.write(f"  - {link.title} ({humanize_date(link.published)}; {where})\n")


def print_tags(tags: Sequence[TagCount], out: TextIO) -> None:
    if not tags:
        out.write("No tags yet.\n")
        return
    name_width = max(len(tag.name) for tag in tags)
    out.write(f"{'TAG':<{name_width}}  {'ARTICLES':>8}  {'UNREAD':>6}\n")
    for tag in tags:
        out.write(f"{tag.name:<{name_width}}  {tag.count:>8}  {tag.unread:>6}\n")


# --- commands ---------------------------------------------------------------------------------


def _progress_bar(args: argparse.Namespace, unit: str = "file") -> Any:
    """A tqdm bar on stderr for people at a terminal; None for pipes and --json."""
    if args.json or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=0, unit=unit, file=sys.stderr, leave=False)


def cmd_import(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    bar = _progress_bar(args)

    def progress(done: int, total: int, _path: str) -> None:
        if bar is not None:
            bar.total = total
            bar.update(done - bar.n)

    try:
        results = operations.import_paths(archive, args.paths, progress).result
    finally:
        if bar is not None:
            bar.close()
    failed = [result for result in results if result.status == "failed"]
    if args.json:
        _print_json([import_json(result) for result in results], out)
    else:
        for result in results:
            if result.status != "failed":
                ids = ", ".join(f"#{i}" for i in result.article_ids)
                note = f" ({result.note})" if result.note else ""
                out.write(f"{result.status:<9} {ids:<8} {result.path}{note}\n")
        counts = {status: sum(r.status == status for r in results)
                  for status in ("imported", "updated", "unchanged", "failed")}
        out.write(", ".join(f"{n} {status}" for status, n in counts.items()) + "\n")
    for result in failed:
        sys.stderr.write(f"{PROGRAM}: {result.path}: {result.error}\n")
    if not results:
        sys.stderr.write(f"{PROGRAM}: no supported files found in {' '.join(args.paths)}\n")
        return EXIT_ERROR
    return EXIT_ERROR if failed else EXIT_OK


def cmd_list(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    query = " ".join(args.query)
    rows: list[Headline] = []
    cursor = None
    while len(rows) < args.limit:
        page = archive.headlines(query, source_id=args.source, cursor=cursor,
                                 limit=min(args.limit - len(rows), 500))
        rows.extend(page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    if args.json:
        _print_json([headline_json(row) for row in rows], out)
    else:
        print_headlines(rows, out)
    return EXIT_OK


def cmd_show(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    article = archive.article(args.article_id)
    if args.json:
        _print_json(article_json(article), out)
    else:
        print_article(article, out)
    return EXIT_OK


def cmd_tags(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    tags = archive.tag_counts()
    if args.json:
        _print_json([tag_json(tag) for tag in tags], out)
    else:
        print_tags(tags, out)
    return EXIT_OK


def _flag_command(action: Callable[[Archive, list[int]], object], verb: str) -> Callable[
        [Archive, argparse.Namespace, TextIO], int]:
    def run(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
        action(archive, args.article_ids)
        ids = ", ".join(f"#{i}" for i in args.article_ids)
        out.write(f"{verb} {ids}\n")
        return EXIT_OK
    return run


def cmd_tag(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    if args.command == "tag":
        changed = operations.tag(archive, args.article_id, [args.name])
        out.write(f"tagged #{args.article_id} with {args.name}\n" if changed
                  else f"#{args.article_id} already had the tag {args.name}\n")
    else:
        changed = operations.untag(archive, args.article_id, [args.name])
        out.write(f"removed the tag {args.name} from #{args.article_id}\n" if changed
                  else f"#{args.article_id} did not have the tag {args.name}\n")
    return EXIT_OK


def cmd_add(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    tags = [args.tag] if args.tag else []
    added = (operations.save_page(archive, args.url, tags) if args.page
             else operations.subscribe(archive, args.url, tags)).result
    if added.note:
        sys.stderr.write(f"{PROGRAM}: {added.note}\n")
    if args.json:
        _print_json({"source_id": added.source_id, "url": added.url, "title": added.title}, out)
    elif args.page:
        where = f"#{added.article_id}" if added.article_id is not None else "not saved"
        out.write(f"saved {where}: {added.title}\n")
    else:
        out.write(f"source #{added.source_id}: {added.title} <{added.url}>\n"
                  f"run `{PROGRAM} sync` to fetch its articles\n")
    return EXIT_OK


def cmd_sync(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    import threading

    from reader.sync.pipeline import SyncReport

    bar = _progress_bar(args, unit="source")
    cancel = threading.Event()

    def progress(done: int, total: int, report: SyncReport | None) -> None:
        if bar is not None:
            bar.total = total
            if report is not None:
                bar.set_postfix_str(_clip(report.title or report.url or "", 40))
            bar.update(done - bar.n)

    try:
        reports = operations.sync(archive, args.source_ids or None, progress=progress,
                                  cancel=cancel).result
    except KeyboardInterrupt:
        cancel.set()
        raise
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        _print_json([{"source_id": r.source_id, "url": r.url, "status": r.status, "new": r.new,
                      "updated": r.updated, "error": r.error} for r in reports], out)
    else:
        if not reports:
            out.write(f"No feeds to sync; add one with `{PROGRAM} add URL`.\n")
        for report in reports:
            detail = (f"{report.new} new, {report.updated} updated" if report.status == "ok"
                      else "not modified" if report.status == "not_modified"
                      else f"failed: {report.error}")
            if report.note:
                detail += f" ({report.note})"
            out.write(f"#{report.source_id:<4} {_clip(report.title or report.url or '', 40):<40}"
                      f"  {detail}\n")
    return EXIT_ERROR if any(report.status == "failed" for report in reports) else EXIT_OK


def cmd_sources(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    rows = archive.sources()
    if args.json:
        _print_json([source_json(source) for source in rows], out)
        return EXIT_OK
    if not rows:
        out.write(f"No sources yet; add one with `{PROGRAM} add URL`.\n")
        return EXIT_OK
    for source in rows:
        synced = humanize_date(source.last_synced) if source.last_synced else "never synced"
        state = f"error: {source.last_error}" if source.last_error else synced
        out.write(f"#{source.id:<4} {source.kind:<8} {_clip(source.title, 36):<36} "
                  f"{source.article_count:>6} articles  {state}\n")
        if source.url:
            out.write(f"      {source.url}\n")
    return EXIT_OK


def cmd_export_opml(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    from pathlib import Path

    from reader.errors import UnreadableDocument
    from reader.sync.subscribe import export_opml

    data = export_opml(archive)
    target = Path(args.path)
    try:
        if args.path == "-":
            out.write(data.decode("utf-8"))
        else:
            target.write_bytes(data)
    except OSError as error:
        raise UnreadableDocument(f"cannot write {target}: {error.strerror}") from None
    if args.path != "-":
        out.write(f"wrote {len(archive.sources())} sources to {target}\n")
    return EXIT_OK


COMMANDS: dict[str, Callable[[Archive, argparse.Namespace, TextIO], int]] = {
    "import": cmd_import,
    "list": cmd_list,
    "show": cmd_show,
    "tags": cmd_tags,
    "bookmark": _flag_command(lambda a, ids: operations.bookmark(a, ids, True), "bookmarked"),
    "unbookmark": _flag_command(lambda a, ids: operations.bookmark(a, ids, False),
                                "unbookmarked"),
    "read": _flag_command(lambda a, ids: operations.mark_read(a, ids, True), "marked read"),
    "unread": _flag_command(lambda a, ids: operations.mark_read(a, ids, False),
                            "marked unread"),
    "tag": cmd_tag,
    "untag": cmd_tag,
    "delete": _flag_command(operations.delete, "deleted"),
    "add": cmd_add,
    "sync": cmd_sync,
    "sources": cmd_sources,
    "export-opml": cmd_export_opml,
}

SEARCH_HELP = """\
search language (for `list QUERY`):
  word other          articles containing every word (title, subtitle, author, body, tags)
  "exact phrase"      the words in this order
  prefix*             words starting with prefix
  -word               articles without the word (also -"phrase", -tag:x, -is:read)
  a OR b              either (OR binds tighter than the implicit AND); ( ) groups
  tag:NAME            tagged NAME; tag:"two words"; -tag:NAME excludes it
  source:NAME         from a source whose title or URL contains NAME (or whose id is NAME)
  author:NAME         by an author with that name
  is:unread is:read is:bookmarked
  after:YYYY-MM-DD    on or after that day (UTC); before:YYYY-MM-DD strictly before it
  sort:relevance      best matches first (default: newest first)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Broadsheet: an offline news reader. Import articles into a local archive, "
                    "then list, search, read and organise them without a network.",
        epilog=SEARCH_HELP + "\nThe archive is --archive PATH, else $BROADSHEET_ARCHIVE, else "
               "the user data folder.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--archive", metavar="PATH", help="the archive file to use")
    archive_again = argparse.ArgumentParser(add_help=False)
    archive_again.add_argument("--archive", metavar="PATH", default=argparse.SUPPRESS,
                               help=argparse.SUPPRESS)
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help="print one JSON document")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help_text: str, *parents: argparse.ArgumentParser) -> Any:
        return commands.add_parser(name, help=help_text, description=help_text,
                                   parents=[archive_again, *parents])

    sub = add("import", "import files or whole folders: text pages (.txt), web pages (.html), "
                        "feed files (.xml, .rss, .atom, .json) and OPML lists (.opml)", json_flag)
    sub.add_argument("paths", nargs="+", metavar="PATH")
    sub = add("list", "list headlines, newest first, optionally matching a search", json_flag)
    sub.add_argument("query", nargs="*", metavar="QUERY",
                     help="a search (see `broadsheet --help`); quote it or not")
    sub.add_argument("--source", type=int, metavar="ID", help="only articles from this source")
    sub.add_argument("--limit", type=_positive, default=50, metavar="N",
                     help="at most N headlines (default 50)")
    sub = add("show", "show one article", json_flag)
    sub.add_argument("article_id", type=int, metavar="ARTICLE_ID")
    add("tags", "list tags with their article and unread counts", json_flag)
    for name, text in (("bookmark", "bookmark articles"), ("unbookmark", "remove bookmarks"),
                       ("read", "mark articles read"), ("unread", "mark articles unread"),
                       ("delete", "delete articles (they will not be imported again)")):
        sub = add(name, text)
        sub.add_argument("article_ids", nargs="+", type=int, metavar="ARTICLE_ID")
    for name, text in (("tag", "add a tag to an article"),
                       ("untag", "remove a tag from an article")):
        sub = add(name, text)
        sub.add_argument("article_id", type=int, metavar="ARTICLE_ID")
        sub.add_argument("name", metavar="NAME")
    sub = add("add", "subscribe to a feed (or, with --page, save one web page)", json_flag)
    sub.add_argument("url", metavar="URL")
    sub.add_argument("--page", action="store_true",
                     help="save this web page as an article (full text and images)")
    sub.add_argument("--tag", metavar="NAME", help="tag every article from it with NAME")
    sub = add("sync", "fetch new articles from feeds (all of them, or these)", json_flag)
    sub.add_argument("source_ids", nargs="*", type=int, metavar="SOURCE_ID")
    add("sources", "list sources with their state and last error", json_flag)
    sub = add("export-opml", "write every feed subscription to an OPML file (- for stdout)")
    sub.add_argument("path", metavar="PATH")
    return parser


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    stream = out or sys.stdout
    if getattr(args, "json", False) is False:
        args.json = False
    try:
        with Archive.open(args.archive) as archive:
            return COMMANDS[args.command](archive, args, stream)
    except ReaderError as error:
        sys.stderr.write(f"{PROGRAM}: error: {error}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROGRAM}: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
