"""What the left pane's context menus and drops do to the archive: delete a tag (undoable),
rename or remove a folder, move a source into a folder or out of it.

Each is one operation (``reader.operations``) run on the task runner's writer and broadcast
through ``ArchiveOps``, like every other action; the pane itself only asks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from reader import operations
from reader.records import Changes, Outcome
from ui.operations import ArchiveOps
from ui.status_bar import StatusLine
from ui.tag_filter import TagFilterModel, TagFilterView
from ui.undo import Undo

NO_FOLDER = "(no folder)"


def confirm_delete_tag(parent: QWidget, name: str, count: int) -> bool:
    some = f"{count:,} article" + ("" if count == 1 else "s")
    answer = QMessageBox.question(
        parent, "Delete tag",
        f"Remove the tag “{name}” from {some}? The articles stay, with their other tags. "
        "(Ctrl+Z undoes it.)")
    return answer == QMessageBox.StandardButton.Yes


def ask_folder(parent: QWidget, title: str, folders: Sequence[str],
               current: str | None) -> tuple[bool, str | None]:
    """(accepted, folder): an existing folder, a new name typed in, or None for no folder."""
    choices = [NO_FOLDER, *folders]
    start = choices.index(current) if current in choices else 0
    text, accepted = QInputDialog.getItem(parent, title, "Folder (or type a new one):",
                                          choices, start, True)
    text = text.strip()
    return accepted, None if not text or text == NO_FOLDER else text


def ask_folder_name(parent: QWidget, name: str) -> str | None:
    text, accepted = QInputDialog.getText(parent, "Rename folder", f"New name for “{name}”:",
                                          text=name)
    return text.strip() if accepted and text.strip() and text.strip() != name else None


class SidebarActions(QObject):
    def __init__(self, ops: ArchiveOps, view: TagFilterView, model: TagFilterModel,
                 status: StatusLine, undo: Undo, window: QWidget) -> None:
        super().__init__(window)
        self._ops = ops
        self._model = model
        self._status = status
        self._undo = undo
        self._window = window
        view.delete_tag_requested.connect(self.delete_tag)
        view.folder_requested.connect(self.folder_action)
        view.move_source_requested.connect(self.ask_move)
        model.move_requested.connect(self.move)

    def _write(self, work: Callable[[], Changes | Outcome[Any]],
               done: Callable[[Any], None] | None = None) -> None:
        """Run ``work`` on the writer and broadcast what it changed (as ArchiveOps does)."""
        def finished(answer: Changes | Outcome[Any]) -> None:
            changes = answer.changes if isinstance(answer, Outcome) else answer
            self._ops.broadcast(changes)
            if done is not None:
                done(answer.result if isinstance(answer, Outcome) else answer)

        self._ops.runner.write(work, finished)

    def delete_tag(self, name: str) -> None:
        """Ask once (saying how many articles carry it: the stored count, not the search's
        share the pane may be showing), delete, and offer Ctrl+Z."""
        archive = self._ops.archive
        self._ops.runner.read(
            lambda: next((t.count for t in archive.tag_counts() if t.name == name), 0),
            lambda count: self._confirmed_delete(name, int(count)))

    def _confirmed_delete(self, name: str, count: int) -> None:
        if not confirm_delete_tag(self._window, name, count):
            return
        archive = self._ops.archive

        def deleted(carried: object) -> None:
            assert isinstance(carried, tuple)
            some = f"{len(carried):,} article" + ("" if len(carried) == 1 else "s")
            self._status.show_message(f"Removed tag “{name}” from {some} (Ctrl+Z to undo)")
            self._undo.remember(f"deleting the tag “{name}”", lambda: self._write(
                lambda: operations.restore_tag(archive, name, carried)))

        self._write(lambda: operations.delete_tag(archive, name), deleted)

    def folder_action(self, what: str, name: str) -> None:
        archive = self._ops.archive
        if what == "rename":
            new = ask_folder_name(self._window, name)
            if new is not None:
                self._write(lambda: operations.rename_folder(archive, name, new))
        elif what == "remove":
            self._write(lambda: operations.rename_folder(archive, name, None),
                        lambda _changes: self._status.show_message(
                            f"Removed the folder “{name}”: its sources are at the top level"))

    def ask_move(self, source_id: int) -> None:
        """"Move to folder…": pick a folder, type a new one, or choose none."""
        source = self._model.source(source_id)
        current = source.folder if source is not None else None
        accepted, folder = ask_folder(self._window, "Move to folder",
                                      self._model.folder_names(), current)
        if accepted and (folder or "").casefold() != (current or "").casefold():
            self.move(source_id, folder)

    def move(self, source_id: int, folder: object) -> None:
        target = folder if isinstance(folder, str) else None
        archive = self._ops.archive
        self._write(lambda: operations.move_to_folder(archive, source_id, target),
                    lambda _changes: self._status.show_message(
                        f"Moved to the folder “{target}”" if target else "Moved out of its folder"))
