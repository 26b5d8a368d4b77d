"""The ``broadsheet`` command line: the archive's operations for people and for other tools.

The commands and their ``--json`` shapes are a contract other tools rely on; change them only
by adding. Errors print one line on stderr and exit 1; usage errors exit 2.

Arguments are valid Unicode before they reach the archive: Python turns bytes that are not
UTF-8 into lone surrogates (``tag 1 $'\xff'``), which SQLite refuses, so every text argument
(a search, a tag name, a URL) has them replaced with U+FFFD (``reader.text.valid_text``).
A *path* keeps its bytes, since they name the file exactly (a folder may well hold such a
name) and only the file system sees them; everything printed is made valid text too, so no
stream or terminal chokes on it. Ids are whole numbers SQLite can hold (below 2**63).
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import IO, Any, TextIO, cast

from reader import cli_backup, cli_export, cli_sources, operations
from reader.archive import Archive, default_archive_path
from reader.errors import ReaderError
from reader.records import (
    ArchiveTotals,
    Article,
    Headline,
    ImportResult,
    SavedSearch,
    SourceInfo,
    TagCount,
)
from reader.render.attachments import attachment_details, attachment_name
from reader.render.dates import humanize_date
from reader.text import valid_text

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
        "enclosures": [
            {"url": enclosure.url, "type": enclosure.mime_type, "length": enclosure.length}
            for enclosure in article.enclosures
        ],
    }


def import_json(result: ImportResult) -> dict[str, Any]:
    return {"path": result.path, "status": result.status,
            "article_ids": list(result.article_ids), "error": result.error}


def tag_json(tag: TagCount) -> dict[str, Any]:
    return {"name": tag.name, "count": tag.count, "unread": tag.unread, "mine": tag.by_user}


def source_json(source: SourceInfo) -> dict[str, Any]:
    return {"id": source.id, "url": source.url, "title": source.title, "kind": source.kind,
            "last_synced": _iso(source.last_synced), "last_error": source.last_error,
            "articles": source.article_count, "unread": source.unread_count,
            "paused": source.paused, "full_text": source.full_text,
            "images": source.keep_images, "every_minutes": source.every_minutes,
            "keep_days": source.keep_days, "failures": source.failures,
            "unsubscribed": source.unsubscribed, "folder": source.folder}


class _ValidText(io.TextIOBase):
    """A stream that writes valid Unicode only: lone surrogates (from a file name, say)
    become U+FFFD on their way to ``target``, which may well be a strict UTF-8 stream."""

    def __init__(self, target: IO[str]) -> None:
        super().__init__()
        self._target = target

    def write(self, text: str) -> int:
        self._target.write(valid_text(text))
        return len(text)

    def flush(self) -> None:
        self._target.flush()

    def isatty(self) -> bool:
        return bool(getattr(self._target, "isatty", lambda: False)())


def _error(message: str) -> None:
    """One line on stderr, valid text whatever ``message`` holds."""
    sys.stderr.write(valid_text(f"{PROGRAM}: {message}\n"))


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
    if article.enclosures:
        out.write("Attachments\n")
        for enclosure in article.enclosures:
            out.write(f"  - {attachment_name(enclosure)} ({attachment_details(enclosure)})\n"
                      f"    {enclosure.url}\n")
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
        _error(f"{result.path}: {result.error}")
    if not results:
        _error(f"no supported files found in {' '.join(args.paths)}")
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
        if cursor is not None and len(rows) >= args.limit:
            more = archive.search_totals(query, source_id=args.source)
            left = more.articles - len(rows)
            if left > 0:
                plus = "+" if more.capped else ""
                out.write(f"… and {left:,}{plus} more (--limit N shows more)\n")
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


def cmd_read(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    """``read``/``unread``: the given articles, or with --query every article it matches."""
    read = args.command == "read"
    verb = "marked read" if read else "marked unread"
    if getattr(args, "older_than", None) is not None:
        count = operations.mark_read_older_than(archive, args.older_than,
                                                args.query or "").result
        out.write(f"{verb} {count:,} article{'s' if count != 1 else ''} older than "
                  f"{_days(args.older_than)}\n")
        return EXIT_OK
    if args.query is not None:
        changes = operations.mark_read_matching(archive, args.query, read)
        count = len(changes.articles)
        out.write(f"{verb} {count:,} article{'s' if count != 1 else ''}\n")
        return EXIT_OK
    operations.mark_read(archive, args.article_ids, read)
    out.write(f"{verb} {', '.join(f'#{i}' for i in args.article_ids)}\n")
    return EXIT_OK


def _days(count: int) -> str:
    return f"{count:,} day{'s' if count != 1 else ''}"


def cmd_purge(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    """Remove (or with --dry-run count) read articles older than --older-than days that are
    not bookmarked or tagged by hand."""
    count = operations.purge(archive, args.source, args.older_than, args.dry_run).result
    if args.json:
        _print_json({"removed": count, "dry_run": args.dry_run, "source": args.source,
                     "older_than_days": args.older_than}, out)
        return EXIT_OK
    where = "every source" if args.source is None else next(
        (f"#{source.id} {source.title}" for source in archive.sources()
         if source.id == args.source), f"#{args.source}")
    articles = f"{count:,} article{'s' if count != 1 else ''}"
    out.write(f"{'Would remove' if args.dry_run else 'Removed'} {articles} (read, older than "
              f"{_days(args.older_than)}, not bookmarked or tagged by hand) from {where}\n")
    return EXIT_OK


def saved_json(entry: SavedSearch, totals: ArchiveTotals) -> dict[str, Any]:
    return {"name": entry.name, "query": entry.query, "count": totals.articles,
            "unread": totals.unread}


def cmd_saved(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    """``saved add NAME QUERY`` / ``saved list`` / ``saved remove NAME``."""
    if args.action == "add":
        entry = operations.save_search(archive, args.name, " ".join(args.query)).result
        out.write(f"saved the search {entry.name!r}: {entry.query}\n")
    elif args.action == "remove":
        operations.remove_saved_search(archive, args.name)
        out.write(f"removed the saved search {' '.join(args.name.split())!r}\n")
    else:
        listed = [(entry, archive.search_totals(f"saved:{_quoted(entry.name)}"))
                  for entry in archive.saved_searches()]
        if getattr(args, "json", False):
            _print_json([saved_json(entry, totals) for entry, totals in listed], out)
        elif not listed:
            out.write(f"No saved searches yet; save one with `{PROGRAM} saved add NAME QUERY`.\n")
        else:
            width = max(len(entry.name) for entry, _ in listed)
            for entry, totals in listed:
                plus = "+" if totals.capped else ""
                out.write(f"{entry.name:<{width}}  {totals.articles:>7,}{plus} "
                          f"({totals.unread:,} unread)  {entry.query}\n")
    return EXIT_OK


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


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
        _error(added.note)
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
        if source.unsubscribed:
            state = "unsubscribed (holds the articles you kept)"
        elif source.paused:
            state = f"paused; {state}"
        folder = f"  in {source.folder}" if source.folder else ""
        out.write(f"#{source.id:<4} {source.kind:<8} {_clip(source.title, 36):<36} "
                  f"{source.article_count:>6} articles  {state}{folder}\n")
        if source.url:
            out.write(f"      {source.url}\n")
    return EXIT_OK


def cmd_export_opml(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    from pathlib import Path

    from reader.errors import UnreadableDocument
    from reader.opml_export import export_opml

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


def cmd_check(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    """Every health check, one line each; ``--repair`` fixes what it can, then checks again."""
    results = archive.health()
    done: list[str] = []
    if args.repair:
        index_damaged = any(not r.ok and r.name == "full-text index" for r in results)
        done = archive.repair(rebuild_index=index_damaged)
        if done:
            results = archive.health()
    if args.json:
        _print_json({"checks": [{"check": r.name, "ok": r.ok, "detail": r.detail}
                                for r in results], "repaired": done}, out)
    else:
        width = max(len(r.name) for r in results)
        for r in results:
            out.write(f"{'ok' if r.ok else 'FAILED':<6}  {r.name:<{width}}  {r.detail}\n")
        for line in done:
            out.write(f"{'fixed':<6}  {line}\n")
    return EXIT_OK if all(r.ok for r in results) else EXIT_ERROR


def _articles(count: int) -> str:
    return f"{count:,} article{'s' if count != 1 else ''}"


def cmd_delete_tag(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    outcome = operations.delete_tag(archive, args.name)
    out.write(f"Removed tag “{args.name}” from {_articles(len(outcome.result))}\n")
    return EXIT_OK


def cmd_move_source(archive: Archive, args: argparse.Namespace, out: TextIO) -> int:
    """``move-source ID FOLDER`` puts a source in a folder; ``--none`` (or "") takes it out."""
    if args.none == bool(args.folder and args.folder.strip()):
        _error("error: move-source: give a FOLDER, or --none (not both)")
        return EXIT_USAGE
    changes = operations.move_to_folder(archive, args.source_id, args.folder)
    folder = next(s.folder for s in archive.sources() if s.id == args.source_id)
    where = f"in folder “{folder}”" if folder else "in no folder"
    out.write(f"Source #{args.source_id} is {'now' if changes else 'already'} {where}"
              + (f" ({_articles(len(changes.articles))} retagged)\n" if changes else "\n"))
    return EXIT_OK


COMMANDS: dict[str, Callable[[Archive, argparse.Namespace, TextIO], int]] = {
    "import": cmd_import,
    "list": cmd_list,
    "show": cmd_show,
    "tags": cmd_tags,
    "bookmark": _flag_command(lambda a, ids: operations.bookmark(a, ids, True), "bookmarked"),
    "unbookmark": _flag_command(lambda a, ids: operations.bookmark(a, ids, False),
                                "unbookmarked"),
    "read": cmd_read,
    "unread": cmd_read,
    "saved": cmd_saved,
    "tag": cmd_tag,
    "untag": cmd_tag,
    "delete": _flag_command(operations.delete, "deleted"),
    "add": cmd_add,
    "sync": cmd_sync,
    "sources": cmd_sources,
    "delete-tag": cmd_delete_tag,
    "move-source": cmd_move_source,
    "export-opml": cmd_export_opml,
    "check": cmd_check,
    "purge": cmd_purge,
    **cli_sources.COMMANDS,
    **cli_export.COMMANDS,
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
  saved:NAME          what the saved search NAME matches (see `broadsheet saved`)
  sort:relevance      best matches first; sort:oldest oldest first (default: newest first)
"""


