"""The reading pane: one archived article rendered offline in a QTextBrowser."""

# QTextBrowser would happily follow links and read files: ``setSource``, its default
# ``loadResource`` (local files relative to the source, then search paths) and
# QTextDocument's own fallback (it decodes ``data:`` URLs and reads local files whenever the
# loader returns nothing). So links are never opened here, only reported as signals, and
# ``loadResource`` answers every request itself, always with a value: archive images from those
# handed in with the article (decoded on a worker thread, ui/images.py), everything else a
# placeholder, logged in ``blocked_requests``. Nothing here reads the archive.

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QPen,
    QResizeEvent,
    QTextCursor,
    QTextDocument,
    QTextImageFormat,
    QWheelEvent,
)
from PySide6.QtWidgets import QTextBrowser, QTextEdit, QWidget

from reader import highlight
from reader.records import Article
from reader.render.article_html import (
    ARTICLE_SCHEME,
    DARK,
    LIGHT,
    SANS_FAMILIES,
    SERIF_FAMILIES,
    TAG_SCHEME,
    Theme,
    article_document,
    article_id_from_href,
    message_document,
    tag_from_href,
)
from ui.images import DecodedImages

ARCHIVE_IMAGE_SCHEME = "archive-image"
EXTERNAL_SCHEMES = frozenset({"http", "https", "mailto"})

BASE_FONT_PT = 11.0
ZOOM_FACTOR = 1.1
MIN_ZOOM_STEPS = -4
MAX_ZOOM_STEPS = 10

#: Longest line, in ems of the body font: about 70-75 characters of a serif text face.
MAX_MEASURE_EM = 38.0
MIN_SIDE_MARGIN_PX = 20
TOP_MARGIN_PX = 22
BOTTOM_MARGIN_PX = 48

#: Search matches marked in one article at most.
MAX_MARKED_MATCHES = 500
#: An image is never drawn wider than this many times its real width.
MAX_UPSCALE = 3.0
#: Decoded images kept across articles, by total size.
IMAGE_CACHE_BYTES = 96 * 1024 * 1024
#: Resizes arrive in bursts while a splitter is dragged; images are refitted once it rests.
REFIT_DELAY_MS = 120

_SHA256_HEX = re.compile(r"[0-9a-f]{1,64}")


