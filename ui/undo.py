"""Undo (Ctrl+Z) for the actions that change many articles at once: mark all read, and tag
edits. One step back: the last such action, undone by the opposite operation (which is, in
its turn, an operation with its own ``Changes``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from ui.status_bar import StatusLine


class Undo(QObject):
    def __init__(self, status: StatusLine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._status = status
        self._last: tuple[str, Callable[[], None]] | None = None

    def remember(self, what: str, undo: Callable[[], None]) -> None:
        """``what`` is said when undone ("marking 57 articles read")."""
        self._last = (what, undo)

    def undo(self) -> None:
        if self._last is None:
            self._status.show_message("Nothing to undo")
            return
        (what, action), self._last = self._last, None
        action()
        self._status.show_message(f"Undid {what}")
