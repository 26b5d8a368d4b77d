"""Keeping the counts current: the left pane's (for the search) and the status bar's (for the
list on screen), read off the GUI thread; a newer request drops an older one's answer."""

from __future__ import annotations

from PySide6.QtCore import QObject

from reader.archive import Archive
from reader.query import Query
from reader.records import ArchiveTotals, SourceInfo, TagCount
from ui.search_bar import compose
from ui.status_bar import StatusLine
from ui.tag_filter import FilterChoice, TagFilterModel, TagFilterView
from ui.tasks import TaskRunner

Counts = tuple[ArchiveTotals, list[TagCount], list[SourceInfo], ArchiveTotals]


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

    def refresh(self, choice: FilterChoice, search: Query) -> None:
        self._generation += 1
        generation = self._generation
        shown, source_id = compose(choice, search)
        archive = self._archive

        def work() -> Counts:
            return (archive.search_totals(search), archive.tag_counts(search),
                    archive.source_counts(search),
                    archive.search_totals(shown, source_id=source_id))

        def done(result: Counts) -> None:
            if generation != self._generation:
                return
            totals, tags, sources, listed = result
            if choice.kind == "tag" and search.root is not None and \
                    all(tag.name != choice.value for tag in tags):
                # The chosen tag has no match for this search: it stays, at 0, rather than
                # vanishing and dropping the reader back to "All articles".
                tags = [*tags, TagCount(str(choice.value), 0, 0)]
            self._model.set_contents(totals, tags, sources)
            restore, self.restore = self.restore, None
            if restore is not None and restore.kind != "all":
                self._view.select(restore)
            self._status.set_counts(listed)

        self._runner.read(work, done)
