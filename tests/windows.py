"""Fixtures for window tests: demo archives to open and windows opened on them the way the
app opens them (one settings file per test, as one person's would be)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reader.archive import Archive
from reader.demo import build_demo
from ui.main_window import MainWindow

Make = Callable[..., MainWindow]


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(path)
    return path


@pytest.fixture
def demo_path(demo_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "archive.db"
    source = sqlite3.connect(demo_template)
    copy = sqlite3.connect(target)
    source.backup(copy)
    copy.close()
    source.close()
    return target


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "settings.ini"


@pytest.fixture
def make_window(qtbot: QtBot, settings_path: Path) -> Iterator[Make]:
    """Opens windows on archives, all sharing one settings file; closes them afterwards and
    checks that no top-level widget was left showing."""
    opened: list[tuple[MainWindow, Archive]] = []
    before = set(QApplication.topLevelWidgets())

    def make(path: Path, **options: object) -> MainWindow:
        archive = Archive.open(path)
        settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
        window = MainWindow(archive, settings, **options)  # type: ignore[arg-type]
        qtbot.addWidget(window)
        window.resize(1200, 760)
        window.show()
        qtbot.waitUntil(lambda: window.ready, timeout=10_000)
        # ...and its counts: a tag can be picked only once the left pane lists it.
        qtbot.waitUntil(lambda: window.status.counts.text() != "", timeout=10_000)
        opened.append((window, archive))
        return window

    yield make
    for window, archive in opened:
        window.close()
        archive.close()
    QApplication.processEvents()
    leaked = [w for w in set(QApplication.topLevelWidgets()) - before
              if w.isVisible() and w.objectName() != "qt_scrollarea_viewport"]
    assert leaked == [], leaked


def wait_idle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10_000)
