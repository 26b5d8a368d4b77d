"""Keeping the counts current: the left pane's (for the search) and the status bar's (for the
list on screen), read off the GUI thread; a newer request drops an older one's answer. The
saved searches' counts come from the archive's cache (``Archive.saved_counts``), so a refresh
with nothing written since — a filter change, a search typed back, a poll — does not recount
them."""

from __future__ import annotations

from PySide6.QtCore import QObject

from reader.archive import Archive
from reader.errors import ReaderError
from reader.query import Query
from reader.records import ArchiveTotals, SavedSearch, SourceInfo, TagCount
from ui.search_bar import compose
from ui.status_bar import StatusLine
from ui.tag_filter import FilterChoice, TagFilterModel, TagFilterView
from ui.tasks import TaskRunner

Counts = tuple[ArchiveTotals, list[TagCount], list[SourceInfo], ArchiveTotals,
               list[tuple[SavedSearch, TagCount]]]


class CountKeeper(QObject):
    def __init__(self, archive: Archive, runner: TaskRunner, tag_view: TagFilterView,
                 tag_model: TagFilterModel, status: StatusLine) -> None:
        super().__init__(tag_view)
        self._archive = archive
        self._runner = runner
        self._view = tag_view
        self._model = tag_model
        self._status = status
        self._generation = 0
        #: A choice to select once the list holds it (the one remembered from last time,
        #: or a tag that was just renamed).
        self.restore: FilterChoice | None = None
        #: The saved searches' queries by name, as of the last count.
        self.saved_queries: dict[str, str] = {}

    def refresh(self, choice: FilterChoice, search: Query) -> None:
        self._generation += 1
        generation = self._generation
        shown, source_id = compose(choice, search)
        archive = self._archive

        def work() -> Counts:
            saved = archive.saved_counts(search)  # remembered until the next write
            try:
                listed = archive.search_totals(shown, source_id=source_id)
            except ReaderError:  # the chosen saved search was just renamed or deleted
                listed = ArchiveTotals(0, 0, 0)
            return (archive.search_totals(search), archive.tag_counts(search),
                    archive.source_counts(search), listed, saved)

        def done(result: Counts) -> None:
            if generation != self._generation:
                return
            totals, tags, sources, listed, saved = result
            if choice.kind == "tag" and search.root is not None and \
                    all(tag.name != choice.value for tag in tags):
                # The chosen tag has no match for this search: it stays, at 0, rather than
                # vanishing and dropping the reader back to "All articles".
                tags = [*tags, TagCount(str(choice.value), 0, 0)]
            self.saved_queries = {entry.name: entry.query for entry, _count in saved}
            self._model.set_contents(totals, tags, sources, [count for _entry, count in saved])
            self._view.show_saved_section(bool(saved))
            restore, self.restore = self.restore, None
            if restore is not None and restore.kind != "all":
                self._view.select(restore)
            self._status.set_counts(listed)

        self._runner.read(work, done)
