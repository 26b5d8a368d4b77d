"""The saved searches' counts in the sidebar: counted once per write, not once per refresh, and
always what the archive holds now."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from drafts import make_draft
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from windows import Make, demo_path, demo_template, make_window, settings_path  # noqa: F401

from reader import operations
from reader.archive import Archive, search
from reader.query import parse_query
from reader.records import TagCount


@pytest.fixture
def library(archive: Archive) -> Archive:
    archive.store([make_draft(n, tags=("harbour",) if n % 2 else ("town",),
                              title=f"Ferry story {n}" if n % 3 == 0 else None)
                   for n in range(12)])
    archive.save_search("Ferries", "ferry")
    archive.save_search("Harbour unread", "tag:harbour is:unread")
    archive.save_search("Later", "tag:later")
    return archive


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every count the archive runs, as the query it counted."""
    calls: list[str] = []
    real = search.count_matching

    def counting(connection, query, limit, **options):  # type: ignore[no-untyped-def]
        calls.append(repr(query))
        return real(connection, query, limit, **options)

    monkeypatch.setattr(search, "count_matching", counting)
    return calls


def counts(archive: Archive, query: str = "") -> dict[str, tuple[int, int]]:
    return {entry.name: (count.count, count.unread)
            for entry, count in archive.saved_counts(query)}


def test_counts_match_what_each_saved_search_lists(library: Archive) -> None:
    assert counts(library) == {"Ferries": (4, 4), "Harbour unread": (6, 6), "Later": (0, 0)}
    ferries = len(library.headlines("saved:Ferries", limit=100).rows)
    assert counts(library)["Ferries"] == (ferries, ferries)
    # Within a search, as the sidebar shows them while the search box holds one.
    assert counts(library, "tag:harbour") == {
        "Ferries": (2, 2), "Harbour unread": (6, 6), "Later": (0, 0)}
    entries = library.saved_counts("")
    assert [entry.name for entry, _count in entries] == ["Ferries", "Harbour unread", "Later"]
    assert entries[0][1] == TagCount("Ferries", 4, 4)


def test_asking_again_with_nothing_written_runs_no_query(library: Archive,
                                                         counted: list[str]) -> None:
    first = counts(library)
    assert len(counted) == 3  # one count per saved search
    assert counts(library) == first
    assert counts(library, "") == first
    assert len(counted) == 3
    # Another search is counted once; going back to the first costs nothing.
    within = counts(library, "tag:town")
    assert len(counted) == 6
    assert counts(library) == first and counts(library, "tag:town") == within
    assert counts(library, parse_query("tag:town")) == within
    assert len(counted) == 6


def test_a_write_changes_the_numbers(library: Archive, counted: list[str]) -> None:
    assert counts(library)["Later"] == (0, 0)
    article = library.headlines("ferry", limit=1).rows[0]
    operations.tag(library, article.id, ["later"])
    assert counts(library)["Later"] == (1, 1)
    operations.mark_read(library, [article.id])
    assert counts(library)["Later"] == (1, 0)
    assert counts(library)["Ferries"] == (4, 3)
    assert len(counted) == 9  # counted again after each write, once
    # Saving, changing and removing a saved search are writes too.
    operations.change_saved_search(library, "Later", query="tag:town")
    assert counts(library)["Later"] == (6, 6)
    operations.remove_saved_search(library, "Later")
    assert set(counts(library)) == {"Ferries", "Harbour unread"}


def test_a_write_by_another_process_is_seen(library: Archive, archive_path: Path) -> None:
    before = counts(library)
    with Archive.open(archive_path) as other:  # the command line, say
        ids = [row.id for row in other.headlines("ferry", limit=100).rows]
        other.set_read(ids)
    after = counts(library)
    assert before["Ferries"] == (4, 4) and after["Ferries"] == (4, 0)


def test_a_saved_search_that_names_a_gone_one_counts_nothing(library: Archive) -> None:
    library.save_search("Nested", "saved:Later ferry")
    library.remove_saved_search("Later")
    assert counts(library)["Nested"] == (0, 0)
    assert counts(library)["Ferries"] == (4, 4)


