"""The Sources dialog, used as a reader would: open it with its key, pause a feed, change its
settings, rename it, leave it, and take the unsubscribe (and a delete) back with Ctrl+Z."""

from __future__ import annotations

from pathlib import Path

import pytest
from drafts import make_draft
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot
from windows import Make, make_window, settings_path, wait_idle  # noqa: F401

from reader.archive import Archive
from reader.sync.opml import OutlineFeed
from reader.sync.subscribe import subscribe_outlines
from ui import dialogs
from ui.main_window import MainWindow
from ui.sources_dialog import SourcesDialog


@pytest.fixture
def two_feeds(tmp_path: Path) -> Path:
    path = tmp_path / "feeds.db"
    with Archive.open(path) as archive:
        subscribe_outlines(archive, [OutlineFeed(f"http://127.0.0.1:9/{name}.xml", name, None, ())
                                     for name in ("Harbour Herald", "Market Weekly")])
        archive.store([make_draft(n) for n in range(4)], source_id=1)
        archive.store([make_draft(n) for n in range(10, 13)], source_id=2)
    return path


def open_sources(qtbot: QtBot, window: MainWindow) -> SourcesDialog:
    qtbot.keyClick(window.headline_view, Qt.Key.Key_S,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.findChild(SourcesDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.model.rowCount() == 2, timeout=5000)
    return dialog


def row_text(dialog: SourcesDialog, title: str, column: int) -> str:
    for row in range(dialog.proxy.rowCount()):
        if dialog.proxy.index(row, 0).data() == title:
            return str(dialog.proxy.index(row, column).data())
    raise AssertionError(f"{title} is not listed")


def choose(qtbot: QtBot, dialog: SourcesDialog, title: str) -> None:
    for row in range(dialog.proxy.rowCount()):
        index = dialog.proxy.index(row, 0)
        if index.data() == title:
            rect = dialog.table.visualRect(index)
            qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton,
                             pos=rect.center())
            assert dialog.current() is not None and dialog.current().title == title
            return
    raise AssertionError(f"{title} is not listed")


