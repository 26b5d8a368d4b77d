"""Killing a running ``broadsheet`` command once the archive holds enough articles."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def kill_cli_midway(archive: Path, *argv: str, once_articles: int,
                    within: float = 120) -> None:
    """Run ``broadsheet --archive ARCHIVE ARGV...`` and SIGKILL it once the archive holds more
    than ``once_articles`` articles; fails if the command finished before it could be killed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "reader.cli", "--archive", str(archive), *argv],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with contextlib.closing(sqlite3.connect(archive, timeout=10)) as probe:
                count = probe.execute("SELECT count(*) FROM articles").fetchone()[0]
            if count > once_articles:
                break
            time.sleep(0.02)
        assert process.poll() is None, f"{argv[0]} finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
