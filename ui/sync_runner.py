"""Syncing from the window: one sync at a time, progress as each source commits, Cancel.

Each source's report crosses to the GUI thread as it commits, so its new articles appear in
the list while the rest are still being fetched; their changes are gathered for
``BROADCAST_EVERY_MS`` and broadcast together, so a hundred sources finishing within a second
refresh the views a few times, not a hundred. The status line shows how far the sync has got.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTime, QTimer, Signal, Slot

from reader import operations
from reader.records import Changes
from ui.operations import ArchiveOps
from ui.status_bar import StatusLine

if TYPE_CHECKING:  # the sync machinery (HTTP, parsers) loads with the first sync, not before
    from reader.sync.pipeline import SyncReport

BROADCAST_EVERY_MS = 300
#: How often automatic sync looks for sources that are due (a read of the sources table).
TICK_MS = 60_000


def sync_summary(reports: Sequence[SyncReport]) -> str:
    failed = [report for report in reports if report.status == "failed"]
    new = sum(report.new for report in reports)
    message = f"Synced {len(reports)} source(s): {new} new article(s)"
    if failed:
        first = failed[0]
        message += f"; {len(failed)} failed ({first.title or first.url}: {first.error})"
    return message


class SyncRunner(QObject):
    """Runs ``reader.operations.sync`` on the long worker and reports on ``status``."""

    #: (sources done, sources in all, the report of the one just done) — queued to the GUI.
    _progressed = Signal(int, int, object)
    #: A sync has ended (whatever it found): what waits for one, such as the weekly backup.
    synced = Signal()

    def __init__(self, ops: ArchiveOps, status: StatusLine, parent: QObject | None = None,
                 ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._status = status
        self._cancel: threading.Event | None = None
        self._pending: Changes | None = None
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(BROADCAST_EVERY_MS)
        self._flush.timeout.connect(self._broadcast_pending)
        self._progressed.connect(self._on_progress)
        status.cancel_requested.connect(self.cancel)
        #: Minutes between automatic syncs (0: off); sources may set their own.
        self.every_minutes = 0
        self._checking = False
        self._every = QTimer(self)
        self._every.setInterval(TICK_MS)
        self._every.timeout.connect(lambda: self.start(automatic=True))

    @property
    def running(self) -> bool:
        """A sync is on, or automatic sync is finding out which sources are due."""
        return self._cancel is not None or self._checking

    def schedule(self, minutes: int) -> None:
        """Sync on its own from now on: each source when its interval (its own, else
        ``minutes``) has passed since its last sync, or its back-off after failures. 0: only
        when asked."""
        self.every_minutes = max(0, minutes)
        if minutes <= 0:
            self._every.stop()
        elif not self._every.isActive():
            self._every.start()

    def start(self, source_ids: Sequence[int] | None = None, *, automatic: bool = False,
              ) -> None:
        """Sync now. ``automatic`` (the timer, start-up) syncs only the sources due, stays
        quiet about being busy or having nothing to do, and when nothing could be reached
        says so in one line — offline is not an error."""
        if self._cancel is not None or self._checking:
            if not automatic:
                self._status.show_message("A sync is already running")
            return
        if automatic and source_ids is None:
            self._start_due()
            return
        cancel = threading.Event()
        self._cancel = cancel
        self._status.sync_started()
        wanted = list(source_ids) if source_ids is not None else None

        def progress(done: int, total: int, report: SyncReport | None) -> None:
            self._progressed.emit(done, total, report)  # from the sync thread

        def finished(reports: list[SyncReport]) -> None:
            self._drop_pending()  # the whole sync's changes were just broadcast
            self._cancel = None
            self._status.sync_ended()
            self.synced.emit()
            if automatic and reports and all(r.status == "failed" for r in reports):
                when = QTime.currentTime().addSecs(self.every_minutes * 60)
                again = f"; next try at {when.toString('HH:mm')}" if self._every.isActive() \
                    else ""
                self._status.show_message(f"Could not reach any source (offline?){again}")
            else:
                self._status.show_message(sync_summary(reports))

        def failed(error: BaseException) -> None:
            self._broadcast_pending()
            self._cancel = None
            self._status.sync_ended()
            self.synced.emit()
            self._status.show_error(error)

        self._ops.long(lambda: operations.sync(self._ops.archive, wanted, progress=progress,
                                               cancel=cancel), finished, failed)

    def _start_due(self) -> None:
        """Find the sources due (a quick read, off the GUI thread), then sync just those."""
        archive, every = self._ops.archive, self.every_minutes
        self._checking = True

        def due() -> list[int]:
            targets, _skipped = archive.sync_targets(
                None, datetime.now(UTC), automatic=True,
                every=timedelta(minutes=every) if every else None)
            return [target.id for target in targets]

        def found(ids: list[int]) -> None:
            self._checking = False
            if ids:
                self.start(ids, automatic=True)

        def failed(error: BaseException) -> None:
            self._checking = False
            self._status.show_error(error)

        self._ops.runner.read(due, found, failed)

    @Slot(int, int, object)
    def _on_progress(self, done: int, total: int, report: object) -> None:
        from reader.sync.pipeline import SyncReport

        name = ""
        if isinstance(report, SyncReport):
            changes = operations.sync_changes([report])
            self._pending = changes if self._pending is None else self._pending | changes
            if not self._flush.isActive():
                self._flush.start()
            name = report.title or report.url or ""
        if self._cancel is not None:
            self._status.sync_progressed(done, total, name)

    def _broadcast_pending(self) -> None:
        pending, self._pending = self._pending, None
        self._flush.stop()
        if pending is not None:
            self._ops.broadcast(pending)

    def _drop_pending(self) -> None:
        self._pending = None
        self._flush.stop()

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self._status.show_message("Cancelling after the sources in progress…", lasting=True)

    def stop(self) -> None:
        """At close: ask a running sync to stop between sources."""
        if self._cancel is not None:
            self._cancel.set()
