"""The Preferences dialog: every change applies at once (no OK), and is kept for next time."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.window_state import MAX_SYNC_MINUTES, Preferences

_THEMES = (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark"))
_TYPEFACES = (("serif", "Serif"), ("sans", "Sans-serif"))


class PreferencesDialog(QDialog):
    """Emits ``changed(Preferences)`` on every edit."""

    changed = Signal(object)

    def __init__(self, preferences: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._preferences = preferences
        self.theme = QComboBox()
        for value, label in _THEMES:
            self.theme.addItem(label, value)
        self.theme.setCurrentIndex([v for v, _ in _THEMES].index(preferences.theme))
        self.typeface = QComboBox()
        for value, label in _TYPEFACES:
            self.typeface.addItem(label, value)
        self.typeface.setCurrentIndex([v for v, _ in _TYPEFACES].index(preferences.typeface))
        self.mark_read = QCheckBox("Mark articles read when opened")
        self.mark_read.setChecked(preferences.mark_read_on_open)
        self.snippets = QCheckBox("Show a snippet under each headline")
        self.snippets.setChecked(preferences.snippets)
        self.sync_every = QSpinBox()
        self.sync_every.setRange(0, MAX_SYNC_MINUTES)
        self.sync_every.setSuffix(" min")
        self.sync_every.setSpecialValueText("Only when asked (r)")
        self.sync_every.setValue(preferences.sync_every_minutes)
        self.sync_at_start = QCheckBox("Sync when Broadsheet starts")
        self.sync_at_start.setChecked(preferences.sync_at_start)
        self.tag_sources = QCheckBox("Tags from sources (feed categories, folders) in the "
                                     "tag list")
        self.tag_sources.setToolTip("Off: the left pane lists only tags you put on articles")
        self.tag_sources.setChecked(preferences.tag_sources)
        self.weekly_backup = QCheckBox("Back up the archive every week (the last four are "
                                       "kept beside it)")
        self.weekly_backup.setChecked(preferences.weekly_backup)

        form = QFormLayout()
        form.addRow("Theme:", self.theme)
        form.addRow("Article typeface:", self.typeface)
        form.addRow("", self.mark_read)
        form.addRow("", self.snippets)
        form.addRow("Sync every:", self.sync_every)
        form.addRow("", self.sync_at_start)
        form.addRow("", self.tag_sources)
        form.addRow("", self.weekly_backup)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        for combo in (self.theme, self.typeface):
            combo.currentIndexChanged.connect(self._edited)
        for box in (self.mark_read, self.snippets, self.sync_at_start, self.tag_sources,
                    self.weekly_backup):
            box.toggled.connect(self._edited)
        self.sync_every.valueChanged.connect(self._edited)

    @classmethod
    def open_for(cls, preferences: Preferences, apply: Callable[[Preferences], None],
             parent: QWidget) -> PreferencesDialog:
        """Show the dialog (non-modal, owned by ``parent``); ``apply`` hears every change."""
        dialog = cls(preferences, parent)
        dialog.changed.connect(apply)
        dialog.show()
        dialog.activateWindow()
        return dialog

    @property
    def preferences(self) -> Preferences:
        return self._preferences

    def _edited(self, *_args: object) -> None:
        self._preferences = dataclasses.replace(
            self._preferences, theme=str(self.theme.currentData()),
            typeface=str(self.typeface.currentData()),
            mark_read_on_open=self.mark_read.isChecked(), snippets=self.snippets.isChecked(),
            sync_every_minutes=self.sync_every.value(),
            sync_at_start=self.sync_at_start.isChecked(),
            tag_sources=self.tag_sources.isChecked(),
            weekly_backup=self.weekly_backup.isChecked())
        self.changed.emit(self._preferences)
