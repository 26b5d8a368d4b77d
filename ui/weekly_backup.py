"""The weekly backup (a Preference): at start-up and after each sync, when the newest one is
more than a week old, a copy of the archive is made beside it on the long-task thread (it
reads the whole archive: never on the GUI thread), keeping the last four."""

from __future__ import annotations

from PySide6.QtCore import QObject

from reader import backup
from reader.archive import Archive
from ui.status_bar import StatusLine
from ui.tasks import TaskRunner


class WeeklyBackup(QObject):
    def __init__(self, archive: Archive, runner: TaskRunner, status: StatusLine,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._archive = archive
        self._runner = runner
        self._status = status
        self._running = False
        #: Set from the Preferences; off until the person turns it on.
        self.enabled = False

    def run_if_due(self) -> None:
        if not self.enabled or self._running or self._archive.read_only:
            return
        self._running = True
        path = self._archive.path

        def done(made: backup.BackupResult | None) -> None:
            self._running = False
            if made is not None:
                self._status.show_message(f"Weekly backup made: {made.path.name}")

        def failed(error: BaseException) -> None:
            self._running = False
            self._status.show_error(f"The weekly backup failed: {error}")

        self._runner.long(lambda: backup.weekly_backup(path), done, failed)
