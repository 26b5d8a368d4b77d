"""The window's first paint imports only what it needs: the sync machinery (an HTML extractor,
an HTTP client, feed and image parsers) loads with the first sync or import, not at start-up,
where it cost 0.4 s and 40 MB before the headlines appeared."""

from __future__ import annotations

import os
import subprocess
import sys

#: Packages a window that has not synced, imported or exported anything has no use for.
_DEFERRED = ("trafilatura", "httpx", "lxml", "feedparser", "PIL", "markdown", "yaml",
             "ebooklib", "markdownify", "sqlalchemy", "alembic")


def test_opening_the_window_module_leaves_the_sync_machinery_unloaded() -> None:
    script = ("import sys, ui.main_window\n"
              f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(_DEFERRED)!r}))\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True, env=env)
    assert done.stdout.strip() == "[]"
