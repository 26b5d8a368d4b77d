"""Light, dark or the system's colours for the whole application, switchable while it runs.

"System" has to be restorable after a forced theme, so the style and palette the platform
gave at start-up are kept and put back.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from reader.render.article_html import DARK, LIGHT, Theme

THEMES = ("system", "light", "dark")
_DARK_COLOURS = {
    QPalette.ColorRole.Window: "#202124", QPalette.ColorRole.WindowText: "#e8eaed",
    QPalette.ColorRole.Base: "#1b1c1e", QPalette.ColorRole.AlternateBase: "#26272a",
    QPalette.ColorRole.Text: "#e8eaed", QPalette.ColorRole.Button: "#2b2c2f",
    QPalette.ColorRole.ButtonText: "#e8eaed", QPalette.ColorRole.Highlight: "#3d6fb6",
    QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.Mid: "#3c3d40",
    QPalette.ColorRole.Midlight: "#303134", QPalette.ColorRole.PlaceholderText: "#9aa0a6",
    QPalette.ColorRole.ToolTipBase: "#303134", QPalette.ColorRole.ToolTipText: "#e8eaed",
    QPalette.ColorRole.Link: "#8ab4f8",
}


class Themes:
    """Applies a theme to ``app``; remembers what "system" looked like."""

    def __init__(self, app: QApplication) -> None:
        self._app = app
        self._style = app.style().name()
        self._palette = QPalette(app.palette())
        self.current = "system"

    def apply(self, theme: str) -> Theme | None:
        """Switch to ``theme``; returns the reading pane's theme to force (None: follow the
        system's colour scheme)."""
        if theme not in THEMES:
            theme = "system"
        if theme == self.current:
            return _PANE_THEMES[theme]
        self.current = theme
        if theme == "system":
            self._app.setStyle(self._style)
            self._app.setPalette(self._palette)
            return None
        self._app.setStyle("Fusion")  # so every platform honours the palette
        palette = QPalette()
        if theme == "dark":
            for role, colour in _DARK_COLOURS.items():
                palette.setColor(role, QColor(colour))
        self._app.setPalette(palette)
        return _PANE_THEMES[theme]


_PANE_THEMES: dict[str, Theme | None] = {"system": None, "light": LIGHT, "dark": DARK}
