"""Moving through the headline list: j/k, n/p, clicks, and what counts as the reader moving.

Only the reader moving to an article opens it as "moved to" (and so marks it read); the list
moving its cursor by itself — an update, the window restoring its place, the focus arriving
from the search box — either opens nothing or opens quietly.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject

from reader.records import Headline
from ui.headlines import HeadlineModel, HeadlineView
from ui.reading import ArticleReader
from ui.status_bar import StatusLine


class Navigator(QObject):
    def __init__(self, view: HeadlineView, model: HeadlineModel, reader: ArticleReader,
                 status: StatusLine) -> None:
        super().__init__(view)
        self.headline_view = view
        self.headline_model = model
        self.reader = reader
        self.status = status
        self._quiet = False
        self._ignore_current = False
        view.selectionModel().currentChanged.connect(self._headline_changed)

    def select_row(self, row: int, *, by_reader: bool) -> None:
        self._quiet = not by_reader
        try:
            self.headline_view.setCurrentIndex(self.headline_model.index(row))
        finally:
            self._quiet = False

    def focus_results(self) -> None:
        """Into the list from the search box, opening nothing: Qt makes the first row current
        when a list without one takes the focus, which must not count as moving to it."""
        self._ignore_current = True
        try:
            self.headline_view.setFocus()
            current, shown = self.current_headline(), self.reader.current
            if current is not None and (shown is None or shown.id != current.id):
                self.headline_view.selectionModel().clearCurrentIndex()
        finally:
            self._ignore_current = False

    def _headline_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self.headline_model.updating or self._ignore_current:
            return  # an update or the focus moved the cursor, not the reader
        headline = self.headline_model.headline(current.row()) if current.isValid() else None
        shown = self.reader.current
        if headline is not None and (shown is None or shown.id != headline.id):
            self.reader.open(headline.id, by_reader=not self._quiet)

    def selected(self) -> list[Headline]:
        """The selected headlines, in list order (the current one alone when none is)."""
        rows = sorted(index.row() for index in self.headline_view.selectionModel().selectedRows())
        chosen = [self.headline_model.headline(row) for row in rows]
        found = [headline for headline in chosen if headline is not None]
        current = self.current_headline()
        return found or ([current] if current is not None else [])

    def extend(self, step: int) -> None:
        """Shift+j/k: take the next (or previous) row into the selection and make it current,
        without opening it (the article on screen stays)."""
        index = self.headline_view.currentIndex()
        target = self.headline_model.index(index.row() + step) if index.isValid() else \
            self.headline_model.index(0)
        if not target.isValid():
            return
        self._ignore_current = True
        try:
            self.headline_view.selectionModel().setCurrentIndex(
                target, QItemSelectionModel.SelectionFlag.Select
                | QItemSelectionModel.SelectionFlag.Rows)
        finally:
            self._ignore_current = False

    def current_headline(self) -> Headline | None:
        index = self.headline_view.currentIndex()
        return self.headline_model.headline(index.row()) if index.isValid() else None

    def step_article(self, step: int) -> None:
        rows = self.headline_model.rowCount()
        if rows:
            current = self.headline_view.currentIndex().row()
            target = 0 if current < 0 else min(max(current + step, 0), rows - 1)
            if target == rows - 1 and self.headline_model.canFetchMore():
                self.headline_model.fetchMore()
            self.select_row(target, by_reader=True)

    def read_on(self, page: Callable[[int], bool]) -> None:
        """Space: the next screenful of the article (``page``), or at its end the next unread."""
        if not page(1):
            self.step_unread(1)

    def step_unread(self, step: int) -> None:
        row = self.headline_view.currentIndex().row() + step
        while 0 <= row < self.headline_model.rowCount():
            headline = self.headline_model.headline(row)
            if headline is not None and not headline.read:
                self.select_row(row, by_reader=True)
                return
            row += step
        if step > 0 and self.headline_model.canFetchMore():
            self.headline_model.fetchMore()
            self.status.show_message("Loading more headlines…")
        else:
            self.status.show_message("No more unread articles here")
