"""The Qt binding keeps Python's reference counts: a broken build aborts the window after a while.

PySide6 6.12.0 on Python 3.11 hands back ``None`` from every void call without taking a
reference. Each call then costs ``None`` one reference, and after a few hundred thousand calls
(scrolling 10,000 headlines and opening 100 articles on a large archive is enough) Python frees
``None`` and aborts with "none_dealloc". From Python 3.12 ``None`` is immortal and the bug is
invisible, so this test is what stops a dependency update from bringing it back on 3.11.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLabel, QTextBrowser
from pytestqt.qtbot import QtBot

CALLS = 2_000


def test_void_calls_leave_none_with_its_references(qtbot: QtBot) -> None:
    label = QLabel()
    browser = QTextBrowser()
    qtbot.addWidget(label)
    qtbot.addWidget(browser)
    calls = (QApplication.processEvents, lambda: label.setText("headline"), label.update,
             label.parent, lambda: browser.setHtml("<p>body</p>"))
    for call in calls:
        call()  # first calls may fill caches that hold None
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        for call in calls:
            call()
    lost = before - sys.getrefcount(None)
    assert lost < CALLS // 2, f"None lost {lost} references over {CALLS * len(calls)} Qt calls"
