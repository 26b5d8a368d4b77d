"""The window's File ▸ Import OPML… / Export OPML… (folders both ways), a dropped Markdown file,
and the weekly backup Preference."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot
from windows import demo_path, demo_template, make_window, settings_path, wait_idle  # noqa: F401

from reader import backup
from reader.archive import Archive
from reader.sync.opml import read_opml
from ui import main_window
from ui.preferences import PreferencesDialog
from ui.window_state import Preferences, UserSettings

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="Science">
      <outline type="rss" text="Rivers Weekly" xmlUrl="https://rivers.example/feed.xml"/>
      <outline text="Space">
        <outline type="rss" text="Orbit Notes" xmlUrl="https://orbit.example/rss"/>
      </outline>
    </outline>
    <outline type="rss" text="Loose Feed" xmlUrl="https://loose.example/atom.xml"/>
  </body>
</opml>
"""


def menu_texts(window: main_window.MainWindow, menu: str) -> list[str]:
    [bar_menu] = [action.menu() for action in window.menuBar().actions()
                  if action.text() == menu]
    return [action.text() for action in bar_menu.actions()]  # type: ignore[union-attr]


def test_file_menu_offers_opml_import_and_export(make_window: object,
                                                 demo_path: Path) -> None:
    window = make_window(demo_path)  # type: ignore[operator]
    texts = menu_texts(window, "&File")
    assert "Import &OPML…" in texts and "Export O&PML…" in texts


def test_import_opml_from_the_window_subscribes_in_folders(
        make_window: object, demo_path: Path, tmp_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    opml = tmp_path / "feeds.opml"
    opml.write_text(OPML, "utf-8")
    monkeypatch.setattr(main_window, "ask_opml_to_import", lambda _parent: str(opml))
    window = make_window(demo_path)  # type: ignore[operator]
    # The import subscribes; the sync it would start next is not what this test is about.
    monkeypatch.setattr(window.sync, "start", lambda *args, **kwargs: None)
    window.commands["import_opml"].trigger()

    def folders() -> dict[str, str | None]:
        return {source.url: source.folder for source in window.archive.sources()
                if source.url and "example" in source.url}

    qtbot.waitUntil(lambda: len(folders()) == 3, timeout=10_000)
    wait_idle(qtbot, window)
    assert folders() == {"https://rivers.example/feed.xml": "Science",
                         "https://orbit.example/rss": "Science",
                         "https://loose.example/atom.xml": None}
    assert "Imported 1 of 1" in window.status.text.text()


def test_export_opml_from_the_window_writes_folders_as_outlines(
        make_window: object, demo_path: Path, tmp_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from reader.sync.subscribe import subscribe_outlines

    with Archive.open(demo_path) as archive:
        subscribe_outlines(archive, read_opml(OPML.encode()))
        feeds = sum(source.kind == "feed" for source in archive.sources())
    target = tmp_path / "out" / "subscriptions.opml"
    target.parent.mkdir()
    monkeypatch.setattr(main_window, "ask_opml_target", lambda _parent: str(target))
    window = make_window(demo_path)  # type: ignore[operator]
    window.commands["export_opml"].trigger()
    qtbot.waitUntil(lambda: "Exported" in window.status.text.text(), timeout=10_000)
    assert window.status.text.text() == f"Exported {feeds} feeds to {target}"
    listed = {feed.url: feed.tags for feed in read_opml(target.read_bytes())}
    assert len(listed) == feeds
    assert listed["https://rivers.example/feed.xml"][0] == "Science"
    assert listed["https://loose.example/atom.xml"] == ()
    assert sorted(entry.name for entry in target.parent.iterdir()) == ["subscriptions.opml"]


def test_dropping_a_markdown_file_imports_it_with_its_tags(
        make_window: object, demo_path: Path, tmp_path: Path, qtbot: QtBot) -> None:
    note = tmp_path / "clipping.md"
    note.write_text("---\ntitle: A dropped clipping\ntags: [dropped]\nbookmarked: true\n---\n"
                    "Some *Markdown* text.\n", "utf-8")
    window = make_window(demo_path)  # type: ignore[operator]
    before = window.headline_model.rowCount()
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(note))])
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, data,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: window.headline_model.rowCount() == before + 1, timeout=10_000)
    [row] = window.archive.headlines("tag:dropped").rows
    assert row.title == "A dropped clipping" and row.bookmarked


def test_weekly_backup_preference_backs_up_at_start_only_when_on(
        make_window: object, demo_path: Path, settings_path: Path, qtbot: QtBot) -> None:
    first = make_window(demo_path)  # type: ignore[operator]
    wait_idle(qtbot, first)
    assert backup.weekly_backups(demo_path) == []  # off unless the person turns it on
    first.close()
    UserSettings(QSettings(str(settings_path), QSettings.Format.IniFormat)).save_preferences(
        Preferences(weekly_backup=True))
    window = make_window(demo_path)  # type: ignore[operator]
    qtbot.waitUntil(lambda: len(backup.weekly_backups(demo_path)) == 1, timeout=10_000)
    qtbot.waitUntil(lambda: "Weekly backup made" in window.status.text.text(), timeout=10_000)
    [made] = backup.weekly_backups(demo_path)
    assert backup.check_copy(made) == window.archive.search_totals().articles
    window.sync.synced.emit()  # a sync ending: a week has not passed, so no second copy
    wait_idle(qtbot, window)
    assert backup.weekly_backups(demo_path) == [made]


def test_preferences_dialog_sets_the_weekly_backup(qtbot: QtBot) -> None:
    dialog = PreferencesDialog(Preferences())
    qtbot.addWidget(dialog)
    seen: list[Preferences] = []
    dialog.changed.connect(seen.append)
    assert not dialog.weekly_backup.isChecked()
    dialog.weekly_backup.setChecked(True)
    assert seen[-1].weekly_backup is True
