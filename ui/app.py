"""Starting the window: arguments, the archive, crash handling.

A new archive starts empty (the window shows how to fill it): the demo lives only in its own
file, built by ``make run``, so nothing ever writes demo articles into a reader's archive.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from reader.archive import Archive, default_archive_path
from reader.errors import ReaderError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="broadsheet-window",
                                     description="Broadsheet's reader window.")
    parser.add_argument("--archive", metavar="PATH", help="the archive file to open")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="render the window to a PNG once an article shows, then exit")
    parser.add_argument("--select", type=int, metavar="ARTICLE_ID",
                        help="open this article first")
    parser.add_argument("--query", metavar="QUERY", help="start with this search")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default="system",
                        help="colours: follow the system (default), or force light or dark")
    parser.add_argument("--startup-report", action="store_true",
                        help="print the milliseconds from process start to the first headlines "
                             "painted, then exit (for the benchmark)")
    parser.add_argument("--settings", metavar="PATH",
                        help="keep window settings in this file (default: the user's)")
    return parser


def apply_theme(app: QApplication, theme: str) -> None:
    """Force light or dark colours (Fusion style, so every platform honours the palette)."""
    if theme == "system":
        return
    app.setStyle("Fusion")
    palette = QPalette()
    if theme == "dark":
        colours = {
            QPalette.ColorRole.Window: "#202124", QPalette.ColorRole.WindowText: "#e8eaed",
            QPalette.ColorRole.Base: "#1b1c1e", QPalette.ColorRole.AlternateBase: "#26272a",
            QPalette.ColorRole.Text: "#e8eaed", QPalette.ColorRole.Button: "#2b2c2f",
            QPalette.ColorRole.ButtonText: "#e8eaed", QPalette.ColorRole.Highlight: "#3d6fb6",
            QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.Mid: "#3c3d40",
            QPalette.ColorRole.Midlight: "#303134", QPalette.ColorRole.PlaceholderText: "#9aa0a6",
            QPalette.ColorRole.ToolTipBase: "#303134", QPalette.ColorRole.ToolTipText: "#e8eaed",
            QPalette.ColorRole.Link: "#8ab4f8",
        }
        for role, colour in colours.items():
            palette.setColor(role, QColor(colour))
    app.setPalette(palette)


def _install_crash_dialog(app: QApplication) -> list[QMessageBox]:
    """An unexpected exception shows its traceback and the app carries on: every archive
    write is its own transaction, so nothing half-written is left behind.

    Returns the list the dialogs are kept in (they are non-modal, so Python must hold them).
    """
    shown: list[QMessageBox] = []

    def hook(kind: type[BaseException], error: BaseException,
             trace: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, error, trace))
        sys.stderr.write(text)
        box = QMessageBox(QMessageBox.Icon.Critical, "Broadsheet: unexpected error",
                          f"{kind.__name__}: {error}")
        box.setDetailedText(text)
        box.setModal(False)
        box.finished.connect(lambda _result: shown.remove(box) if box in shown else None)
        shown.append(box)
        box.show()

    sys.excepthook = hook
    return shown


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Broadsheet")
    app.setOrganizationName("Broadsheet")
    path = default_archive_path(args.archive)
    try:
        archive = Archive.open(path)
    except ReaderError as error:
        if args.screenshot:
            sys.stderr.write(f"broadsheet: error: {error}\n")
        else:
            QMessageBox.critical(None, "Broadsheet", str(error))
        return 1
    from ui.main_window import MainWindow

    settings = (QSettings(args.settings, QSettings.Format.IniFormat) if args.settings
                else QSettings())
    if not args.screenshot:
        _install_crash_dialog(app)
    apply_theme(app, args.theme)
    window = MainWindow(archive, settings, screenshot=args.screenshot, select=args.select,
                        query=args.query)
    if args.theme != "system":
        from reader.render.article_html import DARK, LIGHT

        window.article_view.theme_override = DARK if args.theme == "dark" else LIGHT
    if args.startup_report:
        def report() -> None:
            print(f"first_paint_ms {(_process_age_seconds()) * 1000:.1f}", flush=True)
            app.quit()

        window.headline_view.first_headlines_painted.connect(report)
        QTimer.singleShot(60_000, app.quit)
    if args.screenshot:
        window.screenshot_taken.connect(lambda _path: app.quit())
        QTimer.singleShot(20_000, app.quit)  # never hang a script
    window.show()
    try:
        return app.exec()
    finally:
        window.close()  # saves what it shows, finishes queued writes, stops the watcher
        window.runner.shutdown()
        archive.close()


def _process_age_seconds() -> float:
    """Seconds since this process started (Linux /proc; else since this module loaded)."""
    try:
        import os

        stat = Path("/proc/self/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _LOADED


_LOADED = time.monotonic()


def run() -> None:
    sys.exit(main())
