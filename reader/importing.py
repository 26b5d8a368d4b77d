"""Importing files and folders from disk into the archive.

Each file becomes drafts (parsing runs outside any transaction), then drafts are stored in
batches, one transaction per batch: a kill mid-import loses at most the batch in flight,
never leaves half an article, and a bad file is reported without stopping the rest.
Text pages and web pages go to the "Imported files" source; a feed file becomes a source of
its own (kind ``feedfile``, never synced); an OPML list subscribes to its feeds. Markdown
files (``reader.markdown_import``) and json export folders (``reader.export_folder_import``)
bring their read, bookmark and tag state with them, and an export's articles go back to the
source they were exported from (``reader.restoring``).
"""

from __future__ import annotations

import dataclasses
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from reader.archive import Archive, articles, sources
from reader.archive import images as archive_images
from reader.archive.database import Connection
from reader.errors import (
    DocumentError,
    DocumentTooLarge,
    EmptyDocument,
    UnreadableDocument,
    UnsupportedDocument,
)
from reader.export_folder_import import ARTICLES_FILE, is_export_folder, read_export_folder
from reader.markdown_import import MARKDOWN_SUFFIXES, read_markdown
from reader.records import ArticleDraft, ImportResult, ImportStatus, StoreOutcome
from reader.render.images import (
    MAX_IMAGE_BYTES,
    StoredImage,
    archive_image_uri,
    find_images,
    prepare_image,
)
from reader.restoring import RestoredArticle, source_for, store_restored
from reader.sync.extract import MAX_PAGE_BYTES, extract_article
from reader.sync.feeds import parse_feed
from reader.sync.opml import OutlineFeed, is_opml, read_opml
from reader.sync.subscribe import subscribe_outlines
from reader.sync.xmlguard import MAX_FEED_BYTES
from reader.text import valid_text
from reader.textpage import MAX_TEXT_PAGE_BYTES, read_text_page

TEXT_PAGE_SUFFIXES = frozenset({".txt", ".text"})
WEB_PAGE_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".rdf", ".json", ".feed"})
OPML_SUFFIXES = frozenset({".opml"})
SUPPORTED_SUFFIXES = (TEXT_PAGE_SUFFIXES | WEB_PAGE_SUFFIXES | FEED_SUFFIXES | OPML_SUFFIXES
                      | MARKDOWN_SUFFIXES)
NEVER_TEXT_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".pdf", ".zip", ".gz", ".db",
                                 ".sqlite", ".exe", ".webp", ".mp3", ".mp4"})
FEED_FILE_KIND = "feedfile"
BATCH_SIZE = 50

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class _Parsed:
    """One file's drafts with the images each shows, and its feed title (None for pages)."""

    path: Path
    drafts: tuple[ArticleDraft, ...]
    feed_title: str | None = None
    image_hashes: tuple[tuple[str, ...], ...] = ()
    images: tuple[StoredImage, ...] = ()
    #: What a budget cut from the file as a whole (a feed's oldest entries), for its result.
    note: str | None = None
    #: For exports and Markdown: each draft's state and source (stored by ``store_restored``).
    restored: tuple[RestoredArticle, ...] = ()


