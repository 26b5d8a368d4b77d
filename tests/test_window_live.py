"""The window over time: keys in a real event loop, state per archive, read state the reader
set, views that keep their place, and changes made by other processes showing up live.

Each test here is one of the first-hour bugs of issue 11, driven the way a person meets it.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from drafts import make_draft
from feedserver import FeedServer
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from test_sync import png, rss, story
from windows import Make, demo_path, demo_template, make_window, settings_path  # noqa: F401

from reader.archive import Archive
from reader.archive.database import Database
from reader.records import Changes
from ui import dialogs
from ui.main_window import MainWindow
from ui.shortcuts import COMMANDS
from ui.tag_filter import COUNT_ROLE, FilterChoice

REPO = Path(__file__).resolve().parents[1]


def idle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10_000)


def shown_id(window: MainWindow) -> int | None:
    return window.article_view.current_article_id


def many_articles(path: Path, count: int = 500, long_body: bool = False) -> list[int]:
    body = "".join(f"<p>Paragraph {n} of a long read, with words enough to wrap.</p>"
                   for n in range(150)) if long_body else None
    with Archive.open(path) as archive:
        outcomes = archive.store([make_draft(n, tags=(f"topic {n % 7}",), body=body)
                                  for n in range(count)])
    return [outcome.article_id for outcome in outcomes if outcome.article_id is not None]


def cli(path: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "reader.cli", "--archive", str(path), *args],
                   check=True, capture_output=True, cwd=REPO, timeout=60)


# --- 1. keys ------------------------------------------------------------------------------------


def test_no_two_actions_share_a_key(make_window: Make, demo_path: Path) -> None:
    window = make_window(demo_path)
    seen: dict[str, str] = {}
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            text = key.toString(QKeySequence.SequenceFormat.PortableText)
            assert text not in seen, f"{text} is bound to {seen[text]!r} and {action.text()!r}"
            seen[text] = action.text()


def test_every_key_on_the_cheat_sheet_does_what_it_says(
        make_window: Make, demo_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each key, pressed in the event loop, fires its own command (and Qt logs no warning:
    an ambiguous shortcut would fail the test through qt_log_level_fail)."""
    monkeypatch.setattr(dialogs, "ask_import_paths", lambda _parent: [])
    monkeypatch.setattr(dialogs, "ask_text", lambda *_args: None)
    monkeypatch.setattr(dialogs, "ask_tags", lambda *_args: None)
    monkeypatch.setattr(dialogs, "confirm_delete", lambda *_args: False)
    opened: list[object] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url))
    window = make_window(demo_path)
    window.navigator.step_article(1)
    qtbot.waitUntil(lambda: shown_id(window) is not None, timeout=5000)
    for command in COMMANDS:
        action = window.commands[command.name]
        for key in command.keys:
            if command.name == "quit":
                continue
            window.headline_view.setFocus()
            sequence = QKeySequence(key)
            combined = sequence[0]
            with qtbot.waitSignal(action.triggered, timeout=2000):
                qtbot.keyClick(window.headline_view, combined.key(),
                               combined.keyboardModifiers())
            idle(qtbot, window)
            for dialog in window.findChildren(QDialog):
                dialog.close()
            window.activateWindow()  # the window's keys work while it is the active one
            qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    with qtbot.waitSignal(window.commands["quit"].triggered, timeout=2000):
        qtbot.keyClick(window.headline_view, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()
    assert opened  # "o" asked for the article's page


def test_question_mark_shows_the_cheat_sheet(make_window: Make, demo_path: Path,
                                             qtbot: QtBot) -> None:
    window = make_window(demo_path)
    # Offscreen Qt maps no Shift+/ to "?" as a real keyboard layout does (checked by hand
    # under Xvfb with xdotool): the key arrives as "?" itself.
    qtbot.keyClick(window.headline_view, Qt.Key.Key_Question)
    qtbot.waitUntil(lambda: any(d.isVisible() and d.windowTitle() == "Keyboard shortcuts"
                                for d in window.findChildren(QDialog)), timeout=2000)


# --- 2. state belongs to its archive ------------------------------------------------------------


def test_the_last_article_of_one_archive_is_not_opened_in_another(
        make_window: Make, demo_path: Path, tmp_path: Path, qtbot: QtBot) -> None:
    other = tmp_path / "mine.db"
    ids = many_articles(other, 20)
    demo = make_window(demo_path)
    for _ in range(3):
        demo.navigator.step_article(1)
    qtbot.waitUntil(lambda: shown_id(demo) == demo.headline_model.headline(2).id, timeout=5000)
    remembered = shown_id(demo)
    idle(qtbot, demo)
    demo.close()

    mine = make_window(other)
    idle(qtbot, mine)
    assert shown_id(mine) is None  # nothing of the demo's is opened here
    with Archive.open(other) as archive:
        assert archive.totals().unread == len(ids)  # and nothing was marked read
    mine.close()

    again = make_window(demo_path)
    qtbot.waitUntil(lambda: shown_id(again) == remembered, timeout=5000)
    row = again.headline_model.row_of(remembered)  # type: ignore[arg-type]
    assert again.headline_view.currentIndex().row() == row


def test_a_remembered_article_that_is_gone_is_ignored_quietly(
        make_window: Make, demo_path: Path, qtbot: QtBot) -> None:
    window = make_window(demo_path)
    window.navigator.step_article(1)
    qtbot.waitUntil(lambda: shown_id(window) is not None, timeout=5000)
    gone = shown_id(window)
    idle(qtbot, window)
    window.close()
    cli(demo_path, "delete", str(gone))
    again = make_window(demo_path)
    idle(qtbot, again)
    assert shown_id(again) is None
    assert again.status.text.text() == ""  # no red "no article with id …"


# --- 3. read state is what the reader did -------------------------------------------------------


def test_mark_unread_sticks_through_tag_edits_and_syncs(
        make_window: Make, demo_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(demo_path)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: shown_id(window) is not None, timeout=5000)
    article_id = shown_id(window)
    assert article_id is not None
    idle(qtbot, window)
    assert window.archive.article(article_id).read  # moving to it marked it read

    qtbot.keyClick(window.headline_view, Qt.Key.Key_M)
    idle(qtbot, window)
    assert not window.archive.article(article_id).read

    monkeypatch.setattr(dialogs, "ask_tags", lambda _parent, article: [*article.tags, "Later"])
    qtbot.keyClick(window.headline_view, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: "Later" in window.archive.article(article_id).tags, timeout=5000)
    idle(qtbot, window)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_R)  # a sync with nothing to sync
    qtbot.waitUntil(lambda: not window.sync.running, timeout=10_000)
    idle(qtbot, window)
    window.ops.broadcast(Changes(added=True, external=True))  # as after another's sync
    idle(qtbot, window)
    assert not window.archive.article(article_id).read
    row = window.headline_model.row_of(article_id)
    assert row is not None and not window.headline_model.headline(row).read


