"""The test run's child processes: what a test, or the whole run, left running.

On Linux the run makes itself its descendants' subreaper (``adopt_orphans``), so a process
orphaned by a killed child — a sync worker of a ``broadsheet sync`` SIGKILLed mid-run — is
re-parented to the run rather than to init, and counts as one of its children here.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import time
from multiprocessing import resource_tracker
from pathlib import Path

_PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> bool:
    """Have orphaned descendants re-parented to this process (Linux only); True if so."""
    if sys.platform != "linux":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0


def _own_resource_tracker() -> int | None:
    """The pid of this process's multiprocessing resource tracker, if it started one.

    Spawn starts one per parent process, on first use, and keeps it for every later pool;
    it exits when it reads end-of-file on its pipe, that is once this process and every
    worker it spawned have exited (``test_workers_and_their_tracker_die_with_their_parent``
    shows it). Only this process's own tracker is left out: an orphaned one still counts.
    """
    pid = getattr(resource_tracker._resource_tracker, "_pid", None)
    return pid if isinstance(pid, int) else None


def _parent_and_state(pid: int) -> tuple[int, str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (command) state ppid ...": the command may hold spaces and parentheses.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0]


def _command_line(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    return "?"


def live_children() -> list[tuple[int, str]]:
    """(pid, command line) of this process's children still running, besides its own
    resource tracker. Children that have exited (zombies: orphans adopted here are nobody
    else's to wait for) are reaped, not listed."""
    me, tracker = os.getpid(), _own_resource_tracker()
    found: list[tuple[int, str]] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == tracker:
            continue
        pid = int(entry.name)
        known = _parent_and_state(pid)
        if known is None or known[0] != me:
            continue
        if known[1] == "Z":
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            continue
        found.append((pid, _command_line(pid)))
    return found


def children_left(grace: float = 10) -> list[tuple[int, str]]:
    """``live_children`` once those on their way out have had ``grace`` seconds to go (a
    worker notices its parent's death a moment after it)."""
    deadline = time.monotonic() + grace
    while (left := live_children()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie counts as gone)."""
    known = _parent_and_state(pid)
    return known is None or known[1] == "Z"