def test_the_dialog_lists_sources_and_pauses_one(make_window: Make, two_feeds: Path,
                                                 qtbot: QtBot) -> None:
    window = make_window(two_feeds)
    dialog = open_sources(qtbot, window)
    assert row_text(dialog, "Harbour Herald", 2) == "Not synced yet"
    assert row_text(dialog, "Harbour Herald", 4) == "4"  # unread
    assert row_text(dialog, "Market Weekly", 5) == "3"
    choose(qtbot, dialog, "Market Weekly")
    qtbot.mouseClick(dialog.paused, Qt.MouseButton.LeftButton,  # on its box
                     pos=QPoint(8, dialog.paused.height() // 2))
    qtbot.waitUntil(lambda: row_text(dialog, "Market Weekly", 2) == "Paused", timeout=5000)
    assert dialog.current() is not None and dialog.current().title == "Market Weekly"
    dialog.images.click()
    dialog.full_text.setCurrentIndex(dialog.full_text.findData("always"))
    dialog.every.setValue(45)
    dialog.every.editingFinished.emit()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: dialog.current() is not None
                    and dialog.current().every_minutes == 45, timeout=5000)
    [market] = [s for s in window.archive.sources() if s.id == 2]
    assert (market.paused, market.keep_images, market.full_text, market.every_minutes) == (
        True, False, "always", 45)
    dialog.filter.setText("harb")
    assert dialog.proxy.rowCount() == 1


def test_rename_shows_everywhere_and_a_bad_address_is_said_in_the_dialog(
        make_window: Make, two_feeds: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(two_feeds)
    dialog = open_sources(qtbot, window)
    choose(qtbot, dialog, "Harbour Herald")
    monkeypatch.setattr(dialogs, "ask_text", lambda *_args: "The Herald")
    qtbot.mouseClick(dialog.buttons["rename"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.current() is not None
                    and dialog.current().title == "The Herald", timeout=5000)
    qtbot.waitUntil(lambda: "The Herald" in [window.headline_model.headline(r).source
                                             for r in range(window.headline_model.rowCount())],
                    timeout=5000)
    monkeypatch.setattr(dialogs, "ask_text", lambda *_args: "gopher://old.example/feed")
    qtbot.mouseClick(dialog.buttons["address"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "must start with http" in dialog.error.text(), timeout=5000)
    assert dialog.isVisible()


def test_unsubscribe_asks_once_then_ctrl_z_brings_it_all_back(
        make_window: Make, two_feeds: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(two_feeds)
    with Archive.open(two_feeds) as other:
        kept = other.headlines(source_id=1, limit=1).rows[0].id
    window.archive.set_bookmarked([kept])
    dialog = open_sources(qtbot, window)
    choose(qtbot, dialog, "Harbour Herald")
    asked: list[str] = []

    def confirm(_parent: object, left: object) -> bool:
        asked.append(f"{left.going} go, {left.staying} stay")  # type: ignore[attr-defined]
        return True

    monkeypatch.setattr(dialogs, "confirm_unsubscribe", confirm)
    qtbot.mouseClick(dialog.buttons["unsubscribe"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row_text(dialog, "Harbour Herald", 2) == "Unsubscribed",
                    timeout=5000)
    assert asked == ["3 go, 1 stay"]
    assert window.archive.totals().articles == 4
    assert "Unsubscribed from Harbour Herald: 3 articles removed, 1 kept" in \
        window.status.text.text()
    # Ctrl+Z in the dialog itself, where the reader is — its filter box too.
    dialog.filter.setFocus()
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: row_text(dialog, "Harbour Herald", 2) == "Not synced yet",
                    timeout=5000)
    assert window.archive.totals().articles == 7
    qtbot.waitUntil(lambda: window.headline_model.rowCount() == 7, timeout=5000)


def test_delete_then_ctrl_z_puts_the_article_back(make_window: Make, two_feeds: Path,
                                                  qtbot: QtBot,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(two_feeds)
    monkeypatch.setattr(dialogs, "confirm_delete", lambda *_args: True)
    window.navigator.step_article(1)
    first = window.headline_model.headline(0)
    qtbot.waitUntil(lambda: window.article_view.current_article_id == first.id, timeout=5000)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: window.headline_model.rowCount() == 6, timeout=5000)
    assert "Ctrl+Z" in window.status.text.text()
    qtbot.keyClick(window.headline_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.headline_model.rowCount() == 7, timeout=5000)
    assert window.headline_model.headline(0).id == first.id
    assert window.archive.article(first.id).read  # as it was when deleted: it had been read


def test_retention_says_how_many_would_go_and_asks_first(
        make_window: Make, two_feeds: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(two_feeds)
    ids = [h.id for h in window.archive.headlines(source_id=1, limit=10).rows]
    window.archive.set_read(ids[:3])  # old (2024) and read: these may go
    window.archive.set_bookmarked([ids[0]])  # ...but never a bookmarked one
    dialog = open_sources(qtbot, window)
    choose(qtbot, dialog, "Harbour Herald")
    dialog.keep_days.setFocus()
    dialog.keep_days.selectAll()
    qtbot.keyClicks(dialog.keep_days, "30")
    qtbot.waitUntil(lambda: dialog.expiring.text().startswith(
        "2 read articles older than 30 days would go at the next sync"), timeout=5000)
    asked: list[int] = []
    monkeypatch.setattr(dialogs, "confirm_retention",
                        lambda _parent, _title, days: asked.append(days) or False)
    qtbot.keyClick(dialog.keep_days, Qt.Key.Key_Return)
    assert asked == [30] and dialog.keep_days.value() == 0  # refused: nothing set
    assert window.archive.sources()[0].keep_days is None
    monkeypatch.setattr(dialogs, "confirm_retention", lambda *_args: True)
    dialog.keep_days.selectAll()
    qtbot.keyClicks(dialog.keep_days, "30")
    qtbot.keyClick(dialog.keep_days, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.archive.sources()[0].keep_days == 30, timeout=5000)
    assert window.archive.totals().articles == 7  # nothing removed before a sync


def test_a_sources_context_menu_opens_its_settings(make_window: Make, two_feeds: Path,
                                                   qtbot: QtBot) -> None:
    from ui.tag_filter import FilterChoice

    window = make_window(two_feeds)
    window.tag_view.select(FilterChoice("source", 2))
    menu = window.tag_view.build_context_menu(window.tag_view.currentIndex())
    texts = [action.text() for action in menu.actions()]
    assert {"Sync now", "Source settings…", "Unsubscribe…"} <= set(texts)
    next(a for a in menu.actions() if a.text() == "Source settings…").trigger()
    dialog = window.findChild(SourcesDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.current() is not None and dialog.current().id == 2,
                    timeout=5000)
