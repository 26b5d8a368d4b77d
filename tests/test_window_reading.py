"""Reading a list: snippets with the search's words marked, the pane marking them too,
moving from the search box to the results, saying when nothing matches, oldest first."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from windows import Make, demo_path, demo_template, make_window, settings_path  # noqa: F401

from reader.highlight import spans


def idle(qtbot: QtBot, window: object) -> None:
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10_000)  # type: ignore[attr-defined]


def test_search_words_are_marked_in_snippets_and_in_the_article(
        make_window: Make, demo_path: Path, qtbot: QtBot) -> None:
    window = make_window(demo_path)
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.search_bar.set_text("ferry")
    model = window.headline_model
    snippets = [model.headline(row).excerpt for row in range(model.rowCount())]
    assert any(spans(snippet, model.highlight) for snippet in snippets)
    window.step_article(1)
    qtbot.waitUntil(lambda: window.article_view.current_article_id is not None, timeout=5000)
    marked = window.article_view.extraSelections()
    assert marked and all(selection.cursor.selectedText().lower() == "ferry"
                          for selection in marked)
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.clear_search()
    idle(qtbot, window)
    assert window.article_view.extraSelections() == []


def test_enter_and_down_move_to_the_results_without_opening_one(
        make_window: Make, demo_path: Path, qtbot: QtBot) -> None:
    window = make_window(demo_path)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_Slash)
    qtbot.keyClicks(window.search, "ferry")
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert window.headline_view.hasFocus()
    idle(qtbot, window)
    assert window.article_view.current_article_id is None
    qtbot.keyClick(window.headline_view, Qt.Key.Key_Slash)
    qtbot.keyClick(window.search, Qt.Key.Key_Down)
    assert window.headline_view.hasFocus()
    qtbot.keyClick(window.headline_view, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: window.article_view.current_article_id
                    == window.headline_model.headline(0).id, timeout=5000)


def test_an_empty_result_says_what_matched_nothing(make_window: Make, demo_path: Path,
                                                   qtbot: QtBot) -> None:
    window = make_window(demo_path)
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.search_bar.set_text("zeppelin")
    assert window.headline_model.rowCount() == 0
    assert window.headline_view.empty_text == "No matches for “zeppelin”"


def test_sort_oldest_puts_the_oldest_first(make_window: Make, demo_path: Path,
                                           qtbot: QtBot) -> None:
    window = make_window(demo_path)
    newest = window.headline_model.headline(0).id
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.search_bar.set_text("sort:oldest")
    model = window.headline_model
    keys = [model.headline(row).order_key for row in range(model.rowCount())]
    assert keys == sorted(keys) and model.headline(model.rowCount() - 1).id == newest
