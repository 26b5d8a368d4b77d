"""The window's small dialogs: each asks one thing and returns the answer (None: cancelled)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from reader.archive.subscription import Leaving
from reader.records import Article
from ui.shortcuts import cheat_sheet
from ui.window_state import MAX_MARK_OLDER_DAYS

IMPORT_FILTER = ("Articles and feeds (*.txt *.text *.html *.htm *.md *.markdown *.xml *.rss "
                 "*.atom *.json *.opml);;All files (*)")


def ask_text(parent: QWidget, title: str, label: str, value: str = "") -> str | None:
    text, accepted = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, value)
    return text.strip() if accepted and text.strip() else None


def ask_tags(parent: QWidget, article: Article) -> list[str] | None:
    """The article's new tags (an empty list removes them all)."""
    text, accepted = QInputDialog.getText(parent, "Edit tags", "Tags, separated by commas:",
                                          QLineEdit.EchoMode.Normal, ", ".join(article.tags))
    if not accepted:
        return None
    return [name.strip() for name in text.split(",") if name.strip()]


def ask_tags_to_add(parent: QWidget, count: int) -> list[str] | None:
    """Tags to add to ``count`` selected articles (their other tags stay)."""
    text = ask_text(parent, "Add tags", f"Tags to add to {count} articles, separated by commas:")
    if text is None:
        return None
    return [name.strip() for name in text.split(",") if name.strip()] or None


def ask_rename(parent: QWidget, name: str) -> str | None:
    new = ask_text(parent, "Rename tag", f"New name for “{name}”:", name)
    return new if new is not None and new != name else None


def ask_merge_target(parent: QWidget, name: str, others: Sequence[str]) -> str | None:
    target, accepted = QInputDialog.getItem(parent, "Merge tag", f"Merge “{name}” into:",
                                            list(others), 0, False)
    return target if accepted and target else None


def confirm_delete(parent: QWidget, article: Article) -> bool:
    answer = QMessageBox.question(
        parent, "Delete article",
        f"Delete “{article.title}”? It will not be imported or synced again.")
    return answer == QMessageBox.StandardButton.Yes


def confirm_delete_many(parent: QWidget, count: int) -> bool:
    answer = QMessageBox.question(
        parent, "Delete articles",
        f"Delete these {count} articles? They will not be imported or synced again.")
    return answer == QMessageBox.StandardButton.Yes


def confirm_unsubscribe(parent: QWidget, left: Leaving) -> bool:
    """Asked once, before anything goes: how many articles go, and which stay."""
    going = f"{left.going:,} article{'s' if left.going != 1 else ''}"
    text = f"Unsubscribe from “{left.title}”? {going} will be removed."
    if left.staying:
        text += (f" {left.staying:,} you bookmarked or tagged "
                 f"{'stay' if left.staying != 1 else 'stays'}.")
    answer = QMessageBox.question(parent, "Unsubscribe", text + " Ctrl+Z undoes it.")
    return answer == QMessageBox.StandardButton.Yes


def confirm_retention(parent: QWidget, title: str, days: int) -> bool:
    answer = QMessageBox.question(
        parent, "Remove old articles",
        f"From now on, after each sync, remove the read articles of “{title}” older than "
        f"{days} days? Bookmarked, hand-tagged and unread articles always stay.")
    return answer == QMessageBox.StandardButton.Yes


def ask_import_paths(parent: QWidget) -> list[str]:
    paths, _filter = QFileDialog.getOpenFileNames(parent, "Import files", str(Path.home()),
                                                  IMPORT_FILTER)
    return list(paths)


def shortcuts_dialog(parent: QWidget) -> QDialog:
    """The cheat sheet, non-modal (the caller keeps it referenced)."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("Keyboard shortcuts")
    layout = QVBoxLayout(dialog)
    table = QTextBrowser()
    rows = "".join(f"<tr><td style='padding:3px 14px 3px 0'><b>{keys}</b></td>"
                   f"<td style='padding:3px 0'>{text}</td></tr>" for keys, text in cheat_sheet())
    table.setHtml(f"<table>{rows}</table>")
    layout.addWidget(table)
    dialog.resize(460, 520)
    dialog.setModal(False)
    dialog.show()
    dialog.activateWindow()  # so Esc closes it, rather than clearing the window's search
    return dialog


class DaysDialog(QDialog):
    """Asks for a number of days. Window-modal but not blocking (``open``, not ``exec``):
    ``answered`` carries the days when OK (or Enter) is pressed, and nothing happens on
    Cancel or Esc."""

    answered = Signal(int)

    def __init__(self, parent: QWidget, title: str, text: str, days: int) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.days = QSpinBox()
        self.days.setRange(1, MAX_MARK_OLDER_DAYS)
        self.days.valueChanged.connect(
            lambda value: self.days.setSuffix(" day" if value == 1 else " days"))
        self.days.setValue(days)
        self.days.setSuffix(" day" if days == 1 else " days")
        explanation = QLabel(text)
        explanation.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Older than:", self.days)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.accepted.connect(lambda: self.answered.emit(self.days.value()))


def ask_days(parent: QWidget, title: str, text: str, days: int) -> DaysDialog:
    """Show a ``DaysDialog`` starting at ``days``, its number selected so typing replaces
    it; connect to ``answered``. It deletes itself once closed."""
    dialog = DaysDialog(parent, title, text, days)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    dialog.days.setFocus()
    dialog.days.selectAll()
    return dialog
