"""The Sources dialog: every source with its state, last sync, last error and counts, and
what can be done to one — rename, change its address, pause, its own settings, sync it now,
unsubscribe.

It stays open beside the window (not modal) and redraws from ``archive_changed`` like every
other view: a sync finishing, a count changing or another process's write shows here too.
Each change is one operation; what it fails with is said in the dialog's own line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from reader.archive.subscription import LONGEST_INTERVAL_MINUTES, LONGEST_KEEP_DAYS
from reader.records import Changes, SourceInfo
from reader.render.dates import humanize_date
from ui import dialogs
from ui.operations import ArchiveOps

_ROOT = QModelIndex()
COLUMNS = ("Source", "Folder", "State", "Last sync", "Unread", "Articles", "Last error")
FULL_TEXT = (("auto", "When the feed gives a summary"), ("always", "Always"),
             ("never", "Never"))


def state_of(source: SourceInfo) -> str:
    """A source's state in a word or three, as the State column says it."""
    if source.unsubscribed:
        return "Unsubscribed"
    if source.kind != "feed":
        return "Saved pages" if source.kind == "pages" else "Imported files"
    if source.paused:
        return "Paused"
    if source.last_error and source.failures > 1:
        return f"Failing ({source.failures}×)"
    if source.last_error:
        return "Failed"
    return "Syncing" if source.last_synced else "Not synced yet"


