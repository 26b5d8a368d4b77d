"""Starting the window: arguments, the archive (with a demo one on first run), crash handling."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
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
    parser.add_argument("--settings", metavar="PATH",
                        help="keep window settings in this file (default: the user's)")
    return parser


def _install_crash_dialog(app: QApplication) -> None:
    """An unexpected exception shows its traceback and the app carries on: every archive
    write is its own transaction, so nothing half-written is left behind."""

    def hook(kind: type[BaseException], error: BaseException,
             trace: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, error, trace))
        sys.stderr.write(text)
        box = QMessageBox(QMessageBox.Icon.Critical, "Broadsheet: unexpected error",
                          f"{kind.__name__}: {error}")
        box.setDetailedText(text)
        box.setModal(False)
        box.show()
        app.setProperty("_crash_box", box)

    sys.excepthook = hook


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Broadsheet")
    app.setOrganizationName("Broadsheet")
    path = default_archive_path(args.archive)
    try:
        if not path.exists():
            from reader.demo import build_demo  # first run: open something worth reading

            build_demo(path)
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
                        query=args.query)
    if args.screenshot:
        window.screenshot_taken.connect(lambda _path: app.quit())
        QTimer.singleShot(20_000, app.quit)  # never hang a script
    window.show()
    try:
        return app.exec()
    finally:
        window.runner.shutdown()
        archive.close()


def run() -> None:
    sys.exit(main())
