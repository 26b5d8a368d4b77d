"""The left pane: a tree of filters (all, unread, bookmarked, saved searches, tags, sources in
their folders) with live counts."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeAlias, TypeVar, cast, get_args, overload

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelectionModel,
    QMimeData,
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
    QKeyEvent,
    QMouseEvent,
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
from ui.sidebar_contents import TOP_TAGS, FolderRow, folder_rows, pick_sources, pick_tags

ChoiceKind: TypeAlias = Literal["all", "unread", "bookmarked", "saved", "tag", "folder",
                                "source"]
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
ACTION_ROLE = Qt.ItemDataRole.UserRole + 5
"""str | None: "all_tags" on the row that opens the All tags dialog."""
SOURCE_MIME = "application/x-broadsheet-source-ids"
"""Dragged sources: their ids, comma-separated."""


@dataclass(frozen=True, slots=True)
class FilterChoice:
    """What the user picked in the left pane, as a value the main window can act on or persist.

    ``value`` is the tag name for ``"tag"``, the folder name for ``"folder"``, the saved
    search's name for ``"saved"``, the source id for ``"source"`` and None otherwise.
    ``label`` is only for display (the status bar) and takes no part in equality, so a choice
    restored from settings as ``FilterChoice("source", 3)`` equals the model's titled one.
    """

    kind: ChoiceKind
    value: str | int | None = None
    label: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown filter kind {self.kind!r}")
        if self.kind in ("tag", "saved", "folder"):
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
            case "folder":
                return f"Folder: {self.value}"
            case _:
                return f"Source {self.value}"

    def query(self) -> str:
        """The search-language fragment for this choice.

        Tags are always quoted so a name with spaces, parentheses or a leading ``-`` reads back
        as one tag. A folder is its sources' source tag, so it is that tag's query: read from
        the tag's index, as fast as a tag. Sources give "": a source title need not be unique,
        so the caller filters by ``value`` (the id) instead.
        """
        match self.kind:
            case "unread":
                return "is:unread"
            case "bookmarked":
                return "is:bookmarked"
            case "tag" | "saved" | "folder":
                assert isinstance(self.value, str)
                escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
                return f'{"saved" if self.kind == "saved" else "tag"}:"{escaped}"'
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
_MORE = 4  # the "All tags…" row at the end of the Tags section
_FIRST_FOLDER = 100  # a folder's children carry its id, from here up


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
    """The children of one section header (or of one folder), kept in display order.

    ``key`` identifies an item across updates (tag name, source id), so a re-count is a
    dataChanged on the same row and never a remove + insert. ``group`` sorts before the name
    or count (folders before the sources outside any folder). ``parent_index`` finds the row
    the children hang under, which for a folder moves as folders come and go.
    """

    def __init__(
        self,
        parent_index: Callable[[], QModelIndex],
        internal_id: int,
        key: Callable[[T], Hashable],
        name: Callable[[T], str],
        count: Callable[[T], int],
        group: Callable[[T], int] = lambda _item: 0,
    ) -> None:
        self.parent_index = parent_index
        self.internal_id = internal_id
        self.key = key
        self.name = name
        self.count = count
        self.group = group
        self.items: list[T] = []

    def sort_key(self, order: SortOrder) -> Callable[[T], tuple[object, ...]]:
        if order == "count":
            return lambda item: (self.group(item), -self.count(item), self.name(item).casefold(),
                                 self.name(item))
        return lambda item: (self.group(item), self.name(item).casefold(), self.name(item))

    def row_of(self, key: Hashable) -> int:
        for row, item in enumerate(self.items):
            if self.key(item) == key:
                return row
        return -1


def _source_title(source: SourceInfo) -> str:
    return source.title.strip() or source.url or f"Source {source.id}"


_SourceRow: TypeAlias = SourceInfo | FolderRow


def _source_key(item: _SourceRow) -> Hashable:
    return ("f", item.name.casefold()) if isinstance(item, FolderRow) else ("s", item.id)


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
    action: str | None = None


class TagFilterModel(QAbstractItemModel):
    """A tree: fixed filters, then the Saved searches, Tags and Sources sections; sources in a
    folder hang under the folder's row.

    The model only holds what ``set_contents`` gave it; it never queries the archive. Which
    of those rows it lists follows ``ui.sidebar_contents`` (the most used tags, the filter
    typed in the pane, the "Tags from sources" preference); the full lists stay here for the
    All tags dialog and pickers. Updates are applied in place (dataChanged / row inserts and
    removes / a layout change for re-sorting, never a reset) because they arrive after every
    read or bookmark toggle, and a reset would make the view lose its selection and scroll
    position.

    ``update_started`` and ``update_finished`` bracket each update so a view can tell row
    removals made by an update apart from the user moving the selection. Dropping sources
    on a folder (or on the Sources header) changes nothing here: it asks, with
    ``move_requested(source_id, folder or None)``.
    """

    update_started = Signal()
    update_finished = Signal()
    move_requested = Signal(int, object)

    COUNT_ROLE = COUNT_ROLE
    UNREAD_ROLE = UNREAD_ROLE
    CHOICE_ROLE = CHOICE_ROLE
    ERROR_ROLE = ERROR_ROLE

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._totals = ArchiveTotals(articles=0, unread=0, bookmarked=0)
        self._sort: SortOrder = "name"
        self._tags: _Section[TagCount] = _Section(
            lambda: self.index(_ROW_TAGS, 0), _IN_TAGS,
            key=lambda t: t.name, name=lambda t: t.name, count=lambda t: t.count)
        self._sources: _Section[_SourceRow] = _Section(
            lambda: self.index(_ROW_SOURCES, 0), _IN_SOURCES, key=_source_key,
            name=lambda s: s.name if isinstance(s, FolderRow) else _source_title(s),
            count=lambda s: s.count if isinstance(s, FolderRow) else s.article_count,
            group=lambda s: 0 if isinstance(s, FolderRow) else 1)
        #: Saved searches keep their own (name) order whatever the tags are sorted by.
        self._saved: _Section[TagCount] = _Section(
            lambda: self.index(_ROW_SAVED, 0), _IN_SAVED,
            key=lambda t: t.name, name=lambda t: t.name, count=lambda t: t.count)
        #: Each folder's sources, by the folder's casefolded name; and that name by the
        #: internal id its children carry.
        self._folders: dict[str, _Section[SourceInfo]] = {}
        self._folder_keys: dict[int, str] = {}
        self._next_folder_id = _FIRST_FOLDER
        self._all_tags: list[TagCount] = []
        self._all_sources: list[SourceInfo] = []
        self._more = 0  # the All tags row's count, 0 while it is not shown
        self._filter = ""
        self._tag_sources = True
        #: The chosen row and the one chosen before it: both stay listed (see ``keep``).
        self._kept: tuple[FilterChoice, ...] = ()

    # --- public API ---------------------------------------------------------------------------

    @property
    def sort_order(self) -> SortOrder:
        return self._sort

    @property
    def filter_text(self) -> str:
        return self._filter

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
            self._all_tags = list({t.name: t for t in tags}.values())
            self._all_sources = list({s.id: s for s in sources}.values())
            self._show()
        finally:
            self.update_finished.emit()

    def set_filter(self, text: str) -> None:
        """List every tag and source whose name holds ``text`` ("" for the usual rows)."""
        if text != self._filter:
            self._filter = text
            self._update()

    def set_tag_sources(self, shown: bool) -> None:
        """The "Tags from sources" preference: False lists only tags made by hand."""
        if shown != self._tag_sources:
            self._tag_sources = shown
            self._update()

    def keep(self, choice: FilterChoice) -> None:
        """List ``choice`` whatever the rules say (the chosen row never vanishes under the
        reader, and a tag picked from All tags gets a row to select). The one chosen before
        stays too, until the next choice: it is still the view's choice while this update
        runs, and its row going would send the reader to All articles on the way."""
        self._kept = (choice, *self._kept[:1]) if choice not in self._kept[:1] else self._kept
        if choice.kind in ("tag", "source", "folder") and not self.index_for(choice).isValid():
            self._update()

    def set_sort(self, by: SortOrder) -> None:
        """Order tags and sources by name (case-insensitive) or by count (descending, then name).

        A layout change, so persistent indexes (the view's selection) follow their rows.
        """
        if by not in _SORT_ORDERS:
            raise ValueError(f"cannot sort by {by!r}")
        if by == self._sort:
            return
        self._sort = by
        self._resort(self._tags, by)
        self._resort(self._sources, by)
        for folder in self._folders.values():
            self._resort(folder, by)

    def _resort(self, section: _Section[T], by: SortOrder) -> None:
        self._reorder(section, sorted(section.items, key=section.sort_key(by)))

    def saved_names(self) -> list[str]:
        return [saved.name for saved in self._saved.items]

    def tag_names(self) -> list[str]:
        """Every tag, listed or not (for pickers such as "Merge into…")."""
        return [tag.name for tag in self._all_tags]

    def all_tags(self) -> list[TagCount]:
        """Every tag with its counts, by name (the All tags dialog)."""
        return sorted(self._all_tags, key=lambda t: (t.name.casefold(), t.name))

    def folder_names(self) -> list[str]:
        return sorted({s.folder for s in self._all_sources if s.folder}, key=str.casefold)

    def source(self, source_id: int) -> SourceInfo | None:
        return next((s for s in self._all_sources if s.id == source_id), None)

    def index_for(self, choice: FilterChoice) -> QModelIndex:
        """The row for ``choice``, or an invalid index when that row is not listed."""
        match choice.kind:
            case "all":
                return self.index(_ROW_ALL, 0)
            case "unread":
                return self.index(_ROW_UNREAD, 0)
            case "bookmarked":
                return self.index(_ROW_BOOKMARKED, 0)
            case "folder":
                return self._folder_index(str(choice.value).casefold())
            case "source":
                row = self._sources.row_of(("s", choice.value))
                if row >= 0:
                    return self.createIndex(row, 0, _IN_SOURCES)
                for folder in self._folders.values():
                    row = folder.row_of(choice.value)
                    if row >= 0:
                        return self.createIndex(row, 0, folder.internal_id)
                return QModelIndex()
            case "tag":
                section: _Section[TagCount] = self._tags
            case _:
                section = self._saved
        row = section.row_of(choice.value)
        if row < 0:
            return QModelIndex()
        return self.createIndex(row, 0, section.internal_id)

    def all_tags_index(self) -> QModelIndex:
        """The "All tags…" row (invalid while every tag is listed)."""
        if not self._more:
            return QModelIndex()
        return self.createIndex(len(self._tags.items), 0, _MORE)

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
        if section is self._tags and row == len(section.items) and self._more:
            return self.createIndex(row, 0, _MORE)
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
        if section in (_IN_TAGS, _MORE):
            return self.createIndex(_ROW_TAGS, 0, _TOP)
        if section == _IN_SOURCES:
            return self.createIndex(_ROW_SOURCES, 0, _TOP)
        if section == _IN_SAVED:
            return self.createIndex(_ROW_SAVED, 0, _TOP)
        if section >= _FIRST_FOLDER and section in self._folder_keys:
            return self._folder_index(self._folder_keys[section])
        return QModelIndex()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        if not parent.isValid():
            return _TOP_LEVEL_ROWS
        section = self._section_under(parent)
        if section is None:
            return 0
        return len(section.items) + (1 if section is self._tags and self._more else 0)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 1

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._is_header(index):
            # Not even enabled: QTreeView's cursor movement skips disabled rows, so Up/Down
            # step over the headers instead of stopping on a row that selects nothing. The
            # Sources header takes dropped sources: out of their folder.
            return Qt.ItemFlag.ItemIsDropEnabled if index.row() == _ROW_SOURCES \
                else Qt.ItemFlag.NoItemFlags
        if index.internalId() == _MORE:
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
        usable = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._folder_key_at(index) is not None:
            return usable | Qt.ItemFlag.ItemIsDropEnabled
        if index.internalId() == _IN_SOURCES or index.internalId() >= _FIRST_FOLDER:
            return usable | Qt.ItemFlag.ItemNeverHasChildren | Qt.ItemFlag.ItemIsDragEnabled
        return usable | Qt.ItemFlag.ItemNeverHasChildren

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
        if role == ACTION_ROLE:
            return info.action
        return None

    # --- dragging sources onto folders ------------------------------------------------------

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [SOURCE_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        data = QMimeData()
        ids = [choice.value for index in indexes
               if isinstance(choice := index.data(CHOICE_ROLE), FilterChoice)
               and choice.kind == "source"]
        data.setData(SOURCE_MIME, ",".join(str(i) for i in ids).encode())
        return data

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: QModelIndex | QPersistentModelIndex) -> bool:
        return data.hasFormat(SOURCE_MIME) and not isinstance(self._drop_target(parent), bool)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: QModelIndex | QPersistentModelIndex) -> bool:
        """Ask for the dropped sources to move into the folder dropped on (or out of any,
        dropped on the Sources header); the move arrives later with the new counts."""
        target = self._drop_target(parent)
        if not data.hasFormat(SOURCE_MIME) or isinstance(target, bool):
            return False
        raw = bytes(data.data(SOURCE_MIME).data()).decode(errors="replace")
        for part in raw.split(","):
            found = self.source(int(part)) if part.strip().isdigit() else None
            if found is not None and (found.folder or "").casefold() != \
                    (target or "").casefold():
                self.move_requested.emit(found.id, target)
        return True

    def _drop_target(self, parent: QModelIndex | QPersistentModelIndex) -> str | bool | None:
        """The folder a drop on ``parent`` means, None for "no folder", False for no drop."""
        if parent.isValid() and parent.internalId() == _TOP and parent.row() == _ROW_SOURCES:
            return None
        key = self._folder_key_at(parent)
        if key is None:
            return False
        item = self._sources.items[parent.row()]
        return item.name if isinstance(item, FolderRow) else False

    # --- internals ----------------------------------------------------------------------------

    def _update(self) -> None:
        self.update_started.emit()
        try:
            self._show()
        finally:
            self.update_finished.emit()

    def _show(self) -> None:
        """List what ``ui.sidebar_contents`` picks from the full lists."""
        kept = self._kept
        tags = pick_tags(self._all_tags, text=self._filter, limit=TOP_TAGS,
                         from_sources=self._tag_sources,
                         keep={str(c.value) for c in kept if c.kind == "tag"})
        more = len(self._all_tags) if len(tags) < len(self._all_tags) and \
            not self._filter.strip() else 0
        sources = pick_sources(self._all_sources, text=self._filter,
                               keep={c.value for c in kept if c.kind in ("source", "folder")
                                     and c.value is not None})
        self._show_tags(tags, more)
        self._show_sources(sources)

    def _show_tags(self, tags: Sequence[TagCount], more: int) -> None:
        parent = self.index(_ROW_TAGS, 0)
        if self._more and not more:
            last = len(self._tags.items)
            self.beginRemoveRows(parent, last, last)
            self._more = 0
            self.endRemoveRows()
        self._merge(self._tags, tags)
        if more and not self._more:
            last = len(self._tags.items)
            self.beginInsertRows(parent, last, last)
            self._more = more
            self.endInsertRows()
        elif more != self._more:
            self._more = more
            shown = self.all_tags_index()
            self.dataChanged.emit(shown, shown, [])

    def _show_sources(self, sources: Sequence[SourceInfo]) -> None:
        inside: dict[str, list[SourceInfo]] = {}
        for source in sources:
            if source.folder is not None:
                inside.setdefault(source.folder.casefold(), []).append(source)
        for key in inside:
            if key not in self._folders:  # an empty section first: the row is inserted bare
                folder_id, self._next_folder_id = self._next_folder_id, self._next_folder_id + 1
                self._folders[key] = _Section(
                    lambda key=key: self._folder_index(key), folder_id,  # type: ignore[misc]
                    key=lambda s: s.id, name=_source_title, count=lambda s: s.article_count)
                self._folder_keys[folder_id] = key
        rows: list[_SourceRow] = [*folder_rows(sources)]
        rows += [s for s in sources if s.folder is None]
        self._merge(self._sources, rows)
        for key, section in list(self._folders.items()):
            if key in inside:
                self._merge(section, inside[key])
            else:  # its row is gone, and its children with it
                del self._folders[key]
                del self._folder_keys[section.internal_id]

    def _folder_index(self, key: str) -> QModelIndex:
        row = self._sources.row_of(("f", key))
        return self.createIndex(row, 0, _IN_SOURCES) if row >= 0 else QModelIndex()

    def _folder_key_at(self, index: QModelIndex | QPersistentModelIndex) -> str | None:
        if not index.isValid() or index.internalId() != _IN_SOURCES:
            return None
        items = self._sources.items
        item = items[index.row()] if 0 <= index.row() < len(items) else None
        return item.name.casefold() if isinstance(item, FolderRow) else None

    def _section_under(
        self, parent: QModelIndex | QPersistentModelIndex
    ) -> _Section[TagCount] | _Section[_SourceRow] | _Section[SourceInfo] | None:
        """The section whose children live under ``parent``, if ``parent`` has children."""
        if not parent.isValid() or parent.column() != 0:
            return None
        key = self._folder_key_at(parent)
        if key is not None:
            return self._folders.get(key)
        if parent.internalId() != _TOP:
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
        if section == _MORE and self._more:
            return _RowInfo(f"All tags… ({self._more:,})", None, None, None,
                            f"All {self._more:,} tags, with a filter box", action="all_tags")
        if section == _IN_SOURCES and 0 <= row < len(self._sources.items):
            item = self._sources.items[row]
            return self._folder_info(item) if isinstance(item, FolderRow) \
                else self._source_info(item)
        if section == _IN_SAVED and 0 <= row < len(self._saved.items):
            saved = self._saved.items[row]
            return _RowInfo(saved.name, saved.count, saved.unread,
                            FilterChoice("saved", saved.name),
                            f"{_articles(saved.count)}, {saved.unread} unread")
        folder = self._folders.get(self._folder_keys.get(section, ""))
        if folder is not None and 0 <= row < len(folder.items):
            return self._source_info(folder.items[row])
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
    def _folder_info(folder: FolderRow) -> _RowInfo:
        some = f"{folder.sources} source" + ("" if folder.sources == 1 else "s")
        return _RowInfo(folder.name, folder.count, folder.unread,
                        FilterChoice("folder", folder.name),
                        f"Folder: {some}; {_articles(folder.count)}, {folder.unread} unread")

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
        parent = section.parent_index()
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
        parents = [QPersistentModelIndex(section.parent_index())]
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
    bold when everything is. Section headers are small caps, bold and muted; they and folders
    show ▾ when open and ▸ when closed. Sources whose last sync failed get the style's warning
    icon before their counts. All colours come from the palette, so light and dark themes both work.
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
            action = index.data(ACTION_ROLE)
            opens = self._disclosure(index)
            if choice is None and action is None:
                self._paint_header(painter, rect, font, muted, f"{opens} {index.data() or ''}")
                return
            opt.text = ""
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
            depth, above = 0, index.parent()
            while above.isValid():
                depth, above = depth + 1, above.parent()
            inner = rect.adjusted(self._PAD + self._CHILD_INDENT * depth, 0, -self._PAD, 0)
            if action is not None:
                ink = muted
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
            name = f"{opens} {index.data() or ''}" if opens else str(index.data() or "")
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

    def _disclosure(self, index: QModelIndex | QPersistentModelIndex) -> str:
        """▾ before a header or folder that is open, ▸ before a closed one, else ""."""
        view = self.parent()
        model = index.model()
        if not isinstance(view, QTreeView) or model is None or \
                model.flags(index) & Qt.ItemFlag.ItemNeverHasChildren:
            return ""
        return "▾" if view.isExpanded(index) else "▸"

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

    Renaming, merging, deleting and moving are other objects' jobs: the context menu (and a
    drop, through the model) only emits requests. Sorting and which sections or folders are
    open are pure presentation, so the view applies them itself and reports them
    (``sort_changed``, ``collapsed_changed``) for the settings to remember. A click on a
    header, or on a folder's ▸, opens or closes it; so do Left and Right on a folder.
    """

    choice_changed = Signal(object)
    rename_requested = Signal(str)
    merge_requested = Signal(str)
    #: (what, saved search name): "rename", "edit" or "delete".
    saved_requested = Signal(str, str)
    #: A row's "Mark all read": its FilterChoice.
    mark_read_requested = Signal(object)
    sort_changed = Signal(str)
    delete_tag_requested = Signal(str)
    #: (what, folder name): "rename" or "remove".
    folder_requested = Signal(str, str)
    move_source_requested = Signal(int)
    #: ("sync" | "settings" | "unsubscribe", source id), from a source's context menu.
    source_requested = Signal(str, int)
    all_tags_requested = Signal()
    #: The keys (see ``collapsed_keys``) of every closed section and folder.
    collapsed_changed = Signal(list)

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
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self._collapsed: set[str] = set()
        self._folders_seen: set[str] = set()
        self._open_all = False  # while a filter is typed: everything open, nothing remembered
        self._applying = False
        self.expandAll()
        self.expanded.connect(lambda index: self._opened(index, True))
        self.collapsed.connect(lambda index: self._opened(index, False))
        self.clicked.connect(self._on_clicked)
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
        self._model.keep(choice)
        index = self._model.index_for(choice)
        if not index.isValid():
            choice, index = ALL_ARTICLES, self._model.index_for(ALL_ARTICLES)
        self._reveal(index)
        self._move_quietly(index)
        self.scrollTo(index)
        shown = index.data(CHOICE_ROLE)
        self._emit(shown if isinstance(shown, FilterChoice) else choice)

    def show_saved_section(self, shown: bool) -> None:
        """No "Saved searches" header over nothing: it appears with the first one (Ctrl+S)."""
        if self.isRowHidden(_ROW_SAVED, QModelIndex()) == shown:
            self.setRowHidden(_ROW_SAVED, QModelIndex(), not shown)

    def current_choice(self) -> FilterChoice:
        return self._choice

    def collapsed_keys(self) -> list[str]:
        """Closed sections ("saved", "tags", "sources") and folders ("folder:" + casefolded
        name), sorted."""
        return sorted(self._collapsed)

    def set_collapsed(self, keys: Sequence[str]) -> None:
        """Close these sections and folders (remembered from last time), open the rest."""
        self._collapsed = set(keys)
        self._apply_collapsed()

    def open_all(self, on: bool) -> None:
        """Open every section and folder while ``on`` (a filter is typed) without
        remembering it; off again, the remembered state returns."""
        self._open_all = on
        self._apply_collapsed()

    def _key(self, index: QModelIndex | QPersistentModelIndex) -> str | None:
        choice = index.data(CHOICE_ROLE)
        if isinstance(choice, FilterChoice) and choice.kind == "folder":
            return f"folder:{str(choice.value).casefold()}"
        if choice is None and index.data(ACTION_ROLE) is None and not index.parent().isValid():
            return {_ROW_SAVED: "saved", _ROW_TAGS: "tags", _ROW_SOURCES: "sources"}.get(
                index.row())
        return None

    def _openable(self) -> list[QModelIndex]:
        sources = self._model.index(_ROW_SOURCES, 0)
        folders = [self._model.index(row, 0, sources)
                   for row in range(self._model.rowCount(sources))]
        return [self._model.index(row, 0) for row in (_ROW_SAVED, _ROW_TAGS, _ROW_SOURCES)] + \
            [index for index in folders if self._key(index) is not None]

    def _apply_collapsed(self) -> None:
        self._applying = True
        try:
            for index in self._openable():
                self.setExpanded(index, self._open_all or self._key(index) not in self._collapsed)
        finally:
            self._applying = False

    def _opened(self, index: QModelIndex, is_open: bool) -> None:
        key = self._key(index)
        if self._applying or self._open_all or key is None:
            return
        before = set(self._collapsed)
        (self._collapsed.discard if is_open else self._collapsed.add)(key)
        if self._collapsed != before:
            self.collapsed_changed.emit(self.collapsed_keys())

    def _toggle(self, index: QModelIndex) -> None:
        self.setExpanded(index, not self.isExpanded(index))

    def _reveal(self, index: QModelIndex) -> None:
        """Open the section (and folder) ``index`` is in, so a chosen row is seen — for
        now: closed it stays in the settings, as the reader left it."""
        above = index.parent()
        self._applying = True
        try:
            while above.isValid():
                if not self.isExpanded(above):
                    self.setExpanded(above, True)
                above = above.parent()
        finally:
            self._applying = False

    def _on_clicked(self, index: QModelIndex) -> None:
        if index.data(ACTION_ROLE) == "all_tags":
            self.all_tags_requested.emit()

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
            menu.addAction("Delete tag…").triggered.connect(
                lambda _checked=False: self.delete_tag_requested.emit(name))
            menu.addSeparator()
        if isinstance(choice, FilterChoice) and choice.kind == "folder":
            folder = str(choice.value)
            for what, text in (("rename", "Rename folder…"), ("remove", "Remove folder")):
                menu.addAction(text).triggered.connect(
                    lambda _checked=False, what=what: self.folder_requested.emit(what, folder))
            menu.addSeparator()
        if isinstance(choice, FilterChoice) and choice.kind == "source":
            source_id = int(choice.value or 0)
            menu.addAction("Move to folder…").triggered.connect(
                lambda _checked=False: self.move_source_requested.emit(source_id))
            for what, text in (("sync", "Sync now"), ("settings", "Source settings…"),
                               ("unsubscribe", "Unsubscribe…")):
                menu.addAction(text).triggered.connect(
                    lambda _checked=False, what=what: self.source_requested.emit(what,
                                                                                 source_id))
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
        index = self.indexAt(event.pos()) if event.reason() == QContextMenuEvent.Reason.Mouse \
            else self.currentIndex()  # the menu key: the chosen row's menu
        menu = self.build_context_menu(index)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and self._key(index) is not None:
            depth = 1 if index.parent().isValid() else 0
            glyph = TagFilterDelegate._PAD + TagFilterDelegate._CHILD_INDENT * depth + 16
            if depth == 0 or event.position().x() <= glyph:  # a header, or a folder's ▸
                self._toggle(index)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if self._key(index) is not None and index.parent().isValid():
            self._toggle(index)  # a folder
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        index = self.currentIndex()
        key = event.key()
        if index.data(ACTION_ROLE) == "all_tags" and key in (
                Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.all_tags_requested.emit()
            return
        if self._key(index) is not None and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.setExpanded(index, key == Qt.Key.Key_Right)
            return
        super().keyPressEvent(event)

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
        self._model.keep(choice)
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
        self._open_new_folders()
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

    def _open_new_folders(self) -> None:
        """A folder that just appeared opens, unless it was closed last time."""
        folders = {key: index for index in self._openable()
                   if (key := self._key(index) or "").startswith("folder:")}
        self._applying = True
        try:
            for key, index in folders.items():
                if key not in self._folders_seen:
                    self.setExpanded(index, self._open_all or key not in self._collapsed)
        finally:
            self._applying = False
        self._folders_seen = set(folders)

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
