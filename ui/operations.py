"""Running ``reader.operations`` from the window: off the GUI thread, then one broadcast.

Every user action goes through here. The operation runs on the task runner (quick writes on
the single writer, imports and syncs on the long worker); what it returns — a ``Changes``
record, or an ``Outcome`` carrying one — is broadcast as ``archive_changed``, and each view
refreshes from that record alone. Writes made by other processes arrive the same way, from
``ui.change_watcher``, as ``Changes(external=True)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from reader import operations
from reader.archive import Archive
from reader.archive.subscription import Leaving
from reader.archive.trash import Trash
from reader.query import Query
from reader.records import Changes, ImportResult, Outcome
from ui.tasks import TaskRunner

T = TypeVar("T")


class ArchiveOps(QObject):
    """The window's operations on one archive; see the module docstring."""

    archive_changed = Signal(object)

    def __init__(self, archive: Archive, runner: TaskRunner, parent: QObject | None = None,
                 ) -> None:
        super().__init__(parent)
        self.archive = archive
        self.runner = runner

    def broadcast(self, changes: Changes) -> None:
        if changes:
            self.archive_changed.emit(changes)

    def _write(self, work: Callable[[], Changes],
               done: Callable[[Changes], None] | None = None) -> None:
        def finished(changes: Changes) -> None:
            self.broadcast(changes)
            if done is not None:
                done(changes)

        self.runner.write(work, finished)

    def _finished(self, done: Callable[[T], None] | None) -> Callable[[Outcome[T]], None]:
        """What to do with an ``Outcome``: broadcast its changes, hand its result on."""
        def finished(outcome: Outcome[T]) -> None:
            self.broadcast(outcome.changes)
            if done is not None:
                done(outcome.result)

        return finished

    def long(self, work: Callable[[], Outcome[T]], done: Callable[[T], None] | None = None,
             failed: Callable[[BaseException], None] | None = None) -> None:
        """An import, a subscription or a sync: minutes long, on its own worker."""
        self.runner.long(work, self._finished(done), failed)

    # --- one method per user action ---------------------------------------------------------

    def mark_read(self, article_ids: Sequence[int], read: bool = True) -> None:
        ids = list(article_ids)
        self._write(lambda: operations.mark_read(self.archive, ids, read))

    def mark_read_matching(self, query: Query, source_id: int | None, read: bool,
                           done: Callable[[Changes], None]) -> None:
        self._write(lambda: operations.mark_read_matching(self.archive, query, read,
                                                          source_id=source_id), done)

    def mark_read_older_than(self, days: int, query: Query, source_id: int | None,
                             done: Callable[[Changes], None]) -> None:
        self._write(lambda: operations.mark_read_older_than(
            self.archive, days, query, source_id=source_id).changes, done)

    def bookmark(self, article_ids: Sequence[int], bookmarked: bool,
                 done: Callable[[Changes], None] | None = None) -> None:
        ids = list(article_ids)
        self._write(lambda: operations.bookmark(self.archive, ids, bookmarked), done)

    def _write_outcome(self, work: Callable[[], Outcome[T]], done: Callable[[T], None] | None,
                       failed: Callable[[BaseException], None] | None = None) -> None:
        """A quick write whose result the caller wants too (``Outcome``)."""
        self.runner.write(work, self._finished(done), failed)

    def delete(self, article_ids: Sequence[int],
               done: Callable[[Trash | None], None] | None = None) -> None:
        """Delete, keeping what ``restore`` needs for Ctrl+Z (handed to ``done``)."""
        ids = list(article_ids)
        self._write_outcome(lambda: operations.delete_for_undo(self.archive, ids), done)

    def restore(self, kept: Trash, done: Callable[[Changes], None] | None = None) -> None:
        self._write(lambda: operations.restore(self.archive, kept), done)

    # --- sources ---------------------------------------------------------------------------

    def rename_source(self, source_id: int, title: str,
                      failed: Callable[[BaseException], None] | None = None) -> None:
        self._write_outcome(lambda: operations.rename_source(self.archive, source_id, title),
                            None, failed)

    def change_source_url(self, source_id: int, url: str,
                          failed: Callable[[BaseException], None] | None = None) -> None:
        self._write_outcome(lambda: operations.change_source_url(self.archive, source_id, url),
                            None, failed)

    def configure_source(self, source_id: int, failed: Callable[[BaseException], None] | None,
                         **settings: object) -> None:
        self._write_outcome(
            lambda: operations.configure_source(self.archive, source_id, **settings), None,
            failed)

    def leaving(self, source_id: int, done: Callable[[Leaving], None]) -> None:
        """What unsubscribing would remove and keep (a read, for the question)."""
        self.runner.read(lambda: operations.leaving(self.archive, source_id), done)

    def unsubscribe(self, source_id: int,
                    done: Callable[[tuple[Leaving, Trash | None]], None]) -> None:
        self._write_outcome(lambda: operations.unsubscribe(self.archive, source_id,
                                                           keep_trash=True), done)

    def set_tags(self, article_id: int, names: Sequence[str]) -> None:
        wanted = list(names)
        self._write(lambda: operations.set_tags(self.archive, article_id, wanted))

    def tag_many(self, article_ids: Sequence[int], names: Sequence[str]) -> None:
        ids, wanted = list(article_ids), list(names)
        self._write(lambda: operations.tag_many(self.archive, ids, wanted))

    def rename_tag(self, old: str, new: str) -> None:
        self._write(lambda: operations.rename_tag(self.archive, old, new))

    def save_search(self, name: str, query: str, done: Callable[[Any], None]) -> None:
        self.long(lambda: operations.save_search(self.archive, name, query), done)

    def change_saved_search(self, name: str, done: Callable[[Any], None], *,
                            new_name: str | None = None, query: str | None = None) -> None:
        self.long(lambda: operations.change_saved_search(self.archive, name, new_name=new_name,
                                                         query=query), done)

    def remove_saved_search(self, name: str) -> None:
        self._write(lambda: operations.remove_saved_search(self.archive, name))

    def import_paths(self, paths: Sequence[str],
                     done: Callable[[list[ImportResult]], None]) -> None:
        chosen = list(paths)
        self.long(lambda: operations.import_paths(self.archive, chosen), done)

    def add_source(self, url: str, page: bool, done: Callable[[Any], None]) -> None:
        add = operations.save_page if page else operations.subscribe
        self.long(lambda: add(self.archive, url), done)
