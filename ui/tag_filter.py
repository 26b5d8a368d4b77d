"""The left pane: a tree of filters (all, unread, bookmarked, tags, sources) with live counts."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeAlias, TypeVar, cast, get_args, overload

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from reader.records import ArchiveTotals, SourceInfo, TagCount

ChoiceKind: TypeAlias = Literal["all", "unread", "bookmarked", "saved", "tag", "source"]
SortOrder: TypeAlias = Literal["name", "count"]

_KINDS: frozenset[str] = frozenset(get_args(ChoiceKind))
_SORT_ORDERS: frozenset[str] = frozenset(get_args(SortOrder))

COUNT_ROLE = Qt.ItemDataRole.UserRole + 1
"""int: articles behind the row (None on section headers)."""
UNREAD_ROLE = Qt.ItemDataRole.UserRole + 2
"""int | None: unread articles behind the row; None where "unread" means nothing (Bookmarked)."""
CHOICE_ROLE = Qt.ItemDataRole.UserRole + 3
"""FilterChoice | None: what picking the row means; None on section headers."""
ERROR_ROLE = Qt.ItemDataRole.UserRole + 4
"""str | None: a source's last sync error."""


@dataclass(frozen=True, slots=True)
class FilterChoice:
    """What the user picked in the left pane, as a value the main window can act on or persist.

    ``value`` is the tag name for ``"tag"``, the source id for ``"source"`` and None otherwise.
    ``label`` is only for display (the status bar) and takes no part in equality, so a choice
    restored from settings as ``FilterChoice("source", 3)`` equals the model's titled one.
    """

    kind: ChoiceKind
    value: str | int | None = None
    label: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown filter kind {self.kind!r}")
        if self.kind in ("tag", "saved"):
            if not isinstance(self.value, str) or not self.value:
                raise ValueError(f"a {self.kind} choice needs its name")
        elif self.kind == "source":
            if not isinstance(self.value, int) or isinstance(self.value, bool):
                raise ValueError("a source choice needs the source id")
        elif self.value is not None:
            raise ValueError(f"a {self.kind!r} choice takes no value")
        if not self.label:
            object.__setattr__(self, "label", self._default_label())

    def _default_label(self) -> str:
        match self.kind:
            case "all":
                return "All articles"
            case "unread":
                return "Unread"
            case "bookmarked":
                return "Bookmarked"
            case "tag":
                return f"Tag: {self.value}"
            case "saved":
                return f"Saved search: {self.value}"
            case _:
                return f"Source {self.value}"

    def query(self) -> str:
        """The search-language fragment for this choice.

        Tags are always quoted so a name with spaces, parentheses or a leading ``-`` reads back
        as one tag. Sources give "": a source title need not be unique, so the caller filters
        by ``value`` (the id) instead.
        """
        match self.kind:
            case "unread":
                return "is:unread"
            case "bookmarked":
                return "is:bookmarked"
            case "tag" | "saved":
                assert isinstance(self.value, str)
                escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
                return f'{self.kind}:"{escaped}"'
            case _:
                return ""


ALL_ARTICLES = FilterChoice("all")

# Top-level rows, in order. Children carry their section's id as internalId; top-level rows 0.
_ROW_ALL, _ROW_UNREAD, _ROW_BOOKMARKED, _ROW_SAVED, _ROW_TAGS, _ROW_SOURCES = range(6)
_TOP_LEVEL_ROWS = 6
_ROOT = QModelIndex()  # the invisible root, as a default argument
_TOP = 0
_IN_TAGS = 1
_IN_SOURCES = 2
_IN_SAVED = 3


def _full_layout_signal(signal: SignalInstance) -> SignalInstance:
    """The (parents, hint) overload of layoutAboutToBeChanged / layoutChanged.

    PySide6 binds the bare signal name to the no-argument overload, whose ``emit`` refuses
    arguments; the full one is picked by its C++ signature. The stubs do not declare
    ``SignalInstance.__getitem__``, hence the ignore.
    """
    full = signal["QList<QPersistentModelIndex>,QAbstractItemModel::LayoutChangeHint"]  # type: ignore[index]
    return cast(SignalInstance, full)


T = TypeVar("T")


