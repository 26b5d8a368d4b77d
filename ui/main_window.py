"""The reader window: tag filter, headline list and article pane, with every action on a key.

The window only displays and forwards. Every archive call goes through the TaskRunner (reads
on a small pool, writes one at a time, sync and imports on their own worker), and results come
back as callbacks on the GUI thread; searches carry a generation so stale results are dropped.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from reader.archive import Archive
from reader.errors import QuerySyntaxError, ReaderError
from reader.query import And, Query, parse_query
from reader.records import ArchiveTotals, Article, Headline, Page, SourceInfo, TagCount
from ui.article_view import ArticleView
from ui.headlines import HeadlineModel, HeadlineView
from ui.tag_filter import FilterChoice, TagFilterModel, TagFilterView
from ui.tasks import TaskRunner

SEARCH_DELAY_MS = 250
_ARCHIVE_IMAGE = re.compile(r"archive-image:([0-9a-f]{64})")

#: (keys, what they do) for the cheat sheet; the actions below use the same keys.
SHORTCUTS: Sequence[tuple[str, str]] = (
    ("j / k", "next / previous article"),
    ("n / p", "next / previous unread article"),
    ("o or Enter", "open the article's page in the browser"),
    ("b", "bookmark / remove bookmark"),
    ("m", "mark read / unread"),
    ("t", "edit the article's tags"),
    ("Delete", "delete the article"),
    ("/", "search"),
    ("Esc", "clear the search"),
    ("r", "sync now"),
    ("Ctrl + / Ctrl −", "larger / smaller text"),
    ("Ctrl+O", "import files"),
    ("Ctrl+N", "add a source"),
    ("?", "this list"),
    ("Ctrl+Q", "quit"),
)


class MainWindow(QMainWindow):
    """One archive's window. ``screenshot`` makes it save a PNG once an article shows, then
    emit ``screenshot_taken`` (the app quits on it)."""

    article_shown = Signal(int)
    screenshot_taken = Signal(str)
    sync_progressed = Signal(int, int, str)

    def __init__(self, archive: Archive, settings: QSettings, runner: TaskRunner | None = None,
                 *, screenshot: str | None = None, select: int | None = None,
                 query: str | None = None) -> None:
        super().__init__()
        self.archive = archive
        self.settings = settings
        self.runner = runner or TaskRunner(self)
        self.runner.error_reported.connect(self.show_error)
        self._screenshot = screenshot
        self._select_on_load = select if select is not None else self._saved_int("last_article")
        self._current: Article | None = None
        self._choice = FilterChoice("all")
        self._search_text = ""
        self._counts_generation = 0
        self._open_generation = 0
        self._restore_choice: FilterChoice | None = None
        self._sync_cancel: threading.Event | None = None
        self.mark_read_on_open = bool(settings.value("mark_read_on_open", True, type=bool))
        self.setWindowTitle(f"Broadsheet — {archive.path.name}")
        self.setAcceptDrops(True)
        self._build_widgets()
        self._build_actions()
        self._restore_layout()
        if query:
            self.search.setText(query)
        self._apply_search(initial=True)

    # --- construction ---------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.tag_model = TagFilterModel(self)
        self.tag_view = TagFilterView(self.tag_model)
        self.tag_view.choice_changed.connect(self._choice_changed)
        self.tag_view.rename_requested.connect(self.rename_tag)
        self.tag_view.merge_requested.connect(self.merge_tag)
        self.tag_view.sort_changed.connect(self._sort_tags)

        self.headline_model = HeadlineModel(self._load_page, self._run_read, self)
        self.headline_model.first_page_loaded.connect(self._first_page_loaded)
        self.headline_model.failed.connect(self.show_error)
        self.headline_view = HeadlineView(self.headline_model)
        self.headline_view.selectionModel().currentChanged.connect(self._headline_changed)
        self.headline_view.activated.connect(lambda _index: self.open_in_browser())

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search — words, \"phrases\", tag:, is:unread …  ( / )")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_edited)
        self.search.returnPressed.connect(self._apply_search)
        self.search_error = QLabel()
        self.search_error.setWordWrap(True)
        self.search_error.setStyleSheet("color: #c0392b;")
        self.search_error.hide()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_search)

        middle = QWidget()
        layout = QVBoxLayout(middle)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.search_error)
        layout.addWidget(self.headline_view)

        self._prefetched: dict[str, tuple[str, bytes]] = {}
        self.article_view = ArticleView(self._image)
        self.article_view.tag_clicked.connect(self._tag_clicked)
        self.article_view.article_requested.connect(self.open_article)
        self.article_view.external_link_clicked.connect(QDesktopServices.openUrl)
        self.article_view.show_message("Select an article")

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tag_view)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.article_view)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([220, 380, 700])
        self.setCentralWidget(self.splitter)

        self.status_text = QLabel()
        self.counts_text = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.hide()
        self.cancel_sync = QPushButton("Cancel")
        self.cancel_sync.hide()
        self.cancel_sync.clicked.connect(self._cancel_sync)
        bar = self.statusBar()
        bar.addWidget(self.status_text, 1)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_sync)
        bar.addPermanentWidget(self.counts_text)
        self.sync_progressed.connect(self._sync_progress)

    def _action(self, menu: Any, text: str, slot: Callable[[], object],
                *keys: QKeySequence | QKeySequence.StandardKey | str) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        if menu is not None:
            menu.addAction(action)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        self._action(file_menu, "&Import files…", self.import_files_dialog, "Ctrl+O")
        self._action(file_menu, "&Add source…", self.add_source_dialog, "Ctrl+N")
        self._action(file_menu, "&Save a web page…", self.save_page_dialog)
        self._action(file_menu, "&Sync now", self.sync_now, "r", "F5")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit, "Ctrl+Q")
        article_menu = menus.addMenu("&Article")
        self._action(article_menu, "&Next", lambda: self.step_article(1), "j")
        self._action(article_menu, "&Previous", lambda: self.step_article(-1), "k")
        self._action(article_menu, "Next &unread", lambda: self.step_unread(1), "n")
        self._action(article_menu, "Previous u&nread", lambda: self.step_unread(-1), "p")
        self._action(article_menu, "&Open in browser", self.open_in_browser, "o")
        self._action(article_menu, "&Bookmark", self.toggle_bookmark, "b")
        self._action(article_menu, "&Mark read / unread", self.toggle_read, "m")
        self._action(article_menu, "Edit &tags…", self.edit_tags, "t")
        self._action(article_menu, "&Delete", self.delete_current, QKeySequence.StandardKey.Delete)
        view_menu = menus.addMenu("&View")
        self._action(view_menu, "&Search", self.focus_search, "/", "Ctrl+F")
        self._action(view_menu, "&Clear search", self.clear_search, "Esc")
        self._action(view_menu, "&Larger text", self.article_view.zoom_in,
                     QKeySequence.StandardKey.ZoomIn, "Ctrl+=")
        self._action(view_menu, "S&maller text", self.article_view.zoom_out,
                     QKeySequence.StandardKey.ZoomOut)
        mark = QAction("Mark articles read when opened", self, checkable=True)
        mark.setChecked(self.mark_read_on_open)
        mark.toggled.connect(self._set_mark_read_on_open)
        view_menu.addAction(mark)
        help_menu = menus.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, "?", "Shift+/")

    # --- settings -------------------------------------------------------------------------------

    def _saved_int(self, key: str) -> int | None:
        value = self.settings.value(key)
        try:
            return None if value in (None, "") else int(str(value))
        except ValueError:
            return None

    def _restore_layout(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        splitter = self.settings.value("splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        self.article_view.zoom_changed.connect(lambda steps: self.settings.setValue("zoom", steps))
        zoom = self._saved_int("zoom")
        if zoom is not None:
            self.article_view.zoom_steps = zoom
        kind = str(self.settings.value("filter_kind", "all"))
        value = self.settings.value("filter_value")
        if kind in ("all", "unread", "bookmarked", "tag", "source"):
            if kind == "source" and value is not None:
                value = int(str(value))
            self._choice = FilterChoice(kind, value)  # type: ignore[arg-type]

    def save_state(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.setValue("zoom", self.article_view.zoom_steps)
        self.settings.setValue("filter_kind", self._choice.kind)
        self.settings.setValue("filter_value", self._choice.value)
        if self._current is not None:
            self.settings.setValue("last_article", self._current.id)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        if self._sync_cancel is not None:
            self._sync_cancel.set()
        self.runner.shutdown(10_000)
        super().closeEvent(event)

    def _set_mark_read_on_open(self, on: bool) -> None:
        self.mark_read_on_open = on
        self.settings.setValue("mark_read_on_open", on)

    # --- searching and filtering ----------------------------------------------------------------

    def _run_read(self, work: Callable[[], Page], done: Callable[[Page], None],
                  failed: Callable[[BaseException], None]) -> None:
        self.runner.read(work, done, failed)

    def _load_page(self, query: Query, source_id: int | None, cursor: str | None,
                   limit: int) -> Page:
        return self.archive.headlines(query, source_id=source_id, cursor=cursor, limit=limit)

    def _search_edited(self, _text: str) -> None:
        self._search_timer.start()

    def _parsed_search(self) -> Query | None:
        """The search box's query, or None (and the error shown) when it does not parse."""
        text = self.search.text()
        try:
            parsed = parse_query(text)
        except QuerySyntaxError as error:
            self.search_error.setText(f"{error.reason} — at “{text[error.position:][:12]}”"
                                      if error.position < len(text) else error.reason)
            self.search_error.show()
            return None
        self.search_error.hide()
        return parsed

    def _apply_search(self, initial: bool = False) -> None:
        self._search_timer.stop()
        parsed = self._parsed_search()
        if parsed is None:
            return  # the last good results stay
        self._search_text = self.search.text()
        choice = parse_query(self._choice.query())
        parts = [node for node in (choice.root, parsed.root) if node is not None]
        root = parts[0] if len(parts) == 1 else (And(tuple(parts)) if parts else None)
        source_id = int(self._choice.value) if (self._choice.kind == "source"
                                                and self._choice.value is not None) else None
        self.headline_model.set_search(Query(root, parsed.sort), source_id)
        if initial:
            # The tag list is empty until its first counts arrive; the restored choice is
            # selected then (selecting it now would find no row and fall back to "All").
            self._restore_choice = self._choice
        self.refresh_counts()

    def refresh_counts(self) -> None:
        """Reload the tag list's counts for the current search, off the GUI thread."""
        self._counts_generation += 1
        generation = self._counts_generation
        text = self._search_text

        def work() -> tuple[ArchiveTotals, list[TagCount], list[SourceInfo]]:
            return (self.archive.search_totals(text), self.archive.tag_counts(text),
                    self.archive.sources())

        def done(result: tuple[ArchiveTotals, list[TagCount], list[SourceInfo]]) -> None:
            if generation != self._counts_generation:
                return
            totals, tags, sources = result
            self.tag_model.set_contents(totals, tags, sources)
            restore, self._restore_choice = self._restore_choice, None
            if restore is not None and restore.kind != "all":
                self.tag_view.select(restore)
            self.counts_text.setText(f"{totals.articles:,} articles · {totals.unread:,} unread")

        self.runner.read(work, done)

    def _choice_changed(self, choice: object) -> None:
        if isinstance(choice, FilterChoice) and choice != self._choice:
            self._choice = choice
            self._apply_search()

    def _tag_clicked(self, name: str) -> None:
        self.tag_view.select(FilterChoice("tag", name))

    def _sort_tags(self, by: str) -> None:
        self.tag_model.set_sort("count" if by == "count" else "name")

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def clear_search(self) -> None:
        if self.search.text():
            self.search.clear()
            self._apply_search()
        self.headline_view.setFocus()

    # --- the headline list and the article pane -------------------------------------------------

    def _first_page_loaded(self) -> None:
        wanted = self._select_on_load if self._select_on_load is not None else (
            self._current.id if self._current is not None else None)
        self._select_on_load = None
        row = None if wanted is None else self.headline_model.row_of(wanted)
        if row is not None:
            self.headline_view.setCurrentIndex(self.headline_model.index(row))
        elif wanted is not None:
            self.open_article(wanted)
        elif self._screenshot and self.headline_model.rowCount() > 0:
            self.headline_view.setCurrentIndex(self.headline_model.index(0))
        elif self._screenshot:
            QTimer.singleShot(200, self._take_screenshot)
        if self.headline_model.rowCount() == 0:
            self.article_view.show_message("No articles match" if self._search_text
                                           or self._choice.kind != "all" else
                                           "No articles yet — import files or add a source")

    def _headline_changed(self, current: Any, _previous: Any) -> None:
        headline = self.headline_model.headline(current.row()) if current.isValid() else None
        if headline is not None:
            self.open_article(headline.id)

    def current_headline(self) -> Headline | None:
        index = self.headline_view.currentIndex()
        return self.headline_model.headline(index.row()) if index.isValid() else None

    def _image(self, sha256: str) -> tuple[str, bytes]:
        """The pane's image source: what the worker fetched with the article, else the archive
        (a primary-key read, for images the pane asks for again later, e.g. on zoom)."""
        found = self._prefetched.get(sha256)
        return found if found is not None else self.archive.image(sha256)

    def open_article(self, article_id: int) -> None:
        # Reads run on a pool and may finish out of order: pressing j twice quickly must end
        # on the second article, not on whichever read finished last.
        self._open_generation += 1
        generation = self._open_generation

        def work() -> tuple[Article, dict[str, tuple[str, bytes]]]:
            article = self.archive.article(article_id)
            images: dict[str, tuple[str, bytes]] = {}
            for sha in dict.fromkeys(_ARCHIVE_IMAGE.findall(article.body_html)):
                try:
                    images[sha] = self.archive.image(sha)
                except ReaderError:
                    continue
            return article, images

        def done(result: tuple[Article, dict[str, tuple[str, bytes]]]) -> None:
            if generation != self._open_generation:
                return  # a later open_article superseded this one
            article, images = result
            self._prefetched = images
            self._current = article
            self.article_view.show_article(article)
            self.article_shown.emit(article.id)
            if self.mark_read_on_open and not article.read:
                self.set_read([article.id], True)
            if self._screenshot:
                QTimer.singleShot(200, self._take_screenshot)

        self.runner.read(work, done)

    def _take_screenshot(self) -> None:
        if not self._screenshot:
            return
        path, self._screenshot = self._screenshot, None
        self.grab().save(path)
        self.screenshot_taken.emit(path)

    def step_article(self, step: int) -> None:
        rows = self.headline_model.rowCount()
        if rows == 0:
            return
        current = self.headline_view.currentIndex().row()
        target = 0 if current < 0 else min(max(current + step, 0), rows - 1)
        if target == rows - 1 and self.headline_model.canFetchMore():
            self.headline_model.fetchMore()
        self.headline_view.setCurrentIndex(self.headline_model.index(target))

    def step_unread(self, step: int) -> None:
        rows = self.headline_model.rowCount()
        row = self.headline_view.currentIndex().row() + step
        while 0 <= row < rows:
            headline = self.headline_model.headline(row)
            if headline is not None and not headline.read:
                self.headline_view.setCurrentIndex(self.headline_model.index(row))
                return
            row += step
        if step > 0 and self.headline_model.canFetchMore():
            self.headline_model.fetchMore()
            self.show_status("Loading more headlines…")
        else:
            self.show_status("No more unread articles here")

    def open_in_browser(self) -> None:
        if self._current is not None and self._current.url:
            QDesktopServices.openUrl(QUrl(self._current.url))
        elif self._current is not None:
            self.show_status("This article has no web address")

    # --- changes ----------------------------------------------------------------------------

    def set_read(self, ids: list[int], read: bool) -> None:
        def done(_result: object) -> None:
            self.headline_model.update_rows(set(ids), read=read)
            if self._current is not None and self._current.id in ids:
                self._current = _replace(self._current, read=read)
            self.refresh_counts()

        self.runner.write(lambda: self.archive.set_read(ids, read), done)

    def toggle_read(self) -> None:
        if self._current is not None:
            self.set_read([self._current.id], not self._current.read)

    def toggle_bookmark(self) -> None:
        article = self._current
        if article is None:
            return
        wanted = not article.bookmarked

        def done(_result: object) -> None:
            self.headline_model.update_rows({article.id}, bookmarked=wanted)
            if self._current is not None and self._current.id == article.id:
                self._current = _replace(self._current, bookmarked=wanted)
            self.show_status("Bookmarked" if wanted else "Bookmark removed")
            self.refresh_counts()

        self.runner.write(lambda: self.archive.set_bookmarked([article.id], wanted), done)

    def delete_current(self) -> None:
        article = self._current
        if article is None:
            return
        answer = QMessageBox.question(
            self, "Delete article",
            f"Delete “{article.title}”? It will not be imported or synced again.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        row = self.headline_view.currentIndex().row()

        def done(_result: object) -> None:
            self.headline_model.remove_rows({article.id})
            self._current = None
            rows = self.headline_model.rowCount()
            if rows:
                self.headline_view.setCurrentIndex(self.headline_model.index(min(row, rows - 1)))
            else:
                self.article_view.show_message("No articles here")
            self.refresh_counts()

        self.runner.write(lambda: self.archive.delete([article.id]), done)

    def edit_tags(self) -> None:
        article = self._current
        if article is None:
            return
        text, accepted = QInputDialog.getText(
            self, "Edit tags", "Tags, separated by commas:", QLineEdit.EchoMode.Normal,
            ", ".join(article.tags))
        if not accepted:
            return
        wanted = [name.strip() for name in text.split(",") if name.strip()]
        keep = {name.casefold() for name in wanted}
        removed = [name for name in article.tags if name.casefold() not in keep]

        def work() -> None:
            if wanted:
                self.archive.tag(article.id, wanted)
            if removed:
                self.archive.untag(article.id, removed)

        def done(_result: object) -> None:
            self.open_article(article.id)
            self.refresh_counts()

        self.runner.write(work, done)

    def rename_tag(self, name: str) -> None:
        new, accepted = QInputDialog.getText(self, "Rename tag", f"New name for “{name}”:",
                                             QLineEdit.EchoMode.Normal, name)
        if accepted and new.strip() and new.strip() != name:
            self._rename(name, new.strip())

    def merge_tag(self, name: str) -> None:
        others = sorted(set(self.tag_model.tag_names()) - {name}, key=str.casefold)
        if not others:
            self.show_status("There is no other tag to merge into")
            return
        target, accepted = QInputDialog.getItem(self, "Merge tag",
                                                f"Merge “{name}” into:", others, 0, False)
        if accepted and target:
            self._rename(name, target)

    def _rename(self, old: str, new: str) -> None:
        def done(_result: object) -> None:
            if self._choice.kind == "tag" and self._choice.value == old:
                self._choice = FilterChoice("tag", new)
                self.tag_view.select(self._choice)
            self.refresh_counts()
            self.headline_model.refresh()
            if self._current is not None:
                self.open_article(self._current.id)

        self.runner.write(lambda: self.archive.rename_tag(old, new), done)

    # --- adding content ---------------------------------------------------------------------

    def import_files_dialog(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self, "Import files", str(Path.home()),
            "Articles and feeds (*.txt *.text *.html *.htm *.xml *.rss *.atom *.json *.opml);;"
            "All files (*)")
        if paths:
            self.import_paths(paths)

    def import_paths(self, paths: Sequence[str]) -> None:
        from reader.importing import import_paths

        self.show_status(f"Importing {len(paths)} item(s)…")

        def done(results: list[Any]) -> None:
            failed = [r for r in results if r.status == "failed"]
            imported = sum(r.status in ("imported", "updated") for r in results)
            message = f"Imported {imported} of {len(results)} file(s)"
            if failed:
                message += f"; {len(failed)} failed: {failed[0].path}: {failed[0].error}"
                self.show_error(ReaderError(message))
            else:
                self.show_status(message)
            self.headline_model.refresh()
            self.refresh_counts()

        self.runner.long(lambda: import_paths(self.archive, paths), done)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    def add_source_dialog(self) -> None:
        url, accepted = QInputDialog.getText(self, "Add source", "Feed or site address:")
        if accepted and url.strip():
            self.add_source(url.strip())

    def add_source(self, url: str, page: bool = False) -> None:
        from reader.sync.subscribe import save_page, subscribe

        self.show_status(f"Adding {url}…")

        def done(added: Any) -> None:
            self.show_status(added.note or f"Added “{added.title}”")
            self.refresh_counts()
            if page:
                self.headline_model.refresh()
            else:
                self.sync_now([added.source_id])

        self.runner.long(lambda: (save_page if page else subscribe)(self.archive, url), done)

    def save_page_dialog(self) -> None:
        url, accepted = QInputDialog.getText(self, "Save a web page", "Page address:")
        if accepted and url.strip():
            self.add_source(url.strip(), page=True)

    def sync_now(self, source_ids: Sequence[int] | None = None) -> None:
        from reader.sync.pipeline import SyncReport, sync

        if self._sync_cancel is not None:
            self.show_status("A sync is already running")
            return
        cancel = threading.Event()
        self._sync_cancel = cancel
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_sync.show()
        self.show_status("Syncing…")

        def progress(done: int, total: int, report: SyncReport | None) -> None:
            name = "" if report is None else (report.title or report.url or "")
            self.sync_progressed.emit(done, total, name)  # queued to the GUI thread

        def finished(reports: list[SyncReport]) -> None:
            self._sync_cancel = None
            self.progress.hide()
            self.cancel_sync.hide()
            failed = [r for r in reports if r.status == "failed"]
            new = sum(r.new for r in reports)
            message = f"Synced {len(reports)} source(s): {new} new article(s)"
            if failed:
                message += f"; {len(failed)} failed ({failed[0].title or failed[0].url}: " \
                           f"{failed[0].error})"
            self.show_status(message)
            self.headline_model.refresh()
            self.refresh_counts()

        def failed(error: BaseException) -> None:
            self._sync_cancel = None
            self.progress.hide()
            self.cancel_sync.hide()
            self.show_error(error)

        self.runner.long(lambda: sync(self.archive, source_ids, progress=progress,
                                      cancel=cancel), finished, failed)

    @Slot(int, int, str)
    def _sync_progress(self, done: int, total: int, name: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.show_status(f"Syncing {done}/{total}: {name}")

    def _cancel_sync(self) -> None:
        if self._sync_cancel is not None:
            self._sync_cancel.set()
            self.show_status("Cancelling after the sources in progress…")

    # --- messages -----------------------------------------------------------------------------

    def show_status(self, text: str) -> None:
        self.status_text.setStyleSheet("")
        self.status_text.setText(text)

    @Slot(object)
    def show_error(self, error: object) -> None:
        """Errors from the core go to the status bar; the window stays usable."""
        if isinstance(error, ReaderError):
            text = str(error)
        else:
            text = f"Unexpected error: {type(error).__name__}: {error}"
        self.status_text.setStyleSheet("color: #c0392b;")
        self.status_text.setText(text)

    def show_shortcuts(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(dialog)
        table = QTextBrowser()
        rows = "".join(f"<tr><td style='padding:3px 14px 3px 0'><b>{keys}</b></td>"
                       f"<td style='padding:3px 0'>{text}</td></tr>" for keys, text in SHORTCUTS)
        table.setHtml(f"<table>{rows}</table>")
        layout.addWidget(table)
        dialog.resize(420, 460)
        dialog.setModal(False)
        dialog.show()
        self._shortcuts_dialog = dialog


def _replace(article: Article, **changes: Any) -> Article:
    import dataclasses

    return dataclasses.replace(article, **changes)
