"""Which tags and sources the left pane lists: a pure choice from the full counts, so a
person with hundreds of tags still sees Sources and Saved searches without scrolling.

Without a filter the Tags section holds the most used tags, every tag a person made by hand
and the chosen one; the rest are an "All tags…" dialog away. With a filter (typed in the
pane's box) every tag and source whose name holds the text is listed, and a folder with any
matching source, or whose own name matches. The chosen row always stays, so typing never
changes what the list on screen shows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from reader.records import SourceInfo, TagCount

#: How many of the most used tags the Tags section shows when no filter is typed.
TOP_TAGS = 12


@dataclass(frozen=True, slots=True)
class FolderRow:
    """A folder in the Sources section: its name and its sources' summed counts."""

    name: str
    count: int
    unread: int
    sources: int
    error: bool = False


def _holds(text: str, name: str) -> bool:
    return text in name.casefold()


def pick_tags(tags: Sequence[TagCount], *, text: str = "", limit: int = TOP_TAGS,
              from_sources: bool = True, keep: Collection[str] = ()) -> list[TagCount]:
    """The tags to list (any order: the model sorts them).

    ``from_sources=False`` lists only tags a person put on an article by hand; ``keep`` (the
    chosen tag) is listed whatever the rest of the rules say.
    """
    wanted = text.strip().casefold()
    pool = [t for t in tags if from_sources or t.by_user or t.name in keep]
    if wanted:
        return [t for t in pool if _holds(wanted, t.name) or t.name in keep]
    top = {t.name for t in sorted(pool, key=lambda t: (-t.count, t.name.casefold()))[:limit]}
    return [t for t in pool if t.name in top or t.by_user or t.name in keep]


def pick_sources(sources: Sequence[SourceInfo], *, text: str = "",
                 keep: Collection[int | str] = ()) -> list[SourceInfo]:
    """The sources to list: all of them, or those whose title or folder holds ``text``.

    ``keep`` holds chosen sources' ids and chosen folders' names (all their sources stay).
    """
    wanted = text.strip().casefold()
    if not wanted:
        return list(sources)
    folders = {name.casefold() for name in keep if isinstance(name, str)}
    return [s for s in sources
            if _holds(wanted, s.title) or (s.folder is not None and _holds(wanted, s.folder))
            or s.id in keep or (s.folder is not None and s.folder.casefold() in folders)]


def folder_rows(sources: Sequence[SourceInfo]) -> list[FolderRow]:
    """One row per folder among ``sources``, with their counts summed (first spelling)."""
    found: dict[str, FolderRow] = {}
    for source in sources:
        if source.folder is None:
            continue
        key = source.folder.casefold()
        row = found.get(key, FolderRow(source.folder, 0, 0, 0))
        found[key] = FolderRow(row.name, row.count + source.article_count,
                               row.unread + source.unread_count, row.sources + 1,
                               row.error or bool(source.last_error))
    return list(found.values())