class ArticleView(QTextBrowser):
    """Shows an ``Article`` (or a one-line message) and reports what the reader clicks.

    Never touches the network or the file system: see the module comment. Tag chips emit
    ``tag_clicked``, archived related articles ``article_requested``, and http/https/mailto
    links ``external_link_clicked`` for the window to open; any other link is ignored.
    Follows the system colour scheme unless ``theme_override`` is set. Zoom is
    ``zoom_steps`` (0 is the default size); the caller persists it, told by ``zoom_changed``.
    Images come decoded with the article (``show_article``); the view never decodes or reads.
    """

    tag_clicked = Signal(str)
    article_requested = Signal(int)
    external_link_clicked = Signal(QUrl)
    zoom_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: Every resource URL refused for the page on screen, in request order (for tests and
        #: the status bar); emptied when a page is rendered.
        self.blocked_requests: list[str] = []
        self.current_article_id: int | None = None
        self._article: Article | None = None
        self._message: str | None = None
        self._hints: tuple[str, ...] = ()
        self._highlight: re.Pattern[str] | None = None
        self._typeface = "serif"
        self._zoom_steps = 0
        self._theme_override: Theme | None = None
        self._theme = system_theme()
        # sha -> decoded image, or None when the archive has no (readable) image under it.
        self._images: OrderedDict[str, QImage | None] = OrderedDict()
        self._image_bytes = 0
        self._placeholder: QImage | None = None
        #: Widths the current document asks of its archive images, before fitting.
        self._wanted_widths: list[float] = []
        self._fitted_limit = 0

        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.document().setDocumentMargin(0)
        self.document().setUndoRedoEnabled(False)  # _fit_images edits formats: nothing to undo
        self.anchorClicked.connect(self._on_anchor_clicked)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_color_scheme_changed)
        self._refit_timer = QTimer(self)
        self._refit_timer.setSingleShot(True)
        self._refit_timer.setInterval(REFIT_DELAY_MS)
        self._refit_timer.timeout.connect(self._refit_images)
        self._apply_palette()

    # --- what to show ---------------------------------------------------------------------------

    def show_article(self, article: Article, images: DecodedImages | None = None, *,
                     keep_scroll: bool = False) -> None:
        """Render ``article`` with the current theme and zoom, scrolled to the top — or, when
        it is the same article shown again after a change, where the reader was."""
        for sha, image in (images or {}).items():
            self._remember(sha, image)
        keep = keep_scroll and self.current_article_id == article.id
        self._article = article
        self._message = None
        self.current_article_id = article.id
        self._render(keep_scroll=keep, exact=keep)

    def set_highlight(self, found: re.Pattern[str] | None) -> None:
        """Mark the search's words (``reader.highlight.pattern``) in the article shown, and in
        every one shown after, until it changes."""
        if found != self._highlight:
            self._highlight = found
            self._mark_matches()

    def _mark_matches(self) -> None:
        """The matches as extra selections: drawn over the page, the document is untouched."""
        selections: list[QTextEdit.ExtraSelection] = []
        if self._article is not None and self._highlight is not None:
            tint = QColor("#f2c94c")
            tint.setAlpha(140)
            text = self.document().toPlainText()
            for start, end in highlight.spans(text, self._highlight, MAX_MARKED_MATCHES):
                selection = QTextEdit.ExtraSelection()
                cursor = QTextCursor(self.document())
                cursor.setPosition(start)
                cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
                selection.cursor = cursor
                selection.format.setBackground(tint)
                selections.append(selection)
        self.setExtraSelections(selections)

    def page(self, step: int) -> bool:
        """Scroll a screenful down (``step`` 1) or up (-1), keeping a few lines of context;
        False when already at that end (the reader's "next" is then the next article)."""
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() if step > 0 else bar.value() <= bar.minimum()
        if at_end:
            return False
        overlap = self.fontMetrics().height() * 2
        bar.setValue(bar.value() + step * max(bar.pageStep() - overlap, overlap))
        return True

    def replace_article(self, article: Article) -> None:
        """Take a newer copy of the article on screen whose change the page does not show
        (its read state), without rendering it again."""
        if article.id == self.current_article_id:
            self._article = article

    @property
    def article(self) -> Article | None:
        """The article on screen, as it was last shown."""
        return self._article

    def show_message(self, text: str, hints: Sequence[str] = ()) -> None:
        """Show one centred, muted line instead of an article ("Select an article"), and any
        hints under it."""
        self._article = None
        self._message = text
        self._hints = tuple(hints)
        self.current_article_id = None
        self._render(keep_scroll=False)

    # --- zoom -----------------------------------------------------------------------------------

    @property
    def zoom_steps(self) -> int:
        return self._zoom_steps

    @zoom_steps.setter
    def zoom_steps(self, steps: int) -> None:
        steps = max(MIN_ZOOM_STEPS, min(MAX_ZOOM_STEPS, int(steps)))
        if steps == self._zoom_steps:
            return
        self._zoom_steps = steps
        self._render(keep_scroll=True)
        self.zoom_changed.emit(steps)

    @property
    def typeface(self) -> str:
        """"serif" (the default) or "sans" for the article's text."""
        return self._typeface

    @typeface.setter
    def typeface(self, typeface: str) -> None:
        typeface = "sans" if typeface == "sans" else "serif"
        if typeface != self._typeface:
            self._typeface = typeface
            self._render(keep_scroll=True)

    def zoom_in(self) -> None:
        self.zoom_steps = self._zoom_steps + 1

    def zoom_out(self) -> None:
        self.zoom_steps = self._zoom_steps - 1

    def reset_zoom(self) -> None:
        self.zoom_steps = 0

    def font_point_size(self) -> float:
        """The body text size for the current zoom."""
        return BASE_FONT_PT * ZOOM_FACTOR ** self._zoom_steps

    # --- theme ----------------------------------------------------------------------------------

    @property
    def theme(self) -> Theme:
        return self._theme

    @property
    def theme_override(self) -> Theme | None:
        """A theme chosen by the user; None follows the system colour scheme."""
        return self._theme_override

    @theme_override.setter
    def theme_override(self, theme: Theme | None) -> None:
        self._theme_override = theme
        self._update_theme()

    def _on_color_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        self._update_theme()

    def _update_theme(self) -> None:
        theme = self._theme_override or system_theme()
        if theme == self._theme:
            return
        self._theme = theme
        self._placeholder = None
        self._apply_palette()
        self._render(keep_scroll=True)

    def _apply_palette(self) -> None:
        """Base is what the viewport paints outside the text: it must match the page."""
        theme = self._theme
        palette = self.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive,
                      QPalette.ColorGroup.Disabled):
            palette.setColor(group, QPalette.ColorRole.Base, QColor(theme.background))
            palette.setColor(group, QPalette.ColorRole.Text, QColor(theme.text))
            palette.setColor(group, QPalette.ColorRole.Link, QColor(theme.accent))
            palette.setColor(group, QPalette.ColorRole.LinkVisited, QColor(theme.accent))
        self.setPalette(palette)

    # --- rendering ------------------------------------------------------------------------------

    def _render(self, *, keep_scroll: bool, exact: bool = False) -> None:
        """Lay the page out again. ``keep_scroll`` keeps the reader's place: as a fraction of
        the page (a new zoom or width re-flows it all), or ``exact``ly, in pixels (the same
        article shown again after a change: a new tag chip must not move the paragraph being
        read)."""
        bar = self.verticalScrollBar()
        before = bar.value()
        fraction = before / bar.maximum() if keep_scroll and bar.maximum() > 0 else 0.0
        font_pt = self.font_point_size()
        if self._article is not None:
            page = article_document(self._article, theme=self._theme, base_font_pt=font_pt,
                                    typeface=self._typeface)
        elif self._message is not None:
            page = message_document(self._message, theme=self._theme, base_font_pt=font_pt,
                                    hints=self._hints)
        else:
            page = ""
        self._refit_timer.stop()
        self.blocked_requests.clear()
        # Headings are sized relative to the default font (see reader.render.article_html).
        font = QFont()
        font.setFamilies(list(SANS_FAMILIES if self._typeface == "sans" else SERIF_FAMILIES))
        font.setPointSizeF(font_pt)
        self.document().setDefaultFont(font)
        self.setHtml(page)
        self._apply_page_margins()
        self._fit_images()
        self._apply_page_margins()  # the message is centred on the laid-out height
        self.document().documentLayout().documentSize()  # lay out now, so the range is known
        bar.setValue(before if exact else round(fraction * bar.maximum()))
        self._mark_matches()

    def _side_margin(self) -> int:
        font_px = self.font_point_size() * 96 / 72
        measure = round(MAX_MEASURE_EM * font_px)
        return max(MIN_SIDE_MARGIN_PX, (self.viewport().width() - measure) // 2)

    def _image_width_limit(self) -> int:
        return max(48, self.viewport().width() - 2 * self._side_margin())

    def _apply_page_margins(self) -> None:
        """Side margins give the text its measure: QTextDocument has no max-width."""
        frame = self.document().rootFrame()
        frame_format = frame.frameFormat()
        side = self._side_margin()
        top = TOP_MARGIN_PX
        if self._message is not None:
            text_height = self.document().size().height() - frame_format.topMargin() \
                - frame_format.bottomMargin()
            top = max(TOP_MARGIN_PX, round((self.viewport().height() - text_height) / 2.5))
        changed = (frame_format.leftMargin(), frame_format.rightMargin(),
                   frame_format.topMargin()) != (side, side, top)
        if changed:
            frame_format.setLeftMargin(side)
            frame_format.setRightMargin(side)
            frame_format.setTopMargin(top)
            frame_format.setBottomMargin(BOTTOM_MARGIN_PX)
            frame.setFrameFormat(frame_format)

    def _fit_images(self) -> None:
        """Give each image its display size, no wider than its line, smoothly scaled.

        Sizes go into the image formats (a ``width="1600"`` attribute would otherwise
        overflow, and a missing image would stretch its placeholder to that size) and the
        scaled pixels into the document's resources, so Qt never scales a large image at paint
        time. Images that are not the archive's are left to ``loadResource`` to refuse.
        """
        page_limit = self._image_width_limit()
        self._fitted_limit = page_limit
        self._wanted_widths = []
        document = self.document()
        ratio = self.devicePixelRatioF()
        placeholder = self._placeholder_image().size()
        resources: dict[str, QImage] = {}
        for position, length, image_format, inset in self._image_fragments():
            limit = max(48.0, page_limit - inset)
            sha = _archive_sha(QUrl(image_format.name()))
            image = self._original(sha) if sha is not None else None
            if image is None:
                width, height = float(placeholder.width()), float(placeholder.height())
            else:
                # The image's own proportions, whatever the markup says (a height of 999999999
                # would be a 12 GB bitmap), and at most MAX_UPSCALE times its real width.
                natural = image.deviceIndependentSize()
                width = min(image_format.width() or natural.width(),
                            natural.width() * MAX_UPSCALE)
                height = natural.height() * width / max(1.0, natural.width())
                self._wanted_widths.append(width)
                if width > limit:
                    height = height * limit / width
                    width = limit
                pixels = QSize(max(1, round(width * ratio)), max(1, round(height * ratio)))
                best = resources.get(image_format.name())
                if best is None or best.width() < pixels.width():
                    resources[image_format.name()] = _scaled(image, pixels, ratio)
            image_format.setWidth(width)
            image_format.setHeight(height)
            cursor = QTextCursor(document)
            cursor.setPosition(position)
            cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
            cursor.setCharFormat(image_format)
        for name, scaled in resources.items():
            document.addResource(QTextDocument.ResourceType.ImageResource.value, QUrl(name),
                                 scaled)

    def _image_fragments(self) -> list[tuple[int, int, QTextImageFormat, float]]:
        """(position, length, format, horizontal inset of its block) for every image."""
        document = self.document()
        found: list[tuple[int, int, QTextImageFormat, float]] = []
        block = document.begin()
        while block.isValid():
            block_format = block.blockFormat()
            indent = block_format.indent() + (block.textList().format().indent()
                                              if block.textList() is not None else 0)
            inset = (block_format.leftMargin() + block_format.rightMargin()
                     + max(0.0, block_format.textIndent()) + indent * document.indentWidth())
            fragments = block.begin()
            while not fragments.atEnd():
                fragment = fragments.fragment()
                char_format = fragment.charFormat()
                if char_format.isImageFormat():
                    found.append((fragment.position(), fragment.length(),
                                  char_format.toImageFormat(), inset))
                fragments += 1
            block = block.next()
        return found

    def _refit_images(self) -> None:
        """Re-render when the new width changes the size of an image on the page."""
        limit = self._image_width_limit()
        if limit != self._fitted_limit and any(
                width > min(limit, self._fitted_limit) for width in self._wanted_widths):
            self._render(keep_scroll=True)

    # --- resources ------------------------------------------------------------------------------

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        """Archive images from the loader; a placeholder for any other URL, which is logged.

        Never returns an empty value: QTextDocument would then decode ``data:`` URLs or read
        the file itself.
        """
        url = name if isinstance(name, QUrl) else QUrl(name)
        sha = _archive_sha(url)
        if sha is None:
            self.blocked_requests.append(url.toString())
            return self._placeholder_image()
        image = self._original(sha)
        if image is None:
            return self._placeholder_image()
        limit = self._image_width_limit()
        natural = image.deviceIndependentSize()
        if natural.width() <= limit:
            return image
        ratio = self.devicePixelRatioF()
        height = natural.height() * limit / natural.width()
        return _scaled(image, QSize(round(limit * ratio), max(1, round(height * ratio))), ratio)

    def _original(self, sha: str) -> QImage | None:
        """The decoded image stored under ``sha``, or None when missing or unreadable."""
        if sha in self._images:
            self._images.move_to_end(sha)
            return self._images[sha]
        return None

    def _remember(self, sha: str, image: QImage | None) -> None:
        previous = self._images.pop(sha, None)
        self._image_bytes -= previous.sizeInBytes() if previous is not None else 0
        self._images[sha] = image
        self._image_bytes += image.sizeInBytes() if image is not None else 0
        while self._image_bytes > IMAGE_CACHE_BYTES and len(self._images) > 1:
            _old_sha, old = self._images.popitem(last=False)
            self._image_bytes -= old.sizeInBytes() if old is not None else 0

    def _placeholder_image(self) -> QImage:
        """A small muted box with a cross: "an image was here"."""
        if self._placeholder is None:
            theme = self._theme
            image = QImage(40, 28, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(QColor(theme.placeholder_background))
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor(theme.muted), 1))
            painter.drawRect(QRectF(0.5, 0.5, 39, 27))
            painter.drawLine(14, 8, 26, 20)
            painter.drawLine(26, 8, 14, 20)
            painter.end()
            self._placeholder = image
        return self._placeholder

    # --- links ----------------------------------------------------------------------------------

    def _on_anchor_clicked(self, url: QUrl) -> None:
        scheme = url.scheme().lower()
        # The path still percent-encoded, so a tag named "a%2Fb" is not read as "a/b".
        path = url.path(QUrl.ComponentFormattingOption.FullyEncoded)
        if scheme == TAG_SCHEME:
            tag = tag_from_href(f"{TAG_SCHEME}:{path}")
            if tag is not None:
                self.tag_clicked.emit(tag)
        elif scheme == ARTICLE_SCHEME:
            article_id = article_id_from_href(f"{ARTICLE_SCHEME}:{path}")
            if article_id is not None:
                self.article_requested.emit(article_id)
        elif scheme in EXTERNAL_SCHEMES:
            self.external_link_clicked.emit(url)

    # --- Qt events ------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        control = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if event.matches(QKeySequence.StandardKey.ZoomIn) or (
                control and event.key() in (Qt.Key.Key_Equal, Qt.Key.Key_Plus)):
            self.zoom_in()
        elif event.matches(QKeySequence.StandardKey.ZoomOut) or (
                control and event.key() == Qt.Key.Key_Minus):
            self.zoom_out()
        elif control and event.key() == Qt.Key.Key_0:
            self.reset_zoom()
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        # QTextEdit zooms its widget font on Ctrl+wheel, which the page's pt sizes override.
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta > 0:
                self.zoom_in()
            elif delta < 0:
                self.zoom_out()
            event.accept()
            return
        super().wheelEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_page_margins()
        if self._wanted_widths:
            self._refit_timer.start()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            self._update_theme()


def system_theme() -> Theme:
    """DARK or LIGHT, following the system colour scheme (Qt 6.5+)."""
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return DARK
    if scheme == Qt.ColorScheme.Light:
        return LIGHT
    # Unknown (some platforms, offscreen): guess from the application palette.
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return DARK if window.lightness() < 128 else LIGHT


def _archive_sha(url: QUrl) -> str | None:
    """The hex digest an ``archive-image:<sha256>`` URL names, or None for any other URL."""
    if url.scheme() != ARCHIVE_IMAGE_SCHEME or url.hasQuery() or url.hasFragment():
        return None
    sha = url.path()
    return sha if _SHA256_HEX.fullmatch(sha) else None


def _scaled(image: QImage, pixels: QSize, ratio: float) -> QImage:
    if image.size() == pixels:
        return image
    scaled = image.scaled(pixels, Qt.AspectRatioMode.IgnoreAspectRatio,
                          Qt.TransformationMode.SmoothTransformation)
    scaled.setDevicePixelRatio(ratio)
    return scaled
