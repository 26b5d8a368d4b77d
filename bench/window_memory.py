"""Peak memory of the window: scroll the headlines through N rows, open M articles, report RSS.

Run as its own process (``python -m bench.window_memory ARCHIVE SETTINGS``), offscreen; prints
``peak_rss_mb X`` (and ``rows R`` / ``opened O`` / ``scroll_s S``) on stdout. The list is
scrolled a screen at a time, so every row is painted once: with snippets (the Preferences
default) each row paints its excerpt, with the search's words marked under ``--search``;
``--no-snippets`` is the two-line list, the peer.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import replace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from reader.archive import Archive


def peak_rss_kb() -> int:
    """This process's peak resident set, in KiB.

    ``/proc/self/status`` VmHWM belongs to this process's own address space; ``ru_maxrss``
    (the fallback) carries over the parent's peak across fork/exec on Linux, so a child
    started by a big parent would report the parent's figure.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _wait(app: QApplication, done: Callable[[], bool], timeout: float = 30.0) -> bool:
    ends = time.monotonic() + timeout
    while not done():
        if time.monotonic() > ends:
            return False
        app.processEvents()
        time.sleep(0.001)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("archive")
    parser.add_argument("settings")
    parser.add_argument("--scroll-rows", type=int, default=10_000)
    parser.add_argument("--open-articles", type=int, default=100)
    parser.add_argument("--no-snippets", action="store_true",
                        help="the list without its snippet line (Preferences)")
    parser.add_argument("--search", default="", help="search for this first")
    args = parser.parse_args(argv)

    app = QApplication(sys.argv[:1])
    from ui.main_window import MainWindow

    archive = Archive.open(args.archive)
    window = MainWindow(archive, QSettings(args.settings, QSettings.Format.IniFormat))
    window.resize(1280, 800)
    window.show()
    model, view = window.headline_model, window.headline_view
    _wait(app, lambda: model.rowCount() > 0 and not window.runner.busy)
    window.apply_preferences(replace(window.user.preferences(), snippets=not args.no_snippets),
                             save=False)
    if args.search:
        window.search_bar.set_text(args.search)
        _wait(app, lambda: not model.loading and not window.runner.busy)
    bar = view.verticalScrollBar()
    started = time.perf_counter()
    while True:
        while bar.value() < bar.maximum():  # a screen at a time: every row is painted
            bar.setValue(bar.value() + bar.pageStep())
            app.processEvents()
        if model.rowCount() >= args.scroll_rows:
            break
        if not model.canFetchMore():
            if not _wait(app, lambda: not model.loading):
                break
            if not model.canFetchMore():
                break  # every headline is loaded
        model.fetchMore()
        _wait(app, lambda: not model.loading)
        app.processEvents()
    scrolled = time.perf_counter() - started
    rows = model.rowCount()
    opened = 0
    for row in range(min(args.open_articles, rows)):
        headline = model.headline(row)
        if headline is None:
            continue
        view.scrollTo(model.index(row))
        window.open_article(headline.id)
        _wait(app, lambda: not window.runner.busy)
        opened += 1
    app.processEvents()
    peak_kb = peak_rss_kb()
    print(f"ru_maxrss_mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}",
          flush=True)
    print(f"rows {rows}", flush=True)
    print(f"opened {opened}", flush=True)
    print(f"scroll_s {scrolled:.2f}", flush=True)
    print(f"peak_rss_mb {peak_kb / 1024:.1f}", flush=True)
    window.close()
    window.runner.shutdown()
    archive.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
