"""The reader window, driven the way a person uses it (pytest-qt, offscreen)."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest
from feedserver import FeedServer
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from test_sync import png, rss, story
from windows import demo_path, demo_template, make_window, settings_path, wait_idle  # noqa: F401

from reader.archive import Archive
from ui.tag_filter import FilterChoice

REPO = Path(__file__).resolve().parents[1]


def test_window_opens_on_the_demo_with_all_three_panes(make_window: object, demo_path: Path,
                                                       qtbot: QtBot) -> None:
    window = make_window(demo_path)  # type: ignore[operator]
    assert window.headline_model.rowCount() == 12
    qtbot.waitUntil(lambda: "articles" in window.status.counts.text(), timeout=5000)
    assert window.status.counts.text() == "12 articles · 12 unread"
    assert window.article_view.current_article_id is None


def test_j_k_open_articles_and_mark_them_read(make_window: object, demo_path: Path,
                                              qtbot: QtBot) -> None:
    window = make_window(demo_path)  # type: ignore[operator]
    model = window.headline_model

    def press(key: Qt.Key) -> int | None:
        qtbot.keyClick(window.headline_view, key)
        row = window.headline_view.currentIndex().row()
        expected = model.headline(row).id
        qtbot.waitUntil(lambda: window.article_view.current_article_id == expected,
                        timeout=5000)
        wait_idle(qtbot, window)
        return row

    first = press(Qt.Key.Key_J)
    assert model.headline(first).read  # opened → marked read
    second = press(Qt.Key.Key_J)
    assert second == first + 1
    assert press(Qt.Key.Key_K) == first
    assert window.article_view.blocked_requests == []


def test_bookmark_persists_across_a_restart(make_window: object, demo_path: Path,
                                            qtbot: QtBot) -> None:
    window = make_window(demo_path)  # type: ignore[operator]
    window.navigator.step_article(1)
    window.navigator.step_article(1)
    qtbot.waitUntil(lambda: window.article_view.current_article_id is not None, timeout=5000)
    wait_idle(qtbot, window)
    article_id = window.article_view.current_article_id
    was = window.headline_model.headline(window.headline_model.row_of(article_id)).bookmarked
    qtbot.keyClick(window.headline_view, Qt.Key.Key_B)
    wait_idle(qtbot, window)
    window.close()
    again = make_window(demo_path)  # type: ignore[operator]
    row = again.headline_model.row_of(article_id)
    assert row is not None
    assert again.headline_model.headline(row).bookmarked is (not was)
    qtbot.waitUntil(lambda: again.article_view.current_article_id == article_id, timeout=5000)


def test_the_tag_filter_is_restored_on_the_next_start(make_window: object, demo_path: Path,
                                                      qtbot: QtBot) -> None:
    window = make_window(demo_path)  # type: ignore[operator]
    qtbot.waitUntil(lambda: "articles" in window.status.counts.text(), timeout=5000)
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.tag_view.select(FilterChoice("tag", "Weather"))
    window.close()
    again = make_window(demo_path)  # type: ignore[operator]
    assert again.headline_model.rowCount() == 1
    qtbot.waitUntil(lambda: again.tag_view.current_choice() == FilterChoice("tag", "Weather"),
                    timeout=5000)


def test_tag_filter_narrows_the_list_and_counts(make_window: object, demo_path: Path,
                                                qtbot: QtBot) -> None:
    window = make_window(demo_path)  # type: ignore[operator]
    qtbot.waitUntil(lambda: "articles" in window.status.counts.text(), timeout=5000)
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.tag_view.select(FilterChoice("tag", "Weather"))
    assert window.headline_model.rowCount() == 1
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.tag_view.select(FilterChoice("bookmarked"))
    assert window.headline_model.rowCount() == 1
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.search.setText("ferry")
        window.search_bar.apply()
    # The left pane counts the search (3 ferry articles in all); the status bar counts the
    # list on screen: the bookmarked ones among them.
    from ui.tag_filter import COUNT_ROLE

    all_row = window.tag_model.index_for(FilterChoice("all"))
    qtbot.waitUntil(lambda: all_row.data(COUNT_ROLE) == 3, timeout=5000)
    listed = window.headline_model.rowCount()
    qtbot.waitUntil(lambda: window.status.counts.text().startswith(
        f"{listed} article"), timeout=5000)


def test_bad_query_shows_inline_and_keeps_results(make_window: object, demo_path: Path,
                                                  qtbot: QtBot) -> None:
    window = make_window(demo_path)  # type: ignore[operator]
    rows = window.headline_model.rowCount()
    qtbot.keyClick(window.headline_view, Qt.Key.Key_Slash)
    assert window.search.hasFocus()
    qtbot.keyClicks(window.search, 'tag:"unfinished')
    window.search_bar.apply()
    assert window.search_bar.error.isVisible()
    assert "never closed" in window.search_bar.error.text()
    assert window.headline_model.rowCount() == rows
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.search.text() == ""
    assert not window.search_bar.error.isVisible() or window.search_bar.error.text() == ""


def test_sync_with_one_failing_source(make_window: object, tmp_path: Path,
                                      qtbot: QtBot) -> None:
    path = tmp_path / "synced.db"
    with FeedServer() as server:
        server.add("/img/red.png", png(), content_type="image/png")
        server.add("/good.xml", rss([story(n, server) for n in range(3)], title="Good"))
        server.add("/bad.xml", rss([], title="Bad"))
        from reader.sync.subscribe import subscribe

        with Archive.open(path) as archive:
            subscribe(archive, server.url("/good.xml"))
            subscribe(archive, server.url("/bad.xml"))
        server.misbehave("/bad.xml", "status", status=500)
        window = make_window(path)  # type: ignore[operator]
        assert window.headline_model.rowCount() == 0
        qtbot.keyClick(window.headline_view, Qt.Key.Key_R)
        qtbot.waitUntil(lambda: window.headline_model.rowCount() == 3, timeout=20_000)
        qtbot.waitUntil(lambda: not window.sync.running, timeout=20_000)
        assert "1 failed" in window.status.text.text()
        assert window.status.progress.isHidden()


def test_headline_model_passes_the_model_tester(make_window: object, demo_path: Path,
                                                qtmodeltester: object) -> None:
    window = make_window(demo_path)  # type: ignore[operator]
    qtmodeltester.check(window.headline_model)  # type: ignore[attr-defined]


def test_screenshot_from_the_command_line(demo_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "window.png"
    done = subprocess.run(
        [sys.executable, "main.py", "--archive", str(demo_path), "--screenshot", str(out),
         "--settings", str(tmp_path / "s.ini")],
        cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    from PIL import Image

    with Image.open(out) as image:
        assert image.width >= 800 and image.height >= 500


def test_article_images_are_read_off_the_gui_thread(make_window: object, demo_path: Path,
                                                    qtbot: QtBot) -> None:
    import threading

    window = make_window(demo_path)  # type: ignore[operator]
    threads: list[str] = []
    real = window.archive.image

    def recording(sha: str) -> tuple[str, bytes]:
        threads.append(threading.current_thread().name)
        return real(sha)

    window.archive.image = recording  # type: ignore[method-assign]
    pictured = next(row for row in range(window.headline_model.rowCount())
                    if "Ferry Gets" in window.headline_model.headline(row).title)
    window.headline_view.setCurrentIndex(window.headline_model.index(pictured))
    qtbot.waitUntil(lambda: window.article_view.current_article_id is not None, timeout=5000)
    wait_idle(qtbot, window)
    assert threads and threading.main_thread().name not in threads


def test_dropping_files_imports_them(make_window: object, demo_path: Path, tmp_path: Path,
                                     qtbot: QtBot) -> None:
    from pages import news_page
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    window = make_window(demo_path)  # type: ignore[operator]
    page = tmp_path / "dropped.txt"
    page.write_text(news_page(77))
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(page))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.headline_model.rowCount() == 13, timeout=10_000)
    assert "Imported 1 of 1" in window.status.text.text()


def test_unexpected_error_shows_a_dialog_and_the_window_carries_on(
        make_window: object, demo_path: Path, qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ui.app import _install_crash_dialog

    window = make_window(demo_path)  # type: ignore[operator]
    app = QApplication.instance()
    previous = sys.excepthook
    try:
        shown = _install_crash_dialog(app)  # type: ignore[arg-type]
        try:
            raise RuntimeError("a bug somewhere")
        except RuntimeError as error:
            sys.excepthook(type(error), error, error.__traceback__)
        [box] = shown
        assert isinstance(box, QMessageBox) and box.isVisible()
        assert "a bug somewhere" in box.text()
        assert "Traceback" in box.detailedText()
        box.done(0)
        assert shown == []
    finally:
        sys.excepthook = previous
    window.navigator.step_article(1)
    qtbot.waitUntil(lambda: window.article_view.current_article_id is not None, timeout=5000)


def test_reading_many_articles_keeps_none_alive(make_window: object, demo_path: Path,
                                                qtbot: QtBot) -> None:
    """A long reading session must not drain Python's references to None (see
    test_qt_binding.py): a binding that drops one per void call aborts the window."""
    window = make_window(demo_path)  # type: ignore[operator]
    rows = window.headline_model.rowCount()

    def sweep(step: int) -> int:
        for _ in range(rows - 1):
            window.navigator.step_article(step)
            expected = window.navigator.current_headline().id
            qtbot.waitUntil(lambda shown=expected: window.article_view.current_article_id
                            == shown, timeout=5000)
            wait_idle(qtbot, window)
        return rows - 1

    window.navigator.step_article(1)
    sweep(1)  # warm up: caches fill, and earlier tests' widgets finish being deleted
    sweep(-1)
    QApplication.processEvents()
    gc.collect()
    gc.disable()  # a collection now would free unrelated objects that refer to None
    try:
        before = sys.getrefcount(None)
        opens = sum(sweep(1 if n % 2 == 0 else -1) for n in range(10))
        lost = before - sys.getrefcount(None)
    finally:
        gc.enable()
    assert lost < opens, f"None lost {lost} references over {opens} opened articles"


def test_the_last_article_asked_for_is_the_one_shown(make_window: object, demo_path: Path,
                                                     qtbot: QtBot,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads finish out of order on the pool: a slow first open must not replace a later one
    (pressing j twice quickly ended on the wrong article)."""
    import time

    window = make_window(demo_path)  # type: ignore[operator]
    first, second = (window.headline_model.headline(row).id for row in (0, 1))
    load = window.archive.article

    def slow_for_first(article_id: int) -> object:
        if article_id == first:
            time.sleep(0.3)
        return load(article_id)

    monkeypatch.setattr(window.archive, "article", slow_for_first)
    window.open_article(first)
    window.open_article(second)
    wait_idle(qtbot, window)
    assert window.article_view.current_article_id == second
