"""The middle pane: headline rows paged in from the archive, and how each row is painted.

The model holds only the rows fetched so far. ``fetchMore`` asks the task runner for the next
keyset page (never on the GUI thread) and appends it when it arrives; a new search bumps a
generation number, so a page that arrives for an outdated search is dropped. The view keeps
the reader's place through every in-place update: the row at the top stays at the top.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from reader import highlight
from reader.archive import Archive
from reader.query import Query
from reader.records import Changes, Headline, Page

PAGE_SIZE = 200
HEADLINE_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex
#: Runs ``work`` off the GUI thread, then ``on_done(result)`` (or ``on_error``) on it.
Runner = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]],
                  None]
#: At most this many new matches are put into a list at once (after a sync or an import).
MAX_NEW_ROWS = 5000


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
    """Headlines for one search, newest first, fetched page by page as the view scrolls.

    ``apply`` brings the rows on screen up to date from a ``Changes`` record without a
    reset: changed rows are re-read by id, deleted ones removed, and new matches (after a sync
    or an import) inserted where they belong, so the view keeps its selection and place.
    Rows that stop matching (an article read in the "Unread" list) stay until the next search:
    a list that shrinks under the reader's eyes loses their place.
    """

    first_page_loaded = Signal()
    failed = Signal(object)
    #: Bracket every in-place update, so the view can keep its scroll anchor and the window
    #: can tell a current-row change made by an update from one the reader made.
    update_started = Signal()
    update_finished = Signal()

    def __init__(self, archive: Archive, run: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._archive = archive
        self._run = run
        self._rows: list[Headline] = []
        self._row_of: dict[int, int] = {}
        self._query = Query(None)
        self._source_id: int | None = None
        self._cursor: str | None = None
        self._generation = 0
        self._loading = False
        self._complete = True
        #: The newest article id when the rows were last brought up to date: anything newer
        #: is what a sync or an import added since.
        self._newest_id = 0
        self.updating = False
        #: The search's words, for the snippets to highlight (``reader.highlight``).
        self.highlight: re.Pattern[str] | None = None

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
        self.highlight = highlight.pattern(query)
        self._generation += 1
        self._loading = False
        self._request(None, reset=True)

    def apply(self, changes: Changes) -> None:
        """Show what ``changes`` did to the rows on screen (see the class docstring)."""
        look_for_new = changes.added or changes.external
        if changes.removed:
            self.remove_rows(set(changes.removed))
        if look_for_new or changes.renamed_tags:
            wanted = [headline.id for headline in self._rows]
        else:
            wanted = [article_id for article_id in changes.articles if article_id in self._row_of]
        if wanted or look_for_new:
            back = [i for i in changes.articles if i not in self._row_of] if changes.added \
                else []
            self._refresh(wanted, look_for_new, back)

    def headline(self, row: int) -> Headline | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, article_id: int) -> int | None:
        return self._row_of.get(article_id)

    def remove_rows(self, article_ids: set[int]) -> None:
        rows = sorted((self._row_of[i] for i in article_ids if i in self._row_of), reverse=True)
        if not rows:
            return
        self._begin_update()
        try:
            for row in rows:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
            self._reindex()
        finally:
            self._end_update()

    @property
    def loading(self) -> bool:
        return self._loading

    # --- keeping rows current -------------------------------------------------------------------

    def _begin_update(self) -> None:
        self.updating = True
        self.update_started.emit()

    def _end_update(self) -> None:
        self.updating = False
        self.update_finished.emit()

    def _refresh(self, article_ids: list[int], look_for_new: bool,
                 back: Sequence[int] = ()) -> None:
        """Re-read ``article_ids``; with ``look_for_new``, add new matches and those of
        ``back`` (put back by an undo, under their old ids)."""
        generation = self._generation
        query, source_id, after = self._query, self._source_id, self._newest_id
        archive = self._archive

        def work() -> tuple[list[Headline], list[Headline], int]:
            fresh = archive.headlines_by_id(article_ids) if article_ids else []
            if not look_for_new:
                return fresh, [], after
            found, newest = archive.headlines_after(query, after, source_id=source_id,
                                                    limit=MAX_NEW_ROWS, among=back)
            return fresh, found, newest

        def done(result: tuple[list[Headline], list[Headline], int]) -> None:
            if generation != self._generation:
                return  # a new search replaced these rows meanwhile
            fresh, found, newest = result
            self._newest_id = max(self._newest_id, newest)
            self._merge(article_ids, fresh, found, query.sort)

        def failed(error: BaseException) -> None:
            if generation == self._generation:
                self.failed.emit(error)

        self._run(work, done, failed)

    def _merge(self, asked: list[int], fresh: list[Headline], found: list[Headline],
               sort: str) -> None:
        present = {headline.id: headline for headline in fresh}
        self._begin_update()
        try:
            for article_id, headline in present.items():
                row = self._row_of.get(article_id)
                if row is not None and self._rows[row] != headline:
                    self._rows[row] = headline
                    index = self.index(row)
                    self.dataChanged.emit(index, index)
            self._insert_new(found, sort)
        finally:
            self._end_update()
        gone = {article_id for article_id in asked if article_id not in present}
        if gone:
            self.remove_rows(gone)

    def _insert_new(self, found: list[Headline], sort: str) -> None:
        """Put new matches where the order puts them, in one layout change (a sync may bring
        thousands); ones beyond the last row loaded are left for paging to bring. With
        ``sort:relevance`` they go first."""
        by_date = sort != "relevance"
        ascending = sort == "oldest"
        last = self._rows[-1].order_key if self._rows and not self._complete else None

        def within(key: int) -> bool:
            return last is None or not by_date or (key < last if ascending else key > last)

        new = [headline for headline in found
               if headline.id not in self._row_of and within(headline.order_key)]
        if not new:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        ids = [self._rows[index.row()].id if 0 <= index.row() < len(self._rows) else None
               for index in persistent]
        rows = [*new, *self._rows]
        if by_date:
            rows.sort(key=lambda headline: headline.order_key, reverse=not ascending)
        self._rows = rows
        self._reindex()
        self.changePersistentIndexList(
            persistent, [self.index(self._row_of[i]) if i is not None else QModelIndex()
                         for i in ids])
        self.layoutChanged.emit()

    # --- paging ---------------------------------------------------------------------------------

    def _reindex(self) -> None:
        self._row_of = {headline.id: row for row, headline in enumerate(self._rows)}

    def _request(self, cursor: str | None, *, reset: bool) -> None:
        generation = self._generation
        query, source_id = self._query, self._source_id
        self._loading = True

        archive = self._archive

        def work() -> tuple[Page, int]:
            newest = archive.newest_article_id() if reset else 0  # before the page: see _refresh
            return archive.headlines(query, source_id=source_id, cursor=cursor,
                                     limit=PAGE_SIZE), newest

        def done(result: tuple[Page, int]) -> None:
            if generation != self._generation:
                return  # an outdated search: its results are dropped
            page, newest = result
            if reset:
                self._newest_id = newest
            self._loading = False
            self._cursor = page.next_cursor
            self._complete = page.next_cursor is None
            if reset:
                self.beginResetModel()
                self._rows = list(page.rows)
                self._reindex()
                self.endResetModel()
                self.first_page_loaded.emit()
            else:
                fresh = [row for row in page.rows if row.id not in self._row_of]
                if fresh:
                    first = len(self._rows)
                    self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
                    self._rows.extend(fresh)
                    self._reindex()
                    self.endInsertRows()

        def failed(error: BaseException) -> None:
            if generation != self._generation:
                return
            self._loading = False
            self._complete = True
            self.failed.emit(error)

        self._run(work, done, failed)


class HeadlineDelegate(QStyledItemDelegate):
    """Three lines per headline: the title (bold while unread, a star when bookmarked), a
    snippet of the body with the search's words marked, then source · date. ``snippets=False``
    leaves the middle line out (a denser list)."""

    PADDING = 8

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.snippets = True

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        metrics = QFontMetrics(option.font)
        lines = 3 if self.snippets else 2
        return QSize(200, metrics.height() * lines + metrics.leading() * (lines - 1)
                     + self.PADDING * 2 + 2 * (lines - 1))

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
        top = rect.top() + title_metrics.height() + 2
        if self.snippets:
            model = index.model()
            found = model.highlight if isinstance(model, HeadlineModel) else None
            snippet_rect = QRect(rect.left(), top, rect.width(), meta_metrics.height())
            self._paint_snippet(painter, snippet_rect, meta_metrics, headline.excerpt, found,
                                palette.color(text_role), muted, selected)
            top += meta_metrics.height() + 2
        painter.setFont(meta_font)
        painter.setPen(muted)
        date = relative_date(headline.published)
        meta_rect = QRect(rect.left(), top, rect.width(), meta_metrics.height())
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

    @staticmethod
    def _paint_snippet(painter: QPainter, rect: QRect, metrics: QFontMetrics, excerpt: str,
                       found: re.Pattern[str] | None, ink: QColor, muted: QColor,
                       selected: bool) -> None:
        """One elided line of the body's first words, each search match drawn in the text
        colour on a tint of the highlight colour."""
        text = metrics.elidedText(" ".join(excerpt.split()), Qt.TextElideMode.ElideRight,
                                  rect.width())
        marks = highlight.spans(text, found, limit=20)
        x = rect.left()
        position = 0
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        tint = QColor(ink if selected else QColor("#f2c94c"))
        tint.setAlpha(70 if selected else 150)
        for start, end in [*marks, (len(text), len(text))]:
            for piece, marked in ((text[position:start], False), (text[start:end], True)):
                if not piece:
                    continue
                width = metrics.horizontalAdvance(piece)
                box = QRect(x, rect.top(), width, rect.height())
                if marked:
                    painter.fillRect(box, tint)
                painter.setPen(ink if marked else muted)
                painter.drawText(box, flags, piece)
                x += width
            position = end


class HeadlineView(QListView):
    #: Emitted once, after the first paint that showed at least one headline.
    first_headlines_painted = Signal()

    def __init__(self, model: HeadlineModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._painted_headlines = False
        self._anchor: tuple[int, int, int] | None = None
        #: Said in the empty list ("No matches for …"); the window sets it with each search.
        self.empty_text = ""
        self.setModel(model)
        self.setItemDelegate(HeadlineDelegate(self))
        self.setUniformItemSizes(True)
        # Shift/Ctrl-click and Shift+j/k select several for the bulk actions (b, m, t, Del).
        self.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(260)
        model.update_started.connect(self._remember_anchor)
        model.update_finished.connect(self._restore_anchor)
        model.first_page_loaded.connect(self.scrollToTop)  # a new search starts at its top

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model().rowCount() == 0 and self.empty_text:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect().adjusted(16, 24, -16, -16),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                             | Qt.TextFlag.TextWordWrap, self.empty_text)
            painter.end()
        if not self._painted_headlines and self.model().rowCount() > 0:
            self._painted_headlines = True
            self.first_headlines_painted.emit()

    def set_snippets(self, on: bool) -> None:
        """Show or hide the snippet line under each title."""
        delegate = self.itemDelegate()
        if isinstance(delegate, HeadlineDelegate) and delegate.snippets != on:
            delegate.snippets = on
            self.scheduleDelayedItemsLayout()  # the rows' height changes

    def keyboardSearch(self, search: str) -> None:
        """Letters are the window's shortcuts (j, k, b, m…), not a jump-to-title search."""

    def _remember_anchor(self) -> None:
        """The article at the top of the viewport, how far down it sits, and the scroll
        value: rows inserted or removed above it must not move what the reader sees."""
        index = self.indexAt(QPoint(1, 1))
        headline = index.data(HEADLINE_ROLE) if index.isValid() else None
        bar = self.verticalScrollBar()
        self._anchor = (headline.id, self.visualRect(index).top(), bar.value()) \
            if isinstance(headline, Headline) else None

    def _restore_anchor(self) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is None:
            return
        article_id, top, value = anchor
        model = self.model()
        assert isinstance(model, HeadlineModel)
        row = model.row_of(article_id)
        self.doItemsLayout()  # the new rows' geometry, before measuring where the anchor is
        bar = self.verticalScrollBar()
        if row is None:
            bar.setValue(value)
            return
        bar.setValue(bar.value() + self.visualRect(model.index(row)).top() - top)
