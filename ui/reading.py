"""The article on screen: opening one, marking it read, and keeping it current.

Read state is what the reader did: moving to an article (a click, j/k, n/p) marks it read
when that setting is on; showing it again because something changed (a tag edit, a sync, a
bookmark made elsewhere) never does, so an article marked unread with ``m`` stays unread.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, Signal

from reader.errors import ArticleNotFound
from reader.records import Article, Changes
from ui.article_view import ArticleView
from ui.images import DecodedImages, decode_article_images
from ui.operations import ArchiveOps


class ArticleReader(QObject):
    """Opens articles into an ``ArticleView`` from worker-thread reads.

    Reads run on a pool and may finish out of order, so each open carries a generation: only
    the latest one asked for is shown (pressing j twice quickly ends on the second article).
    A refresh never bumps it, so a refresh cannot cancel an open on its way.
    """

    #: An article was put on screen by ``open`` (not by a refresh).
    article_opened = Signal(object)
    #: The article on screen is no longer in the archive.
    article_gone = Signal(int)

    def __init__(self, ops: ArchiveOps, view: ArticleView, parent: QObject | None = None,
                 *, mark_read_on_open: bool = True, read_only: bool = False) -> None:
        super().__init__(parent)
        self._ops = ops
        self._view = view
        self._generation = 0
        self._refreshes = 0
        self.mark_read_on_open = mark_read_on_open
        #: A session that must leave the archive as it found it (``--screenshot``).
        self.read_only = read_only

    @property
    def current(self) -> Article | None:
        return self._view.article

    def open(self, article_id: int, *, by_reader: bool) -> None:
        """Show ``article_id``; ``by_reader`` when the reader moved to it (marks it read)."""
        self._generation += 1
        generation = self._generation

        def done(result: tuple[Article, DecodedImages]) -> None:
            if generation != self._generation:
                return  # a later open superseded this one
            article, images = result
            self._view.show_article(article, images)
            self.article_opened.emit(article)
            if (by_reader and self.mark_read_on_open and not self.read_only
                    and not article.read):
                self._view.replace_article(dataclasses.replace(article, read=True))
                self._ops.mark_read([article.id], True)

        def failed(error: BaseException) -> None:
            if generation != self._generation:
                return
            if isinstance(error, ArticleNotFound) and not by_reader:
                return  # a remembered article that has gone since: nothing to say
            self._ops.runner.error_reported.emit(error)

        archive = self._ops.archive

        def load() -> tuple[Article, DecodedImages]:
            article = archive.article(article_id)
            return article, decode_article_images(article.body_html, archive.image)

        self._ops.runner.read(load, done, failed)

    def apply(self, changes: Changes) -> None:
        """Show the current article again if ``changes`` may have touched it — where the
        reader was in it, and without marking it read. An ``open`` asked for meanwhile wins:
        its generation moves on, and this refresh's answer is dropped."""
        current = self.current
        if current is None or not changes.touches(current.id):
            return
        if current.id in changes.removed:
            self._generation += 1
            self.article_gone.emit(current.id)
            return
        generation = self._generation
        self._refreshes += 1
        refresh = self._refreshes
        archive = self._ops.archive
        shown_body = current.body_html

        def load() -> tuple[Article, DecodedImages | None]:
            article = archive.article(current.id)
            if article.body_html == shown_body:
                return article, None  # same page: its images are on screen already
            return article, decode_article_images(article.body_html, archive.image)

        def done(result: tuple[Article, DecodedImages | None]) -> None:
            shown = self.current
            if (generation != self._generation or refresh != self._refreshes
                    or shown is None or shown.id != current.id):
                return  # an open, or a later refresh, has the newer word
            article, images = result
            if dataclasses.replace(article, read=shown.read,
                                   bookmarked=shown.bookmarked) == shown:
                self._view.replace_article(article)  # nothing the page shows has changed
            else:
                self._view.show_article(article, images, keep_scroll=True)

        def failed(error: BaseException) -> None:
            if generation != self._generation:
                return
            if isinstance(error, ArticleNotFound):
                self.article_gone.emit(current.id)
            else:
                self._ops.runner.error_reported.emit(error)

        self._ops.runner.read(load, done, failed)
