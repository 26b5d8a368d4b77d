"""Noticing other processes' writes while the window is open (a ``broadsheet bookmark``, a
sync from the command line, a second window): a poll every ``WATCH_INTERVAL_MS`` on a worker
thread (``reader.archive.watch``: a few microseconds when nothing changed), broadcast as
``Changes(external=True)`` so every view refreshes in place, as after the window's own
operations."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QTimer

from reader.archive.watch import ChangeWatch
from reader.records import Changes
from ui.operations import ArchiveOps

#: How often the archive is checked: changes show within a second, with room to spare.
WATCH_INTERVAL_MS = 400


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

