"""Running core calls off the GUI thread and handing results back to it.

After Anki's ``taskman.py`` and superqt's workers (shared/STYLE.md): reads go to a small pool,
writes to a single worker so they run one at a time in order, and every result or error comes
back through a queued signal on the GUI thread. A task's relay object is kept referenced until
it has reported, so nothing is collected mid-flight; ``shutdown`` waits for running tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues the call back to this thread.

    The receivers are this object's own slots (not bare Python callables), so Qt picks a
    queued connection from the receiver's thread and the callbacks run on the GUI thread.
    """

    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, on_succeeded: Callable[[object], None],
                 on_failed: Callable[[object], None]) -> None:
        super().__init__()
        self._on_succeeded = on_succeeded
        self._on_failed = on_failed
        self.succeeded.connect(self._deliver_success)
        self.failed.connect(self._deliver_failure)

    @Slot(object)
    def _deliver_success(self, result: object) -> None:
        self._on_succeeded(result)

    @Slot(object)
    def _deliver_failure(self, error: object) -> None:
        self._on_failed(error)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._relay = relay

    @Slot()
    def run(self) -> None:
        try:
            result = self._work()
        except BaseException as error:  # reported on the GUI thread, never lost
            self._relay.failed.emit(error)
        else:
            self._relay.succeeded.emit(result)


class TaskRunner(QObject):
    """Background execution for the window: ``read`` for queries, ``write`` for changes.

    ``on_error`` defaults to the runner's ``error_reported`` signal, which the window shows in
    its status bar; the window stays usable whatever a task raises.
    """

    error_reported = Signal(object)

    def __init__(self, parent: QObject | None = None, read_threads: int = 2) -> None:
        super().__init__(parent)
        self._reads = QThreadPool(self)
        self._reads.setMaxThreadCount(read_threads)
        self._writes = QThreadPool(self)
        self._writes.setMaxThreadCount(1)
        self._long = QThreadPool(self)
        self._long.setMaxThreadCount(1)
        self._relays: set[_Relay] = set()
        self._closed = False

    def read(self, work: Callable[[], Any], on_done: Callable[[Any], None],
             on_error: Callable[[BaseException], None] | None = None) -> None:
        self._start(self._reads, work, on_done, on_error)

    def write(self, work: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None) -> None:
        self._start(self._writes, work, on_done, on_error)

    def long(self, work: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None) -> None:
        """For sync and imports: minutes long, one at a time, never blocking quick writes."""
        self._start(self._long, work, on_done, on_error)

    def _start(self, pool: QThreadPool, work: Callable[[], Any],
               on_done: Callable[[Any], None] | None,
               on_error: Callable[[BaseException], None] | None) -> None:
        if self._closed:
            return
        relay: _Relay

        def finish() -> None:
            self._relays.discard(relay)
            relay.deleteLater()

        def succeeded(result: object) -> None:
            finish()
            if self._closed:
                return  # the window is gone: results queued before it closed are dropped
            if on_done is not None:
                on_done(result)

        def failed(error: object) -> None:
            finish()
            if self._closed:
                return
            if on_error is not None and isinstance(error, BaseException):
                on_error(error)
            else:
                self.error_reported.emit(error)

        relay = _Relay(succeeded, failed)
        self._relays.add(relay)
        pool.start(_Job(work, relay))

    @property
    def busy(self) -> bool:
        return bool(self._relays)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Wait for running tasks; True if all finished in time.

        Queued reads and long tasks are dropped, but queued writes still run: each is
        something the reader did (a bookmark pressed just before Ctrl+Q) and must not be lost.
        Afterwards no callback runs, even for results already on their way to the GUI thread:
        the widgets they would touch are being destroyed.
        """
        self._closed = True
        finished = True
        for pool in (self._reads, self._long):
            pool.clear()
        for pool in (self._reads, self._writes, self._long):
            finished = pool.waitForDone(timeout_ms) and finished
        return finished
