"""Mark read older than N days: the command line, and the window's "Mark older as read…"
(asked for in a small dialog, applied to the list on screen, undone with Ctrl+Z)."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from drafts import make_draft
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from windows import Make, make_window, settings_path  # noqa: F401

from reader import operations
from reader.archive import Archive
from reader.cli import main
from ui.dialogs import DaysDialog

NOW = datetime.now(UTC)


def _archive(path: Path) -> dict[str, int]:
    """Unread articles 2, 10 and 40 days old, tagged "Harbour" or "Weather", and one read."""
    with Archive.open(path) as archive:
        archive.store([
            make_draft(1, title="Ferry two days ago", tags=("Harbour",),
                       published=NOW - timedelta(days=2)),
            make_draft(2, title="Ferry ten days ago", tags=("Harbour",),
                       published=NOW - timedelta(days=10)),
            make_draft(3, title="Storm ten days ago", tags=("Weather",),
                       published=NOW - timedelta(days=10, hours=1)),
            make_draft(4, title="Ferry forty days ago", tags=("Harbour",),
                       published=NOW - timedelta(days=40)),
            make_draft(5, title="Read long ago", published=NOW - timedelta(days=400)),
        ])
        ids = {row.title: row.id for row in archive.headlines("", limit=10).rows}
        operations.mark_read(archive, [ids["Read long ago"]])
        return ids


def _unread(path: Path) -> set[str]:
    with Archive.open(path) as archive:
        return {row.title for row in archive.headlines("is:unread", limit=10).rows}


def run(path: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(["--archive", str(path), *argv], out), out.getvalue()


def test_cli_marks_only_older_unread_articles_within_the_query(archive_path: Path) -> None:
    _archive(archive_path)
    assert run(archive_path, "read", "--older-than", "5", "--query", "ferry") == (
        0, "marked read 2 articles older than 5 days\n")
    assert _unread(archive_path) == {"Ferry two days ago", "Storm ten days ago"}
    assert run(archive_path, "read", "--older-than", "5") == (
        0, "marked read 1 article older than 5 days\n")
    assert _unread(archive_path) == {"Ferry two days ago"}
    assert run(archive_path, "read", "--older-than", "30") == (
        0, "marked read 0 articles older than 30 days\n")


def test_the_operation_reports_what_it_changed_and_is_quick(archive_path: Path) -> None:
    ids = _archive(archive_path)
    with Archive.open(archive_path) as archive:
        outcome = operations.mark_read_older_than(archive, 9, 'tag:"Harbour"')
        assert outcome.result == 2
        assert outcome.changes.articles == {ids["Ferry ten days ago"],
                                            ids["Ferry forty days ago"]}
        assert outcome.changes.counts and outcome.changes.sources
        again = operations.mark_read_older_than(archive, 9, 'tag:"Harbour"')
        assert again.result == 0 and not again.changes
        archive.store([make_draft(100 + n, published=NOW - timedelta(days=30, minutes=n))
                       for n in range(12_000)])
        started = time.perf_counter()
        assert operations.mark_read_older_than(archive, 20).result == 12_000
        # Generous for a shared test machine: 30,000 took 0.76 s in a 1,000,000-article
        # archive, so 12,000 is well under a second there too.
        assert time.perf_counter() - started < 2.0


def test_mark_older_as_read_in_the_window_asks_remembers_and_undoes(
        make_window: Make, archive_path: Path, settings_path: Path,  # noqa: F811
        qtbot: QtBot) -> None:
    from ui.tag_filter import FilterChoice

    _archive(archive_path)
    chosen = QSettings(str(settings_path), QSettings.Format.IniFormat)
    chosen.setValue("mark_read_on_open", False)  # only the command under test marks read
    chosen.sync()
    window = make_window(archive_path)
    archive = window.archive
    window.tag_view.select(FilterChoice("tag", "Harbour"))  # the list: one tag...
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.search_bar.set_text("ferry")  # ...and a search
    qtbot.waitUntil(lambda: window.headline_model.rowCount() == 3, timeout=5000)

    idle(qtbot, window)
    unread = set(_titles(window, "is:unread"))
    window.headline_view.setFocus()
    qtbot.keyClick(window.headline_view, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.findChild(DaysDialog) is not None, timeout=2000)
    dialog = window.findChild(DaysDialog)
    assert dialog is not None and dialog.isVisible() and dialog.days.value() == 7
    qtbot.keyClicks(dialog.days, "5")  # the number is selected: typing replaces it
    qtbot.keyClick(dialog.days, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: archive.article(_id(window, "Ferry ten days ago")).read,
                    timeout=5000)
    assert set(_titles(window, "is:unread")) == {"Ferry two days ago", "Storm ten days ago"}
    qtbot.waitUntil(lambda: "Ctrl+Z" in window.status.text.text(), timeout=5000)
    assert "Marked 2 articles older than 5 days read" in window.status.text.text()
    assert QSettings(str(settings_path), QSettings.Format.IniFormat).value(
        "mark_older_days") in (5, "5")

    # Offscreen Qt has no window manager to hand activation back when a dialog closes; the
    # window's keys work while it is the active window (as in test_window_live).
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window.headline_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: set(_titles(window, "is:unread")) == unread, timeout=5000)
    qtbot.waitUntil(lambda: window.status.text.text().startswith("Undid marking 2"),
                    timeout=5000)

    # The dialog starts at the last number; Esc cancels and changes nothing.
    qtbot.keyClick(window.headline_view, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.findChild(DaysDialog) is not None, timeout=2000)
    dialog = window.findChild(DaysDialog)
    assert dialog is not None and dialog.days.value() == 5
    qtbot.keyClick(dialog.days, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.findChild(DaysDialog) is None, timeout=2000)
    idle(qtbot, window)
    assert set(_titles(window, "is:unread")) == unread


def idle(qtbot: QtBot, window: object) -> None:
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10_000)  # type: ignore[attr-defined]


def _titles(window: object, query: str) -> list[str]:
    archive: Archive = window.archive  # type: ignore[attr-defined]
    return [row.title for row in archive.headlines(query, limit=20).rows]


def _id(window: object, title: str) -> int:
    archive: Archive = window.archive  # type: ignore[attr-defined]
    return next(row.id for row in archive.headlines("", limit=20).rows if row.title == title)
