"""File ▸ Export… in the window: the list on screen or the selected articles are written in
the background with a progress dialog, and Cancel leaves nothing behind."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot
from windows import Make, demo_path, demo_template, make_window, settings_path  # noqa: F401

from reader.query import parse_query
from ui.exporting import ExportDialog, ExportRequest
from ui.main_window import MainWindow


def _open_dialog(window: MainWindow, qtbot: QtBot) -> ExportDialog:
    window.commands["export"].trigger()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(ExportDialog)),
                    timeout=2000)
    return next(d for d in window.findChildren(ExportDialog) if d.isVisible())


def _idle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.runner.busy and not window.exporter.running,
                    timeout=20_000)


def _exported_ids(folder: Path) -> list[int]:
    documents = json.loads((folder / "articles.json").read_text(encoding="utf-8"))
    return [document["id"] for document in documents]


def test_export_writes_the_list_on_screen(make_window: Make, demo_path: Path,
                                          tmp_path: Path, qtbot: QtBot) -> None:
    window = make_window(demo_path)
    shown = [window.headline_model.headline(row) for row in
             range(window.headline_model.rowCount())]
    dialog = _open_dialog(window, qtbot)
    assert dialog.search_choice.isChecked()
    dialog.format.setCurrentIndex(dialog.format.findData("html"))
    assert dialog.path.text().endswith(".html")  # the suggestion follows the format
    out = tmp_path / "list.html"
    dialog.path.setText(str(out))
    dialog.export_button.click()
    _idle(qtbot, window)
    page = out.read_text(encoding="utf-8")
    assert "<title>Broadsheet: all articles</title>" in page
    for headline in shown:
        assert headline is not None and f'id="a{headline.id}"' in page
    assert window.status.text.text() == f"Exported {len(shown)} articles to {out}"
    assert window.exporter.progress is None  # the progress dialog is gone


def test_the_suggested_destination_is_a_new_name(make_window: Make, demo_path: Path,
                                                 tmp_path: Path, qtbot: QtBot,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Broadsheet export.html").write_text("an earlier export")
    (tmp_path / "Broadsheet export").mkdir()
    window = make_window(demo_path)
    dialog = _open_dialog(window, qtbot)
    assert dialog.path.text() == str(tmp_path / "Broadsheet export 2")
    dialog.format.setCurrentIndex(dialog.format.findData("html"))
    assert dialog.path.text() == str(tmp_path / "Broadsheet export 2.html")
    dialog.format.setCurrentIndex(dialog.format.findData("epub"))
    assert dialog.path.text() == str(tmp_path / "Broadsheet export.epub")
    dialog.path.setText(str(tmp_path / "mine.epub"))
    dialog.format.setCurrentIndex(dialog.format.findData("json"))
    assert dialog.path.text() == str(tmp_path / "mine.epub")  # the person's choice stays
    dialog.reject()


def test_export_of_the_selected_articles_only(make_window: Make, demo_path: Path,
                                              tmp_path: Path, qtbot: QtBot) -> None:
    window = make_window(demo_path)
    window.navigator.select_row(1, by_reader=True)
    window.navigator.extend(1)
    chosen = [headline.id for headline in window.navigator.selected()]
    assert len(chosen) == 2
    dialog = _open_dialog(window, qtbot)
    assert dialog.selected_choice.isChecked()
    assert dialog.selected_choice.text() == "The selected 2 articles"
    dialog.format.setCurrentIndex(dialog.format.findData("json"))
    dialog.path.setText(str(tmp_path / "two"))
    dialog.export_button.click()
    _idle(qtbot, window)
    assert sorted(_exported_ids(tmp_path / "two")) == sorted(chosen)


def test_a_search_with_no_matches_writes_nothing(make_window: Make, demo_path: Path,
                                                 tmp_path: Path, qtbot: QtBot) -> None:
    window = make_window(demo_path)
    with qtbot.waitSignal(window.headline_model.first_page_loaded, timeout=5000):
        window.search_bar.set_text("zzznomatchzzz")
    dialog = _open_dialog(window, qtbot)
    assert "zzznomatchzzz" in dialog.search_choice.text()
    dialog.path.setText(str(tmp_path / "none"))
    dialog.export_button.click()
    _idle(qtbot, window)
    assert not (tmp_path / "none").exists()
    assert window.status.text.text() == "No articles match; nothing exported"


def test_a_taken_folder_is_reported_and_left_alone(make_window: Make, demo_path: Path,
                                                   tmp_path: Path, qtbot: QtBot) -> None:
    window = make_window(demo_path)
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("keep")
    dialog = _open_dialog(window, qtbot)
    dialog.path.setText(str(taken))
    dialog.export_button.click()
    _idle(qtbot, window)
    assert "not empty" in window.status.text.text()
    assert [p.name for p in taken.iterdir()] == ["mine.txt"]


def test_cancel_stops_the_export_and_leaves_nothing(make_window: Make, demo_path: Path,
                                                    tmp_path: Path, qtbot: QtBot) -> None:
    window = make_window(demo_path)
    # Hold the long worker so the export is certainly still to run when Cancel is pressed.
    release = threading.Event()
    window.runner.long(lambda: release.wait(10))
    out = tmp_path / "cancelled"
    window.exporter.start(ExportRequest("md", str(out), parse_query(""), None, None,
                                        "Broadsheet: all articles"))
    progress = window.exporter.progress
    assert progress is not None and progress.isVisible()
    cancel = progress.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    cancel.click()
    release.set()
    _idle(qtbot, window)
    assert window.status.text.text() == "Export cancelled; nothing was written"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("cancelled")] == []
