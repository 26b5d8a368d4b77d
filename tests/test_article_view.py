"""The reading pane: archive images load, nothing else is fetched, links become signals."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QPalette,
    QTextDocument,
    QTextImageFormat,
)
from pytestqt.qtbot import QtBot

from reader.errors import NotFound
from reader.records import Article, RelatedLink
from reader.render.article_html import DARK, LIGHT, tag_href
from ui import article_view
from ui.article_view import ArticleView
from ui.images import DecodedImages, decode_article_images

IMAGE_RESOURCE = QTextDocument.ResourceType.ImageResource.value


def png_bytes(width: int, height: int, colour: str = "#3b6ea5") -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")  # type: ignore[call-overload]  # stubs say bytes
    return bytes(data.data())


class FakeArchive:
    """An image loader over a dict, recording every sha asked for."""

    def __init__(self, *images: bytes) -> None:
        self.images = {hashlib.sha256(data).hexdigest(): data for data in images}
        self.calls: list[str] = []

    def __call__(self, sha: str) -> tuple[str, bytes]:
        self.calls.append(sha)
        try:
            return "image/png", self.images[sha]
        except KeyError:
            raise NotFound(f"no image {sha}") from None


def make_article(body: str = "<p>Body text here.</p>", **changes: object) -> Article:
    article = Article(
        id=7, title="A quiet harbour", subtitle="The council votes", source="Courier",
        source_id=1, url="https://courier.example/harbour",
        published=datetime(2024, 11, 4, 9, 0, tzinfo=UTC), fetched=datetime.now(UTC),
        author="Ana", tags=("local politics", "tourism"), read=False, bookmarked=False,
        bookmarked_at=None, excerpt="", word_count=300, body_html=body, body_text="",
        related=(RelatedLink("Ferry timetable", "Winter routes.", None, None, 12),),
    )
    return dataclasses.replace(article, **changes)  # type: ignore[arg-type]


class WorkerFedView(ArticleView):
    """Shows articles the way the window does: their images decoded first (in the window,
    on a worker thread, by ``ui.images``), then handed to the view."""

    def __init__(self, archive: FakeArchive) -> None:
        super().__init__()
        self.archive = archive

    def show_article(self, article: Article, images: DecodedImages | None = None, *,
                     keep_scroll: bool = False) -> None:
        if images is None:
            images = decode_article_images(article.body_html, self.archive)
        super().show_article(article, images, keep_scroll=keep_scroll)


@pytest.fixture
def make_view(qtbot: QtBot) -> Callable[[FakeArchive], ArticleView]:
    def make(archive: FakeArchive) -> ArticleView:
        view = WorkerFedView(archive)
        qtbot.addWidget(view)
        view.theme_override = LIGHT
        view.resize(700, 600)
        view.show()
        qtbot.waitExposed(view)
        return view
    return make


def body_font_size(view: ArticleView, text: str = "Body text here.") -> float:
    cursor = view.document().find(text)
    assert not cursor.isNull()
    return cursor.charFormat().font().pointSizeF()


# --- images -----------------------------------------------------------------------------------


def test_archive_image_loads(make_view: Callable[[FakeArchive], ArticleView]) -> None:
    data = png_bytes(120, 80)
    archive = FakeArchive(data)
    sha = hashlib.sha256(data).hexdigest()
    view = make_view(archive)
    view.show_article(make_article(f'<p>Before.</p><img src="archive-image:{sha}" alt="x">'))
    assert archive.calls == [sha]
    resource = view.document().resource(IMAGE_RESOURCE, QUrl(f"archive-image:{sha}"))
    assert isinstance(resource, QImage) and not resource.isNull()
    assert resource.deviceIndependentSize().toSize().width() == 120
    assert view.blocked_requests == []


def test_wide_image_is_scaled_to_the_text_width(
        make_view: Callable[[FakeArchive], ArticleView]) -> None:
    data = png_bytes(1600, 800)
    sha = hashlib.sha256(data).hexdigest()
    view = make_view(FakeArchive(data))
    view.show_article(make_article(
        f'<figure><img src="archive-image:{sha}" width="1600" height="800"></figure>'))
    limit = view.viewport().width()
    formats = image_formats(view.document())
    assert len(formats) == 1
    assert 48 <= formats[0].width() < limit
    assert formats[0].height() == pytest.approx(formats[0].width() / 2, abs=1)
    resource = view.document().resource(IMAGE_RESOURCE, QUrl(f"archive-image:{sha}"))
    assert resource.deviceIndependentSize().width() == pytest.approx(formats[0].width(), abs=1)


def test_remote_and_local_images_are_refused(
        make_view: Callable[[FakeArchive], ArticleView]) -> None:
    archive = FakeArchive()
    view = make_view(archive)
    # Bypasses the sanitizer on purpose: the pane must hold the line by itself.
    view.show_article(make_article(
        '<p>a</p><img src="http://evil.example/x.png"><img src="file:///etc/passwd">'
        '<img src="data:image/png;base64,iVBORw0KGgo="><img src="relative.png">'))
    view.viewport().repaint()
    assert sorted(set(view.blocked_requests)) == sorted([
        "http://evil.example/x.png", "file:///etc/passwd", "data:image/png;base64,iVBORw0KGgo=",
        "relative.png"])
    assert archive.calls == []


def test_refused_resources_get_a_value_so_qt_never_falls_back(
        make_view: Callable[[FakeArchive], ArticleView]) -> None:
    view = make_view(FakeArchive())
    for resource_type in QTextDocument.ResourceType:
        answer = view.loadResource(resource_type.value, QUrl("file:///etc/passwd"))
        assert answer is not None
    assert view.blocked_requests == ["file:///etc/passwd"] * len(QTextDocument.ResourceType)


def test_missing_image_gets_a_placeholder(
        make_view: Callable[[FakeArchive], ArticleView]) -> None:
    archive = FakeArchive()
    view = make_view(archive)
    missing = "0" * 64
    view.show_article(make_article(f'<p>a</p><img src="archive-image:{missing}">'))
    placeholder = view.loadResource(IMAGE_RESOURCE, QUrl(f"archive-image:{missing}"))
    assert isinstance(placeholder, QImage) and not placeholder.isNull()
    assert placeholder.width() < 100
    assert archive.calls == [missing]  # asked once, remembered as missing
    assert view.blocked_requests == []


def test_missing_image_is_not_stretched_to_its_size_attributes(
        make_view: Callable[[FakeArchive], ArticleView]) -> None:
    view = make_view(FakeArchive())
    view.show_article(make_article(
        f'<p>a</p><img src="archive-image:{"0" * 64}" width="1600" height="900">'))
    [image_format] = image_formats(view.document())
    assert image_format.width() < 100 and image_format.height() < 100


def test_resizing_refits_images(
        qtbot: QtBot, make_view: Callable[[FakeArchive], ArticleView]) -> None:
    data = png_bytes(1600, 800)
    sha = hashlib.sha256(data).hexdigest()
    view = make_view(FakeArchive(data))
    view.show_article(make_article(f'<p>a</p><img src="archive-image:{sha}">'))
    [wide] = image_formats(view.document())
    view.resize(400, 600)
    qtbot.waitUntil(lambda: image_formats(view.document())[0].width() < wide.width())
    assert image_formats(view.document())[0].width() <= view.viewport().width()


def test_archive_urls_that_are_not_a_digest_are_refused(
        make_view: Callable[[FakeArchive], ArticleView]) -> None:
    archive = FakeArchive()
    view = make_view(archive)
    view.loadResource(IMAGE_RESOURCE, QUrl("archive-image:../../etc/passwd"))
    view.loadResource(IMAGE_RESOURCE, QUrl("archive-image:" + "a" * 64 + "?x=1"))
    assert archive.calls == []
    assert len(view.blocked_requests) == 2


# --- links ------------------------------------------------------------------------------------


def test_tag_chip_click_emits_tag_clicked(
        qtbot: QtBot, make_view: Callable[[FakeArchive], ArticleView]) -> None:
    view = make_view(FakeArchive())
    view.show_article(make_article())
    cursor = view.document().find("tourism")
    assert not cursor.isNull()
    point = view.cursorRect(cursor).center() - QPoint(8, 0)
    with qtbot.waitSignal(view.tag_clicked) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == ["tourism"]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60,
          deadline=None)
# A leading U+FEFF is dropped by PySide6 when the str becomes a QString (it reads it as a
# byte-order mark), before the URL is involved; such names are left out here.
@given(name=st.text(st.characters(codec="utf-8"), min_size=1).filter(
    lambda text: not text.startswith("\ufeff")))
def test_any_tag_name_survives_the_url(
        qtbot: QtBot, make_view: Callable[[FakeArchive], ArticleView], name: str) -> None:
    view = WorkerFedView(FakeArchive())
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.tag_clicked, timeout=1000) as blocker:
        view.anchorClicked.emit(QUrl(tag_href(name)))
    assert blocker.args == [name]


def test_related_article_link_emits_article_requested(
        qtbot: QtBot, make_view: Callable[[FakeArchive], ArticleView]) -> None:
    view = make_view(FakeArchive())
    view.show_article(make_article())
    assert 'href="broadsheet-article:12"' in view.document().toHtml()
    with qtbot.waitSignal(view.article_requested) as blocker:
        view.anchorClicked.emit(QUrl("broadsheet-article:12"))
    assert blocker.args == [12]


@pytest.mark.parametrize("url", ["https://example.org/a?b=1#c", "http://example.org/",
                                 "mailto:editor@example.org"])
def test_web_links_are_handed_to_the_window(
        qtbot: QtBot, make_view: Callable[[FakeArchive], ArticleView], url: str) -> None:
    view = make_view(FakeArchive())
    with qtbot.waitSignal(view.external_link_clicked) as blocker:
        view.anchorClicked.emit(QUrl(url))
    assert blocker.args == [QUrl(url)]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://x.example/",
                                 "relative/page.html", "broadsheet-article:abc",
                                 "broadsheet-tag:"])
def test_other_links_are_ignored(
        qtbot: QtBot, make_view: Callable[[FakeArchive], ArticleView], url: str) -> None:
    view = make_view(FakeArchive())
    view.show_article(make_article())
    with (qtbot.assertNotEmitted(view.external_link_clicked),
          qtbot.assertNotEmitted(view.tag_clicked),
          qtbot.assertNotEmitted(view.article_requested)):
        view.anchorClicked.emit(QUrl(url))
    assert view.current_article_id == 7  # and the page did not navigate
    assert "A quiet harbour" in view.toPlainText()


# --- zoom, messages, scrolling, themes --------------------------------------------------------


def test_zoom_changes_the_font_size(
        qtbot: QtBot, make_view: Callable[[FakeArchive], ArticleView]) -> None:
    view = make_view(FakeArchive())
    view.show_article(make_article())
    normal = body_font_size(view)
    with qtbot.waitSignal(view.zoom_changed) as blocker:
        view.zoom_in()
    assert blocker.args == [1]
    assert body_font_size(view) > normal
    view.zoom_out()
    view.zoom_out()
    assert view.zoom_steps == -1
    assert body_font_size(view) < normal
    view.reset_zoom()
    assert body_font_size(view) == pytest.approx(normal)


def test_zoom_keys(qtbot: QtBot, make_view: Callable[[FakeArchive], ArticleView]) -> None:
    view = make_view(FakeArchive())
    view.show_article(make_article())
    view.setFocus()
    control = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(view, Qt.Key.Key_Plus, control)
    qtbot.keyClick(view, Qt.Key.Key_Equal, control)
    assert view.zoom_steps == 2
    qtbot.keyClick(view, Qt.Key.Key_Minus, control)
    assert view.zoom_steps == 1
    qtbot.keyClick(view, Qt.Key.Key_0, control)
    assert view.zoom_steps == 0


def test_zoom_steps_property_is_clamped_and_rerenders(
        make_view: Callable[[FakeArchive], ArticleView]) -> None:
    view = make_view(FakeArchive())
    view.show_article(make_article())
    view.zoom_steps = 3
    assert body_font_size(view) == pytest.approx(article_view.BASE_FONT_PT * 1.1 ** 3, abs=0.01)
    view.zoom_steps = 1000
    assert view.zoom_steps == article_view.MAX_ZOOM_STEPS
    view.zoom_steps = -1000
    assert view.zoom_steps == article_view.MIN_ZOOM_STEPS


def test_show_message(make_view: Callable[[FakeArchive], ArticleView]) -> None:
    view = make_view(FakeArchive())
    view.show_article(make_article())
    view.show_message("No <b>articles</b> match")
    assert view.toPlainText().strip() == "No <b>articles</b> match"
    assert view.current_article_id is None
    block = view.document().begin()
    assert block.blockFormat().alignment() & Qt.AlignmentFlag.AlignHCenter
    view.zoom_in()  # re-renders the message, not a stale article
    assert view.toPlainText().strip() == "No <b>articles</b> match"


def test_show_article_scrolls_to_top(make_view: Callable[[FakeArchive], ArticleView]) -> None:
    view = make_view(FakeArchive())
    long_body = "".join(f"<p>Paragraph {n} of a long article.</p>" for n in range(200))
    view.show_article(make_article(long_body))
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    view.show_article(make_article(long_body, id=8))
    assert bar.value() == 0
    assert view.current_article_id == 8


def test_zoom_keeps_the_reading_position(
        make_view: Callable[[FakeArchive], ArticleView]) -> None:
    view = make_view(FakeArchive())
    view.show_article(make_article("".join(f"<p>Paragraph {n}.</p>" for n in range(300))))
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    view.zoom_in()
    assert bar.value() / bar.maximum() == pytest.approx(0.5, abs=0.05)


def test_dark_theme_paints_the_page(make_view: Callable[[FakeArchive], ArticleView]) -> None:
    view = make_view(FakeArchive())
    view.show_article(make_article())
    view.theme_override = DARK
    assert view.palette().color(QPalette.ColorRole.Base) == QColor(DARK.background)
    assert view.theme is DARK
    corner = view.viewport().grab().toImage().pixelColor(2, 2)
    assert corner == QColor(DARK.background)
    view.theme_override = LIGHT
    corner = view.viewport().grab().toImage().pixelColor(2, 2)
    assert corner == QColor(LIGHT.background)


def test_follows_the_system_colour_scheme(
        monkeypatch: pytest.MonkeyPatch, make_view: Callable[[FakeArchive], ArticleView]) -> None:
    view = make_view(FakeArchive())
    view.theme_override = None
    view.show_article(make_article())
    monkeypatch.setattr(article_view, "system_theme", lambda: DARK)
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert view.theme is DARK
    assert view.palette().color(QPalette.ColorRole.Base) == QColor(DARK.background)
    assert "A quiet harbour" in view.toPlainText()


# --- helpers ----------------------------------------------------------------------------------


def image_formats(document: QTextDocument) -> list[QTextImageFormat]:
    formats: list[QTextImageFormat] = []
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            char_format = fragments.fragment().charFormat()
            if char_format.isImageFormat():
                formats.append(char_format.toImageFormat())
            fragments += 1
        block = block.next()
    return formats
