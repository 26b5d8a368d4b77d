"""Renaming and merging tags, and tag counts that follow a search."""

from __future__ import annotations

import pytest
from drafts import make_draft

from reader.archive import Archive
from reader.errors import ReaderError, TagNotFound


@pytest.fixture
def tagged(archive: Archive) -> Archive:
    archive.store([make_draft(1, tags=("Sahel", "Politics")),
                   make_draft(2, tags=("sahel region",)),
                   make_draft(3, tags=("Politics",), body="<p>Elections in the news.</p>")])
    archive.set_read([1])
    return archive


def test_rename_keeps_articles_and_reindexes(tagged: Archive) -> None:
    tagged.rename_tag("Politics", "Elections 2024")
    counts = {t.name: (t.count, t.unread) for t in tagged.tag_counts()}
    assert counts["Elections 2024"] == (2, 1) and "Politics" not in counts
    assert {row.id for row in tagged.headlines('tag:"elections 2024"').rows} == {1, 3}
    assert [row.id for row in tagged.headlines("2024").rows] == [3, 1]
    tagged.check()


def test_rename_onto_an_existing_tag_merges(tagged: Archive) -> None:
    tagged.rename_tag("sahel region", "SAHEL")
    counts = {t.name: (t.count, t.unread) for t in tagged.tag_counts()}
    assert counts["Sahel"] == (2, 1) and "sahel region" not in counts
    assert tagged.article(2).tags == ("Sahel",)
    tagged.check()


def test_rename_errors(tagged: Archive) -> None:
    with pytest.raises(TagNotFound):
        tagged.rename_tag("Nope", "x")
    with pytest.raises(ReaderError):
        tagged.rename_tag("Sahel", "   ")


def test_tag_counts_follow_a_search(tagged: Archive) -> None:
    assert {t.name: t.count for t in tagged.tag_counts("elections")} == {"Politics": 1}
    totals = tagged.search_totals("tag:politics")
    assert (totals.articles, totals.unread, totals.bookmarked) == (2, 1, 0)
    assert tagged.search_totals("").articles == 3
