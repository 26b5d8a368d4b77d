"""The middle pane: headline rows paged in from the archive, and how each row is painted.

The model holds only the rows fetched so far. ``fetchMore`` asks the task runner for the next
keyset page (never on the GUI thread) and appends it when it arrives; a new search bumps a
generation number, so a page that arrives for an outdated search is dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from reader.query import Query
from reader.records import Headline, Page

PAGE_SIZE = 200
HEADLINE_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex
#: (query, source id, cursor, limit) -> Page; runs on a worker thread.
PageLoader = Callable[[Query, int | None, str | None, int], Page]
#: Runs ``work`` off the GUI thread, then ``on_done(result)`` (or ``on_error``) on it.
Runner = Callable[[Callable[[], Page], Callable[[Page], None], Callable[[BaseException], None]],
                  None]


def relative_date(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return ""
    now = (now or datetime.now(UTC)).astimezone()
    local = moment.astimezone(now.tzinfo)
    seconds = (now - local).total_seconds()
    if 0 <= seconds < 60:
        return "just now"
    if 0 <= seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    days = (now.date() - local.date()).days
    if days == 0:
        return f"{local:%H:%M}"
    if days == 1:
        return "yesterday"
    if 1 < days < 7:
        return f"{local:%a}"
    if local.year == now.year:
        return f"{local:%b} {local.day}"
    return f"{local:%b} {local.day}, {local.year}"


class HeadlineModel(QAbstractListModel):
    """Headlines for one search, newest first, fetched page by page as the view scrolls."""

    loading_changed = Signal(bool)
    first_page_loaded = Signal()
    failed = Signal(object)

    def __init__(self, load_page: PageLoader, run: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._load_page = load_page
        self._run = run
        self._rows: list[Headline] = []
        self._row_of: dict[int, int] = {}
        self._query = Query(None)
        self._source_id: int | None = None
        self._cursor: str | None = None
        self._generation = 0
        self._loading = False
        self._complete = True

    # --- Qt model API -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.title
        if role == HEADLINE_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.title}\n{row.source}" + (f" · {row.author}" if row.author else "")
        if role == Qt.ItemDataRole.FontRole and not row.read:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._complete and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request(self._cursor, reset=False)

    # --- what the window calls ----------------------------------------------------------------

    def set_search(self, query: Query, source_id: int | None = None) -> None:
        """Show a new search; rows stay until its first page arrives, then are replaced."""
        self._query = query
        self._source_id = source_id
        self._generation += 1
        self._loading = False
        self._request(None, reset=True)

    def refresh(self) -> None:
        """Reload the current search (after a sync or import), keeping the view's place."""
        self.set_search(self._query, self._source_id)

    def headline(self, row: int) -> Headline | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, article_id: int) -> int | None:
        return self._row_of.get(article_id)

    def update_rows(self, article_ids: set[int], **changes: object) -> None:
        """Apply a change the window just wrote (read, bookmarked) without a reload."""
        for article_id in article_ids:
            row = self._row_of.get(article_id)
            if row is None:
                continue
            self._rows[row] = dataclasses.replace(self._rows[row], **changes)  # type: ignore[arg-type]
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def remove_rows(self, article_ids: set[int]) -> None:
        for article_id in article_ids:
            row = self._row_of.get(article_id)
            if row is None:
                continue
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
            self._reindex()

    @property
    def loading(self) -> bool:
        return self._loading

    # --- paging ---------------------------------------------------------------------------------

    def _reindex(self) -> None:
        self._row_of = {headline.id: row for row, headline in enumerate(self._rows)}

    def _request(self, cursor: str | None, *, reset: bool) -> None:
        generation = self._generation
        query, source_id = self._query, self._source_id
        self._loading = True
        self.loading_changed.emit(True)

        def work() -> Page:
            return self._load_page(query, source_id, cursor, PAGE_SIZE)

        def done(page: Page) -> None:
            if generation != self._generation:
                return  # an outdated search: its results are dropped
            self._loading = False
            self.loading_changed.emit(False)
            self._cursor = page.next_cursor
            self._complete = page.next_cursor is None
            if reset:
                self.beginResetModel()
                self._rows = list(page.rows)
                self._reindex()
                self.endResetModel()
                self.first_page_loaded.emit()
            elif page.rows:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
                self._rows.extend(page.rows)
                self._reindex()
                self.endInsertRows()

        def failed(error: BaseException) -> None:
            if generation != self._generation:
                return
            self._loading = False
            self._complete = True
            self.loading_changed.emit(False)
            self.failed.emit(error)

        self._run(work, done, failed)


