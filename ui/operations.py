"""Running ``reader.operations`` from the window: off the GUI thread, then one broadcast.

Every user action goes through here. The operation runs on the task runner (quick writes on
the single writer, imports and syncs on the long worker); what it returns — a ``Changes``
record, or an ``Outcome`` carrying one — is broadcast as ``archive_changed``, and each view
refreshes from that record alone. Writes made by other processes arrive the same way, from
``ChangeWatcher``, as ``Changes(external=True)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from reader import operations
from reader.archive import Archive
from reader.archive.watch import ChangeWatch
from reader.records import Changes, ImportResult, Outcome
from ui.tasks import TaskRunner

T = TypeVar("T")
#: How often the archive is checked for other processes' writes.
WATCH_INTERVAL_MS = 400


class ArchiveOps(QObject):
    """The window's operations on one archive; see the module docstring."""

    archive_changed = Signal(object)

    def __init__(self, archive: Archive, runner: TaskRunner, parent: QObject | None = None,
                 ) -> None:
        super().__init__(parent)
        self.archive = archive
        self.runner = runner

    def broadcast(self, changes: Changes) -> None:
        if changes:
            self.archive_changed.emit(changes)

    def _write(self, work: Callable[[], Changes],
               done: Callable[[Changes], None] | None = None) -> None:
        def finished(changes: Changes) -> None:
            self.broadcast(changes)
            if done is not None:
                done(changes)

        self.runner.write(work, finished)

    def long(self, work: Callable[[], Outcome[T]], done: Callable[[T], None] | None = None,
             failed: Callable[[BaseException], None] | None = None) -> None:
        """An import, a subscription or a sync: minutes long, on its own worker."""
        def finished(outcome: Outcome[T]) -> None:
            self.broadcast(outcome.changes)
            if done is not None:
                done(outcome.result)

        self.runner.long(work, finished, failed)

    # --- one method per user action ---------------------------------------------------------

    def mark_read(self, article_ids: Sequence[int], read: bool = True) -> None:
        ids = list(article_ids)
        self._write(lambda: operations.mark_read(self.archive, ids, read))

    def bookmark(self, article_ids: Sequence[int], bookmarked: bool,
                 done: Callable[[Changes], None] | None = None) -> None:
        ids = list(article_ids)
        self._write(lambda: operations.bookmark(self.archive, ids, bookmarked), done)

    def delete(self, article_ids: Sequence[int],
               done: Callable[[Changes], None] | None = None) -> None:
        ids = list(article_ids)
        self._write(lambda: operations.delete(self.archive, ids), done)

    def set_tags(self, article_id: int, names: Sequence[str]) -> None:
        wanted = list(names)
        self._write(lambda: operations.set_tags(self.archive, article_id, wanted))

    def rename_tag(self, old: str, new: str) -> None:
        self._write(lambda: operations.rename_tag(self.archive, old, new))

    def import_paths(self, paths: Sequence[str],
                     done: Callable[[list[ImportResult]], None]) -> None:
        chosen = list(paths)
        self.long(lambda: operations.import_paths(self.archive, chosen), done)

    def add_source(self, url: str, page: bool, done: Callable[[Any], None]) -> None:
        add = operations.save_page if page else operations.subscribe
        self.long(lambda: add(self.archive, url), done)


class ChangeWatcher(QObject):
    """Polls the archive for other processes' writes (off the GUI thread) and broadcasts
    ``Changes(external=True)`` through ``ops`` when there were some."""

    def __init__(self, ops: ArchiveOps, interval_ms: int = WATCH_INTERVAL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._watch: ChangeWatch | None = None
        self._lock = threading.Lock()
        self._polling = False
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._poll)

    def start(self, watch: ChangeWatch) -> None:
        """Poll ``watch``, made (off the GUI thread) before the window first read anything,
        so no change made since is missed."""
        with self._lock:
            if self._stopped:
                watch.close()
                return
            self._watch = watch
        self._timer.start()

    def stop(self) -> None:
        """Stop polling and close the watch's connection (on whichever thread has it)."""
        self._timer.stop()
        with self._lock:
            self._stopped = True
            watch, self._watch = self._watch, None
        if watch is not None:
            watch.close()

    def _poll(self) -> None:
        if self._polling:
            return  # the last look has not come back yet
        self._polling = True

        def work() -> bool:
            with self._lock:
                return False if self._watch is None else self._watch.poll()

        def done(changed: bool) -> None:
            self._polling = False
            if changed:
                self._ops.broadcast(Changes(external=True))

        def failed(_error: BaseException) -> None:
            self._polling = False  # the archive is briefly unavailable: look again later

        self._ops.runner.read(work, done, failed)

