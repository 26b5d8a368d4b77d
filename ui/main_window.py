"""The reader window: tag filter, headline list and article pane, with every action on a key.

The window assembles the parts and forwards: each user action is one operation
(``ui.operations``) run off the GUI thread, and every view refreshes from the ``Changes``
record the operation returns — or that ``ChangeWatcher`` reports for another process's
writes — keeping its selection and scroll position. Nothing here reads the archive.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from reader.archive import Archive
from reader.archive.watch import ChangeWatch
from reader.records import Changes
from ui import dialogs
from ui.adding import Adder
from ui.article_actions import ArticleActions
from ui.article_view import ArticleView
from ui.change_watcher import ChangeWatcher
from ui.counts import CountKeeper
from ui.exporting import Exporter, export_scope
from ui.headlines import HeadlineModel, HeadlineView
from ui.navigation import Navigator
from ui.operations import ArchiveOps
from ui.opml_actions import OpmlActions, ask_opml_target, ask_opml_to_import
from ui.preferences import PreferencesDialog
from ui.reading import ArticleReader
from ui.saved_searches import SavedSearchActions
from ui.search_bar import SearchBar, compose
from ui.shortcuts import build_actions
from ui.sidebar import SidebarPane
from ui.sources_dialog import SourcesDialog
from ui.status_bar import StatusLine
from ui.sync_runner import SyncRunner
from ui.tag_filter import FilterChoice
from ui.tasks import TaskRunner
from ui.theme import Themes
from ui.weekly_backup import WeeklyBackup
from ui.window_state import (
    DEFAULT_SIZE,
    ArchiveView,
    Preferences,
    UserSettings,
    load_archive_view,
)

EMPTY_HINTS = ("Import files or folders: Ctrl+O, or drop them on this window",
               "Subscribe to a feed: Ctrl+N", "Save a web page: File ▸ Save a web page…")


class MainWindow(QMainWindow):
    """One archive's window. ``screenshot`` makes it save a PNG once an article shows (or the
    list, when there is none), then emit ``screenshot_taken``; such a session changes
    nothing, in the archive or in the settings."""

    screenshot_taken = Signal(str)
    article_view: ArticleView
    headline_model: HeadlineModel
    headline_view: HeadlineView
    search_bar: SearchBar

    def __init__(self, archive: Archive, settings: QSettings, runner: TaskRunner | None = None,
                 *, screenshot: str | None = None, select: int | None = None,
                 query: str | None = None, theme: str | None = None) -> None:
        super().__init__()
        self.archive = archive
        self.runner = runner or TaskRunner(self)
        self.ops = ArchiveOps(archive, self.runner, self)
        self.user = UserSettings(settings, persist=screenshot is None)
        self._screenshot = screenshot
        self._asked = (select, query)
        self._choice = FilterChoice("all")
        self._wanted_article: int | None = None
        self._loaded = False
        #: True once the first list has arrived (tests and scripts wait for it).
        self.ready = False
        self.setWindowTitle(f"Broadsheet — {archive.path.name}")
        self.setAcceptDrops(True)
        self._build_widgets()
        self.status = StatusLine(self.statusBar())
        self.runner.error_reported.connect(self.status.show_error)
        self.reader = ArticleReader(self.ops, self.article_view, self,
                                    read_only=screenshot is not None)
        self.reader.article_opened.connect(self._article_opened)
        self.navigator = Navigator(self.headline_view, self.headline_model, self.reader,
                                   self.status)
        self.search_bar.results_requested.connect(self.navigator.focus_results)
        self.reader.article_gone.connect(self._article_gone)
        self.sync = SyncRunner(self.ops, self.status, self)
        self.adder = Adder(self.ops, self.status, self.sync, self)
        self.opml = OpmlActions(self.ops, self.adder, self.status, self)
        self.weekly_backup = WeeklyBackup(archive, self.runner, self.status, self)
        self.sync.synced.connect(self.weekly_backup.run_if_due)
        self.exporter = Exporter(self.ops, self.status, self)
        self.article_actions = ArticleActions(self.ops, self.reader, self.article_view,
                                              self.status, self.tag_model, self,
                                              self.navigator.selected, self.user)
        self.counts = CountKeeper(archive, self.runner, self.tag_view, self.tag_model,
                                  self.status)
        self.saved = SavedSearchActions(self.ops, self.status, self, lambda: self._choice,
                                        self._choose, lambda: self.counts.saved_queries)
        self.tag_view.saved_requested.connect(self.saved.act)
        self.sidebar.connect_actions(self.ops, self.status, self.article_actions, self)
        self.tag_view.source_requested.connect(self._source_requested)
        self.watcher = ChangeWatcher(self.ops, parent=self)
        self.ops.archive_changed.connect(self._archive_changed)
        self._build_actions()
        self._restore_layout()
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.themes = Themes(app)
        self._session_theme = theme  # --theme: this session only, never saved
        self.apply_preferences(self.user.preferences(), save=False)
        self.headline_view.setFocus()  # j, k, Space… act at once, not in a text box
        self.runner.read(lambda: (load_archive_view(archive), archive.watch()), self._start,
                         self.status.show_error)

    # --- construction ---------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.sidebar = SidebarPane(self.user)
        self.tag_model, self.tag_view = self.sidebar.model, self.sidebar.view
        self.tag_view.choice_changed.connect(self._choice_changed)

        self.headline_model = HeadlineModel(self.archive, self.runner.read, self)
        self.headline_model.first_page_loaded.connect(self._first_page_loaded)
        self.headline_model.failed.connect(lambda error: self.status.show_error(error))
        self.headline_view = HeadlineView(self.headline_model)
        self.headline_view.activated.connect(
            lambda _index: self.article_actions.open_in_browser())

        self.search_bar = SearchBar()
        self.search_bar.search_changed.connect(lambda _query: self._show_list())
        self.search = self.search_bar.box
        middle = QWidget()
        layout = QVBoxLayout(middle)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(self.search_bar)
        layout.addWidget(self.headline_view)

        self.article_view = ArticleView()
        self.article_view.tag_clicked.connect(
            lambda name: self.tag_view.select(FilterChoice("tag", name)))
        self.article_view.article_requested.connect(
            lambda article_id: self.reader.open(article_id, by_reader=True))
        self.article_view.external_link_clicked.connect(QDesktopServices.openUrl)
        self.article_view.show_message("Select an article")

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for pane, stretch in ((self.sidebar, 0), (middle, 1), (self.article_view, 2)):
            self.splitter.addWidget(pane)
            self.splitter.setStretchFactor(self.splitter.count() - 1, stretch)
        self.splitter.setSizes([220, 380, 700])
        self.setCentralWidget(self.splitter)

    def _build_actions(self) -> None:
        handlers: dict[str, Callable[[], object]] = {
            "import_files": lambda: self.adder.import_paths(dialogs.ask_import_paths(self)),
            "add_source": lambda: self.adder.add_source(
                dialogs.ask_text(self, "Add source", "Feed or site address:")),
            "import_opml": lambda: self.opml.import_file(ask_opml_to_import(self)),
            "export_opml": lambda: self.opml.export_file(ask_opml_target(self)),
            "save_page": lambda: self.adder.add_source(
                dialogs.ask_text(self, "Save a web page", "Page address:"), page=True),
            "export": lambda: self.exporter.ask(export_scope(
                self._choice, self.search_bar, self.navigator.selected())),
            "sync": self.sync.start, "quit": self.close,
            "next": lambda: self.navigator.step_article(1),
            "previous": lambda: self.navigator.step_article(-1),
            "extend_next": lambda: self.navigator.extend(1),
            "extend_previous": lambda: self.navigator.extend(-1),
            "page_down": lambda: self.navigator.read_on(self.article_view.page),
            "page_up": lambda: self.article_view.page(-1),
            "next_unread": lambda: self.navigator.step_unread(1),
            "previous_unread": lambda: self.navigator.step_unread(-1),
            "open_in_browser": self.article_actions.open_in_browser,
            "bookmark": self.article_actions.toggle_bookmark,
            "toggle_read": self.article_actions.toggle_read,
            "edit_tags": self.article_actions.edit_tags, "undo": self.article_actions.undo.undo,
            "mark_all_read": lambda: self.article_actions.mark_all_read(
                self._choice, self.search_bar.query, self.search_bar.applied_text),
            "mark_older": lambda: self.article_actions.mark_older(self._choice, self.search_bar),
            "delete": self.delete_current, "search": self.search_bar.focus,
            "clear_search": self.clear_search, "zoom_in": self.article_view.zoom_in,
            "zoom_out": self.article_view.zoom_out, "preferences": self.show_preferences,
            "shortcuts": lambda: setattr(self, "_shortcuts", dialogs.shortcuts_dialog(self)),
            "sources": self.show_sources,
            "save_search": lambda: self.saved.save(compose(self._choice,
                                                           self.search_bar.query)[0]),
        }
        self.commands, _menus = build_actions(self, handlers)

    def _restore_layout(self) -> None:
        geometry, splitter = self.user.geometry(), self.user.splitter()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*DEFAULT_SIZE)
        if splitter is not None:
            self.splitter.restoreState(splitter)
        self.article_view.zoom_steps = self.user.zoom()
        self.article_view.zoom_changed.connect(self.user.set_zoom)

    def show_sources(self, source_id: int | None = None) -> None:
        SourcesDialog.open_for(
            self, self.ops, source_id, sync=lambda i: self.sync.start([i]),
            show=lambda i: self.tag_view.select(FilterChoice("source", i)),
            unsubscribe=self.article_actions.unsubscribe, keys=[self.commands["undo"]],
            move=self.sidebar.ask_move)

    def _source_requested(self, what: str, source_id: int) -> None:
        {"sync": lambda: self.sync.start([source_id]),
         "unsubscribe": lambda: self.article_actions.unsubscribe(source_id),
         "settings": lambda: self.show_sources(source_id)}[what]()

    def show_preferences(self) -> None:
        PreferencesDialog.open_for(self.user.preferences(), self.apply_preferences, self)

    def apply_preferences(self, preferences: Preferences, save: bool = True) -> None:
        """Everything the Preferences dialog sets, at once and without a restart."""
        if save:
            self.user.save_preferences(preferences)
        self.article_view.theme_override = self.themes.apply(
            self._session_theme or preferences.theme)
        self.article_view.typeface = preferences.typeface
        self.reader.mark_read_on_open = preferences.mark_read_on_open
        self.headline_view.set_snippets(preferences.snippets)
        self.tag_model.set_tag_sources(preferences.tag_sources)
        self.sync.schedule(0 if self._screenshot else preferences.sync_every_minutes)
        self.weekly_backup.enabled = preferences.weekly_backup and not self._screenshot

    def _start(self, loaded: tuple[ArchiveView, ChangeWatch]) -> None:
        """The archive's remembered view has arrived: show it (``--select``/``--query``
        override it), and watch for other processes' changes from now on."""
        view, watch = loaded
        self.watcher.start(watch)
        select, query = self._asked
        self._choice = self.counts.restore = view.choice
        # An explicit --query asks for its results, not for the article last read elsewhere.
        self._wanted_article = select if select is not None else (
            view.article_id if query is None else None)
        self._loaded = True
        self.search_bar.set_text(query if query is not None else view.search)
        if self.user.preferences().sync_at_start and not self._screenshot:
            self.sync.start(automatic=True)
        self.status.report_health(self.archive, self.runner)
        self.weekly_backup.run_if_due()

    def closeEvent(self, event: QCloseEvent) -> None:
        for dialog in self.findChildren(QDialog):
            dialog.close()  # the cheat sheet and other non-modal dialogs go with the window
        self.watcher.stop()
        self.sync.stop()
        self.exporter.stop()
        if self.user.persist and self._loaded:
            current = self.reader.current
            view = ArchiveView(self._choice, self.search_bar.applied_text,
                               current.id if current is not None else None)
            self.runner.write(lambda: self.archive.save_view_state(view.to_stored()))
        self.user.save_layout(self.saveGeometry(), self.splitter.saveState())
        self.runner.shutdown(10_000)
        super().closeEvent(event)

    # --- the list and its counts ----------------------------------------------------------------

    def _show_list(self) -> None:
        query, source_id = compose(self._choice, self.search_bar.query)
        self.headline_model.set_search(query, source_id)
        self.article_view.set_highlight(self.headline_model.highlight)
        self.refresh_counts()

    def refresh_counts(self) -> None:
        self.counts.refresh(self._choice, self.search_bar.query)

    def _choice_changed(self, choice: object) -> None:
        if isinstance(choice, FilterChoice) and choice != self._choice:
            self._choice = choice
            self._show_list()

    def _choose(self, choice: FilterChoice) -> None:
        """Pick ``choice`` in the left pane once it lists it (a saved search just made)."""
        self.counts.restore = choice
        if choice.kind == "saved" and self.search_bar.text():
            self.search_bar.box.clear()  # its query is in the saved search now
            self.search_bar.apply()
        elif choice == self._choice:
            self._show_list()  # the same saved search, with a new query
        self.refresh_counts()

    def clear_search(self) -> None:
        self.search_bar.clear()
        self.headline_view.setFocus()

    def _archive_changed(self, changes: Changes) -> None:
        for old, new in changes.renamed_tags:
            if self._choice == FilterChoice("tag", old):
                self._choice = self.counts.restore = FilterChoice("tag", new)
                self._show_list()
        self.headline_model.apply(changes)
        self.reader.apply(changes)
        if changes.touches_counts or changes.articles:
            self.refresh_counts()

    # --- the headline list and the article pane -------------------------------------------------

    def _first_page_loaded(self) -> None:
        self.ready = True
        wanted, self._wanted_article = self._wanted_article, None
        current = self.reader.current
        target = wanted if wanted is not None else (current.id if current else None)
        row = None if target is None else self.headline_model.row_of(target)
        if row is not None:
            self.navigator.select_row(row, by_reader=False)
        elif wanted is not None:
            self.reader.open(wanted, by_reader=False)
        elif self._screenshot and self.headline_model.rowCount() > 0:
            self.navigator.select_row(0, by_reader=False)
        elif self._screenshot:
            QTimer.singleShot(200, self._take_screenshot)
        searched = self.search_bar.applied_text.strip()
        self.headline_view.empty_text = (
            f"No matches for “{searched}”" + ("" if self._choice.kind == "all" else
                                               f" in {self._choice.label}")
            if searched else "Nothing here yet" if self._choice.kind != "all" else "")
        if self.headline_model.rowCount() == 0 and current is None and not searched \
                and self._choice.kind == "all":
            self.article_view.show_message("No articles yet", EMPTY_HINTS)

    def _article_opened(self, _article: object) -> None:
        if self._screenshot:
            QTimer.singleShot(200, self._take_screenshot)

    def _article_gone(self, _article_id: int) -> None:
        self.headline_view.selectionModel().clearCurrentIndex()
        self.article_view.show_message("This article is no longer in the archive")

    def _take_screenshot(self) -> None:
        if self._screenshot:
            path, self._screenshot = self._screenshot, None
            self.grab().save(path)
            self.screenshot_taken.emit(path)

    def open_article(self, article_id: int) -> None:
        """Open an article the reader asked for by id (a related link, ``--select``)."""
        self.reader.open(article_id, by_reader=True)

    def delete_current(self) -> None:
        row = self.headline_view.currentIndex().row()

        def deleted() -> None:
            rows = self.headline_model.rowCount()
            if rows and row >= 0:
                self.navigator.select_row(min(row, rows - 1), by_reader=True)

        self.article_actions.delete(deleted)

    # --- adding content -------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.adder.import_paths(paths)
