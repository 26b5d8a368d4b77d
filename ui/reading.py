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
                return  # a later open or refresh superseded this one
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

        self._ops.runner.read(lambda: self._load(article_id), done, failed)

    def apply(self, changes: Changes) -> None:
        """Show the current article again if ``changes`` may have touched it — where the
        reader was in it, and without marking it read."""
        current = self.current
        if current is None or not changes.touches(current.id):
            return
        if current.id in changes.removed:
            self._generation += 1
            self.article_gone.emit(current.id)
            return
        self._generation += 1
        generation = self._generation

        def done(result: tuple[Article, DecodedImages]) -> None:
            if generation != self._generation:
                return
            article, images = result
            shown = self.current
            if shown is None or shown.id != article.id:
                return
            if dataclasses.replace(article, read=shown.read) == shown:
                self._view.replace_article(article)  # the pane does not show read state
                return
            self._view.show_article(article, images, keep_scroll=True)

        def failed(error: BaseException) -> None:
            if generation != self._generation:
                return
            if isinstance(error, ArticleNotFound):
                self.article_gone.emit(current.id)
            else:
                self._ops.runner.error_reported.emit(error)

        self._ops.runner.read(lambda: self._load(current.id), done, failed)

    def _load(self, article_id: int) -> tuple[Article, DecodedImages]:
        article = self._ops.archive.article(article_id)
        return article, decode_article_images(article.body_html, self._ops.archive.image)
