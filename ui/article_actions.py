"""What the reader does to the article on screen — or to every selected one — and to tags:
each is one operation, one transaction however many articles it touches.

The pane's copy of the article takes the new read or bookmark state at once, so pressing m
or b twice in quick succession toggles twice, before the archive's answer is back. With
several selected, m and b make them all alike: read (bookmarked) unless all already are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from reader.archive.subscription import Leaving
from reader.archive.trash import Trash
from reader.query import Query
from reader.records import Changes, Headline
from ui import dialogs
from ui.article_view import ArticleView
from ui.dialogs import DaysDialog
from ui.operations import ArchiveOps
from ui.reading import ArticleReader
from ui.search_bar import SearchBar, compose
from ui.status_bar import StatusLine
from ui.tag_filter import FilterChoice, TagFilterModel
from ui.undo import Undo
from ui.window_state import UserSettings


class ArticleActions(QObject):
    def __init__(self, ops: ArchiveOps, reader: ArticleReader, view: ArticleView,
                 status: StatusLine, tags: TagFilterModel, window: QWidget,
                 selection: Callable[[], list[Headline]], user: UserSettings) -> None:
        super().__init__(window)
        self._selection = selection
        self._user = user
        self.undo = Undo(status, self)
        self._ops = ops
        self._reader = reader
        self._view = view
        self._status = status
        self._tags = tags
        self._window = window

    def _several(self) -> list[Headline]:
        chosen = self._selection()
        return chosen if len(chosen) > 1 else []

    def open_in_browser(self) -> None:
        article = self._reader.current
        if article is not None and article.url:
            QDesktopServices.openUrl(QUrl(article.url))
        elif article is not None:
            self._status.show_message("This article has no web address")

    def toggle_read(self) -> None:
        several = self._several()
        if several:
            read = any(not headline.read for headline in several)
            self._ops.mark_read([headline.id for headline in several], read)
            self._status.show_message(f"Marked {len(several)} articles "
                                      + ("read" if read else "unread"))
            return
        article = self._reader.current
        if article is not None:
            self._view.replace_article(dataclasses.replace(article, read=not article.read))
            self._ops.mark_read([article.id], not article.read)

    def toggle_bookmark(self) -> None:
        several = self._several()
        if several:
            wanted = any(not headline.bookmarked for headline in several)
            self._ops.bookmark([headline.id for headline in several], wanted)
            self._status.show_message(f"{'Bookmarked' if wanted else 'Removed the bookmark of'} "
                                      f"{len(several)} articles")
            return
        article = self._reader.current
        if article is None:
            return
        wanted = not article.bookmarked
        self._view.replace_article(dataclasses.replace(article, bookmarked=wanted))
        self._ops.bookmark([article.id], wanted, lambda _changes: self._status.show_message(
            "Bookmarked" if wanted else "Bookmark removed"))

    def delete(self, deleted: Callable[[], None]) -> None:
        """Ask, then delete the selected articles (or the one on screen); ``deleted`` runs
        once they are gone. Ctrl+Z puts them back."""
        several = self._several()
        if several:
            if dialogs.confirm_delete_many(self._window, len(several)):
                self._delete([headline.id for headline in several], deleted)
            return
        article = self._reader.current
        if article is not None and dialogs.confirm_delete(self._window, article):
            self._delete([article.id], deleted)

    def _delete(self, article_ids: list[int], deleted: Callable[[], None]) -> None:
        what = "deleting the article" if len(article_ids) == 1 \
            else f"deleting {len(article_ids):,} articles"

        def done(kept: Trash | None) -> None:
            if kept is not None:
                self.undo.remember(what, lambda: self._ops.restore(kept))
                self._status.show_message(
                    ("Deleted the article" if len(article_ids) == 1
                     else f"Deleted {len(article_ids):,} articles") + " (Ctrl+Z to undo)")
            deleted()

        self._ops.delete(article_ids, done)

    def unsubscribe(self, source_id: int) -> None:
        """Ask once, saying how many articles go and how many stay; Ctrl+Z undoes it."""
        def ask(left: Leaving) -> None:
            if not dialogs.confirm_unsubscribe(self._window, left):
                return

            def done(result: tuple[Leaving, Trash | None]) -> None:
                gone, kept = result
                message = f"Unsubscribed from {gone.title}: {gone.going:,} articles removed"
                if gone.staying:
                    message += f", {gone.staying:,} kept"
                self._status.show_message(message + " (Ctrl+Z to undo)")
                if kept is not None:
                    self.undo.remember(f"unsubscribing from {gone.title}",
                                       lambda: self._ops.restore(kept))

            self._ops.unsubscribe(source_id, done)

        self._ops.leaving(source_id, ask)

    def edit_tags(self) -> None:
        several = self._several()
        if several:
            names = dialogs.ask_tags_to_add(self._window, len(several))
            if names:
                self._ops.tag_many([headline.id for headline in several], names)
                before = {headline.id: headline.tags for headline in several}

                def untag_them() -> None:
                    for article_id, tags in before.items():
                        self._ops.set_tags(article_id, list(tags))

                self.undo.remember(f"tagging {len(several)} articles", untag_them)
            return
        article = self._reader.current
        wanted = None if article is None else dialogs.ask_tags(self._window, article)
        if article is not None and wanted is not None:
            self._ops.set_tags(article.id, wanted)
            previous = list(article.tags)
            self.undo.remember("the tag edit",
                               lambda: self._ops.set_tags(article.id, previous))

    def mark_all_read(self, choice: FilterChoice, search: Query | None = None,
                      search_text: str = "") -> None:
        """Every article of a left-pane row read — within ``search`` when one is given (the
        list on screen: Shift+A)."""
        query, source_id = compose(choice, search or Query(None))
        label = _label(choice, search, search_text)
        self._ops.mark_read_matching(query, source_id, True, self._marked_read(label))

    def mark_older(self, choice: FilterChoice, search: SearchBar) -> DaysDialog:
        """Ask for a number of days, then mark read the unread articles of the list on screen
        (the left pane's row and the search) older than that; undone like mark-all-read."""
        query, source_id = compose(choice, search.query)
        label = _label(choice, search.query, search.applied_text)

        def answered(days: int) -> None:
            self._user.set_mark_older_days(days)
            self._ops.mark_read_older_than(days, query, source_id, self._marked_read(
                label, f"older than {days:,} day{'s' if days != 1 else ''} "))

        dialog = dialogs.ask_days(self._window, "Mark older as read",
                                  f"Every unread article in {label} older than this "
                                  f"is marked read (Ctrl+Z undoes it).",
                                  self._user.mark_older_days())
        dialog.answered.connect(answered)
        return dialog

    def _marked_read(self, label: str, which: str = "") -> Callable[[Changes], None]:
        """What a mark-read of many says when done, and how Ctrl+Z takes it back."""
        def done(changes: Changes) -> None:
            changed = sorted(changes.articles)
            if not changed:
                self._status.show_message(f"Nothing unread {which}in {label}")
                return
            self._status.show_message(f"Marked {len(changed):,} articles {which}read in "
                                      f"{label} (Ctrl+Z to undo)")
            self.undo.remember(f"marking {len(changed):,} articles read",
                               lambda: self._ops.mark_read(changed, False))
        return done

    def rename_tag(self, name: str) -> None:
        new = dialogs.ask_rename(self._window, name)
        if new is not None:
            self._ops.rename_tag(name, new)

    def merge_tag(self, name: str) -> None:
        others = sorted(set(self._tags.tag_names()) - {name}, key=str.casefold)
        if not others:
            self._status.show_message("There is no other tag to merge into")
            return
        target = dialogs.ask_merge_target(self._window, name, others)
        if target is not None:
            self._ops.rename_tag(name, target)


def _label(choice: FilterChoice, search: Query | None, search_text: str) -> str:
    """The list on screen, as a status message names it."""
    return choice.label + (f" matching “{search_text}”" if search and search.root else "")
