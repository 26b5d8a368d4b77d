"""Saved searches: named queries, used alone or as saved:NAME inside others."""

from __future__ import annotations

import pytest
from drafts import make_draft

from reader import operations
from reader.archive import Archive
from reader.errors import QuerySyntaxError, ReaderError, SavedSearchExists, SavedSearchNotFound


@pytest.fixture
def library(archive: Archive) -> Archive:
    archive.store([make_draft(n, tags=("harbour",) if n % 2 else ("town",),
                              title=f"Ferry story {n}" if n % 3 == 0 else None)
                   for n in range(12)])
    return archive


def titles(archive: Archive, query: str) -> list[str]:
    return [row.title for row in archive.headlines(query, limit=100).rows]


def test_a_saved_search_matches_what_its_query_matches(library: Archive) -> None:
    outcome = operations.save_search(library, "  Harbour   ferries ", "ferry  tag:harbour")
    assert outcome.result.name == "Harbour ferries"
    assert outcome.result.query == "ferry tag:harbour"
    assert outcome.changes.saved
    assert titles(library, 'saved:"harbour ferries"') == titles(library, "ferry tag:harbour")
    assert titles(library, 'saved:"Harbour ferries" is:unread') == titles(
        library, "ferry tag:harbour is:unread")
    assert [s.name for s in library.saved_searches()] == ["Harbour ferries"]


def test_saved_inside_saved_and_its_own_sort(library: Archive) -> None:
    library.save_search("harbour", "tag:harbour sort:oldest")
    library.save_search("old ferries", "saved:harbour ferry")
    oldest_first = titles(library, "saved:harbour")
    assert oldest_first == list(reversed(titles(library, "tag:harbour")))
    assert titles(library, "saved:\"old ferries\"") == titles(library, "tag:harbour ferry")


def test_names_and_queries_are_checked(library: Archive) -> None:
    library.save_search("x", "ferry")
    with pytest.raises(SavedSearchExists):
        library.save_search("X", "town")
    with pytest.raises(ReaderError, match="needs a name"):
        library.save_search("   ", "town")
    with pytest.raises(QuerySyntaxError):
        library.save_search("y", 'tag:"open')
    with pytest.raises(ReaderError, match="needs a query"):
        library.save_search("y", "   ")
    with pytest.raises(ReaderError, match="would use itself"):
        library.save_search("loop", "saved:loop ferry")
    library.save_search("a", "ferry")
    with pytest.raises(ReaderError, match="would use itself"):
        library.change_saved_search("a", query="saved:b")  if library.save_search(
            "b", "saved:a town") else None
    with pytest.raises(SavedSearchNotFound):
        library.headlines("saved:nowhere")


def test_rename_change_and_remove(library: Archive) -> None:
    library.save_search("one", "ferry")
    library.change_saved_search("one", new_name="Ferries", query="ferry tag:town")
    assert [(s.name, s.query) for s in library.saved_searches()] == [
        ("Ferries", "ferry tag:town")]
    operations.remove_saved_search(library, "ferries")
    assert library.saved_searches() == []
    with pytest.raises(SavedSearchNotFound):
        library.remove_saved_search("ferries")
