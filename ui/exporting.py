"""File ▸ Export…: the list on screen (or the selected articles) written out as Markdown, one
HTML page, an EPUB book or JSON by ``reader.export``.

The export runs on the task runner's long worker, so the window stays usable while thousands
of articles are written; each article written crosses to the GUI thread as a queued signal
that moves the progress dialog on, and its Cancel sets an event the export checks between
articles (it then removes what it had written, so nothing half-done is left behind).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from reader.export import ExportCancelled, ExportResult, Format, book_title, export
from reader.query import Query
from reader.records import Headline
from ui.operations import ArchiveOps
from ui.search_bar import SearchBar, compose
from ui.status_bar import StatusLine
from ui.tag_filter import FilterChoice

FORMAT_LABELS: dict[Format, str] = {
    "md": "Markdown files (a folder)",
    "html": "One HTML page",
    "epub": "EPUB book (for e-readers)",
    "json": "JSON (a folder, for importing elsewhere)",
}
#: What the suggested destination ends with: the folder formats have no suffix.
SUFFIXES: dict[Format, str] = {"md": "", "html": ".html", "epub": ".epub", "json": ""}
SUGGESTED_STEM = "Broadsheet export"


@dataclass(frozen=True, slots=True)
class ExportScope:
    """What the window shows when Export… is chosen: its list's search (the left pane's
    choice and the search box together), words for that search, and the selected articles
    (the one on screen when none is selected)."""

    query: Query
    source_id: int | None
    description: str
    selected: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ExportRequest:
    format: Format
    out: str
    query: Query
    source_id: int | None
    #: Exactly these articles (newest first), or None for the search's matches.
    article_ids: tuple[int, ...] | None
    title: str


def export_scope(choice: FilterChoice, search: SearchBar,
                 selected: Sequence[Headline]) -> ExportScope:
    query, source_id = compose(choice, search.query)
    words = [choice.label] if choice.kind != "all" else []
    if search.applied_text.strip():
        words.append(search.applied_text.strip())
    return ExportScope(query, source_id, " · ".join(words),
                       tuple(headline.id for headline in selected))


def suggested_destination(format: Format) -> str:
    """A name in the home folder not taken yet, so a second export needs no renaming."""
    home, suffix = Path.home(), SUFFIXES[format]
    number = 1
    while True:
        stem = SUGGESTED_STEM if number == 1 else f"{SUGGESTED_STEM} {number}"
        candidate = home / f"{stem}{suffix}"
        if not candidate.exists():
            return str(candidate)
        number += 1


def _articles(count: int) -> str:
    return f"{count:,} article{'s' if count != 1 else ''}"


class ExportDialog(QDialog):
    """Asks what to export, in which format and where; ``requested`` carries the answer as
    an ``ExportRequest`` when Export is pressed. Window-modal but not blocking (``open``)."""

    requested = Signal(object)

    def __init__(self, parent: QWidget, scope: ExportScope) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self._scope = scope
        shown = scope.description or "all articles"
        self.search_choice = QRadioButton(f"The list on screen ({shown})")
        self.selected_choice = QRadioButton(
            f"The selected {_articles(len(scope.selected))}" if scope.selected
            else "The selected articles (none selected)")
        self.selected_choice.setEnabled(bool(scope.selected))
        (self.selected_choice if len(scope.selected) > 1 else self.search_choice).setChecked(True)
        self._which = QButtonGroup(self)
        self._which.addButton(self.search_choice)
        self._which.addButton(self.selected_choice)

        self.format = QComboBox()
        for name, label in FORMAT_LABELS.items():
            self.format.addItem(label, name)
        self.path = QLineEdit(suggested_destination(self.chosen_format()))
        self._suggested = self.path.text()
        self.format.currentIndexChanged.connect(self._format_changed)
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(choose)

        form = QFormLayout()
        form.addRow("Export:", self.search_choice)
        form.addRow("", self.selected_choice)
        form.addRow("As:", self.format)
        form.addRow("To:", where)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.path.textChanged.connect(
            lambda text: self.export_button.setEnabled(bool(text.strip())))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())
        self.accepted.connect(lambda: self.requested.emit(self.request()))

    def chosen_format(self) -> Format:
        name: Format = self.format.currentData()
        return name

    def _format_changed(self) -> None:
        """Keep the suggested destination's suffix in step with the format, until the person
        has typed or chosen a destination of their own."""
        if self.path.text() == self._suggested:
            self._suggested = suggested_destination(self.chosen_format())
            self.path.setText(self._suggested)

    def _choose(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(self, "Export to", self.path.text())
        if chosen:
            self.path.setText(chosen)

    def request(self) -> ExportRequest:
        scope = self._scope
        if self.selected_choice.isChecked():
            ids: tuple[int, ...] | None = scope.selected
            title = book_title(f"{_articles(len(scope.selected))} selected")
        else:
            ids, title = None, book_title(scope.description)
        return ExportRequest(self.chosen_format(), self.path.text().strip(), scope.query,
                             scope.source_id, ids, title)


class Exporter(QObject):
    """Runs one export at a time for the window, with a progress dialog and Cancel, and
    says in the status line how it ended."""

    #: (articles written so far, articles to write) — emitted on the worker, queued here.
    _progressed = Signal(int, int)

    def __init__(self, ops: ArchiveOps, status: StatusLine, parent: QWidget) -> None:
        super().__init__(parent)
        self._ops = ops
        self._status = status
        self._window = parent
        self._cancel: threading.Event | None = None
        self.progress: QProgressDialog | None = None
        self._progressed.connect(self._on_progress)

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def ask(self, scope: ExportScope) -> ExportDialog | None:
        """Open the export dialog for ``scope``; Export in it starts the export."""
        if self.running:
            self._status.show_message("An export is already running")
            return None
        dialog = ExportDialog(self._window, scope)
        dialog.requested.connect(self.start)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def start(self, request: ExportRequest) -> None:
        if self.running:
            self._status.show_message("An export is already running")
            return
        cancel = self._cancel = threading.Event()
        progress = self.progress = QProgressDialog("Exporting…", "Cancel", 0, 0, self._window)
        progress.setWindowTitle("Export")
        # Not modal: a modal QProgressDialog runs the event loop inside setValue, and the
        # window has no reason to be blocked while the export runs on its worker.
        progress.setWindowModality(Qt.WindowModality.NonModal)
        progress.setMinimumDuration(0)
        progress.setAutoReset(False)
        progress.setAutoClose(False)
        progress.canceled.connect(self.cancel)
        progress.show()
        archive = self._ops.archive

        def work() -> ExportResult:
            ids = request.article_ids
            total = len(ids) if ids is not None else archive.search_totals(
                request.query, source_id=request.source_id).articles
            self._progressed.emit(0, total)
            return export(archive, request.format, request.out, request.query,
                          source_id=request.source_id,
                          article_ids=list(ids) if ids is not None else None,
                          title=request.title,
                          progress=lambda done: self._progressed.emit(done, total),
                          cancelled=cancel.is_set)

        def finished(result: ExportResult) -> None:
            self._ended()
            if result.articles == 0:
                self._status.show_message("No articles match; nothing exported")
            else:
                self._status.show_message(f"Exported {_articles(result.articles)} to "
                                          f"{result.out}")

        def failed(error: BaseException) -> None:
            self._ended()
            if isinstance(error, ExportCancelled):
                self._status.show_message("Export cancelled; nothing was written")
            else:
                self._status.show_error(error)

        self._ops.runner.long(work, finished, failed)

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        progress = self.progress
        if progress is None:
            return  # the export has ended; this report was still queued
        progress.setMaximum(max(total, done, 1))
        progress.setValue(done)
        progress.setLabelText(f"Exporting {done:,} of {total:,}…" if total >= done
                              else f"Exporting {done:,}…")

    def cancel(self) -> None:
        """Stop after the article being written; what was written is removed."""
        if self._cancel is not None:
            self._cancel.set()
            self._status.show_message("Cancelling the export…", lasting=True)

    def _ended(self) -> None:
        self._cancel = None
        if self.progress is not None:
            self.progress.canceled.disconnect(self.cancel)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def stop(self) -> None:
        """At close: a running export stops and removes its partial output."""
        if self._cancel is not None:
            self._cancel.set()
