"""Exporting articles out of the archive: the matches of a search (or chosen articles) as a
Markdown folder, one HTML page, an EPUB book or a JSON folder, in the folder formats the
importer reads back (see each module). Output appears only when complete."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reader.archive import Archive
from reader.export import articles
from reader.export.errors import ExportCancelled, ExportError
from reader.export.progress import Tally
from reader.export.staging import staged_file, staged_folder, tree_size
from reader.query import Query

Format = Literal["md", "html", "epub", "json"]
FORMATS: tuple[Format, ...] = ("md", "html", "epub", "json")

__all__ = ["FORMATS", "ExportCancelled", "ExportError", "ExportResult", "Format",
           "book_title", "export"]


@dataclass(frozen=True, slots=True)
class ExportResult:
    format: Format
    out: str
    articles: int
    images: int
    bytes: int


def book_title(query: str) -> str:
    return f"Broadsheet: {query.strip() or 'all articles'}"


def export(archive: Archive, format: Format, out: str | Path, query: str | Query = "", *,
           source_id: int | None = None, article_ids: Sequence[int] | None = None,
           title: str | None = None,
           progress: Callable[[int], None] | None = None,
           cancelled: Callable[[], bool] | None = None) -> ExportResult:
    """Write the articles of ``query`` (within ``source_id``), or exactly ``article_ids``, to
    ``out``; when nothing matches nothing is written (``articles`` is 0). ``title`` names
    the HTML page and the book (default: ``book_title`` of a text query). Raises ExportError
    when ``out`` is taken or unwritable, QuerySyntaxError for a bad search, ExportCancelled
    when cancelled."""
    target = Path(out)
    tally = Tally(progress, cancelled)
    heading = title if title is not None else book_title(query if isinstance(query, str)
                                                         else "")
    items = articles.matching(archive, query, article_ids, source_id=source_id)
    first = next(items, None)
    if first is None:
        return ExportResult(format, str(target), 0, 0, 0)
    tally.check()  # cancelled while the first page was read: nothing is written

    def everything() -> Iterator[articles.Exported]:
        yield first
        yield from items

    # The writers are imported here, not above: their libraries (an EPUB writer over lxml,
    # markdownify, YAML) cost a window that never exports 0.1 s and 10 MB at start-up.
    from reader.export import epub_book, html_file, json_folder, markdown_folder

    if format in ("md", "json"):
        with staged_folder(target) as folder:
            writer = markdown_folder.write if format == "md" else json_folder.write
            writer(everything(), folder, tally)
    else:
        with staged_file(target) as file:
            single = epub_book.write if format == "epub" else html_file.write
            single(everything(), file, heading, tally)
    return ExportResult(format, str(target), tally.articles, len(tally.images),
                        tree_size(target))
