"""The left pane with many tags and sources: the filter box, the most used tags and All
tags…, collapsible sections, folders (drag a source onto one), deleting a tag (and Ctrl+Z),
and the "Tags from sources" preference — driven with real keys and clicks where Qt allows.

A real drag (QDrag.exec) runs its own event loop that offscreen Qt never ends, so dragging a
source onto a folder goes through the model's dropMimeData with the view's own mime data,
which is exactly what the view calls on a drop.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from drafts import make_draft
from PySide6.QtCore import QModelIndex, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot
from windows import make_window, settings_path, wait_idle  # noqa: F401

from reader.archive import Archive, sources
from reader.records import ArchiveTotals, SourceInfo, TagCount
from ui import sidebar_actions
from ui.all_tags import AllTagsDialog
from ui.main_window import MainWindow
from ui.preferences import PreferencesDialog
from ui.sidebar_contents import pick_sources, pick_tags
from ui.tag_filter import (
    ACTION_ROLE,
    CHOICE_ROLE,
    COUNT_ROLE,
    FilterChoice,
    TagFilterModel,
    TagFilterView,
)

pytestmark = pytest.mark.qt_log_level_fail("WARNING")
TAGS_ROW, SOURCES_ROW = 4, 5


def names_under(model: TagFilterModel, parent: QModelIndex) -> list[str]:
    return [model.index(row, 0, parent).data() for row in range(model.rowCount(parent))]


def tag_rows(window: MainWindow) -> list[str]:
    return names_under(window.tag_model, window.tag_model.index(TAGS_ROW, 0))


def source_rows(window: MainWindow) -> list[str]:
    model = window.tag_model
    top = model.index(SOURCES_ROW, 0)
    shown = []
    for row in range(model.rowCount(top)):
        index = model.index(row, 0, top)
        shown.append(index.data())
        shown += [f"  {name}" for name in names_under(model, index)]
    return shown


def click(view: TagFilterView, index: QModelIndex, x: int | None = None) -> None:
    rect = view.visualRect(index)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.center() if x is None else QPoint(x, rect.center().y()))


@pytest.fixture
def crowded(tmp_path: Path) -> Path:
    """30 feed-category tags (tag00 on 30 articles … tag29 on 1), a hand-made "mine" on one
    article, and three feeds: two in the folder "Local", one in none."""
    path = tmp_path / "crowded.db"
    with Archive.open(path) as archive:
        ids = {}
        for title, folder in (("Herald", "Local"), ("Gazette", "Local"), ("Wire", None)):
            with archive.writing() as connection:
                ids[title] = sources.add_source(
                    connection, kind="feed", title=title, url=f"https://example.org/{title}",
                    tags=[folder] if folder else [])
        drafts = {"Herald": [], "Gazette": [], "Wire": []}  # type: dict[str, list]
        for n in range(1, 31):
            feed = ("Herald", "Gazette", "Wire")[n % 3]
            names = tuple(f"tag{k:02}" for k in range(31 - n))
            drafts[feed].append(make_draft(n, tags=names + (("Local",) if feed != "Wire"
                                                               else ())))
        for title, batch in drafts.items():
            archive.store(batch, source_id=ids[title])
        archive.tag(1, ["mine"])
        with archive.writing() as connection:  # as the hand-tagging code marks it
            connection.exec_driver_sql("UPDATE article_tags SET by_user = 1 WHERE tag_id = "
                                       "(SELECT id FROM tags WHERE name = 'mine')")
    return path


# --- what is listed (pure) -------------------------------------------------------------------


def test_pick_tags_top_hand_made_and_kept() -> None:
    tags = [TagCount(f"t{n:03}", 200 - n, 0) for n in range(150)]
    tags.append(TagCount("mine", 1, 0, by_user=True))
    shown = {t.name for t in pick_tags(tags, keep={"t140"})}
    assert shown == {f"t{n:03}" for n in range(12)} | {"mine", "t140"}
    assert {t.name for t in pick_tags(tags, text="T14")} == {f"t{n:03}" for n in range(140, 150)}
    assert {t.name for t in pick_tags(tags, from_sources=False)} == {"mine"}
    assert {t.name for t in pick_tags(tags, text="t1", from_sources=False, keep={"t100"})} == \
        {"t100"}


def test_pick_sources_by_title_or_folder() -> None:
    def source(id: int, title: str, folder: str | None) -> SourceInfo:
        return SourceInfo(id, "feed", None, title, 1, 0, None, None, folder=folder)

    listed = [source(1, "Herald", "Local"), source(2, "Wire", None), source(3, "Ars", "Tech")]
    assert [s.id for s in pick_sources(listed, text="loc")] == [1]
    assert [s.id for s in pick_sources(listed, text="ars")] == [3]
    assert [s.id for s in pick_sources(listed, text="zzz", keep={"tech"})] == [3]
    assert [s.id for s in pick_sources(listed, text="zzz", keep={2})] == [2]


def test_model_tester_with_folders_and_the_all_tags_row(qapp: QApplication,
                                                        qtmodeltester: object) -> None:
    model = TagFilterModel()
    qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]
    def source(id: int, folder: str | None) -> SourceInfo:
        return SourceInfo(id, "feed", None, f"S{id}", id, 1, None, None, folder=folder)

    many = [TagCount(f"t{n}", n, 0) for n in range(30)]
    model.set_contents(ArchiveTotals(9, 9, 0), many, [source(1, "A"), source(2, None)])
    model.set_contents(ArchiveTotals(9, 9, 0), many[:5], [source(1, None), source(2, "B"),
                                                          source(3, "B")])
    model.set_sort("count")
    model.set_filter("t2")
    model.set_contents(ArchiveTotals(9, 9, 0), many, [source(1, "A"), source(3, "a")])
    model.set_filter("")
    model.set_contents(ArchiveTotals(0, 0, 0), [], [])
    qtmodeltester.check(model)  # type: ignore[attr-defined]


# --- the window ----------------------------------------------------------------------------------


def test_the_tags_section_lists_the_most_used_and_all_tags_opens_the_rest(
        make_window: object, crowded: Path, qtbot: QtBot) -> None:
    window: MainWindow = make_window(crowded)  # type: ignore[operator]
    listed = tag_rows(window)
    assert listed[-1] == "All tags… (32)"
    assert set(listed[:-1]) == {f"tag{k:02}" for k in range(11)} | {"Local", "mine"}
    # Sources are on screen without scrolling past the tags.
    view = window.tag_view
    sources_header = view.visualRect(window.tag_model.index(SOURCES_ROW, 0))
    assert sources_header.bottom() < view.viewport().height()

    more = window.tag_model.all_tags_index()
    assert more.data(ACTION_ROLE) == "all_tags"
    click(view, more)
    dialog = window.findChild(AllTagsDialog)
    assert dialog is not None and dialog.isVisible()
    assert len(dialog.shown_names()) == 32
    QTest.keyClicks(dialog.box, "tag2")
    assert dialog.shown_names() == [f"tag{k}" for k in range(20, 30)]
    QTest.keyClick(dialog.box, Qt.Key.Key_Down)  # into the list, on its first row
    QTest.keyClick(dialog.list, Qt.Key.Key_Down)
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        QTest.keyClick(dialog.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.findChild(AllTagsDialog) is None, timeout=2000)  # closed
    # tag21 is on 30 - 21 = 9 articles; it now has a row in the pane, chosen.
    assert window.tag_view.current_choice() == FilterChoice("tag", "tag21")
    assert window.headline_model.rowCount() == 9
    assert "tag21" in tag_rows(window)

    # Another tag from the dialog: one change of choice, straight there.
    emitted: list[object] = []
    window.tag_view.choice_changed.connect(emitted.append)
    dialog = window.sidebar.show_all_tags()
    QTest.keyClicks(dialog.box, "tag25")
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        QTest.keyClick(dialog.box, Qt.Key.Key_Return)
    assert emitted == [FilterChoice("tag", "tag25")]
    assert window.headline_model.rowCount() == 5


def test_typing_in_the_filter_box_narrows_tags_and_sources(make_window: object, crowded: Path,
                                                           qtbot: QtBot) -> None:
    window: MainWindow = make_window(crowded)  # type: ignore[operator]
    box = window.sidebar.box
    assert box.placeholderText() == "Filter tags and sources"
    window.tag_view.setFocus()
    box.setFocus()
    QTest.keyClicks(box, "tag2")
    assert tag_rows(window) == [f"tag{k}" for k in range(20, 30)]  # not only the top ones
    assert source_rows(window) == []
    box.clear()
    QTest.keyClicks(box, "her")
    assert tag_rows(window) == []
    assert source_rows(window) == ["Local", "  Herald"]
    QTest.keyClick(box, Qt.Key.Key_Escape)
    assert box.text() == ""
    assert source_rows(window) == ["Local", "  Gazette", "  Herald", "Wire"]
    assert tag_rows(window)[-1].startswith("All tags…")
    QTest.keyClick(box, Qt.Key.Key_Down)
    assert window.tag_view.hasFocus()


def test_the_chosen_tag_stays_while_filtering(make_window: object, crowded: Path,
                                              qtbot: QtBot) -> None:
    window: MainWindow = make_window(crowded)  # type: ignore[operator]
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.tag_view.select(FilterChoice("tag", "tag03"))
    emitted: list[object] = []
    window.tag_view.choice_changed.connect(emitted.append)
    QTest.keyClicks(window.sidebar.box, "wire")
    assert tag_rows(window) == ["tag03"]
    assert emitted == []
    assert window.tag_view.current_choice() == FilterChoice("tag", "tag03")


def test_sections_collapse_on_a_click_and_stay_so_next_time(
        make_window: object, crowded: Path, qtbot: QtBot) -> None:
    window: MainWindow = make_window(crowded)  # type: ignore[operator]
    view, model = window.tag_view, window.tag_model
    tags = model.index(TAGS_ROW, 0)
    click(view, tags)
    assert not view.isExpanded(tags)
    assert view.isExpanded(model.index(SOURCES_ROW, 0))
    local = model.index_for(FilterChoice("folder", "Local"))
    click(view, local, x=14)  # its ▸
    assert not view.isExpanded(local)
    assert view.current_choice() == FilterChoice("all")  # opening and closing picks nothing
    window.close()

    again: MainWindow = make_window(crowded)  # type: ignore[operator]
    model = again.tag_model
    assert not again.tag_view.isExpanded(model.index(TAGS_ROW, 0))
    assert not again.tag_view.isExpanded(model.index_for(FilterChoice("folder", "Local")))
    # Typing a filter opens everything, without forgetting what was closed.
    QTest.keyClicks(again.sidebar.box, "tag")
    assert again.tag_view.isExpanded(model.index(TAGS_ROW, 0))
    QTest.keyClick(again.sidebar.box, Qt.Key.Key_Escape)
    assert not again.tag_view.isExpanded(model.index(TAGS_ROW, 0))
    # Keyboard: Right and Left open and close the chosen folder.
    folder = model.index_for(FilterChoice("folder", "Local"))
    again.tag_view.setCurrentIndex(folder)
    QTest.keyClick(again.tag_view, Qt.Key.Key_Right)
    assert again.tag_view.isExpanded(folder)


def test_a_folder_lists_its_sources_articles_and_marks_them_read(
        make_window: object, crowded: Path, qtbot: QtBot) -> None:
    window: MainWindow = make_window(crowded)  # type: ignore[operator]
    local = window.tag_model.index_for(FilterChoice("folder", "Local"))
    assert (local.data(COUNT_ROLE), local.data(CHOICE_ROLE).label) == (20, "Folder: Local")
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        click(window.tag_view, local)
    assert window.headline_model.rowCount() == 20
    menu = window.tag_view.build_context_menu(local)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:3] == ["Mark all read", "Rename folder…", "Remove folder"]
    next(a for a in menu.actions() if a.text() == "Mark all read").trigger()
    qtbot.waitUntil(lambda: window.tag_model.index_for(
        FilterChoice("folder", "Local")).data(Qt.ItemDataRole.ToolTipRole).endswith(
        "20 articles, 0 unread"), timeout=5000)
    assert "Marked 20 articles read in Folder: Local" in window.status.text.text()


def test_drop_a_source_on_a_folder_and_out_again(make_window: object, crowded: Path,
                                                  qtbot: QtBot) -> None:
    window: MainWindow = make_window(crowded)  # type: ignore[operator]
    model = window.tag_model
    wire = model.index_for(FilterChoice("source", 3))
    assert model.flags(wire) & Qt.ItemFlag.ItemIsDragEnabled
    local = model.index_for(FilterChoice("folder", "Local"))
    data = model.mimeData([wire])
    assert model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, -1, local)
    assert model.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, local)
    qtbot.waitUntil(lambda: source_rows(window) == ["Local", "  Gazette", "  Herald", "  Wire"],
                    timeout=5000)
    assert model.index_for(FilterChoice("folder", "Local")).data(COUNT_ROLE) == 30
    assert window.archive.search_totals('tag:"Local"').articles == 30

    # Onto the Sources header: out of the folder.
    wire = model.index_for(FilterChoice("source", 3))
    header = model.index(SOURCES_ROW, 0)
    assert model.dropMimeData(model.mimeData([wire]), Qt.DropAction.MoveAction, -1, -1, header)
    qtbot.waitUntil(lambda: source_rows(window)[-1] == "Wire", timeout=5000)
    assert window.archive.search_totals('tag:"Local"').articles == 20


def test_move_to_folder_from_the_context_menu(make_window: object, crowded: Path,
                                              qtbot: QtBot,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    window: MainWindow = make_window(crowded)  # type: ignore[operator]
    asked: list[tuple[list[str], str | None]] = []

    def ask(_parent: object, _title: str, folders: list[str], current: str | None
            ) -> tuple[bool, str | None]:
        asked.append((list(folders), current))
        return True, "Wires"

    monkeypatch.setattr(sidebar_actions, "ask_folder", ask)
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.tag_view.select(FilterChoice("source", 3))
    menu = window.tag_view.build_context_menu(window.tag_view.currentIndex())
    next(a for a in menu.actions() if a.text() == "Move to folder…").trigger()
    assert asked == [(["Local"], None)]
    qtbot.waitUntil(lambda: "Wires" in source_rows(window), timeout=5000)
    assert source_rows(window) == ["Local", "  Gazette", "  Herald", "Wires", "  Wire"]
    # The chosen source is still chosen, now inside its folder.
    assert window.tag_view.current_choice() == FilterChoice("source", 3)

    monkeypatch.setattr(sidebar_actions, "ask_folder_name", lambda *_args: "Town")
    local = window.tag_model.index_for(FilterChoice("folder", "Local"))
    menu = window.tag_view.build_context_menu(local)
    next(a for a in menu.actions() if a.text() == "Rename folder…").trigger()
    qtbot.waitUntil(lambda: source_rows(window)[0] == "Town", timeout=5000)
    town = window.tag_model.index_for(FilterChoice("folder", "Town"))
    menu = window.tag_view.build_context_menu(town)
    next(a for a in menu.actions() if a.text() == "Remove folder").trigger()
    qtbot.waitUntil(lambda: source_rows(window) == ["Wires", "  Wire", "Gazette", "Herald"],
                    timeout=5000)


def test_delete_a_tag_and_undo_it(make_window: object, crowded: Path, qtbot: QtBot,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    window: MainWindow = make_window(crowded)  # type: ignore[operator]
    asked: list[tuple[str, int]] = []

    def confirm(_parent: object, name: str, count: int) -> bool:
        asked.append((name, count))
        return True

    monkeypatch.setattr(sidebar_actions, "confirm_delete_tag", confirm)
    tag = window.tag_model.index_for(FilterChoice("tag", "mine"))
    menu = window.tag_view.build_context_menu(tag)
    next(a for a in menu.actions() if a.text() == "Delete tag…").trigger()
    qtbot.waitUntil(lambda: asked == [("mine", 1)], timeout=5000)
    qtbot.waitUntil(lambda: "mine" not in tag_rows(window), timeout=5000)
    assert "mine" not in window.archive.article(1).tags
    assert "Removed tag “mine” from 1 article" in window.status.text.text()

    window.tag_view.setFocus()
    QTest.keyClick(window.tag_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "mine" in tag_rows(window), timeout=5000)
    assert "mine" in window.archive.article(1).tags
    assert window.archive.hand_made_tags() == {"mine"}  # still marked as made by hand


def test_tags_from_sources_can_be_hidden(make_window: object, crowded: Path, qtbot: QtBot,
                                         settings_path: Path) -> None:
    window: MainWindow = make_window(crowded)  # type: ignore[operator]
    window.show_preferences()
    dialog = window.findChild(PreferencesDialog)
    assert dialog is not None and dialog.tag_sources.isChecked()
    click_box = dialog.tag_sources
    QTest.mouseClick(click_box, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, click_box.height() // 2))
    assert not dialog.tag_sources.isChecked()
    assert tag_rows(window) == ["mine", "All tags… (32)"]
    dialog.close()
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    assert settings.value("tag_sources", type=bool) is False
    wait_idle(qtbot, window)


# A popup menu asks the offscreen platform for things it cannot do; that is not a failure.
@pytest.mark.qt_log_ignore("This plugin does not support raise", "does not support grabbing")
def test_the_keyboards_context_menu_is_the_chosen_rows(make_window: object, crowded: Path,
                                                 qtbot: QtBot,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    window: MainWindow = make_window(crowded)  # type: ignore[operator]
    monkeypatch.setattr(sidebar_actions, "ask_folder", lambda *_args: (True, "Local"))
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.tag_view.select(FilterChoice("source", 3))
    seen: list[list[str]] = []

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        seen.append([a.text() for a in menu.actions() if a.text()])
        move = next(a for a in menu.actions() if a.text() == "Move to folder…")
        menu.setActiveAction(move)
        QTest.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(100, pick)
    # What Qt sends for the Menu key (or Shift+F10); offscreen Qt does not turn the key
    # itself into one, so the event is sent as the platform would.
    view = window.tag_view
    QApplication.sendEvent(view.viewport(), QContextMenuEvent(
        QContextMenuEvent.Reason.Keyboard, QPoint(1, 1), view.viewport().mapToGlobal(QPoint(1, 1))))
    assert seen and seen[0][:2] == ["Mark all read", "Move to folder…"]
    qtbot.waitUntil(lambda: source_rows(window) == ["Local", "  Gazette", "  Herald", "  Wire"],
                    timeout=5000)