class _Section(Generic[T]):
    """The children of one section header, kept in display order.

    ``key`` identifies an item across updates (tag name, source id), so a re-count is a
    dataChanged on the same row and never a remove + insert.
    """

    def __init__(
        self,
        header_row: int,
        internal_id: int,
        key: Callable[[T], Hashable],
        name: Callable[[T], str],
        count: Callable[[T], int],
    ) -> None:
        self.header_row = header_row
        self.internal_id = internal_id
        self.key = key
        self.name = name
        self.count = count
        self.items: list[T] = []

    def sort_key(self, order: SortOrder) -> Callable[[T], tuple[object, ...]]:
        if order == "count":
            return lambda item: (-self.count(item), self.name(item).casefold(), self.name(item))
        return lambda item: (self.name(item).casefold(), self.name(item))

    def row_of(self, key: Hashable) -> int:
        for row, item in enumerate(self.items):
            if self.key(item) == key:
                return row
        return -1


def _source_title(source: SourceInfo) -> str:
    return source.title.strip() or source.url or f"Source {source.id}"


def _runs(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Ascending row numbers grouped into (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


def _articles(n: int) -> str:
    return f"{n} article" if n == 1 else f"{n} articles"


@dataclass(frozen=True, slots=True)
class _RowInfo:
    name: str
    count: int | None
    unread: int | None
    choice: FilterChoice | None
    tooltip: str | None
    error: str | None = None


class TagFilterModel(QAbstractItemModel):
    """A two-level tree: fixed filters, then a Tags and a Sources section with their children.

    The model only holds what ``set_contents`` gave it; it never queries the archive. Updates
    are applied in place (dataChanged / row inserts and removes / a layout change for
    re-sorting, never a reset) because they arrive after every read or bookmark toggle, and a
    reset would make the view lose its selection and scroll position.

    ``update_started`` and ``update_finished`` bracket each ``set_contents`` so a view can tell
    row removals made by an update apart from the user moving the selection.
    """

    update_started = Signal()
    update_finished = Signal()

    COUNT_ROLE = COUNT_ROLE
    UNREAD_ROLE = UNREAD_ROLE
    CHOICE_ROLE = CHOICE_ROLE
    ERROR_ROLE = ERROR_ROLE

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._totals = ArchiveTotals(articles=0, unread=0, bookmarked=0)
        self._sort: SortOrder = "name"
        self._tags: _Section[TagCount] = _Section(
            _ROW_TAGS,
            _IN_TAGS,
            key=lambda t: t.name,
            name=lambda t: t.name,
            count=lambda t: t.count,
        )
        self._sources: _Section[SourceInfo] = _Section(
            _ROW_SOURCES,
            _IN_SOURCES,
            key=lambda s: s.id,
            name=_source_title,
            count=lambda s: s.article_count,
        )
        #: Saved searches keep their own (name) order whatever the tags are sorted by.
        self._saved: _Section[TagCount] = _Section(
            _ROW_SAVED,
            _IN_SAVED,
            key=lambda t: t.name,
            name=lambda t: t.name,
            count=lambda t: t.count,
        )

    # --- public API ---------------------------------------------------------------------------

    @property
    def sort_order(self) -> SortOrder:
        return self._sort

    def set_contents(
        self, totals: ArchiveTotals, tags: Sequence[TagCount], sources: Sequence[SourceInfo],
        saved: Sequence[TagCount] = (),
    ) -> None:
        """Show fresh counts, changing only what differs (see the class docstring for why).

        Duplicate tag names or source ids keep the last one given.
        """
        self.update_started.emit()
        try:
            if totals != self._totals:
                self._totals = totals
                self.dataChanged.emit(self.index(_ROW_ALL, 0), self.index(_ROW_BOOKMARKED, 0), [])
            self._merge(self._saved, saved, order="name")
            self._merge(self._tags, tags)
            self._merge(self._sources, sources)
        finally:
            self.update_finished.emit()

    def set_sort(self, by: SortOrder) -> None:
        """Order tags and sources by name (case-insensitive) or by count (descending, then name).

        A layout change, so persistent indexes (the view's selection) follow their rows.
        """
        if by not in _SORT_ORDERS:
            raise ValueError(f"cannot sort by {by!r}")
        if by == self._sort:
            return
        self._sort = by
        self._reorder(self._tags, sorted(self._tags.items, key=self._tags.sort_key(by)))
        self._reorder(self._sources, sorted(self._sources.items, key=self._sources.sort_key(by)))

    def saved_names(self) -> list[str]:
        return [saved.name for saved in self._saved.items]

    def tag_names(self) -> list[str]:
        """The tags the list shows now (for pickers such as "Merge into…")."""
        return [tag.name for tag in self._tags.items]

    def index_for(self, choice: FilterChoice) -> QModelIndex:
        """The row for ``choice``, or an invalid index when that tag or source is not shown."""
        match choice.kind:
            case "all":
                return self.index(_ROW_ALL, 0)
            case "unread":
                return self.index(_ROW_UNREAD, 0)
            case "bookmarked":
                return self.index(_ROW_BOOKMARKED, 0)
            case "tag":
                section: _Section[TagCount] | _Section[SourceInfo] = self._tags
            case "saved":
                section = self._saved
            case _:
                section = self._sources
        row = section.row_of(choice.value)
        if row < 0:
            return QModelIndex()
        return self.createIndex(row, 0, section.internal_id)

    # --- Qt model interface -------------------------------------------------------------------

    def index(
        self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> QModelIndex:
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row < _TOP_LEVEL_ROWS:
                return self.createIndex(row, 0, _TOP)
            return QModelIndex()
        section = self._section_under(parent)
        if section is None or row >= len(section.items):
            return QModelIndex()
        return self.createIndex(row, 0, section.internal_id)

    @overload
    def parent(self) -> QObject | None: ...
    @overload
    def parent(self, child: QModelIndex | QPersistentModelIndex) -> QModelIndex: ...
    def parent(
        self, child: QModelIndex | QPersistentModelIndex | None = None
    ) -> QObject | QModelIndex | None:
        # One Python method serves both QObject.parent() and QAbstractItemModel.parent(index).
        if child is None:
            return super().parent()
        if not child.isValid():
            return QModelIndex()
        section = child.internalId()
        if section == _IN_TAGS:
            return self.createIndex(_ROW_TAGS, 0, _TOP)
        if section == _IN_SOURCES:
            return self.createIndex(_ROW_SOURCES, 0, _TOP)
        if section == _IN_SAVED:
            return self.createIndex(_ROW_SAVED, 0, _TOP)
        return QModelIndex()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        if not parent.isValid():
            return _TOP_LEVEL_ROWS
        section = self._section_under(parent)
        return 0 if section is None else len(section.items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 1

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._is_header(index):
            # Not even enabled: QTreeView's cursor movement skips disabled rows, so Up/Down
            # step over the headers instead of stopping on a row that selects nothing.
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid():
            return None
        info = self._info(index)
        if info is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return info.name
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            return info.tooltip
        if role == COUNT_ROLE:
            return info.count
        if role == UNREAD_ROLE:
            return info.unread
        if role == CHOICE_ROLE:
            return info.choice
        if role == ERROR_ROLE:
            return info.error
        return None

    # --- internals ----------------------------------------------------------------------------

    def _section_under(
        self, parent: QModelIndex | QPersistentModelIndex
    ) -> _Section[TagCount] | _Section[SourceInfo] | None:
        """The section whose children live under ``parent``, if ``parent`` is a header."""
        if not parent.isValid() or parent.internalId() != _TOP or parent.column() != 0:
            return None
        if parent.row() == _ROW_TAGS:
            return self._tags
        if parent.row() == _ROW_SOURCES:
            return self._sources
        if parent.row() == _ROW_SAVED:
            return self._saved
        return None

    def _is_header(self, index: QModelIndex | QPersistentModelIndex) -> bool:
        return index.internalId() == _TOP and index.row() in (_ROW_SAVED, _ROW_TAGS,
                                                              _ROW_SOURCES)

    def _info(self, index: QModelIndex | QPersistentModelIndex) -> _RowInfo | None:
        row, section = index.row(), index.internalId()
        if section == _TOP:
            return self._top_info(row)
        if section == _IN_TAGS and 0 <= row < len(self._tags.items):
            return self._tag_info(self._tags.items[row])
        if section == _IN_SOURCES and 0 <= row < len(self._sources.items):
            return self._source_info(self._sources.items[row])
        if section == _IN_SAVED and 0 <= row < len(self._saved.items):
            saved = self._saved.items[row]
            return _RowInfo(saved.name, saved.count, saved.unread,
                            FilterChoice("saved", saved.name),
                            f"{_articles(saved.count)}, {saved.unread} unread")
        return None

    def _top_info(self, row: int) -> _RowInfo | None:
        totals = self._totals
        if row == _ROW_ALL:
            return _RowInfo(
                "All articles",
                totals.articles,
                totals.unread,
                ALL_ARTICLES,
                f"{_articles(totals.articles)}, {totals.unread} unread",
            )
        if row == _ROW_UNREAD:
            # count == unread: the delegate shows one bold number, not "12 / 12".
            return _RowInfo(
                "Unread",
                totals.unread,
                totals.unread,
                FilterChoice("unread"),
                f"{totals.unread} unread of {_articles(totals.articles)}",
            )
        if row == _ROW_BOOKMARKED:
            return _RowInfo(
                "Bookmarked",
                totals.bookmarked,
                None,
                FilterChoice("bookmarked"),
                f"{_articles(totals.bookmarked)} bookmarked",
            )
        if row == _ROW_SAVED:
            return _RowInfo("Saved searches", None, None, None, None)
        if row == _ROW_TAGS:
            return _RowInfo("Tags", None, None, None, None)
        if row == _ROW_SOURCES:
            return _RowInfo("Sources", None, None, None, None)
        return None

    @staticmethod
    def _tag_info(tag: TagCount) -> _RowInfo:
        return _RowInfo(
            tag.name,
            tag.count,
            tag.unread,
            FilterChoice("tag", tag.name),
            f"{_articles(tag.count)}, {tag.unread} unread",
        )

    @staticmethod
    def _source_info(source: SourceInfo) -> _RowInfo:
        title = _source_title(source)
        lines = [f"{_articles(source.article_count)}, {source.unread_count} unread"]
        if source.url:
            lines.insert(0, source.url)
        if source.last_synced is not None:
            lines.append(f"Last synced {source.last_synced:%Y-%m-%d %H:%M}")
        if source.last_error:
            lines.append(f"Last sync failed: {source.last_error}")
        return _RowInfo(
            title,
            source.article_count,
            source.unread_count,
            FilterChoice("source", source.id, title),
            "\n".join(lines),
            source.last_error or None,
        )

    def _merge(self, section: _Section[T], new_items: Sequence[T],
               order: SortOrder | None = None) -> None:
        """Turn ``section.items`` into ``new_items`` (sorted) with the fewest signals.

        Removals first (bottom-up), then re-counts as dataChanged, then a layout change only
        if the survivors' order changed (sorting by count), then inserts top-down: after the
        first three steps the survivors are in their final relative order, so each insert
        position in the final list is also a valid position in the current one.
        """
        parent = self.index(section.header_row, 0)
        wanted: dict[Hashable, T] = {section.key(item): item for item in new_items}
        ordered = sorted(wanted.values(), key=section.sort_key(order or self._sort))

        gone = [row for row, item in enumerate(section.items) if section.key(item) not in wanted]
        for first, last in reversed(_runs(gone)):
            self.beginRemoveRows(parent, first, last)
            del section.items[first : last + 1]
            self.endRemoveRows()

        changed: list[int] = []
        for row, item in enumerate(section.items):
            fresh = wanted[section.key(item)]
            if fresh != item:
                section.items[row] = fresh
                changed.append(row)
        for first, last in _runs(changed):
            self.dataChanged.emit(self.index(first, 0, parent), self.index(last, 0, parent), [])

        kept = {section.key(item) for item in section.items}
        survivors = [item for item in ordered if section.key(item) in kept]
        self._reorder(section, survivors)

        added = [row for row, item in enumerate(ordered) if section.key(item) not in kept]
        for first, last in _runs(added):
            self.beginInsertRows(parent, first, last)
            section.items[first:first] = ordered[first : last + 1]
            self.endInsertRows()

    def _reorder(self, section: _Section[T], target: list[T]) -> None:
        """Show ``section`` in ``target`` order (same items), moving persistent indexes along."""
        if [section.key(i) for i in target] == [section.key(i) for i in section.items]:
            return
        parents = [QPersistentModelIndex(self.index(section.header_row, 0))]
        hint = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
        _full_layout_signal(self.layoutAboutToBeChanged).emit(parents, hint)
        new_row = {section.key(item): row for row, item in enumerate(target)}
        moved_from: list[QModelIndex] = []
        moved_to: list[QModelIndex] = []
        for persistent in self.persistentIndexList():
            if persistent.internalId() != section.internal_id:
                continue
            key = section.key(section.items[persistent.row()])
            moved_from.append(persistent)
            moved_to.append(
                self.createIndex(new_row[key], persistent.column(), section.internal_id)
            )
        section.items = list(target)
        self.changePersistentIndexList(moved_from, moved_to)
        _full_layout_signal(self.layoutChanged).emit(parents, hint)


def _mix(a: QColor, b: QColor, amount: float) -> QColor:
    """``a`` moved ``amount`` of the way towards ``b``: a muted ink that follows the palette."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * amount,
        a.greenF() + (b.greenF() - a.greenF()) * amount,
        a.blueF() + (b.blueF() - a.blueF()) * amount,
    )


class TagFilterDelegate(QStyledItemDelegate):
    """Paints a row as: name (elided) on the left, counts right-aligned.

    Unread counts are bold in the text colour and totals muted, so "what's new" stands out:
    ``12 / 340`` (12 unread of 340), just ``340`` muted when nothing is unread, just ``12``
    bold when everything is. Section headers are small caps, bold and muted. Sources whose
    last sync failed get the style's warning icon before their counts. All colours come from
    the palette, so light and dark themes both work.
    """

    _PAD = 10
    _CHILD_INDENT = 12
    _GAP = 8

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        height = option.fontMetrics.height()
        if index.data(CHOICE_ROLE) is None:
            return QSize(0, height + 18)  # extra room above: separates the sections
        return QSize(0, height + 12)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        # Not ``opt.widget``: PySide6 6.12 returns None from it without taking a reference,
        # and enough paints later Python aborts with "none_dealloc" (seen scrolling 10,000
        # rows). The delegate's parent is the view it paints for.
        parent = self.parent()
        widget: QWidget | None = parent if isinstance(parent, QWidget) else None
        style = widget.style() if widget is not None else QApplication.style()
        state: QStyle.StateFlag = opt.state
        palette: QPalette = opt.palette
        rect: QRect = opt.rect
        font: QFont = opt.font

        enabled = widget.isEnabled() if widget is not None else True
        if not enabled:
            group = QPalette.ColorGroup.Disabled
        elif state & QStyle.StateFlag.State_Active:
            group = QPalette.ColorGroup.Active
        else:
            group = QPalette.ColorGroup.Inactive
        selected = bool(state & QStyle.StateFlag.State_Selected)
        ink = palette.color(
            group,
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text,
        )
        paper = palette.color(
            group, QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base
        )
        muted = _mix(ink, paper, 0.3 if selected else 0.45)

        painter.save()
        try:
            choice = index.data(CHOICE_ROLE)
            if choice is None:
                self._paint_header(painter, rect, font, muted, str(index.data() or ""))
                return
            opt.text = ""
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
            indent = self._CHILD_INDENT if index.parent().isValid() else 0
            inner = rect.adjusted(self._PAD + indent, 0, -self._PAD, 0)
            right = inner.right()

            count = index.data(COUNT_ROLE)
            unread = index.data(UNREAD_ROLE)
            bold = QFont(font)
            bold.setBold(True)
            locale = opt.locale
            pieces: list[tuple[str, QFont, QColor]] = []
            if isinstance(count, int):
                if isinstance(unread, int) and unread > 0:
                    pieces.append((locale.toString(unread), bold, ink))
                    if unread != count:
                        pieces.append((f" / {locale.toString(count)}", font, muted))
                else:
                    pieces.append((locale.toString(count), font, muted))
            name = str(index.data() or "")
            icon_size = min(16, inner.height() - 4) if index.data(ERROR_ROLE) else 0
            icon_room = icon_size + self._GAP // 2 if icon_size else 0

            def name_room() -> int:
                counts = sum(QFontMetrics(f).horizontalAdvance(t) for t, f, _ in pieces)
                return max(0, inner.width() - counts - icon_room - self._GAP)

            # In a narrow pane the name matters more than the total (the tooltip has it).
            wanted = min(QFontMetrics(font).horizontalAdvance(name), inner.width() * 55 // 100)
            if len(pieces) > 1 and name_room() < wanted:
                pieces.pop()
            name_width = name_room()

            for text, piece_font, colour in reversed(pieces):
                painter.setFont(piece_font)
                painter.setPen(colour)
                width = painter.fontMetrics().horizontalAdvance(text)
                painter.drawText(
                    QRect(right - width + 1, inner.top(), width, inner.height()),
                    Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                    text,
                )
                right -= width

            if icon_size:
                right -= icon_room
                icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning, None, widget)
                top = inner.top() + (inner.height() - icon_size) // 2
                icon.paint(painter, QRect(right, top, icon_size, icon_size))

            painter.setFont(font)
            painter.setPen(ink)
            painter.drawText(
                QRect(inner.left(), inner.top(), name_width, inner.height()),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, name_width),
            )
        finally:
            painter.restore()

    def _paint_header(
        self, painter: QPainter, rect: QRect, font: QFont, colour: QColor, text: str
    ) -> None:
        header_font = QFont(font)
        header_font.setBold(True)
        header_font.setCapitalization(QFont.Capitalization.SmallCaps)
        header_font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
        painter.setFont(header_font)
        painter.setPen(colour)
        inner = rect.adjusted(self._PAD, 0, -self._PAD, -5)
        painter.drawText(
            inner,
            Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft,
            painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, inner.width()),
        )


class TagFilterView(QTreeView):
    """Shows a TagFilterModel and reports what the user picks; it never queries anything.

    ``choice_changed`` fires once per real change of choice, by keyboard, mouse or
    ``select``. Model updates do not fire it while the chosen row survives them (persistent
    indexes keep it selected); when the chosen tag or source disappears, the selection falls
    back to "All articles" and ``choice_changed`` fires once with that.

    Renaming and merging are the main window's job: the context menu only emits requests.
    Sorting is pure presentation, so the view applies it to the model itself and reports it
    with ``sort_changed`` for the main window to remember.
    """

    choice_changed = Signal(object)
    rename_requested = Signal(str)
    merge_requested = Signal(str)
    #: (what, saved search name): "rename", "edit" or "delete".
    saved_requested = Signal(str, str)
    #: A row's "Mark all read": its FilterChoice.
    mark_read_requested = Signal(object)
    sort_changed = Signal(str)

    def __init__(self, model: TagFilterModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._choice: FilterChoice = ALL_ARTICLES
        self._quiet = False  # True while the selection moves for reasons other than the user
        self._anchor: tuple[FilterChoice | int, int, int] | None = None
        self.setModel(model)
        self.setItemDelegate(TagFilterDelegate(self))
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setItemsExpandable(False)
        self.setExpandsOnDoubleClick(False)
        self.setIndentation(0)  # the delegate indents children, so highlights span the row
        self.setUniformRowHeights(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.expandAll()
        self.selectionModel().currentChanged.connect(self._on_current_changed)
        model.update_started.connect(self._on_update_started)
        model.update_finished.connect(self._on_update_finished)
        self._move_quietly(model.index_for(ALL_ARTICLES))

    # --- public API ---------------------------------------------------------------------------

    def select(self, choice: FilterChoice) -> None:
        """Select ``choice`` (e.g. restoring the last session) and emit ``choice_changed``.

        Emits even when ``choice`` is already selected, so the caller can rely on one signal
        to load the matching list. A tag or source that is no longer shown selects "All
        articles" instead.
        """
        index = self._model.index_for(choice)
        if not index.isValid():
            choice, index = ALL_ARTICLES, self._model.index_for(ALL_ARTICLES)
        self._move_quietly(index)
        self.scrollTo(index)
        shown = index.data(CHOICE_ROLE)
        self._emit(shown if isinstance(shown, FilterChoice) else choice)

    def current_choice(self) -> FilterChoice:
        return self._choice

    def build_context_menu(self, index: QModelIndex | QPersistentModelIndex) -> QMenu:
        """The context menu for ``index`` (may be invalid: empty space); the caller owns it."""
        menu = QMenu(self)
        choice = index.data(CHOICE_ROLE) if index.isValid() else None
        if isinstance(choice, FilterChoice) and choice.kind != "bookmarked":
            menu.addAction("Mark all read").triggered.connect(
                lambda _checked=False: self.mark_read_requested.emit(choice))
            menu.addSeparator()
        if isinstance(choice, FilterChoice) and choice.kind == "tag":
            name = str(choice.value)

            def request_rename() -> None:
                self.rename_requested.emit(name)

            def request_merge() -> None:
                self.merge_requested.emit(name)

            menu.addAction("Rename…").triggered.connect(request_rename)
            menu.addAction("Merge into…").triggered.connect(request_merge)
            menu.addSeparator()
        if isinstance(choice, FilterChoice) and choice.kind == "saved":
            saved = str(choice.value)
            for what, text in (("rename", "Rename…"), ("edit", "Edit the search…"),
                               ("delete", "Delete")):
                menu.addAction(text).triggered.connect(
                    lambda _checked=False, what=what: self.saved_requested.emit(what, saved))
            return menu  # sorting is for tags and sources
        group = QActionGroup(menu)
        group.setExclusive(True)
        orders: tuple[tuple[SortOrder, str], ...] = (
            ("name", "Sort by name"),
            ("count", "Sort by count"),
        )
        for by, text in orders:
            action = QAction(text, menu)
            action.setCheckable(True)
            action.setChecked(self._model.sort_order == by)
            action.setData(by)
            group.addAction(action)
            menu.addAction(action)
            action.triggered.connect(self._sort_action(by))
        return menu

    # --- Qt overrides -------------------------------------------------------------------------

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.build_context_menu(self.indexAt(event.pos()))
        menu.exec(event.globalPos())
        menu.deleteLater()

    def selectionCommand(
        self, index: QModelIndex | QPersistentModelIndex, event: QEvent | None = None
    ) -> QItemSelectionModel.SelectionFlag:
        """Keep exactly one row selected: no deselecting by Ctrl+click or clicking empty space.

        A filter pane with nothing selected would show a list that matches no row.
        """
        if not index.isValid() or not self._model.flags(index) & Qt.ItemFlag.ItemIsSelectable:
            return QItemSelectionModel.SelectionFlag.NoUpdate
        command = super().selectionCommand(index, event)
        if command & QItemSelectionModel.SelectionFlag.Deselect:
            return (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
        return command

    # --- internals ----------------------------------------------------------------------------

    def _sort_action(self, by: SortOrder) -> Callable[[], None]:
        def apply() -> None:
            if self._model.sort_order == by:
                return
            self._model.set_sort(by)
            self.scrollTo(self.currentIndex())
            self.sort_changed.emit(by)

        return apply

    def _move_quietly(self, index: QModelIndex, *, scroll: bool = True) -> None:
        """Select ``index`` without reporting it; ``scroll=False`` leaves the scroll position
        alone (Qt's auto-scroll would otherwise bring the row into view)."""
        self._quiet = True
        auto = self.hasAutoScroll()
        self.setAutoScroll(scroll and auto)
        try:
            self.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        finally:
            self.setAutoScroll(auto)
            self._quiet = False

    def _emit(self, choice: FilterChoice) -> None:
        self._choice = choice
        self.choice_changed.emit(choice)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._quiet:
            return
        choice = current.data(CHOICE_ROLE) if current.isValid() else None
        if isinstance(choice, FilterChoice) and choice != self._choice:
            self._emit(choice)

    def _on_update_started(self) -> None:
        # When the chosen row is removed, QItemSelectionModel moves the current index to a
        # neighbour; that is not the user's choice, so stay quiet until the update is done.
        self._quiet = True
        self._anchor = self._top_row()

    def _on_update_finished(self) -> None:
        self._quiet = False
        anchor, self._anchor = self._anchor, None
        index = self._model.index_for(self._choice)
        if index.isValid():
            if index != self.currentIndex():
                self._move_quietly(index, scroll=False)
            fresh = index.data(CHOICE_ROLE)
            if isinstance(fresh, FilterChoice):
                self._choice = fresh  # equal, but its label follows a renamed source
            self._keep_place(anchor)
            return
        index = self._model.index_for(ALL_ARTICLES)
        self._move_quietly(index, scroll=False)
        self._keep_place(anchor)
        self._emit(ALL_ARTICLES)

    def _top_row(self) -> tuple[FilterChoice | int, int, int] | None:
        """What is at the top of the viewport (a choice, or a header's row), how far down it
        sits, and the scroll value: tags appearing above it must not move what the reader
        sees (a sync adds tags all the time)."""
        index = self.indexAt(QPoint(1, 1))
        if not index.isValid():
            return None
        choice = index.data(CHOICE_ROLE)
        key: FilterChoice | int = choice if isinstance(choice, FilterChoice) else index.row()
        return key, self.visualRect(index).top(), self.verticalScrollBar().value()

    def _keep_place(self, anchor: tuple[FilterChoice | int, int, int] | None) -> None:
        if anchor is None:
            return
        key, top, value = anchor
        index = (self._model.index_for(key) if isinstance(key, FilterChoice)
                 else self._model.index(key, 0))
        self.doItemsLayout()
        bar = self.verticalScrollBar()
        if not index.isValid():
            bar.setValue(value)
            return
        bar.setValue(bar.value() + self.visualRect(index).top() - top)