# --- 4. a new archive starts empty --------------------------------------------------------------


def test_a_new_archive_starts_empty_with_hints(make_window: Make, tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    window = make_window(path)
    assert window.headline_model.rowCount() == 0
    assert "Ctrl+O" in window.article_view.toPlainText()
    assert window.archive.totals().articles == 0
    assert window.archive.sources() == []


def test_the_window_program_creates_an_empty_archive(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "archive.db"
    done = subprocess.run(
        [sys.executable, "main.py", "--archive", str(path), "--screenshot",
         str(tmp_path / "empty.png"), "--settings", str(tmp_path / "s.ini")],
        cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    with Archive.open(path) as archive:
        assert archive.totals().articles == 0
        assert archive.sources() == []


# --- 5. views keep their place ------------------------------------------------------------------


def test_a_new_search_starts_at_the_top(make_window: Make, tmp_path: Path,
                                        qtbot: QtBot) -> None:
    path = tmp_path / "many.db"
    many_articles(path, 400)
    window = make_window(path)
    view = window.headline_view
    while window.headline_model.canFetchMore():
        window.headline_model.fetchMore()
        idle(qtbot, window)
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    assert view.verticalScrollBar().value() > 0
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.search_bar.set_text("article")
    assert view.verticalScrollBar().value() == 0


def test_a_sync_keeps_the_article_and_the_lists_in_place(
        make_window: Make, tmp_path: Path, qtbot: QtBot) -> None:
    path = tmp_path / "reading.db"
    many_articles(path, 300, long_body=True)
    with FeedServer() as server:
        server.add("/img/red.png", png(), content_type="image/png")
        server.add("/feed.xml", rss([story(n, server) for n in range(3)], title="Herald"))
        from reader.sync.subscribe import subscribe

        with Archive.open(path) as archive:
            subscribe(archive, server.url("/feed.xml"), ["Harbour news"])
        window = make_window(path)
        window.headline_model.fetchMore()
        idle(qtbot, window)
        window.navigator.select_row(40, by_reader=True)
        qtbot.waitUntil(lambda: shown_id(window) == window.headline_model.headline(40).id,
                        timeout=5000)
        idle(qtbot, window)
        reading = shown_id(window)
        pane = window.article_view.verticalScrollBar()
        pane.setValue(pane.maximum() // 2)
        pane_at = pane.value()
        window.headline_view.scrollTo(window.headline_model.index(40))
        top = window.headline_view.indexAt(window.headline_view.rect().topLeft())
        top_id = window.headline_model.headline(top.row()).id
        sidebar = window.tag_view.verticalScrollBar()
        sidebar.setValue(sidebar.maximum())
        sidebar_top = window.tag_view.indexAt(window.tag_view.rect().topLeft()).data()

        qtbot.keyClick(window.headline_view, Qt.Key.Key_R)
        qtbot.waitUntil(lambda: window.headline_model.rowCount() == 303, timeout=20_000)
        qtbot.waitUntil(lambda: not window.sync.running, timeout=20_000)
        idle(qtbot, window)

    assert shown_id(window) == reading
    assert window.headline_model.headline(window.headline_view.currentIndex().row()).id \
        == reading
    assert pane.value() == pane_at
    new_top = window.headline_view.indexAt(window.headline_view.rect().topLeft())
    assert window.headline_model.headline(new_top.row()).id == top_id
    assert window.tag_view.indexAt(window.tag_view.rect().topLeft()).data() == sidebar_top
    assert window.tag_model.index_for(FilterChoice("tag", "Harbour news")).isValid()


def test_source_counts_follow_the_search(make_window: Make, demo_path: Path,
                                         qtbot: QtBot) -> None:
    window = make_window(demo_path)
    window.search_bar.set_text("ferry")
    idle(qtbot, window)
    sources = window.tag_model.index(5, 0)  # the Sources header
    counts = [window.tag_model.index(row, 0, sources).data(COUNT_ROLE)
              for row in range(window.tag_model.rowCount(sources))]
    with Archive.open(demo_path) as archive:
        total = archive.search_totals("ferry").articles
    assert sum(counts) == total < 12


def test_the_status_bar_counts_the_list_and_messages_fade(
        make_window: Make, demo_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.status_bar

    monkeypatch.setattr(ui.status_bar, "MESSAGE_MS", 300)
    window = make_window(demo_path)
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.tag_view.select(FilterChoice("tag", "Weather"))
    qtbot.waitUntil(lambda: window.status.counts.text() == "1 article · 1 unread", timeout=5000)
    window.navigator.step_article(1)
    qtbot.waitUntil(lambda: shown_id(window) is not None, timeout=5000)
    idle(qtbot, window)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: window.status.text.text() == "Bookmarked", timeout=5000)
    qtbot.waitUntil(lambda: window.status.text.text() == "", timeout=3000)


# --- 6. changes made elsewhere ------------------------------------------------------------------


def test_a_bookmark_and_tag_from_the_command_line_show_within_a_second(
        make_window: Make, tmp_path: Path, qtbot: QtBot) -> None:
    path = tmp_path / "live.db"
    many_articles(path, 300, long_body=True)
    window = make_window(path)
    window.headline_model.fetchMore()
    idle(qtbot, window)
    window.navigator.select_row(30, by_reader=True)
    article_id = window.headline_model.headline(30).id
    qtbot.waitUntil(lambda: shown_id(window) == article_id, timeout=5000)
    idle(qtbot, window)
    pane = window.article_view.verticalScrollBar()
    pane.setValue(pane.maximum() // 3)
    pane_at = pane.value()
    window.headline_view.scrollTo(window.headline_model.index(30))
    list_at = window.headline_view.verticalScrollBar().value()
    bookmarked_row = window.tag_model.index_for(FilterChoice("bookmarked"))
    assert bookmarked_row.data(COUNT_ROLE) == 0

    cli(path, "bookmark", str(article_id))
    cli(path, "tag", str(article_id), "Read later")

    def shows_it() -> bool:
        row = window.headline_model.row_of(article_id)
        return (row is not None and window.headline_model.headline(row).bookmarked
                and bookmarked_row.data(COUNT_ROLE) == 1
                and "Read later" in window.article_view.toPlainText())

    qtbot.waitUntil(shows_it, timeout=1000)
    assert window.headline_view.currentIndex().row() == window.headline_model.row_of(article_id)
    assert window.headline_view.verticalScrollBar().value() == list_at
    assert pane.value() == pane_at
    assert window.tag_model.index_for(FilterChoice("tag", "Read later")).isValid()


def test_own_writes_are_not_taken_for_someone_elses(make_window: Make, demo_path: Path,
                                                    qtbot: QtBot) -> None:
    window = make_window(demo_path)
    external: list[Changes] = []
    window.ops.archive_changed.connect(
        lambda changes: external.append(changes) if changes.external else None)
    window.navigator.step_article(1)
    qtbot.waitUntil(lambda: shown_id(window) is not None, timeout=5000)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_B)
    idle(qtbot, window)
    qtbot.wait(1000)  # a few polls
    assert external == []
    cli(demo_path, "read", "1")
    qtbot.waitUntil(lambda: len(external) == 1, timeout=2000)


# --- 7. a screenshot changes nothing ------------------------------------------------------------


def test_a_screenshot_leaves_the_archive_and_settings_untouched(demo_path: Path,
                                                                tmp_path: Path) -> None:
    settings = tmp_path / "s.ini"
    settings.write_text("[General]\nzoom=2\n")
    before = settings.read_text()
    done = subprocess.run(
        [sys.executable, "main.py", "--archive", str(demo_path), "--screenshot",
         str(tmp_path / "shot.png"), "--settings", str(settings)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "shot.png").stat().st_size > 10_000
    assert settings.read_text() == before
    with sqlite3.connect(demo_path) as connection:
        assert connection.execute("SELECT count(*) FROM articles WHERE read").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM view_state").fetchone() == (0,)


# --- the GUI thread never touches the archive ---------------------------------------------------


def test_the_gui_thread_never_reads_the_archive_or_decodes_images(
        demo_path: Path, settings_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """From the window's construction on (opening the file comes before it), every query,
    write and image decode runs on a worker thread."""
    import ui.images

    archive = Archive.open(demo_path)

    on_gui: list[str] = []
    real_transaction = Database.transaction
    real_decode = ui.images.decode

    def transaction(self: Database, *, write: bool) -> object:
        if threading.current_thread() is threading.main_thread():
            on_gui.append("write" if write else "read")
        return real_transaction(self, write=write)

    def decode(data: bytes, budget: int = ui.images.MAX_SOURCE_PIXELS) -> object:
        if threading.current_thread() is threading.main_thread():
            on_gui.append("decode")
        return real_decode(data, budget)

    monkeypatch.setattr(Database, "transaction", transaction)
    monkeypatch.setattr(ui.images, "decode", decode)
    monkeypatch.setattr(dialogs, "ask_tags", lambda _parent, article: [*article.tags, "x"])
    window = MainWindow(archive, QSettings(str(settings_path), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.ready, timeout=10_000)
    for key in (Qt.Key.Key_J, Qt.Key.Key_J, Qt.Key.Key_B, Qt.Key.Key_M, Qt.Key.Key_T,
                Qt.Key.Key_J, Qt.Key.Key_K, Qt.Key.Key_N):
        qtbot.keyClick(window.headline_view, key)
        idle(qtbot, window)
    window.search_bar.set_text("ferry")
    idle(qtbot, window)
    pictured = next(row for row in range(window.headline_model.rowCount())
                    if "Ferry" in window.headline_model.headline(row).title)
    window.navigator.select_row(pictured, by_reader=True)
    qtbot.waitUntil(lambda: shown_id(window) == window.headline_model.headline(pictured).id,
                    timeout=5000)
    window.article_view.zoom_in()
    window.article_view.resize(500, 600)
    idle(qtbot, window)
    QApplication.processEvents()
    window.close()  # saving what it showed is a write too, on the writer
    assert on_gui == []
    archive.close()


def test_an_article_deleted_elsewhere_leaves_the_pane_and_the_list(
        make_window: Make, demo_path: Path, qtbot: QtBot) -> None:
    window = make_window(demo_path)
    window.navigator.step_article(1)
    window.navigator.step_article(1)
    qtbot.waitUntil(lambda: shown_id(window) == window.headline_model.headline(1).id,
                    timeout=5000)
    gone = shown_id(window)
    idle(qtbot, window)
    cli(demo_path, "delete", str(gone))
    qtbot.waitUntil(lambda: window.headline_model.row_of(gone) is None, timeout=2000)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: "no longer in the archive" in window.article_view.toPlainText(),
                    timeout=2000)
    assert not window.headline_view.currentIndex().isValid()
    assert window.headline_model.rowCount() == 11
    idle(qtbot, window)
    with Archive.open(demo_path) as archive:  # only the deleted one had been shown and read;
        assert archive.totals().unread == 11  # nothing else was marked read on the way


def test_the_window_opens_with_the_list_ready_for_keys(make_window: Make, demo_path: Path,
                                                       qtbot: QtBot) -> None:
    """Not the sidebar's filter box: there, j would be typed instead of moving on."""
    window = make_window(demo_path)
    assert window.focusWidget() is window.headline_view
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_J)
    qtbot.waitUntil(lambda: window.article_view.current_article_id is not None, timeout=5000)
    assert window.sidebar.box.text() == ""
