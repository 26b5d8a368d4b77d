"""The All tags dialog: every tag with its counts and a filter box, for when the left pane
lists only the most used ones. Choosing a tag (double-click, Enter, or Show) shows its
articles and closes the dialog."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reader.records import TagCount


class AllTagsDialog(QDialog):
    """Emits ``chosen(name)`` when the reader picks a tag."""

    chosen = Signal(str)

    def __init__(self, tags: Sequence[TagCount], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("All tags")
        self.resize(420, 520)
        self.box = QLineEdit()
        self.box.setPlaceholderText("Filter tags")
        self.box.setClearButtonEnabled(True)
        self.list = QTreeWidget()
        self.list.setHeaderLabels(["Tag", "Articles", "Unread"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSortingEnabled(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for tag in tags:
            item = _CountItem([tag.name, f"{tag.count:,}", f"{tag.unread:,}"])
            item.setData(0, Qt.ItemDataRole.UserRole, tag.name)
            item.setData(1, Qt.ItemDataRole.UserRole, tag.count)
            item.setData(2, Qt.ItemDataRole.UserRole, tag.unread)
            for column in (1, 2):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
            self.list.addTopLevelItem(item)
        self.list.sortItems(0, Qt.SortOrder.AscendingOrder)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.summary = QLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.show_button = buttons.addButton("Show", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._choose_current)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addWidget(self.list)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.box.textChanged.connect(self._filter)
        self.box.installEventFilter(self)
        self.list.itemActivated.connect(lambda item, _column: self._choose(item))
        self._filter("")

    @classmethod
    def open_for(cls, tags: Sequence[TagCount], choose: Callable[[str], None],
                 parent: QWidget) -> AllTagsDialog:
        """Show the dialog (non-modal, owned by ``parent``); ``choose`` hears the choice."""
        dialog = cls(tags, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(choose)
        dialog.show()
        dialog.activateWindow()
        dialog.box.setFocus()
        return dialog

    def shown_names(self) -> list[str]:
        """The tags listed now, top to bottom."""
        return [str(item.data(0, Qt.ItemDataRole.UserRole)) for item in self._visible()]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.box and event.type() == QEvent.Type.KeyPress and \
                isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
                self.list.setFocus()
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._choose_current()
                return True
        return super().eventFilter(watched, event)

    def _visible(self) -> list[QTreeWidgetItem]:
        items = (self.list.topLevelItem(row) for row in range(self.list.topLevelItemCount()))
        return [item for item in items if item is not None and not item.isHidden()]

    def _filter(self, text: str) -> None:
        wanted = text.strip().casefold()
        for row in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(row)
            if item is not None:
                item.setHidden(wanted not in item.text(0).casefold())
        shown = self._visible()
        total = self.list.topLevelItemCount()
        self.summary.setText(f"{len(shown):,} of {total:,} tags" if wanted else f"{total:,} tags")
        current = self.list.currentItem()
        if shown and (current is None or current.isHidden()):
            self.list.setCurrentItem(shown[0])

    def _choose_current(self) -> None:
        item = self.list.currentItem()
        if item is not None and not item.isHidden():
            self._choose(item)

    def _choose(self, item: QTreeWidgetItem) -> None:
        self.chosen.emit(str(item.data(0, Qt.ItemDataRole.UserRole)))
        self.close()


class _CountItem(QTreeWidgetItem):
    """Sorts the count columns as numbers and names case-insensitively."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        tree = self.treeWidget()
        column = tree.sortColumn() if tree is not None else 0
        if column == 0:
            return self.text(0).casefold() < other.text(0).casefold()
        mine = self.data(column, Qt.ItemDataRole.UserRole)
        theirs = other.data(column, Qt.ItemDataRole.UserRole)
        return int(mine or 0) < int(theirs or 0)