class SourcesModel(QAbstractTableModel):
    """The sources as rows; refreshed in place by id, so the selection stays."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sources: list[SourceInfo] = []

    def set_sources(self, sources: Sequence[SourceInfo]) -> None:
        new = list(sources)
        if [s.id for s in new] == [s.id for s in self.sources]:
            self.sources = new
            if new:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(len(new) - 1, len(COLUMNS) - 1))
            return
        self.layoutAboutToBeChanged.emit()
        previous = {s.id: row for row, s in enumerate(self.sources)}
        old_rows = self.persistentIndexList()
        self.sources = new
        rows = {s.id: row for row, s in enumerate(new)}
        ids = {row: source_id for source_id, row in previous.items()}
        for index in old_rows:
            source_id = ids.get(index.row())
            row = rows.get(source_id) if source_id is not None else None
            self.changePersistentIndex(index, _ROOT if row is None
                                       else self.index(row, index.column()))
        self.layoutChanged.emit()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.sources)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        source = self.sources[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.UserRole:  # the sort key
            return (source.title.casefold(), (source.folder or "").casefold(),
                    state_of(source),
                    source.last_synced.timestamp() if source.last_synced else 0.0,
                    source.unread_count, source.article_count,
                    source.last_error or "")[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return source.last_error if column == 6 else source.url
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (source.title, source.folder or "", state_of(source),
                humanize_date(source.last_synced) if source.last_synced else "never",
                f"{source.unread_count:,}", f"{source.article_count:,}",
                source.last_error or "")[column]


class SourcesDialog(QDialog):
    """See the module docstring. ``show_source`` asks the window to list one source."""

    show_source = Signal(int)
    sync_requested = Signal(int)
    unsubscribe_requested = Signal(int)
    move_requested = Signal(int)

    @classmethod
    def open_for(cls, parent: QWidget, ops: ArchiveOps, source_id: int | None, *,
                 show: Callable[[int], None], sync: Callable[[int], None],
                 unsubscribe: Callable[[int], None], move: Callable[[int], None],
                 keys: Sequence[QAction] = ()) -> SourcesDialog:
        """Show the window's one Sources dialog (made on first use), on ``source_id``;
        ``keys`` are window actions that work in it too (Ctrl+Z)."""
        dialog = parent.findChild(cls)
        if dialog is None:
            dialog = cls(ops, parent)
            dialog.addActions(list(keys))
            dialog.show_source.connect(show)
            dialog.sync_requested.connect(sync)
            dialog.unsubscribe_requested.connect(unsubscribe)
            dialog.move_requested.connect(move)
        if source_id is not None:
            dialog.refresh(lambda: dialog.select(source_id))
        dialog.show()
        dialog.activateWindow()
        return dialog

    def __init__(self, ops: ArchiveOps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sources")
        self.resize(900, 560)
        self._ops = ops
        self._shown: SourceInfo | None = None
        self._filling = False
        self.model = SourcesModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(0)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter sources")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.filter.installEventFilter(self)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3, 4, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        self.table.doubleClicked.connect(lambda _index: self._emit(self.show_source))
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: palette(highlight)")
        self._build_details()
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.error)
        ops.archive_changed.connect(self._on_changed)
        self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Ctrl+Z in the filter box undoes the last unsubscribe (the window's Undo), not the
        typing: a few letters typed again cost nothing, a lost feed a great deal."""
        if watched is self.filter and isinstance(event, QKeyEvent) \
                and event.type() == QEvent.Type.ShortcutOverride \
                and event.matches(QKeySequence.StandardKey.Undo):
            event.ignore()
            return True
        return super().eventFilter(watched, event)

    # --- the selected source's settings and actions ----------------------------------------

    def _build_details(self) -> None:
        self.details = QWidget(self)
        self.heading = QLabel(self.details)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.paused = QCheckBox("Paused (not synced until resumed)", self.details)
        self.full_text = QComboBox(self.details)
        for value, label in FULL_TEXT:
            self.full_text.addItem(label, value)
        self.images = QCheckBox("Download the articles' images", self.details)
        self.every = QSpinBox(self.details)
        self.every.setRange(0, LONGEST_INTERVAL_MINUTES)
        self.every.setSpecialValueText("The app's interval")
        self.every.setSuffix(" min")
        self.keep_days = QSpinBox(self.details)
        self.keep_days.setRange(0, LONGEST_KEEP_DAYS)
        self.keep_days.setSpecialValueText("Keep everything")
        self.keep_days.setSuffix(" days")
        self.keep_days.setToolTip("Remove read articles older than this; bookmarked, "
                                  "hand-tagged and unread ones always stay")
        form = QFormLayout()
        form.addRow(self.heading)
        form.addRow(self.paused)
        form.addRow("Fetch the full article:", self.full_text)
        form.addRow(self.images)
        form.addRow("Sync every:", self.every)
        form.addRow("Remove read articles older than:", self.keep_days)
        self.paused.toggled.connect(lambda on: self._configure(paused=on))
        self.images.toggled.connect(lambda on: self._configure(keep_images=on))
        self.full_text.currentIndexChanged.connect(
            lambda _i: self._configure(full_text=self.full_text.currentData()))
        self.every.editingFinished.connect(
            lambda: self._configure(every_minutes=self.every.value() or None))
        self.keep_days.valueChanged.connect(self._count_expiring)
        self.keep_days.editingFinished.connect(self._set_keep_days)
        self.expiring = QLabel(self.details)
        form.addRow("", self.expiring)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for name, text, run in (
                ("show", "Show articles", lambda: self._emit(self.show_source)),
                ("sync", "Sync now", lambda: self._emit(self.sync_requested)),
                ("rename", "Rename…", self._rename),
                ("address", "Change address…", self._change_address),
                ("move", "Move to folder…", lambda: self._emit(self.move_requested)),
                ("unsubscribe", "Unsubscribe…", lambda: self._emit(self.unsubscribe_requested))):
            button = QPushButton(text, self.details)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, go=run: go())
            buttons.addWidget(button)
            self.buttons[name] = button
        buttons.addStretch(1)
        box = QVBoxLayout(self.details)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(form)
        box.addLayout(buttons)

    def current(self) -> SourceInfo | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.sources[self.proxy.mapToSource(index).row()]

    def select(self, source_id: int) -> None:
        for row, source in enumerate(self.model.sources):
            if source.id == source_id:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                self.table.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows)
                self.table.scrollTo(index)
                return

    def _show_current(self) -> None:
        source = self.current()
        self._shown = source
        self._filling = True
        try:
            feed = source is not None and source.kind == "feed" and not source.unsubscribed
            for widget in (self.paused, self.full_text, self.images, self.every, self.keep_days):
                widget.setEnabled(feed)
            for name, button in self.buttons.items():
                button.setEnabled(source is not None and (feed or name in ("show", "rename")))
            if source is None:
                self.heading.setText("Choose a source to see its settings.")
                return
            where = f"<br><small>{_escape(source.url)}</small>" if source.url else ""
            self.heading.setText(f"<b>{_escape(source.title)}</b>{where}")
            self.paused.setChecked(source.paused)
            self.full_text.setCurrentIndex(max(0, self.full_text.findData(source.full_text)))
            self.images.setChecked(source.keep_images)
            self.every.setValue(source.every_minutes or 0)
            self.keep_days.setValue(source.keep_days or 0)
        finally:
            self._filling = False

    def _emit(self, signal: SignalInstance) -> None:
        source = self.current()
        if source is not None:
            signal.emit(source.id)

    def _failed(self, error: BaseException) -> None:
        self.error.setText(str(error))
        self.refresh()  # show the settings as they really are

    def _configure(self, **settings: object) -> None:
        source = self._shown
        if self._filling or source is None:
            return
        current = {"paused": source.paused, "keep_images": source.keep_images,
                   "full_text": source.full_text, "every_minutes": source.every_minutes,
                   "keep_days": source.keep_days}
        if all(current[key] == value for key, value in settings.items()):
            return
        self.error.clear()
        self._ops.configure_source(source.id, self._failed, **settings)

    def _count_expiring(self, days: int) -> None:
        """Say, before anything happens, how many articles a retention of ``days`` takes."""
        source = self._shown
        if self._filling or source is None or not days:
            self.expiring.setText("")
            return
        archive = self._ops.archive

        def count() -> int:
            return len(archive.purge(timedelta(days=days), source_id=source.id, dry_run=True))

        def said(going: int) -> None:
            if self._shown is source and self.keep_days.value() == days:
                self.expiring.setText(
                    f"{going:,} read article{'s' if going != 1 else ''} older than {days} days "
                    "would go at the next sync (never bookmarked, hand-tagged or unread ones)")

        self._ops.runner.read(count, said)

    def _set_keep_days(self) -> None:
        source, days = self._shown, self.keep_days.value()
        if self._filling or source is None or (days or None) == source.keep_days:
            return
        if days and not dialogs.confirm_retention(self, source.title, days):
            self.keep_days.setValue(source.keep_days or 0)
            return
        self._configure(keep_days=days or None)

    def _rename(self) -> None:
        source = self.current()
        if source is None:
            return
        title = dialogs.ask_text(self, "Rename source", "Name:", source.title)
        if title is not None and title != source.title:
            self.error.clear()
            self._ops.rename_source(source.id, title, self._failed)

    def _change_address(self) -> None:
        source = self.current()
        if source is None:
            return
        url = dialogs.ask_text(self, "Change the feed's address", "Address:", source.url or "")
        if url is not None and url != source.url:
            self.error.clear()
            self._ops.change_source_url(source.id, url, self._failed)

    # --- keeping current --------------------------------------------------------------------

    def refresh(self, then: Callable[[], None] | None = None) -> None:
        archive = self._ops.archive

        def shown(sources: list[SourceInfo]) -> None:
            self.model.set_sources(sources)
            self._show_current()
            if then is not None:
                then()

        self._ops.runner.read(archive.sources, shown)

    def _on_changed(self, changes: Changes) -> None:
        if changes.sources or changes.counts or changes.external:
            self.refresh()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
