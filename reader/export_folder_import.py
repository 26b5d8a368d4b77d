"""A ``--format json`` export folder (``articles.json`` beside ``images/``) read back as articles.

The folder is what the exporter writes (README, "Exporting"): ``articles.json`` is a
list of ``broadsheet show --json`` objects plus ``source_url``, ``fetched`` and ``images``.
Each becomes a draft with its read, bookmark and tag state and the source it came from;
image files beside it are stored by ``reader.importing`` as for any local file, and only an
image whose bytes hash to the name the export gave it is taken (a swapped file is left out).
An entry that is not an article (no title and no body, wrong types) is skipped and counted,
never guessed at; a file that is not a list of objects is refused whole.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from reader.errors import DocumentError, DocumentTooLarge, UnreadableDocument
from reader.markdown_import import parse_moment
from reader.records import ArticleDraft, Enclosure
from reader.restoring import ArticleState, RestoredArticle, SourceRef

ARTICLES_FILE = "articles.json"
#: An export of a large archive is big (bodies of 100,000 articles are a few hundred MB);
#: past this it is not one this reader can hold in memory at once.
MAX_ARTICLES_JSON_BYTES = 1024 * 2**20
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")


class MalformedExport(DocumentError):
    """An ``articles.json`` that is not JSON, or not a list of article objects."""


def is_export_folder(path: Path) -> bool:
    return path.is_dir() and (path / ARTICLES_FILE).is_file()


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _enclosures(value: object) -> tuple[Enclosure, ...]:
    if not isinstance(value, list):
        return ()
    found = []
    for item in value:
        if isinstance(item, dict) and _text(item.get("url")):
            length = item.get("length")
            found.append(Enclosure(str(item["url"]), _text(item.get("type")),
                                   length if isinstance(length, int)
                                   and not isinstance(length, bool) else None))
    return tuple(found)


def _tags(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _mismatched_images(entry: dict[str, Any], folder: Path) -> set[str]:
    """Files the entry lists whose bytes do not hash to the sha256 it gives for them."""
    listed = entry.get("images")
    if not isinstance(listed, list):
        return set()
    root = folder.resolve()
    bad = set()
    for image in listed:
        if not isinstance(image, dict):
            continue
        sha, name = image.get("sha256"), image.get("file")
        if not isinstance(sha, str) or not isinstance(name, str) or not _SHA256.match(sha):
            continue
        path = (root / name).resolve()
        try:
            ok = path.is_relative_to(root) and hashlib.sha256(path.read_bytes()).hexdigest() == sha
        except OSError:
            ok = False
        if not ok:
            bad.add(name)
    return bad


def _entry(entry: object, folder: Path) -> RestoredArticle | None:
    if not isinstance(entry, dict):
        return None
    title, body = entry.get("title"), entry.get("body_html")
    if not isinstance(title, str) or not isinstance(body, str) or not (title or body):
        return None
    for name in _mismatched_images(entry, folder):
        body = body.replace(f'src="{name}"', 'src=""')
    source = entry.get("source")
    source_ref = SourceRef(_text(entry.get("source_url")),
                           source if isinstance(source, str) else "")
    draft = ArticleDraft(
        title=title,
        body_html=body,
        subtitle=_text(entry.get("subtitle")),
        author=_text(entry.get("author")),
        published=parse_moment(entry.get("published")),
        url=_text(entry.get("url")),
        enclosures=_enclosures(entry.get("enclosures")),
    )
    state = ArticleState(read=_flag(entry.get("read")), bookmarked=_flag(entry.get("bookmarked")),
                         tags=_tags(entry.get("tags")))
    return RestoredArticle(draft, state, source_ref, parse_moment(entry.get("fetched")))


def read_export_folder(folder: Path) -> tuple[list[RestoredArticle], str | None]:
    """The folder's articles, oldest first (so they are stored in the order they were
    archived), and a note saying how many entries were skipped."""
    path = folder / ARTICLES_FILE
    try:
        size = path.stat().st_size
        if size > MAX_ARTICLES_JSON_BYTES:
            raise DocumentTooLarge(
                f"{ARTICLES_FILE} is {size / 2**20:,.0f} MB; the limit is "
                f"{MAX_ARTICLES_JSON_BYTES / 2**20:,.0f} MB")
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableDocument(f"cannot read {ARTICLES_FILE}: {error.strerror}") from None
    try:
        loaded = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise MalformedExport(f"{ARTICLES_FILE} is not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError) as error:
        where = f" (line {error.lineno})" if isinstance(error, json.JSONDecodeError) else ""
        raise MalformedExport(f"{ARTICLES_FILE} is not valid JSON{where}") from None
    if not isinstance(loaded, list):
        raise MalformedExport(f"{ARTICLES_FILE} holds a JSON {type(loaded).__name__}, not a "
                              f"list of articles")
    restored = [item for item in (_entry(entry, folder) for entry in reversed(loaded))
                if item is not None]
    skipped = len(loaded) - len(restored)
    note = f"{skipped} entr{'y' if skipped == 1 else 'ies'} that are not articles skipped" \
        if skipped else None
    return restored, note
