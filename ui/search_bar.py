"""The search box over the headline list, and how its query combines with the left pane's.

Typing is debounced (``SEARCH_DELAY_MS``); Enter searches at once. A query that does not
parse is shown inline under the box and the last good results stay, so a half-typed
``tag:"`` never empties the list.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from reader.errors import QuerySyntaxError
from reader.query import And, Query, parse_query
from ui.tag_filter import FilterChoice

SEARCH_DELAY_MS = 250


def compose(choice: FilterChoice, search: Query) -> tuple[Query, int | None]:
    """The headline list's query: the left pane's choice AND the search box's, plus the
    source id when a source is chosen (titles need not be unique, so sources go by id)."""
    chosen = parse_query(choice.query())
    parts = [node for node in (chosen.root, search.root) if node is not None]
    root = parts[0] if len(parts) == 1 else (And(tuple(parts)) if parts else None)
    source_id = choice.value if choice.kind == "source" and isinstance(choice.value, int) \
        else None
    return Query(root, search.sort), source_id


class SearchBar(QWidget):
    """A search box with its inline error line; emits ``search_changed(Query)`` for every
    search that parses, once typing has paused or Enter was pressed. Enter and Down also emit
    ``results_requested``: the reader wants to move to the list (without opening anything)."""

    search_changed = Signal(object)
    results_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QLineEdit()
        self.box.setPlaceholderText("Search — words, \"phrases\", tag:, is:unread …  ( / )")
        self.box.setClearButtonEnabled(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.box)
        layout.addWidget(self.error)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.apply)
        self.box.textChanged.connect(lambda _text: self._timer.start())
        self.box.returnPressed.connect(self.apply)
        self.box.returnPressed.connect(self.results_requested)
        self.box.installEventFilter(self)
        #: The text of the search the list shows (the last one that parsed).
        self.applied_text = ""
        self.query = Query(None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.box and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Down):
            self.apply()
            self.results_requested.emit()
            return True
        return super().eventFilter(watched, event)

    def text(self) -> str:
        return self.box.text()

    def set_text(self, text: str) -> None:
        """Put ``text`` in the box and search for it now."""
        self.box.setText(text)
        self.apply()

    def focus(self) -> None:
        self.box.setFocus()
        self.box.selectAll()

    def clear(self) -> bool:
        """Empty the box; True if there was a search to clear."""
        if not self.box.text():
            return False
        self.box.clear()
        self.apply()
        return True

    def parsed(self) -> Query | None:
        """The box's query, or None (and the error shown) when it does not parse."""
        text = self.box.text()
        try:
            query = parse_query(text)
        except QuerySyntaxError as error:
            self.error.setText(f"{error.reason} — at “{text[error.position:][:12]}”"
                               if error.position < len(text) else error.reason)
            self.error.show()
            return None
        self.error.hide()
        return query

    def apply(self) -> None:
        self._timer.stop()
        query = self.parsed()
        if query is None:
            return  # the last good results stay
        self.applied_text = self.box.text()
        self.query = query
        self.search_changed.emit(query)
