"""Importing files and folders from disk into the archive.

Each file becomes an ``ArticleDraft`` (parsing runs outside any transaction), then drafts are
stored in batches, one transaction per batch: a kill mid-import loses at most the batch in
flight, never leaves half an article, and a bad file is reported without stopping the rest.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reader.archive import Archive
from reader.errors import (
    DocumentError,
    DocumentTooLarge,
    EmptyDocument,
    UnreadableDocument,
    UnsupportedDocument,
)
from reader.records import ArticleDraft, ImportResult
from reader.textpage import MAX_TEXT_PAGE_BYTES, read_text_page

#: File name endings read as scraped text pages.
TEXT_PAGE_SUFFIXES = frozenset({".txt", ".text"})
BATCH_SIZE = 50

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class _Parsed:
    path: Path
    draft: ArticleDraft


def _describe_size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def read_document(path: Path) -> ArticleDraft:
    """Parse one file into a draft; raises a DocumentError subclass saying what is wrong."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UnreadableDocument("no such file or folder") from None
    except OSError as error:
        raise UnreadableDocument(f"cannot read: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableDocument("not a regular file")
    if info.st_size == 0:
        raise EmptyDocument("the file is empty")
    if info.st_size > MAX_TEXT_PAGE_BYTES:
        raise DocumentTooLarge(
            f"file is {_describe_size(info.st_size)}; the limit for a text page is "
            f"{_describe_size(MAX_TEXT_PAGE_BYTES)}"
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableDocument(f"cannot read: {error.strerror}") from None
    draft = read_text_page(data)
    return ArticleDraft(
        title=draft.title, body_html=draft.body_html, subtitle=draft.subtitle,
        author=draft.author, published=draft.published, url=None,
        guid=path.resolve().as_uri(), tags=draft.tags, related=draft.related,
    )


def expand(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Files to import, each with whether it was named explicitly (vs found in a folder).

    A folder contributes every supported file in it and its subfolders, in name order;
    hidden files and files of other kinds in a folder are skipped.
    """
    for path in paths:
        if path.is_dir():
            found = sorted(
                candidate for candidate in path.rglob("*")
                if candidate.suffix.lower() in TEXT_PAGE_SUFFIXES
                and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
                and candidate.is_file()
            )
            yield from ((candidate, False) for candidate in found)
        else:
            yield path, True


def import_paths(archive: Archive, paths: Iterable[str | Path],
                 progress: Progress | None = None) -> list[ImportResult]:
    """Import files and folders; one result per file, in the order they were found."""
    files = list(expand(Path(p) for p in paths))
    results: dict[Path, ImportResult] = {}
    batch: list[_Parsed] = []
    for done, (path, _explicit) in enumerate(files, start=1):
        try:
            if _explicit and path.suffix.lower() not in TEXT_PAGE_SUFFIXES and path.suffix:
                _check_supported(path)
            batch.append(_Parsed(path, read_document(path)))
        except DocumentError as error:
            results[path] = ImportResult(str(path), "failed", (), str(error))
        if len(batch) >= BATCH_SIZE:
            _store(archive, batch, results)
            batch = []
        if progress is not None:
            progress(done, len(files), str(path))
    _store(archive, batch, results)
    return [results[path] for path, _ in files if path in results]


def _check_supported(path: Path) -> None:
    """Refuse kinds that are certainly not text pages, whatever their bytes say."""
    if path.suffix.lower() in {".png", ".jpg", ".jpeg", ".gif", ".pdf", ".zip", ".gz", ".db",
                               ".sqlite", ".exe", ".webp", ".mp3", ".mp4"}:
        raise UnsupportedDocument(f"{path.suffix} files are not supported; import text pages")


def _store(archive: Archive, batch: list[_Parsed], results: dict[Path, ImportResult]) -> None:
    if not batch:
        return
    outcomes = archive.store([item.draft for item in batch])
    for item, outcome in zip(batch, outcomes, strict=True):
        ids = () if outcome.article_id is None else (outcome.article_id,)
        if outcome.status == "tombstoned":
            results[item.path] = ImportResult(str(item.path), "unchanged", ids, None,
                                              "deleted from the archive earlier; not re-imported")
        else:
            results[item.path] = ImportResult(str(item.path), outcome.status, ids)
