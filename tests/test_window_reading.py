"""Reading a list: snippets with the search's words marked, the pane marking them too,
moving from the search box to the results, saying when nothing matches, oldest first."""

from __future__ import annotations

from pathlib import Path

import pytest
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
    window.navigator.step_article(1)
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


def test_preferences_apply_at_once_and_are_kept(make_window: Make, demo_path: Path,
                                                qtbot: QtBot, settings_path: Path) -> None:
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from reader.render.article_html import DARK
    from ui.preferences import PreferencesDialog

    window = make_window(demo_path)
    window.navigator.step_article(1)
    qtbot.waitUntil(lambda: window.article_view.current_article_id is not None, timeout=5000)
    row_height = window.headline_view.sizeHintForRow(0)
    window.show_preferences()
    [dialog] = window.findChildren(PreferencesDialog)
    try:
        dialog.theme.setCurrentIndex(2)  # dark
        assert window.article_view.theme == DARK
        assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
        dialog.typeface.setCurrentIndex(1)  # sans-serif
        assert "Sans" in window.article_view.document().defaultFont().family() or \
            window.article_view.typeface == "sans"
        dialog.snippets.setChecked(False)
        qtbot.waitUntil(lambda: window.headline_view.sizeHintForRow(0) < row_height,
                        timeout=2000)
        dialog.sync_every.setValue(15)
        assert window.sync._every.isActive() and window.sync.every_minutes == 15
        dialog.sync_every.setValue(0)
        assert not window.sync._every.isActive()
        dialog.mark_read.setChecked(False)
        assert window.reader.mark_read_on_open is False
        kept = window.user.preferences()
        assert (kept.theme, kept.typeface, kept.snippets, kept.mark_read_on_open) == (
            "dark", "sans", False, False)
    finally:
        dialog.theme.setCurrentIndex(0)  # leave the application as the next test expects
        dialog.close()


def test_an_automatic_sync_offline_says_so_in_one_quiet_line(
        make_window: Make, tmp_path: Path, qtbot: QtBot) -> None:
    from reader.archive import Archive
    from reader.sync.opml import OutlineFeed
    from reader.sync.subscribe import subscribe_outlines

    path = tmp_path / "offline.db"
    with Archive.open(path) as archive:  # two feeds on a port nothing listens on
        subscribe_outlines(archive, [OutlineFeed(f"http://127.0.0.1:9/{n}.xml", f"Feed {n}",
                                                 None, ()) for n in range(2)])
    window = make_window(path)
    window.sync.schedule(30)
    window.sync.start(automatic=True)
    qtbot.waitUntil(lambda: not window.sync.running, timeout=30_000)
    text = window.status.text.text()
    assert text.startswith("Could not reach any source (offline?); next try at")
    assert "color" not in window.status.text.styleSheet()  # not shown as an error


def test_space_reads_on_then_opens_the_next_unread(make_window: Make, tmp_path: Path,
                                                    qtbot: QtBot) -> None:
    from drafts import make_draft

    from reader.archive import Archive

    path = tmp_path / "long.db"
    body = "".join(f"<p>Paragraph {n} of a long read, with words enough.</p>" for n in range(80))
    with Archive.open(path) as archive:
        archive.store([make_draft(n, body=body) for n in range(3)])
    window = make_window(path)
    window.navigator.step_article(1)
    first = window.headline_model.headline(0).id
    qtbot.waitUntil(lambda: window.article_view.current_article_id == first, timeout=5000)
    bar = window.article_view.verticalScrollBar()
    assert bar.maximum() > 0
    presses = 0
    while bar.value() < bar.maximum():
        before = bar.value()
        qtbot.keyClick(window.headline_view, Qt.Key.Key_Space)
        assert bar.value() > before
        presses += 1
        assert presses < 50
    assert window.article_view.current_article_id == first
    qtbot.keyClick(window.headline_view, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert bar.value() < bar.maximum()
    while bar.value() < bar.maximum():
        qtbot.keyClick(window.headline_view, Qt.Key.Key_Space)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_Space)  # at the end: the next unread
    second = window.headline_model.headline(1).id
    qtbot.waitUntil(lambda: window.article_view.current_article_id == second, timeout=5000)


def test_several_selected_are_read_bookmarked_tagged_and_deleted_together(
        make_window: Make, demo_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import dialogs

    window = make_window(demo_path)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_J)
    first = window.headline_model.headline(0).id
    qtbot.waitUntil(lambda: window.article_view.current_article_id == first, timeout=5000)
    idle(qtbot, window)
    for _ in range(2):
        qtbot.keyClick(window.headline_view, Qt.Key.Key_J, Qt.KeyboardModifier.ShiftModifier)
    chosen = [headline.id for headline in window.navigator.selected()]
    assert len(chosen) == 3 and window.article_view.current_article_id == first
    archive = window.archive

    qtbot.keyClick(window.headline_view, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: all(archive.article(i).bookmarked for i in chosen), timeout=5000)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_M)  # some unread: all read
    qtbot.waitUntil(lambda: all(archive.article(i).read for i in chosen), timeout=5000)
    idle(qtbot, window)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_M)  # all read now: all unread
    qtbot.waitUntil(lambda: not any(archive.article(i).read for i in chosen), timeout=5000)
    monkeypatch.setattr(dialogs, "ask_tags_to_add", lambda _parent, count: ["Batch"])
    qtbot.keyClick(window.headline_view, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: all("Batch" in archive.article(i).tags for i in chosen),
                    timeout=5000)
    monkeypatch.setattr(dialogs, "confirm_delete_many", lambda _parent, count: count == 3)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: window.headline_model.rowCount() == 12 - 3, timeout=5000)
    assert archive.totals().articles == 9


