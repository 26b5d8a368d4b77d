"""The status bar: passing messages that fade, errors that stay a while, the list's counts,
and a sync's progress with its Cancel button."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar

from reader.archive import Archive
from reader.errors import ReaderError
from reader.records import ArchiveTotals
from ui.tasks import TaskRunner

#: How long a message ("Bookmarked") stays; errors stay longer, as they need reading.
MESSAGE_MS = 5_000
ERROR_MS = 20_000


def counts_text(totals: ArchiveTotals) -> str:
    plus = "+" if totals.capped else ""
    noun = "article" if totals.articles == 1 and not totals.capped else "articles"
    return f"{totals.articles:,}{plus} {noun} · {totals.unread:,} unread"


class StatusLine(QObject):
    """Fills ``bar`` with a message label, a progress bar, Cancel and the counts."""

    cancel_requested = Signal()

    def __init__(self, bar: QStatusBar) -> None:
        super().__init__(bar)
        self.text = QLabel()
        self.counts = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.hide()
        self.cancel = QPushButton("Cancel")
        self.cancel.hide()
        self.cancel.clicked.connect(self.cancel_requested)
        bar.addWidget(self.text, 1)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel)
        bar.addPermanentWidget(self.counts)
        self._expiry = QTimer(self)
        self._expiry.setSingleShot(True)
        self._expiry.timeout.connect(self.text.clear)

    def show_message(self, message: str, *, lasting: bool = False) -> None:
        """Show ``message``; it goes after a few seconds unless ``lasting`` (a sync's
        running progress, which the next message replaces)."""
        self.text.setStyleSheet("")
        self.text.setText(message)
        self._expire(None if lasting else MESSAGE_MS)

    def show_error(self, error: object) -> None:
        """Errors from the core (or a line saying what is wrong), in red; the window stays
        usable."""
        if isinstance(error, ReaderError | str):
            message = str(error)
        else:
            message = f"Unexpected error: {type(error).__name__}: {error}"
        self.text.setStyleSheet("color: #c0392b;")
        self.text.setText(message)
        self._expire(ERROR_MS)

    def _expire(self, after_ms: int | None) -> None:
        self._expiry.stop()
        if after_ms is not None:
            self._expiry.start(after_ms)

    def report_health(self, archive: Archive, runner: TaskRunner) -> None:
        """Say if the archive's full-text index was found damaged, and — after an unclean
        shutdown, when ``Archive.open`` started a check — what that check finds, once it has
        finished (it runs off the GUI thread; the window is usable meanwhile)."""
        if archive.health_notice:
            self.show_error(archive.health_notice)
        if archive.check_due:
            runner.read(archive.due_check,
                        lambda notice: self.show_error(notice) if notice else None)

    def set_counts(self, totals: ArchiveTotals) -> None:
        self.counts.setText(counts_text(totals))

    def sync_started(self) -> None:
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel.show()
        self.show_message("Syncing…", lasting=True)

    def sync_progressed(self, done: int, total: int, name: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.show_message(f"Syncing {done}/{total}: {name}", lasting=True)

    def sync_ended(self) -> None:
        self.progress.hide()
        self.cancel.hide()
