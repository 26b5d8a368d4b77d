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
    parser.add_argument("--theme", choices=("system", "light", "dark"),
                        help="colours for this session: follow the system, or force light or "
                             "dark (default: as set in Preferences)")
    parser.add_argument("--startup-report", action="store_true",
                        help="print the milliseconds from process start to the first headlines "
                             "painted, then exit (for the benchmark)")
    parser.add_argument("--settings", metavar="PATH",
                        help="keep window settings in this file (default: the user's)")
    return parser


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
    window = MainWindow(archive, settings, screenshot=args.screenshot, select=args.select,
                        query=args.query, theme=args.theme)
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
