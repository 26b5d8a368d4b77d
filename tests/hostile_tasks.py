"""Work for sync's worker processes that misbehaves on purpose.

Module-level functions, so a spawned worker can import them by name. Each refuses to run
anywhere but in a worker process: a test whose task escaped its worker fails at once instead
of spinning the test run for good.
"""

from __future__ import annotations

import multiprocessing
import os
import time

from reader.sync.cpu import ReadFeed
from reader.sync.cpu import read_feed as _real_read_feed

SPIN = b"<!-- spin -->"
HOG = b"<!-- hog -->"


def _in_a_worker() -> None:
    if multiprocessing.parent_process() is None:
        raise AssertionError("this task must only ever run in a worker process")


def spin() -> None:
    """Uses CPU until the worker is stopped."""
    _in_a_worker()
    count = 0
    while True:
        count += 1


def hog(megabytes: int, hold: float = 0.0) -> int:
    """Fills (and touches) ``megabytes`` of memory, a megabyte at a time, and keeps it for
    ``hold`` seconds (so a watchdog that looks now and then sees it, however fast this
    machine allocates)."""
    _in_a_worker()
    held = [b"x" * (1024 * 1024) for _ in range(megabytes)]
    time.sleep(hold)
    return len(held)


_KEPT: list[bytes] = []


def keep(megabytes: int) -> int:
    """Keeps ``megabytes`` of memory in the worker after the task (a leak); its pid."""
    _in_a_worker()
    _KEPT.extend(b"k" * (1024 * 1024) for _ in range(megabytes))
    return os.getpid()


def pid() -> int:
    _in_a_worker()
    return os.getpid()


def nap(seconds: float) -> float:
    """Waits without using CPU: only the wall-clock ceiling stops it."""
    _in_a_worker()
    time.sleep(seconds)
    return seconds


def read_feed(content: bytes, url: str | None, content_type: str | None) -> ReadFeed:
    """``cpu.read_feed``, except that a feed holding SPIN never finishes and one holding HOG
    needs a gigabyte: a feed that is costly to parse, without depending on how fast this
    machine parses."""
    if SPIN in content:
        spin()
    if HOG in content:
        hog(1024, hold=60)
    return _real_read_feed(content, url, content_type)