class _Parser(argparse.ArgumentParser):
    """argparse, printing only valid text: its messages quote the arguments they reject."""

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            super()._print_message(valid_text(message), file)


def _text(value: str) -> str:
    """A text argument as valid Unicode (lone surrogates become U+FFFD)."""
    return valid_text(value)


def _path(value: str) -> str:
    """A path argument: its bytes as given (see the module docstring)."""
    return value


SQLITE_MAX_INTEGER = 2**63 - 1


def _row_id(value: str) -> int:
    """An article or source id: a whole number SQLite can hold."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not -SQLITE_MAX_INTEGER <= number <= SQLITE_MAX_INTEGER:
        raise argparse.ArgumentTypeError(f"no id is that large: {value}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROGRAM,
        description="Broadsheet: an offline news reader. Import articles into a local archive, "
                    "then list, search, read and organise them without a network.",
        epilog=SEARCH_HELP + "\nThe archive is --archive PATH, else $BROADSHEET_ARCHIVE, else "
               "the user data folder.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--archive", metavar="PATH", type=_path,
                        help="the archive file to use")
    archive_again = _Parser(add_help=False)
    archive_again.add_argument("--archive", metavar="PATH", type=_path,
                               default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    json_flag = _Parser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help="print one JSON document")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help_text: str, *parents: _Parser) -> Any:
        return commands.add_parser(name, help=help_text, description=help_text,
                                   parents=[archive_again, *parents])

    sub = add("import", "import files or whole folders: text pages (.txt), web pages (.html), "
                        "Markdown (.md, with YAML front matter or none), feed files (.xml, .rss, "
                        ".atom, .json), OPML lists (.opml) and json export folders (holding "
                        "articles.json)", json_flag)
    sub.add_argument("paths", nargs="+", metavar="PATH", type=_path)
    sub = add("list", "list headlines, newest first, optionally matching a search", json_flag)
    sub.add_argument("query", nargs="*", metavar="QUERY", type=_text,
                     help="a search (see `broadsheet --help`); quote it or not")
    sub.add_argument("--source", type=_row_id, metavar="ID",
                     help="only articles from this source")
    sub.add_argument("--limit", type=_positive, default=50, metavar="N",
                     help="at most N headlines (default 50)")
    sub = add("show", "show one article", json_flag)
    sub.add_argument("article_id", type=_row_id, metavar="ARTICLE_ID")
    add("tags", "list tags with their article and unread counts", json_flag)
    for name, text in (("bookmark", "bookmark articles"), ("unbookmark", "remove bookmarks"),
                       ("delete", "delete articles (they will not be imported again)")):
        sub = add(name, text)
        sub.add_argument("article_ids", nargs="+", type=_row_id, metavar="ARTICLE_ID")
    for name, text in (("read", "mark articles read: these, or every match of --query"),
                       ("unread", "mark articles unread: these, or every match of --query")):
        sub = add(name, text)
        sub.add_argument("article_ids", nargs="*", type=_row_id, metavar="ARTICLE_ID")
        sub.add_argument("--query", type=_text, metavar="QUERY",
                         help="every article this search matches (prints how many)")
        if name == "read":
            sub.add_argument("--older-than", type=_positive, metavar="DAYS",
                             help="every unread article older than DAYS days (within --query "
                                  "when given; prints how many)")
    saved = add("saved", "saved searches: add NAME QUERY, list, remove NAME (and saved:NAME "
                         "inside any query)")
    actions = saved.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub = actions.add_parser("add", help="save QUERY under NAME",
                             description="save QUERY under NAME")
    sub.add_argument("name", type=_text, metavar="NAME")
    sub.add_argument("query", nargs="+", type=_text, metavar="QUERY")
    actions.add_parser("list", help="every saved search with its counts",
                       description="every saved search with its counts", parents=[json_flag])
    sub = actions.add_parser("remove", help="forget a saved search",
                             description="forget a saved search")
    sub.add_argument("name", type=_text, metavar="NAME")
    for name, text in (("tag", "add a tag to an article"),
                       ("untag", "remove a tag from an article")):
        sub = add(name, text)
        sub.add_argument("article_id", type=_row_id, metavar="ARTICLE_ID")
        sub.add_argument("name", metavar="NAME", type=_text)
    sub = add("add", "subscribe to a feed (or, with --page, save one web page)", json_flag)
    sub.add_argument("url", metavar="URL", type=_text)
    sub.add_argument("--page", action="store_true",
                     help="save this web page as an article (full text and images)")
    sub.add_argument("--tag", metavar="NAME", type=_text,
                     help="tag every article from it with NAME")
    sub = add("sync", "fetch new articles from feeds (all of them, or these)", json_flag)
    sub.add_argument("source_ids", nargs="*", type=_row_id, metavar="SOURCE_ID")
    add("sources", "list sources with their state and last error", json_flag)
    cli_sources.add_parsers(add, json_flag, _row_id, _text)
    cli_backup.add_parsers(add, json_flag, _path)
    cli_export.add_parsers(add, json_flag, _text, _path)
    sub = add("delete-tag", "take a tag off every article and drop it (the articles stay)")
    sub.add_argument("name", metavar="NAME", type=_text)
    sub = add("move-source", "put a source in a folder (its source tag, put on its articles); "
                             "--none takes it out of any folder")
    sub.add_argument("source_id", type=_row_id, metavar="SOURCE_ID")
    sub.add_argument("folder", nargs="?", metavar="FOLDER", type=_text)
    sub.add_argument("--none", action="store_true", help="out of any folder")
    sub = add("export-opml", "write every feed subscription to an OPML file (- for stdout)")
    sub.add_argument("path", metavar="PATH", type=_path)
    sub = add("check", "check the archive (SQLite's integrity, foreign keys, the full-text "
                       "index, the schema, orphan images); exits 1 when something is wrong",
              json_flag)
    sub.add_argument("--repair", action="store_true",
                     help="rebuild the full-text index if it is damaged (one transaction) and "
                          "delete images no article shows")
    sub = add("purge", "remove read articles older than DAYS days, except bookmarked ones "
                       "and those tagged by hand (they will not be synced again)", json_flag)
    sub.add_argument("--older-than", type=_positive, metavar="DAYS", required=True,
                     help="older than this many days (by the date the list shows)")
    sub.add_argument("--source", type=_row_id, metavar="ID",
                     help="only articles from this source")
    sub.add_argument("--dry-run", action="store_true",
                     help="only say how many would be removed")
    return parser


def _positive(value: str) -> int:
    """A count of at least 1 (headlines, days)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _list_query_first(parser: argparse.ArgumentParser, arguments: list[str]) -> list[str]:
    """``list``'s arguments with its query words after a ``--``, so a query may start with
    ``-`` (``list -tag:x``, ``list -is:read foo``) without the user typing ``--``.

    A word starting with ``-`` is an option only when it is one of ``list``'s (or an
    unambiguous abbreviation of a long one); every other word, wherever it stands, is the
    query's, in the order given.
    """
    i = 0
    while i < len(arguments) and arguments[i].startswith("-"):
        i += 2 if arguments[i] == "--archive" else 1
    if i >= len(arguments) or arguments[i] != "list":
        return arguments
    commands = next(action for action in parser._actions
                    if isinstance(action, argparse._SubParsersAction))
    options = commands.choices["list"]._option_string_actions
    head, query = arguments[: i + 1], []
    rest = arguments[i + 1 :]
    j = 0
    while j < len(rest):
        word = rest[j]
        name = word.partition("=")[0]
        known = [option for option in options
                 if option == name or (name.startswith("--") and len(name) > 2
                                       and option.startswith(name))]
        if word == "--":
            query.extend(rest[j + 1 :])
            break
        if len(known) == 1 or name in options:
            action = options[known[0] if len(known) == 1 else name]
            takes = action.nargs != 0 and "=" not in word
            head.extend(rest[j : j + 2] if takes else [word])
            j += 2 if takes else 1
        else:
            query.append(word)
            j += 1
    return head + (["--", *query] if query else [])


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if any("\0" in argument for argument in arguments):  # never from a real command line
        _error("error: an argument contains a NUL character")
        return EXIT_USAGE
    parser = build_parser()
    args = parser.parse_args(_list_query_first(parser, arguments))
    if getattr(args, "older_than", None) is not None and args.command == "read":
        if args.article_ids:
            parser.error("read: give article ids, or --older-than DAYS (not both)")
    elif args.command in ("read", "unread") and (args.query is None) == (not args.article_ids):
        parser.error(f"{args.command}: give article ids, or --query QUERY (not both)")
    stream = cast(TextIO, _ValidText(out or sys.stdout))
    if getattr(args, "json", False) is False:
        args.json = False
    try:
        if args.command in cli_backup.COMMANDS:
            return cli_backup.COMMANDS[args.command](default_archive_path(args.archive), args,
                                                     stream)
        with Archive.open(args.archive) as archive:
            if args.command != "check":  # which checks everything itself
                notice = archive.due_check()
                if notice:
                    _error(f"warning: {notice}")
            return COMMANDS[args.command](archive, args, stream)
    except ReaderError as error:
        _error(f"error: {error}")
        return EXIT_ERROR
    except UnicodeEncodeError as error:
        # Text that is not valid Unicode reached SQLite from somewhere this module does not
        # control (a file name turned into a title, say): one line, not a traceback.
        _error(f"error: text that is not valid Unicode cannot be stored ({error.reason})")
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