def _describe_size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _kind(path: Path, data: bytes) -> str:
    """What a file holds: by its name when it says, else by its first bytes."""
    suffix = path.suffix.lower()
    if suffix in OPML_SUFFIXES or (suffix in FEED_SUFFIXES and is_opml(data)):
        return "opml"
    if suffix in FEED_SUFFIXES:
        return "feed"
    if suffix in WEB_PAGE_SUFFIXES:
        return "page"
    if suffix in TEXT_PAGE_SUFFIXES:
        return "text"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if is_opml(data):
        return "opml"
    if head.startswith((b"<!doctype html", b"<html")):
        return "page"
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")) or head.startswith(b"{"):
        return "feed"
    return "text"


def _read_bytes(path: Path, explicit: bool) -> bytes:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UnreadableDocument("no such file or folder") from None
    except OSError as error:
        raise UnreadableDocument(f"cannot read: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableDocument("not a regular file")
    if explicit and path.suffix.lower() in NEVER_TEXT_SUFFIXES:
        raise UnsupportedDocument(
            f"{path.suffix} files are not supported; import text pages, web pages, Markdown, "
            f"feeds, OPML lists or a json export folder")
    if info.st_size == 0:
        raise EmptyDocument("the file is empty")
    limit = max(MAX_TEXT_PAGE_BYTES, MAX_PAGE_BYTES, MAX_FEED_BYTES)
    if info.st_size > limit:
        raise DocumentTooLarge(
            f"file is {_describe_size(info.st_size)}; the limit is {_describe_size(limit)}")
    try:
        return path.read_bytes()
    except OSError as error:
        raise UnreadableDocument(f"cannot read: {error.strerror}") from None


#: Relative image paths in a local file are resolved against this stand-in base, so the
#: image module's URL handling applies unchanged; only files under the file's folder are read.
LOCAL_BASE = "http://local-file.invalid/"


def _local_images(body: str, folder: Path) -> tuple[str, dict[str, StoredImage]]:
    """Images of a local file, read from beside it; remote ones become placeholders (an
    import never touches the network)."""
    mapping: dict[str, str | None] = {}
    kept: dict[str, StoredImage] = {}
    root = folder.resolve()
    found = find_images(body, LOCAL_BASE)
    for url in found.sources:
        image = None
        if url.startswith(LOCAL_BASE):
            path = (root / unquote(urlsplit(url).path).lstrip("/")).resolve()
            if path.is_relative_to(root) and path.is_file() \
                    and path.stat().st_size <= MAX_IMAGE_BYTES:
                try:
                    image = prepare_image(path.read_bytes())
                except (DocumentError, OSError):
                    image = None
        mapping[url] = None if image is None else archive_image_uri(image.sha256)
        if image is not None:
            kept[image.sha256] = image
    return found.rewrite(mapping, {archive_image_uri(image.sha256): (image.width, image.height)
                                   for image in kept.values() if image.width and image.height}
                         ), kept


def _with_local_images(path: Path, drafts: Sequence[ArticleDraft],
                       feed_title: str | None = None, note: str | None = None,
                       restored: Sequence[RestoredArticle] = (),
                       folder: Path | None = None) -> _Parsed:
    bodies = [_local_images(draft.body_html, folder or path.parent) for draft in drafts]
    images: dict[str, StoredImage] = {}
    for _body, found in bodies:
        images.update(found)
    return _Parsed(
        path,
        tuple(dataclasses.replace(draft, body_html=body)
              for draft, (body, _found) in zip(drafts, bodies, strict=True)),
        feed_title,
        tuple(tuple(found) for _body, found in bodies),
        tuple(images.values()),
        note,
        tuple(restored),
    )


def read_document(path: Path, explicit: bool = True) -> _Parsed | list[OutlineFeed]:
    """Parse one file; raises a DocumentError subclass saying what is wrong."""
    data = _read_bytes(path, explicit)
    uri = path.resolve().as_uri()
    kind = _kind(path, data)
    if kind == "opml":
        return list(read_opml(data))
    if kind == "feed":
        feed = parse_feed(data, LOCAL_BASE + quote(path.name))
        return _with_local_images(path, feed.entries, feed.title or valid_text(path.name),
                                  feed.note)
    if kind == "markdown":
        item, cut = read_markdown(data, path)
        if item.draft.url is None:
            item = dataclasses.replace(item, draft=dataclasses.replace(item.draft, guid=uri))
        return _with_local_images(path, [item.draft], note=cut, restored=[item])
    if kind == "page":
        draft = extract_article(data, None)
        return _with_local_images(path, [dataclasses.replace(draft, url=None, guid=uri)])
    if len(data) > MAX_TEXT_PAGE_BYTES:
        raise DocumentTooLarge(
            f"file is {_describe_size(len(data))}; the limit for a text page is "
            f"{_describe_size(MAX_TEXT_PAGE_BYTES)}")
    draft = read_text_page(data)
    return _Parsed(path, (dataclasses.replace(draft, url=None, guid=uri),))


def expand(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Files to import, each with whether it was named explicitly (vs found in a folder).

    A folder contributes every supported file in it and its subfolders, in name order;
    hidden files and files of other kinds in a folder are skipped. A json export folder (one
    holding ``articles.json``), named or found inside one, is one item: the folder itself.
    """
    for path in paths:
        if is_export_folder(path):
            yield path, True
        elif path.is_dir():
            found = sorted(
                candidate for candidate in path.rglob("*")
                if candidate.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
                and candidate.is_file()
            )
            exports = {candidate.parent for candidate in found
                       if candidate.name == ARTICLES_FILE and is_export_folder(candidate.parent)}
            for candidate in found:
                if candidate.parent in exports and candidate.name == ARTICLES_FILE:
                    yield candidate.parent, False
                elif not any(candidate.is_relative_to(root) for root in exports):
                    yield candidate, False
        else:
            yield path, True


def _export_chunks(folder: Path) -> Iterator[_Parsed]:
    """An export folder's articles in batches, each with its images read from the folder
    (not all at once: an archive's images may be gigabytes)."""
    restored, note = read_export_folder(folder)
    for start in range(0, max(len(restored), 1), BATCH_SIZE):
        chunk = restored[start:start + BATCH_SIZE]
        yield _with_local_images(folder, [item.draft for item in chunk],
                                 note=note if start == 0 else None, restored=chunk,
                                 folder=folder)


def import_paths(archive: Archive, paths: Iterable[str | Path],
                 progress: Progress | None = None) -> list[ImportResult]:
    """Import files and folders; one result per file, in the order they were found."""
    files = list(expand(Path(p) for p in paths))
    results: dict[Path, ImportResult] = {}
    batch: list[_Parsed] = []
    for done, (path, explicit) in enumerate(files, start=1):
        try:
            if path.is_dir():
                for chunk in _export_chunks(path):
                    batch.append(chunk)
                    if sum(len(item.drafts) for item in batch) >= BATCH_SIZE:
                        _store(archive, batch, results)
                        batch = []
                parsed: _Parsed | list[OutlineFeed] | None = None
            else:
                parsed = read_document(path, explicit)
        except DocumentError as error:
            results[path] = ImportResult(str(path), "failed", (), str(error))
        else:
            if isinstance(parsed, list):
                added, existing = subscribe_outlines(archive, parsed)
                results[path] = ImportResult(
                    str(path), "imported" if added else "unchanged", (), None,
                    f"subscribed to {added} feed(s); {existing} already subscribed")
            elif parsed is not None:
                batch.append(parsed)
        if sum(len(item.drafts) for item in batch) >= BATCH_SIZE:
            _store(archive, batch, results)
            batch = []
        if progress is not None:
            progress(done, len(files), str(path))
    _store(archive, batch, results)
    return [results[path] for path, _ in files if path in results]


def _store(archive: Archive, batch: list[_Parsed], results: dict[Path, ImportResult]) -> None:
    if not batch:
        return
    with archive.writing() as connection:
        local = sources.local_source_id(connection)
        for item in batch:
            source_id = local
            if item.feed_title is not None:
                uri = item.path.resolve().as_uri()
                source_id = sources.find_by_url(connection, uri) or sources.add_source(
                    connection, kind=FEED_FILE_KIND, url=uri, title=item.feed_title)
            archive_images.store(connection, (
                (image.sha256, image.mime_type, image.width, image.height, image.data)
                for image in item.images))
            hashes = item.image_hashes or tuple(() for _ in item.drafts)
            if item.restored:
                outcomes = _store_restored(connection, item, hashes)
            else:
                outcomes = [articles.store_draft(connection, source_id, draft,
                                                 image_hashes=shown)
                            for draft, shown in zip(item.drafts, hashes, strict=True)]
            earlier = results.get(item.path)
            results[item.path] = _result(item.path, outcomes, item.note, earlier)


def _store_restored(connection: Connection, item: _Parsed,
                    hashes: Sequence[Sequence[str]]) -> list[StoreOutcome]:
    """Articles with their state, each in the source it was exported from (a source is
    looked up once per batch)."""
    known: dict[tuple[str | None, str], int] = {}
    outcomes = []
    for draft, restored, shown in zip(item.drafts, item.restored, hashes, strict=True):
        ref = restored.source
        key = (None, "") if ref is None else (ref.url, ref.title)
        if key not in known:
            known[key] = source_for(connection, ref)
        outcomes.append(store_restored(
            connection, known[key], dataclasses.replace(restored, draft=draft), shown))
    return outcomes


def _result(path: Path, outcomes: list[StoreOutcome], cut: str | None = None,
            earlier: ImportResult | None = None) -> ImportResult:
    """One file's result; ``earlier`` is what the batches before stored of the same folder."""
    ids = tuple(o.article_id for o in outcomes if o.article_id is not None)
    statuses = {o.status for o in outcomes}
    if earlier is not None:
        ids = earlier.article_ids + ids
        statuses.add(earlier.status)  # type: ignore[arg-type]
        cut = cut or earlier.note
    status: ImportStatus
    if "imported" in statuses:
        status = "imported"
    elif "updated" in statuses:
        status = "updated"
    else:
        status = "unchanged"
    note = None
    if "tombstoned" in statuses:
        note = "deleted from the archive earlier; not re-imported"
    if not ids and not outcomes:
        note = "the export holds no articles" if path.is_dir() else "the feed has no entries"
    if cut is not None:
        note = cut if note is None else f"{cut}; {note}"
    return ImportResult(str(path), status, ids, None, note)
