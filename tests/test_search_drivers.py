"""A search with words and a narrow tag (or the bookmarks) is read through that tag, the words
tested per row: the same matches, in the same order, as through the full-text index."""

from __future__ import annotations

import pytest
from drafts import make_draft

from reader.archive import Archive, search

QUERIES = (
    "ferry tag:rare", "tag:rare -ferry", "tag:rare ferry is:unread", "ferry is:bookmarked",
    'tag:rare (ferry OR "number 7")', "tag:common tag:rare ferry", "tag:rare ferry sort:oldest",
    "tag:gone ferry", "tag:common is:bookmarked ferry",
)


@pytest.fixture
def library(archive: Archive) -> Archive:
    archive.store([make_draft(n, tags=("common", "rare") if n % 5 == 0 else ("common",),
                              title=f"Ferry story {n}" if n % 3 == 0 else None)
                   for n in range(60)])
    ids = [row.id for row in archive.headlines("", limit=100).rows]
    archive.set_bookmarked(ids[::4])
    archive.set_read(ids[::7])
    return archive


def everything(archive: Archive, query: str) -> tuple[list[int], tuple[int, int, int, bool]]:
    rows = [row.id for row in archive.headlines(query, limit=1000).rows]
    pages, cursor = [], None
    while True:
        page = archive.headlines(query, limit=4, cursor=cursor)
        pages += [row.id for row in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == rows
    totals = archive.search_totals(query)
    return rows, (totals.articles, totals.unread, totals.bookmarked, totals.capped)


@pytest.mark.parametrize("query", QUERIES)
def test_every_driver_finds_the_same(library: Archive, query: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    through_tag = everything(library, query)
    monkeypatch.setattr(search, "PROBE_ROWS", -1)  # the words' match list, not a probe
    assert everything(library, query) == through_tag
    monkeypatch.setattr(search, "NARROW_ROWS", -1)  # the full-text index drives
    assert everything(library, query) == through_tag
    if "gone" not in query:
        assert through_tag[0], query
