"""Hostile bodies written straight into the archive (as an older version or another tool
might have left them) still open in the reading pane, within its limits, and the window
keeps answering afterwards."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from pathlib import Path

import pytest
from drafts import make_draft
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from windows import Make, make_window, settings_path  # noqa: F401

from reader.archive import Archive
from reader.render import display
from ui import images

ZWSP = "\u200b"


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


def store_image(connection: sqlite3.Connection, data: bytes, width: int, height: int) -> str:
    sha = hashlib.sha256(data).hexdigest()
    connection.execute("INSERT OR IGNORE INTO images (sha256, mime_type, width, height, size, "
                       "data) VALUES (?, 'image/png', ?, ?, ?, ?)",
                       (sha, width, height, len(data), data))
    return sha


HOSTILE = {
    "nested": "<div>" * 20_000 + "<p>At the bottom.</p>" + "</div>" * 20_000,
    "word": "<p>" + "w" * 1_000_000 + "</p>",
    "entities": "<p>" + "".join(f"&amp;e{n};" for n in range(200_000)) + "</p>",
    "huge": "<p>" + "Many words in a very long article. " * 90_000 + "</p>",
    "unclosed": "<div><span><b>" * 5_000 + "text" + "</i></em>" * 5_000,
}


@pytest.fixture
def hostile_archive(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    path = tmp_path / "hostile.db"
    names = [*HOSTILE, "tall image", "giant image"]
    with Archive.open(path) as archive:
        outcomes = archive.store([make_draft(n, title=name) for n, name in enumerate(names)])
    ids = {name: outcome.article_id for name, outcome in zip(names, outcomes, strict=True)}
    with sqlite3.connect(path) as connection:
        bodies = dict(HOSTILE)
        tall = store_image(connection, png(64, 48), 64, 48)
        bodies["tall image"] = (f'<p>Tall:</p><p><img src="archive-image:{tall}" width="640" '
                                'height="999999999"></p>')
        giant = store_image(connection, png(6000, 5000), 6000, 5000)
        bodies["giant image"] = f'<p>Giant:</p><p><img src="archive-image:{giant}"></p>'
        for name, body in bodies.items():
            connection.execute("UPDATE article_bodies SET html = ? WHERE article_id = ?",
                               (body, ids[name]))
    return path, {name: int(article_id) for name, article_id in ids.items()}  # type: ignore[arg-type]


def open_article(window: object, qtbot: QtBot, article_id: int) -> None:
    model = window.headline_model  # type: ignore[attr-defined]
    row = model.row_of(article_id)
    window.navigator.select_row(row, by_reader=True)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: window.article_view.current_article_id == article_id,  # type: ignore[attr-defined]
                    timeout=20_000)


def still_answers(window: object, qtbot: QtBot) -> None:
    """j moves on to another article, as it would in any window."""
    view = window.headline_view  # type: ignore[attr-defined]
    before = view.currentIndex().row()
    qtbot.keyClick(view, Qt.Key.Key_J if before == 0 else Qt.Key.Key_K)
    qtbot.waitUntil(lambda: view.currentIndex().row() != before, timeout=5000)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_body_renders_within_the_pane_limits(
        make_window: Make, hostile_archive: tuple[Path, dict[str, int]], qtbot: QtBot,
        name: str) -> None:
    path, ids = hostile_archive
    window = make_window(path)
    open_article(window, qtbot, ids[name])
    document = window.article_view.document()
    text = document.toPlainText()
    assert document.characterCount() <= display.MAX_DISPLAY_CHARS * 1.1
    if name in ("nested", "unclosed"):
        assert "Shortened for display: elements nested more than" in text
        assert document.blockCount() < 1_000
    if name == "word":
        assert ZWSP in text  # it wraps
    if name in ("entities", "huge"):
        assert "Shortened for display: the article is" in text
    still_answers(window, qtbot)


def test_an_absurd_image_height_keeps_the_image_proportions(
        make_window: Make, hostile_archive: tuple[Path, dict[str, int]], qtbot: QtBot) -> None:
    path, ids = hostile_archive
    window = make_window(path)
    open_article(window, qtbot, ids["tall image"])
    formats = [fragment for fragment in _image_formats(window.article_view.document())]
    assert len(formats) == 1
    width, height = formats[0].width(), formats[0].height()
    assert width <= 64 * 3  # at most three times its real width
    assert height == pytest.approx(width * 48 / 64, abs=1)
    still_answers(window, qtbot)


def test_a_giant_image_is_not_decoded(make_window: Make,
                                      hostile_archive: tuple[Path, dict[str, int]],
                                      qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    path, ids = hostile_archive
    decoded: list[int] = []
    real = images.decode

    def recording(data: bytes, budget: int = images.MAX_SOURCE_PIXELS) -> object:
        image = real(data, budget)
        decoded.append(0 if image is None else image.width() * image.height())
        return image

    monkeypatch.setattr(images, "decode", recording)
    window = make_window(path)
    open_article(window, qtbot, ids["giant image"])
    assert decoded == [0]  # refused on its header: 30 megapixels
    [image_format] = _image_formats(window.article_view.document())
    assert image_format.width() < 100  # the placeholder
    still_answers(window, qtbot)


def _image_formats(document: object) -> list[object]:
    found = []
    block = document.begin()  # type: ignore[attr-defined]
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            char_format = fragments.fragment().charFormat()
            if char_format.isImageFormat():
                found.append(char_format.toImageFormat())
            fragments += 1
        block = block.next()
    return found
