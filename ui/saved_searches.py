"""Keeping a search: "Save search…" (Ctrl+S) names what the list shows now, and the sidebar's
saved searches can be renamed, edited and deleted from their context menu.

What is saved is the query — the left pane's choice and the search box together — never a
list of results, so a saved search always means what it says.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from reader.query import Query, format_query
from reader.records import SavedSearch
from ui import dialogs
from ui.operations import ArchiveOps
from ui.status_bar import StatusLine
from ui.tag_filter import FilterChoice


class SavedSearchActions(QObject):
    def __init__(self, ops: ArchiveOps, status: StatusLine, window: QWidget,
                 chosen: Callable[[], FilterChoice],
                 choose: Callable[[FilterChoice], None],
                 known: Callable[[], dict[str, str]]) -> None:
        super().__init__(window)
        self._known = known
        self._ops = ops
        self._status = status
        self._window = window
        self._chosen = chosen
        self._choose = choose

    def save(self, query: Query) -> None:
        """Save ``query`` (the list's whole query) under a name the reader gives."""
        if query.root is None:
            self._status.show_message("Search for something first, then save the search")
            return
        text = format_query(query)
        name = dialogs.ask_text(self._window, "Save search", f"A name for “{text}”:")
        if name is None:
            return

        def done(saved: SavedSearch) -> None:
            self._status.show_message(f"Saved the search “{saved.name}”")
            self._choose(FilterChoice("saved", saved.name))

        self._ops.save_search(name, text, done)

    def act(self, what: str, name: str) -> None:
        """The sidebar's context menu: "rename", "edit" or "delete" the saved search."""
        following = self._chosen() == FilterChoice("saved", name)

        def done(saved: SavedSearch) -> None:
            if following:
                self._choose(FilterChoice("saved", saved.name))

        if what == "rename":
            new = dialogs.ask_text(self._window, "Rename saved search",
                                   f"New name for “{name}”:", name)
            if new is not None and new != name:
                self._ops.change_saved_search(name, done, new_name=new)
        elif what == "edit":
            current = self._known().get(name, "")
            query = dialogs.ask_text(self._window, "Edit saved search",
                                     f"The search “{name}” finds:", current)
            if query is not None:
                self._ops.change_saved_search(name, done, query=query)
        elif what == "delete":
            answer = QMessageBox.question(
                self._window, "Delete saved search",
                f"Delete the saved search “{name}”? The articles it finds stay.")
            if answer == QMessageBox.StandardButton.Yes:
                self._ops.remove_saved_search(name)
