"""File ▸ Import OPML… and Export OPML…: subscription lists in and out, folders included.

Both run the core's operations off the GUI thread: an import is an ordinary import of the
file (nested outlines become folders, ``reader.sync.opml``), an export writes the list
with ``reader.opml_export`` (folders as nested outlines) and says how many feeds it holds.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QWidget

from reader.opml_export import write_opml_file
from ui.adding import Adder
from ui.operations import ArchiveOps
from ui.status_bar import StatusLine

OPML_FILTER = "OPML subscription lists (*.opml *.xml);;All files (*)"


def ask_opml_to_import(parent: QWidget) -> str | None:
    path, _filter = QFileDialog.getOpenFileName(parent, "Import OPML", str(Path.home()),
                                                OPML_FILTER)
    return path or None


def ask_opml_target(parent: QWidget) -> str | None:
    path, _filter = QFileDialog.getSaveFileName(
        parent, "Export OPML", str(Path.home() / "Broadsheet subscriptions.opml"), OPML_FILTER)
    if not path:
        return None
    return path if Path(path).suffix else path + ".opml"


class OpmlActions(QObject):
    def __init__(self, ops: ArchiveOps, adder: Adder, status: StatusLine,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._adder = adder
        self._status = status

    def import_file(self, path: str | None) -> None:
        """Subscribe to the list's feeds (the sync fetches them), in their folders."""
        if path:
            self._adder.import_paths([path])

    def export_file(self, path: str | None) -> None:
        if not path:
            return
        archive, target = self._ops.archive, Path(path)

        def done(count: int) -> None:
            self._status.show_message(
                f"Exported {count} feed{'s' if count != 1 else ''} to {target}")

        self._ops.runner.read(lambda: write_opml_file(archive, target), done,
                              self._status.show_error)