class HeadlineDelegate(QStyledItemDelegate):
    """Two lines per headline: the title (bold while unread), then source · date, and a star."""

    PADDING = 8

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        metrics = QFontMetrics(option.font)
        return QSize(200, metrics.height() * 2 + metrics.leading() + self.PADDING * 2 + 2)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        headline = index.data(HEADLINE_ROLE)
        if not isinstance(headline, Headline):
            super().paint(painter, option, index)
            return
        painter.save()
        # Never read ``option.widget``: PySide6 6.12 returns None from it without taking a
        # reference, and after enough paints Python aborts ("none_dealloc").
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        if selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
        text_role = (QPalette.ColorRole.HighlightedText if selected
                     else QPalette.ColorRole.Text)
        rect = option.rect.adjusted(self.PADDING + 10, self.PADDING, -self.PADDING, -self.PADDING)
        if not headline.read:  # an unread dot in the left margin
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight if not selected
                                           else QPalette.ColorRole.HighlightedText))
            painter.setPen(Qt.PenStyle.NoPen)
            dot = QRect(option.rect.left() + 6, rect.top() + 6, 6, 6)
            painter.drawEllipse(dot)
        title_font = QFont(option.font)
        title_font.setBold(not headline.read)
        title_metrics = QFontMetrics(title_font)
        star = "★" if headline.bookmarked else ""
        star_width = title_metrics.horizontalAdvance("★ ") if star else 0
        painter.setFont(title_font)
        painter.setPen(palette.color(text_role))
        title_rect = QRect(rect.left(), rect.top(), rect.width() - star_width,
                           title_metrics.height())
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         title_metrics.elidedText(headline.title, Qt.TextElideMode.ElideRight,
                                                  title_rect.width()))
        if star:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight) if not selected
                           else palette.color(text_role))
            painter.drawText(QRect(rect.right() - star_width, rect.top(), star_width,
                                   title_metrics.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, star)
        meta_font = QFont(option.font)
        meta_font.setPointSizeF(max(7.0, option.font.pointSizeF() * 0.9))
        meta_metrics = QFontMetrics(meta_font)
        painter.setFont(meta_font)
        muted = palette.color(text_role)
        if not selected:
            muted = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.setPen(muted)
        date = relative_date(headline.published)
        meta_rect = QRect(rect.left(), rect.top() + title_metrics.height() + 2, rect.width(),
                          meta_metrics.height())
        date_width = meta_metrics.horizontalAdvance(date) + 6
        painter.drawText(meta_rect.adjusted(0, 0, -date_width, 0),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         meta_metrics.elidedText(headline.source, Qt.TextElideMode.ElideRight,
                                                 meta_rect.width() - date_width))
        painter.drawText(meta_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         date)
        if not selected:
            painter.setPen(palette.color(QPalette.ColorRole.Midlight))
            painter.drawLine(option.rect.bottomLeft(), option.rect.bottomRight())
        painter.restore()


class HeadlineView(QListView):
    #: Emitted once, after the first paint that showed at least one headline.
    first_headlines_painted = Signal()

    def __init__(self, model: HeadlineModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._painted_headlines = False
        self.setModel(model)
        self.setItemDelegate(HeadlineDelegate(self))
        self.setUniformItemSizes(True)
        self.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(260)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted_headlines and self.model().rowCount() > 0:
            self._painted_headlines = True
            self.first_headlines_painted.emit()

    def keyboardSearch(self, search: str) -> None:
        """Letters are the window's shortcuts (j, k, b, m…), not a jump-to-title search."""
