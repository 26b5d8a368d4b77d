"""Bringing articles in from the window: importing files (menu or drop) and adding sources."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject

from reader.errors import ReaderError
from reader.records import ImportResult
from ui.operations import ArchiveOps
from ui.status_bar import StatusLine
from ui.sync_runner import SyncRunner


def import_summary(results: Sequence[ImportResult]) -> tuple[str, bool]:
    """A one-line report, and whether anything failed."""
    failed = [result for result in results if result.status == "failed"]
    imported = sum(result.status in ("imported", "updated") for result in results)
    message = f"Imported {imported} of {len(results)} file(s)"
    if failed:
        message += f"; {len(failed)} failed: {failed[0].path}: {failed[0].error}"
    return message, bool(failed)


class Adder(QObject):
    def __init__(self, ops: ArchiveOps, status: StatusLine, sync: SyncRunner,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._status = status
        self._sync = sync

    def import_paths(self, paths: Sequence[str]) -> None:
        if not paths:
            return
        self._status.show_message(f"Importing {len(paths)} item(s)…", lasting=True)

        def done(results: list[ImportResult]) -> None:
            message, failed = import_summary(results)
            if failed:
                self._status.show_error(ReaderError(message))
            else:
                self._status.show_message(message)

        self._ops.import_paths(paths, done)

    def add_source(self, url: str | None, page: bool = False) -> None:
        """Subscribe (then sync that source at once), or save one page."""
        if not url:
            return
        self._status.show_message(f"Adding {url}…", lasting=True)

        def done(added: Any) -> None:
            self._status.show_message(added.note or f"Added “{added.title}”")
            if not page:
                self._sync.start([added.source_id])

        self._ops.add_source(url, page, done)
