"""What the window remembers, and where: per archive in the archive, per person in QSettings.

The last article, the left pane's choice and the search belong to the archive they were made
in (``Archive.view_state``), so opening another archive never shows — or marks read — an
unrelated article that happens to have the same id. Geometry, the splitter, zoom and the
"mark read when opened" preference are the person's, kept in QSettings. A session that must
leave no trace (``--screenshot``) reads both and writes neither.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from PySide6.QtCore import QByteArray, QSettings

from reader.archive import Archive
from ui.tag_filter import FilterChoice

DEFAULT_SIZE = (1280, 800)


@dataclass(frozen=True, slots=True)
class ArchiveView:
    """The archive's part: what was on screen when the window last closed."""

    choice: FilterChoice = field(default_factory=lambda: FilterChoice("all"))
    search: str = ""
    article_id: int | None = None

    @classmethod
    def from_stored(cls, stored: dict[str, str]) -> ArchiveView:
        """Whatever of it still makes sense; anything damaged is quietly left out."""
        choice = FilterChoice("all")
        try:
            raw = json.loads(stored.get("choice", "null"))
            if isinstance(raw, dict):
                choice = FilterChoice(raw.get("kind", "all"), raw.get("value"))
        except (ValueError, TypeError):
            pass
        article = stored.get("article", "")
        return cls(choice, stored.get("search", ""),
                   int(article) if article.isdigit() and len(article) < 19 else None)

    def to_stored(self) -> dict[str, str | None]:
        return {"choice": json.dumps({"kind": self.choice.kind, "value": self.choice.value}),
                "search": self.search or None,
                "article": None if self.article_id is None else str(self.article_id)}


def load_archive_view(archive: Archive) -> ArchiveView:
    """Runs on a worker thread."""
    return ArchiveView.from_stored(archive.view_state())


class UserSettings:
    """The person's settings; ``persist=False`` reads them and never writes."""

    def __init__(self, settings: QSettings, *, persist: bool = True) -> None:
        self._settings = settings
        self.persist = persist

    def _set(self, key: str, value: object) -> None:
        if self.persist:
            self._settings.setValue(key, value)

    def geometry(self) -> QByteArray | None:
        value = self._settings.value("geometry")
        return value if isinstance(value, QByteArray) else None

    def splitter(self) -> QByteArray | None:
        value = self._settings.value("splitter")
        return value if isinstance(value, QByteArray) else None

    def zoom(self) -> int:
        try:
            return int(str(self._settings.value("zoom", 0)))
        except ValueError:
            return 0

    def set_zoom(self, steps: int) -> None:
        self._set("zoom", steps)

    def mark_read_on_open(self) -> bool:
        return bool(self._settings.value("mark_read_on_open", True, type=bool))

    def set_mark_read_on_open(self, on: bool) -> None:
        self._set("mark_read_on_open", on)

    def tag_sort(self) -> str:
        value = str(self._settings.value("tag_sort", "name"))
        return value if value in ("name", "count") else "name"

    def set_tag_sort(self, by: str) -> None:
        self._set("tag_sort", by)

    def save_layout(self, geometry: QByteArray, splitter: QByteArray) -> None:
        self._set("geometry", geometry)
        self._set("splitter", splitter)
        if self.persist:
            self._settings.sync()
