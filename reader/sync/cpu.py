"""The CPU-bound half of a sync — reading a feed, looking at new bodies, rewriting and cleaning
them — as plain functions of picklable values, so a large sync can run them in worker
processes.

Parsing, lxml and the text pass hold the GIL: on threads alone they took turns with the writer
and with each other, and a 100-feed sync used one of the machine's cores. ``CpuPool`` runs
them in processes when a sync has enough sources to pay for starting them (about half a
second each: the parsers and sanitizer are imported afresh); otherwise, and wherever
``pool`` is None, the same functions run on the calling thread.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from reader.archive import articles
from reader.archive.articles import CleanBody
from reader.render.images import find_images
from reader.render.plaintext import html_to_text
from reader.sync.feeds import ParsedFeed, parse_feed

T = TypeVar("T")

#: An entry with fewer words than this is a summary: its page is fetched for the full text.
SUMMARY_WORDS = 120
#: A sync of fewer sources than this stays on threads: the processes would not pay for
#: themselves (each costs about half a second of start-up).
PROCESS_THRESHOLD = 8
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class ReadFeed:
    """A parsed feed, with the identity of each entry (so known ones are skipped early)."""

    feed: ParsedFeed
    #: ``articles.identity`` of each entry as it arrived (guid, content hash).
    identities: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Examined:
    """What the downloader needs to know of a new or changed entry's body."""

    #: Whether the body is only a summary (see ``is_summary``).
    summary: bool
    #: The image URLs the body shows (``find_images``).
    image_urls: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BodyJob:
    """One body to finish: its images pointed into the archive, then sanitized to text."""

    body_html: str
    base_url: str | None
    mapping: Mapping[str, str | None]
    entry_url: str | None


def is_summary(body_html: str) -> bool:
    """True when an entry is shorter than a few sentences: its page holds the article."""
    return len(_WORDS.findall(html_to_text(body_html))) < SUMMARY_WORDS


def read_feed(content: bytes, url: str | None, content_type: str | None) -> ReadFeed:
    feed = parse_feed(content, url, content_type)
    return ReadFeed(feed, tuple(articles.identity(draft) for draft in feed.entries))


def examine(bodies: Sequence[tuple[str, str | None]]) -> list[Examined]:
    """For each (body HTML, base URL) of the entries the archive lacks: only those, since a
    feed's entries are mostly known and their bodies need no look."""
    return [Examined(is_summary(body), tuple(find_images(body, base).sources))
            for body, base in bodies]


def finish_bodies(jobs: Sequence[BodyJob]) -> list[CleanBody]:
    return [articles.clean_body(find_images(job.body_html, job.base_url).rewrite(job.mapping),
                                job.entry_url)
            for job in jobs]


def _exit_with_parent() -> None:
    """Worker initializer: the worker exits as soon as the process that started it is gone.

    A pool worker waits on its task queue, and with spawn it holds both ends of that queue's
    pipe, so the parent's death never wakes it: a ``broadsheet sync`` killed mid-run left its
    workers (and, through them, its resource tracker) running for good. So each worker
    watches ``parent_process()``, whose sentinel is a pipe only the parent holds open: it
    reads end-of-file the moment the parent process ends, however it ends (SIGKILL
    included). Not ``prctl(PR_SET_PDEATHSIG)``: that fires when the *thread* that spawned
    the worker exits, and the executor spawns workers from whichever thread submits first
    (one of a sync's fetch threads); and it is Linux only. A worker busy in C code that
    holds the GIL exits when that call returns.
    """
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_gone, args=(parent,), name="parent-watch",
                         daemon=True).start()


def _exit_when_gone(parent: BaseProcess) -> None:
    parent.join()  # waits on the sentinel: no polling
    os._exit(1)


class CpuPool:
    """Worker processes for ``read_feed``, ``examine`` and ``finish_bodies``; ``run`` waits
    for the result (the calling sync thread has nothing else to do meanwhile, and waiting
    frees the GIL). ``close`` ends them; a pool is used by one sync and closed with it."""

    def __init__(self, processes: int) -> None:
        self._processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False
        self._closed = False
        self._lock = threading.Lock()

    @staticmethod
    def size_for(sources: int) -> int:
        """Processes worth starting for a sync of ``sources``: none for a few sources; else
        one fewer than the cores (the writer keeps one), at least one."""
        if sources < PROCESS_THRESHOLD:
            return 0
        return max(1, min(4, (os.cpu_count() or 2) - 1))

    def _submit(self, function: Callable[..., T], args: tuple[Any, ...]) -> Future[T] | None:
        """Hand ``function(*args)`` to a worker, starting the pool on first use (a sync where
        every feed answers 304 starts none); None when the pool broke. Under the lock, so a
        submission never races ``close``."""
        with self._lock:
            if self._closed:
                raise CancelledError("the sync is over: its worker processes are closed")
            if self._broken:
                return None
            if self._pool is None:
                # spawn, not fork: the window's process has Qt and a dozen threads, which a
                # fork would copy mid-flight.
                self._pool = ProcessPoolExecutor(max_workers=self._processes,
                                                 mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_exit_with_parent)
            try:
                return self._pool.submit(function, *args)
            except BrokenProcessPool:
                self._broken = True
                return None

    def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker process; on this thread if the pool broke (a worker
        killed, or a host script that spawned processes cannot re-import), so a sync never
        fails for want of processes. Raises CancelledError once the pool is closed: the
        work belongs to a sync that has ended."""
        future = self._submit(function, args)
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:
                with self._lock:
                    if self._closed:
                        raise CancelledError("the sync was cancelled mid-task") from None
                    self._broken = True
        return function(*args)

    def close(self, *, cancel: bool = False) -> None:
        """End the worker processes: when this returns, none is left. With ``cancel`` (the
        sync was cancelled, or failed) they are stopped mid-task rather than waited for:
        they hold nothing but work that would be thrown away."""
        with self._lock:
            pool, self._pool, self._closed = self._pool, None, True
        if pool is None:
            return
        if cancel:
            # No public way to stop a busy worker before Python 3.14's terminate_workers. The
            # executor takes a worker's death as a crash: it fails the pending futures and
            # joins the rest, the path a killed worker already takes.
            for process in list((pool._processes or {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
