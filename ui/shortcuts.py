"""Every command of the window with its menu, its keys and what the cheat sheet says of it.

One table drives the menus, the key bindings and the ``?`` sheet, so the sheet cannot
promise a key that does something else. Each key is bound once: Qt fires neither of two
actions that share a key ("Ambiguous shortcut overload"), which is how Ctrl+Q and ``?``
once did nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    menu: str
    text: str
    keys: tuple[str, ...] = ()
    #: What the cheat sheet says it does; "" leaves it off the sheet (menu only).
    does: str = ""


COMMANDS: Sequence[Command] = (
    Command("import_files", "&File", "&Import files…", ("Ctrl+O",), "import files"),
    Command("add_source", "&File", "&Add source…", ("Ctrl+N",), "add a source"),
    Command("save_page", "&File", "&Save a web page…"),
    Command("import_opml", "&File", "Import &OPML…"),
    Command("export_opml", "&File", "Export O&PML…"),
    Command("export", "&File", "&Export…"),
    Command("sync", "&File", "&Sync now", ("R", "F5"), "sync now"),
    Command("sources", "&File", "S&ources…", ("Ctrl+Shift+S",),
            "sources: rename, pause, settings, unsubscribe"),
    Command("preferences", "&File", "&Preferences…", ("Ctrl+,",), "preferences"),
    Command("quit", "&File", "&Quit", ("Ctrl+Q",), "quit"),
    Command("next", "&Article", "&Next", ("J",), "next article"),
    Command("previous", "&Article", "&Previous", ("K",), "previous article"),
    Command("extend_next", "&Article", "Select the next too", ("Shift+J",),
            "select the next article too (then b, m, t or Del act on all selected)"),
    Command("extend_previous", "&Article", "Select the previous too", ("Shift+K",),
            "select the previous article too"),
    Command("page_down", "&Article", "Scroll down, then next unread", ("Space",),
            "scroll the article; at its end, the next unread"),
    Command("page_up", "&Article", "Scroll up", ("Shift+Space",), "scroll the article back"),
    Command("next_unread", "&Article", "Next &unread", ("N",), "next unread article"),
    Command("previous_unread", "&Article", "Previous u&nread", ("P",),
            "previous unread article"),
    Command("open_in_browser", "&Article", "&Open in browser", ("O",),
            "open the article's page in the browser (Enter in the list too)"),
    Command("mark_all_read", "&Article", "Mark &all in the list read", ("Shift+A",),
            "mark every article in the list read"),
    Command("mark_older", "&Article", "Mark o&lder as read…", ("Shift+M",),
            "mark the list's unread articles older than some days read (asks how many)"),
    Command("undo", "&Article", "&Undo", ("Ctrl+Z",),
            "undo the last mark-all-read, delete, unsubscribe or tag edit"),
    Command("bookmark", "&Article", "&Bookmark", ("B",), "bookmark / remove the bookmark"),
    Command("toggle_read", "&Article", "&Mark read / unread", ("M",), "mark read / unread"),
    Command("edit_tags", "&Article", "Edit &tags…", ("T",), "edit the article's tags"),
    Command("delete", "&Article", "&Delete", ("Del",), "delete the article"),
    Command("search", "&View", "&Search", ("/", "Ctrl+F"), "search"),
    Command("clear_search", "&View", "&Clear search", ("Esc",), "clear the search"),
    Command("save_search", "&View", "Save the &search…", ("Ctrl+S",),
            "save the search (it joins the left pane)"),
    Command("zoom_in", "&View", "&Larger text", ("Ctrl++", "Ctrl+="), "larger text"),
    Command("zoom_out", "&View", "S&maller text", ("Ctrl+-",), "smaller text"),
    Command("shortcuts", "&Help", "&Keyboard shortcuts", ("?",), "this list"),
)


def key_label(key: str) -> str:
    """How a key is written on the sheet: letters as typed (j, not J)."""
    return key.lower() if len(key) == 1 else key.replace("Space", "Space bar")


#: The sheet's order: reading first, the rarer commands after.
SHEET_ORDER = ("next", "previous", "extend_next", "extend_previous", "page_down", "page_up",
               "next_unread", "previous_unread", "open_in_browser", "bookmark", "toggle_read",
               "edit_tags", "mark_all_read", "mark_older", "undo", "delete", "search",
               "clear_search", "save_search", "sync", "sources", "zoom_in", "zoom_out",
               "import_files", "add_source", "preferences", "shortcuts", "quit")


def cheat_sheet() -> list[tuple[str, str]]:
    """(keys, what they do) for every command that has keys."""
    by_name = {command.name: command for command in COMMANDS}
    ordered = [by_name[name] for name in SHEET_ORDER]
    ordered += [command for command in COMMANDS if command.name not in SHEET_ORDER]
    return [(" or ".join(key_label(key) for key in command.keys), command.does)
            for command in ordered if command.keys and command.does]


def build_actions(window: QMainWindow, handlers: Mapping[str, Callable[[], object]]
                  ) -> tuple[dict[str, QAction], dict[str, QMenu]]:
    """Menus and window-wide shortcuts for ``COMMANDS``; every command needs a handler.
    Returns the actions by command name and the menus by title."""
    menus: dict[str, QMenu] = {}
    actions: dict[str, QAction] = {}
    for command in COMMANDS:
        menu = menus.get(command.menu)
        if menu is None:
            menu = menus[command.menu] = window.menuBar().addMenu(command.menu)
        if command.name == "quit":
            menu.addSeparator()
        action = QAction(command.text, window)
        action.setShortcuts([QKeySequence(key) for key in command.keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        handler = handlers[command.name]
        action.triggered.connect(lambda _checked=False, run=handler: run())
        menu.addAction(action)
        window.addAction(action)
        actions[command.name] = action
    return actions, menus
