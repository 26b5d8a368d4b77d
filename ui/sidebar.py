"""The left pane as the window holds it: a filter box over the tag and source tree.

Typing in the box narrows Tags (every tag, not only the most used) and Sources to the names
holding the text, with every section open; Escape clears it, Down moves to the tree. The
pane remembers the person's sort order and which sections are closed (``UserSettings``).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from ui.all_tags import AllTagsDialog
from ui.article_actions import ArticleActions
from ui.operations import ArchiveOps
from ui.sidebar_actions import SidebarActions
from ui.status_bar import StatusLine
from ui.tag_filter import FilterChoice, TagFilterModel, TagFilterView
from ui.window_state import UserSettings


class SidebarPane(QWidget):
    def __init__(self, user: UserSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TagFilterModel(self)
        self.view = TagFilterView(self.model)
        self.box = QLineEdit()
        self.box.setPlaceholderText("Filter tags and sources")
        self.box.setClearButtonEnabled(True)
        self.box.setAccessibleName("Filter tags and sources")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.box)
        layout.addWidget(self.view)
        QWidget.setTabOrder(self.view, self.box)  # the tree first: j, k and friends work at once
        self.box.textChanged.connect(self._filtered)
        self.box.installEventFilter(self)
        self.model.set_sort("count" if user.tag_sort() == "count" else "name")
        self.view.set_collapsed(user.collapsed_sections())
        self.view.sort_changed.connect(user.set_tag_sort)
        self.view.collapsed_changed.connect(user.set_collapsed_sections)
        self.view.all_tags_requested.connect(self.show_all_tags)
        self.sidebar_actions: SidebarActions | None = None

    def connect_actions(self, ops: ArchiveOps, status: StatusLine, articles: ArticleActions,
                        window: QWidget) -> None:
        """Give the context menus somewhere to go, once the window has its operations: mark
        all read, rename and merge to ``articles``, the rest to a SidebarActions (sharing
        the one Ctrl+Z)."""
        self.view.mark_read_requested.connect(articles.mark_all_read)
        self.view.rename_requested.connect(articles.rename_tag)
        self.view.merge_requested.connect(articles.merge_tag)
        self.sidebar_actions = SidebarActions(ops, self.view, self.model, status,
                                              articles.undo, window)

    def ask_move(self, source_id: int) -> None:
        """"Move to folder…" for a source (also from the Sources dialog)."""
        if self.sidebar_actions is not None:
            self.sidebar_actions.ask_move(source_id)

    def show_all_tags(self) -> AllTagsDialog:
        return AllTagsDialog.open_for(self.model.all_tags(), self.choose_tag, self)

    def choose_tag(self, name: str) -> None:
        """Show a tag's articles, listing it in the pane if it was not."""
        self.view.select(FilterChoice("tag", name))
        self.view.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.box and isinstance(event, QKeyEvent):
            escape = event.key() == Qt.Key.Key_Escape and bool(self.box.text())
            if event.type() == QEvent.Type.ShortcutOverride and escape:
                event.accept()  # Esc clears this box, not the search (the window's Esc)
                return True
            if event.type() == QEvent.Type.KeyPress and escape:
                self.box.clear()
                return True
            if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down:
                self.view.setFocus()
                return True
        return super().eventFilter(watched, event)

    def _filtered(self, text: str) -> None:
        self.model.set_filter(text)
        self.view.open_all(bool(text.strip()))