def test_the_sidebar_row_follows_pressing_m_on_a_matching_article(
        make_window: Make, demo_path: Path, qtbot: QtBot) -> None:  # noqa: F811
    from ui.tag_filter import COUNT_ROLE, UNREAD_ROLE, FilterChoice

    with Archive.open(demo_path) as archive:
        archive.save_search("Unread ferries", "ferry is:unread")
        archive.save_search("Ferries", "ferry")
        matches = archive.search_totals("ferry")
    assert matches.articles > 0 and matches.unread == matches.articles
    window = make_window(demo_path)
    # Opening an article leaves it unread (Preferences), so only the key press marks one.
    window.apply_preferences(replace(window.user.preferences(), mark_read_on_open=False),
                             save=False)
    unread_row = FilterChoice("saved", "Unread ferries")
    all_row = FilterChoice("saved", "Ferries")

    def shown(choice: FilterChoice) -> tuple[int, int]:
        index = window.tag_model.index_for(choice)
        return index.data(COUNT_ROLE), index.data(UNREAD_ROLE)

    qtbot.waitUntil(lambda: shown(all_row) == (matches.articles, matches.unread),
                    timeout=5000)
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.search_bar.set_text("ferry")
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)
    window.headline_view.setFocus()
    window.navigator.select_row(0, by_reader=True)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)
    first = window.headline_model.headline(0)
    assert first is not None and not first.read
    qtbot.keyClick(window.headline_view, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: shown(all_row) == (matches.articles, matches.unread - 1),
                    timeout=5000)
    assert window.archive.article(first.id).read
    assert shown(unread_row) == (matches.unread - 1, matches.unread - 1)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_M)  # and back
    qtbot.waitUntil(lambda: shown(all_row) == (matches.articles, matches.unread),
                    timeout=5000)
    assert shown(unread_row) == (matches.unread, matches.unread)


@pytest.mark.parametrize("query", [
    "ferry", "tag:harbour", "tag:harbour is:unread", "tag:harbour -ferry is:unread",
    "tag:town ferry", "is:unread", "is:unread after:2024-11-04", "source:1", '"ferry story"',
    "ferry OR tag:town", "tag:harbour before:2024-11-05", "-tag:harbour is:unread"])
def test_counting_from_indexes_gives_the_same_numbers(library: Archive, query: str) -> None:
    """The sidebar's counts (read flag from indexes, no article rows) equal a full count."""
    library.set_read([2, 3, 5, 8])
    library.set_bookmarked([3])
    with library.reading() as connection:
        parsed = parse_query(query)
        full = search.count_matching(connection, parsed, 10_000)
        narrow = search.count_matching(connection, parsed, 10_000, bookmarked=False)
        capped = search.count_matching(connection, parsed, 3, bookmarked=False)
        capped_full = search.count_matching(connection, parsed, 3)
    assert narrow[:2] == full[:2] and narrow[2] == 0
    assert capped[0] == min(3, full[0])
    assert capped[:2] == capped_full[:2]  # the unread among the newest three, not all


@pytest.mark.parametrize("query", ["ferry", "tag:harbour", "tag:harbour -ferry is:unread",
                                   "is:unread after:2024-11-04", "source:1"])
def test_a_saved_search_count_reads_no_article_rows(library: Archive, query: str) -> None:
    """What keeps ten counts within 50 ms at a million articles: each reads only an index."""
    with library.reading() as connection:
        statement, params, _expression = search._matching_statement(
            connection, parse_query(query), None, None, columns=search._COUNT_COLUMNS,
            count_limit=10_000)
        assert statement is not None
        plan = " | ".join(str(row[-1]) for row in connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", tuple(params)))
    reads_rows = [step for step in plan.split(" | ")
                  if (" a " in f" {step} " or " x " in f" {step} ")
                  and "COVERING INDEX" not in step]
    assert reads_rows == [], plan
