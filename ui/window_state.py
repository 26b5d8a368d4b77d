"""What the window remembers, and where: per archive in the archive, per person in QSettings.

The last article, the left pane's choice and the search belong to the archive they were made
in (``Archive.view_state``), so opening another archive never shows — or marks read — an
unrelated article that happens to have the same id. Geometry, the splitter, zoom and the
"mark read when opened" preference are the person's, kept in QSettings. A session that must
leave no trace (``--screenshot``) reads both and writes neither.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from PySide6.QtCore import QByteArray, QSettings

from reader.archive import Archive
from ui.tag_filter import FilterChoice
from ui.theme import THEMES

DEFAULT_SIZE = (1280, 800)
DEFAULT_MARK_OLDER_DAYS = 7
#: A century: the "Mark Older as Read…" dialog's largest number of days.
MAX_MARK_OLDER_DAYS = 36_500


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


#: The longest sync interval on offer: a day.
MAX_SYNC_MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class Preferences:
    """What the Preferences dialog sets (all per person, for every archive)."""

    theme: str = "system"
    typeface: str = "serif"
    mark_read_on_open: bool = True
    snippets: bool = True
    #: 0: only when asked (r).
    sync_every_minutes: int = 30
    sync_at_start: bool = False
    #: The left pane's Tags lists feed categories and folder tags too, not only hand-made ones.
    tag_sources: bool = True
    #: A copy of the archive beside it once a week (``ui.weekly_backup``).
    weekly_backup: bool = False


def _one_of(value: str, allowed: tuple[str, ...], default: str) -> str:
    return value if value in allowed else default


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

    def preferences(self) -> Preferences:
        """The Preferences dialog's settings; damaged values fall back to the defaults."""
        value, default = self._settings.value, Preferences()
        try:
            every = int(str(value("sync_every_minutes", default.sync_every_minutes)))
        except ValueError:
            every = default.sync_every_minutes
        return Preferences(
            theme=_one_of(str(value("theme", default.theme)), THEMES, default.theme),
            typeface=_one_of(str(value("typeface", default.typeface)), ("serif", "sans"),
                             default.typeface),
            mark_read_on_open=bool(value("mark_read_on_open", default.mark_read_on_open,
                                         type=bool)),
            snippets=bool(value("snippets", default.snippets, type=bool)),
            sync_every_minutes=min(max(every, 0), MAX_SYNC_MINUTES),
            sync_at_start=bool(value("sync_at_start", default.sync_at_start, type=bool)),
            tag_sources=bool(value("tag_sources", default.tag_sources, type=bool)),
            weekly_backup=bool(value("weekly_backup", default.weekly_backup, type=bool)))

    def save_preferences(self, preferences: Preferences) -> None:
        for key, value in dataclasses.asdict(preferences).items():
            self._set(key, value)

    def tag_sort(self) -> str:
        value = str(self._settings.value("tag_sort", "name"))
        return value if value in ("name", "count") else "name"

    def set_tag_sort(self, by: str) -> None:
        self._set("tag_sort", by)

    def mark_older_days(self) -> int:
        """The days "Mark Older as Read…" last used (7 at first)."""
        try:
            days = int(str(self._settings.value("mark_older_days", DEFAULT_MARK_OLDER_DAYS)))
        except ValueError:
            return DEFAULT_MARK_OLDER_DAYS
        return days if 1 <= days <= MAX_MARK_OLDER_DAYS else DEFAULT_MARK_OLDER_DAYS

    def set_mark_older_days(self, days: int) -> None:
        self._set("mark_older_days", days)

    def collapsed_sections(self) -> list[str]:
        """The left pane's closed sections and folders (``TagFilterView.collapsed``)."""
        value = self._settings.value("collapsed_sections", "")
        try:
            keys = json.loads(str(value or "[]"))
        except ValueError:
            return []
        return [key for key in keys if isinstance(key, str)] if isinstance(keys, list) else []

    def set_collapsed_sections(self, keys: list[str]) -> None:
        self._set("collapsed_sections", json.dumps(keys))

    def save_layout(self, geometry: QByteArray, splitter: QByteArray) -> None:
        self._set("geometry", geometry)
        self._set("splitter", splitter)
        if self.persist:
            self._settings.sync()