def test_a_saved_search_joins_the_left_pane_with_its_counts(
        make_window: Make, demo_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ui import dialogs
    from ui.tag_filter import COUNT_ROLE, UNREAD_ROLE, FilterChoice

    window = make_window(demo_path)
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.search_bar.set_text("ferry")
    matches = window.headline_model.rowCount()
    header = window.tag_model.index(3, 0)  # "Saved searches": not shown over nothing
    assert window.tag_view.isRowHidden(header.row(), header.parent())
    monkeypatch.setattr(dialogs, "ask_text", lambda *_args: "Ferries")
    qtbot.keyClick(window.headline_view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    chosen = FilterChoice("saved", "Ferries")
    qtbot.waitUntil(lambda: window.tag_view.current_choice() == chosen, timeout=5000)
    assert not window.tag_view.isRowHidden(header.row(), header.parent())
    idle(qtbot, window)
    assert window.search_bar.text() == ""  # the query lives in the saved search now
    assert window.headline_model.rowCount() == matches
    row = window.tag_model.index_for(chosen)
    assert row.data(COUNT_ROLE) == matches and row.data(UNREAD_ROLE) == matches
    assert [s.name for s in window.archive.saved_searches()] == ["Ferries"]

    window.navigator.step_article(1)  # reading one lowers its unread count
    qtbot.waitUntil(lambda: window.tag_model.index_for(chosen).data(UNREAD_ROLE)
                    == matches - 1, timeout=5000)

    monkeypatch.setattr(dialogs, "ask_text", lambda *_args: "Boats")
    window.saved.act("rename", "Ferries")
    renamed = FilterChoice("saved", "Boats")
    qtbot.waitUntil(lambda: window.tag_view.current_choice() == renamed, timeout=5000)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_args: QMessageBox.StandardButton.Yes)
    window.saved.act("delete", "Boats")
    qtbot.waitUntil(lambda: window.tag_view.current_choice() == FilterChoice("all"),
                    timeout=5000)
    assert window.archive.saved_searches() == []
    qtbot.waitUntil(lambda: window.headline_model.rowCount() == 12, timeout=5000)


def test_mark_all_read_from_the_list_and_the_left_pane_and_undo(
        make_window: Make, demo_path: Path, qtbot: QtBot) -> None:
    from ui.tag_filter import UNREAD_ROLE, FilterChoice

    window = make_window(demo_path)
    archive = window.archive
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.search_bar.set_text("ferry")
    in_list = [window.headline_model.headline(row).id
               for row in range(window.headline_model.rowCount())]
    window.headline_view.setFocus()
    qtbot.keyClick(window.headline_view, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: all(archive.article(i).read for i in in_list), timeout=5000)
    assert archive.totals().unread == 12 - len(in_list)  # only the list's
    qtbot.waitUntil(lambda: "Ctrl+Z" in window.status.text.text(), timeout=5000)
    qtbot.waitUntil(lambda: all(window.headline_model.headline(r).read
                                for r in range(window.headline_model.rowCount())),
                    timeout=5000)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: archive.totals().unread == 12, timeout=5000)
    qtbot.waitUntil(lambda: window.status.text.text().startswith("Undid marking"),
                    timeout=5000)

    weather = FilterChoice("tag", "Weather")  # from the left pane's menu: the whole tag
    window.tag_view.mark_read_requested.emit(weather)
    qtbot.waitUntil(lambda: archive.search_totals('tag:"Weather"').unread == 0, timeout=5000)
    qtbot.waitUntil(lambda: window.tag_model.index_for(weather).data(UNREAD_ROLE) == 0,
                    timeout=5000)
    menu = window.tag_view.build_context_menu(window.tag_model.index_for(weather))
    assert "Mark all read" in [action.text() for action in menu.actions()]
    menu.deleteLater()


def test_undo_a_tag_edit(make_window: Make, demo_path: Path, qtbot: QtBot,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import dialogs

    window = make_window(demo_path)
    window.navigator.step_article(1)
    qtbot.waitUntil(lambda: window.article_view.current_article_id is not None, timeout=5000)
    article_id = window.article_view.current_article_id
    before = window.archive.article(article_id).tags
    monkeypatch.setattr(dialogs, "ask_tags", lambda _parent, _article: ["Only this"])
    qtbot.keyClick(window.headline_view, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: window.archive.article(article_id).tags == ("Only this",),
                    timeout=5000)
    idle(qtbot, window)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.archive.article(article_id).tags == before, timeout=5000)
