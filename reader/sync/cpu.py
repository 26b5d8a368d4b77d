"""The CPU-bound half of a sync — reading a feed, looking at new bodies, rewriting and cleaning
them — as plain functions of picklable values, so a large sync can run them in worker
processes.

Parsing, lxml and the text pass hold the GIL: on threads alone they took turns with the writer
and with each other, and a 100-feed sync used one of the machine's cores. ``CpuPool`` runs
them in processes when a sync has enough sources to pay for starting them (about half a
second each: the parsers and sanitizer are imported afresh); otherwise, and wherever
``pool`` is None, the same functions run on the calling thread.

The processes are also the isolation: each task runs under a CPU-time and a memory ceiling
(``TaskLimits``); a task that passes one is stopped with its worker, fails with
``ResourceLimitExceeded`` ("parsing this feed took more than 20 s of CPU; skipped"), and a
fresh worker takes the next task, so the rest of the sync carries on as if that source were
absent. A sync too small for processes still sends any task with more than BIG_TASK_BYTES of
input to one.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import CancelledError
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from reader.archive import articles
from reader.archive.articles import CleanBody
from reader.errors import ResourceLimitExceeded
from reader.render.images import find_images
from reader.render.plaintext import html_to_text
from reader.sync.feeds import ParsedFeed, parse_feed

T = TypeVar("T")

#: An entry with fewer words than this is a summary: its page is fetched for the full text.
SUMMARY_WORDS = 120
#: A sync of fewer sources than this stays on threads: the processes would not pay for
#: themselves (each costs about half a second of start-up).
PROCESS_THRESHOLD = 8
#: The ceilings of one task in a worker process (see TaskLimits): CPU seconds, the memory it
#: may add to its worker (resident, over what the worker held when it was ready), and the time
#: it may take in all (a worker stuck without using CPU).
TASK_CPU_SECONDS = 20
#: All of one source's tasks in one sync together (its feed, its new entries, every linked
#: page): a feed cannot spread its cost over many pages that each stay under the task ceiling.
SOURCE_CPU_SECONDS = 60
TASK_MEMORY_BYTES = 1024 * 1024 * 1024
TASK_WALL_SECONDS = 120.0
#: A hard backstop on a worker's address space, over its size at start (RLIMIT_AS): far above
#: TASK_MEMORY_BYTES because address space is not memory — feedparser-rs alone reserves
#: 1.8 GB it never touches — but it stops an allocation no watchdog could catch in time.
WORKER_ADDRESS_SPACE = 8 * 1024 * 1024 * 1024
#: How often the pool looks at a busy worker's resident memory.
_WATCH_SECONDS = 0.05
#: In a sync too small for processes, a task with more input than this (a feed document, the
#: new entries' bodies, a linked page) still runs in a worker process, under the ceilings.
BIG_TASK_BYTES = 128 * 1024
#: How long a new worker may take to start (import the parsers) before the pool gives up on
#: processes and runs tasks on the calling thread.
_START_SECONDS = 60.0
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

    A pool worker waiting on a queue whose pipe it holds both ends of is never woken by the
    parent's death (ProcessPoolExecutor's workers were not: a ``broadsheet sync`` killed
    mid-run left its workers, and through them its resource tracker, running for good); a
    worker busy in a task would not notice either. So each worker
    watches ``parent_process()``, whose sentinel is a pipe only the parent holds open: it
    reads end-of-file the moment the parent process ends, however it ends (SIGKILL
    included). Not ``prctl(PR_SET_PDEATHSIG)``: that fires when the *thread* that spawned
    the worker exits, and the pool starts workers from whichever thread needs one first
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


# --- the worker side ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskLimits:
    """The ceilings of one task in a worker process (the defaults: the TASK_* constants).

    ``cpu_seconds`` is enforced by the kernel (RLIMIT_CPU, raised before each task to what
    the worker has used plus this; SIGXCPU ends a worker past it, even inside C code);
    ``memory_bytes`` by the pool, which reads a busy worker's resident size every 50 ms and
    kills it once it has grown by more than this since it was ready (``address_space`` is the
    kernel's backstop, RLIMIT_AS: an allocation past it fails); ``wall_seconds`` by the
    pool, which kills a worker whose task has not answered by then.
    """

    cpu_seconds: int = TASK_CPU_SECONDS
    source_cpu_seconds: float = SOURCE_CPU_SECONDS
    memory_bytes: int = TASK_MEMORY_BYTES
    wall_seconds: float = TASK_WALL_SECONDS
    address_space: int = WORKER_ADDRESS_SPACE


def _serve(connection: Connection, limits: TaskLimits) -> None:
    """A worker process: runs (function, args, CPU seconds) tasks from ``connection`` until
    None or EOF.

    Each answer is ("ok", result, CPU used), ("error", exception, CPU used) or ("memory",
    None, CPU used); a worker whose task ran out of memory exits after answering, so the
    next task gets a fresh one.
    """
    _exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    _limit_memory(limits.address_space)
    connection.send(("ready", os.getpid()))
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        function, args, seconds = task
        started = time.process_time()
        _limit_cpu(seconds, started)
        try:
            outcome: tuple[str, Any] = ("ok", function(*args))
        except MemoryError:
            outcome = ("memory", None)
        except Exception as error:  # raised again in the parent, as if run there
            outcome = ("error", error)
        finally:
            _unlimit_cpu()
        used = time.process_time() - started
        del task, function, args
        try:
            connection.send((*outcome, used))
        except MemoryError:
            outcome = ("memory", None)
            connection.send((*outcome, used))
        except Exception as error:  # an answer that cannot be pickled
            connection.send(("error", RuntimeError(f"{type(error).__name__}: {error}"), used))
        if outcome[0] == "memory":
            return


def _limit_cpu(seconds: int, used: float) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX: the wall limit still applies
        return
    soft = math.ceil(used) + max(1, seconds)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _unlimit_cpu() -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover
        return
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))


def _limit_memory(growth: int) -> None:
    """Caps the worker's address space at its present size plus ``growth``; no core files."""
    try:
        import resource
    except ImportError:  # pragma: no cover
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a worker ended by SIGXCPU dumps none
    size = _address_space()
    if size is None:  # pragma: no cover - no /proc: no memory ceiling (the CPU one holds)
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = size + growth
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space(pid: int | str = "self", field: int = 0) -> int | None:
    """A process's address space (``field`` 0) or resident size (1) in bytes, from /proc."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # pragma: no cover - gone, or no /proc
        return None


# --- the pool -----------------------------------------------------------------------------------

#: What each task is, for the error a source gets when its task passes a ceiling.
_STEPS = {
    "read_feed": "parsing this feed",
    "parse_feed": "parsing this feed",
    "examine": "looking at this feed's new entries",
    "finish_bodies": "cleaning this feed's new entries",
    "extract_article": "extracting the text of this page",
}


#: How a process dies when an allocation fails in C or Rust code (abort, a null pointer) or the
#: kernel's out-of-memory killer picks it.
_OUT_OF_MEMORY = frozenset({signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, signal.SIGKILL})


class _CannotStart(Exception):
    """A worker died or hung before it was ready: processes cannot be used here."""


class _Worker:
    """One worker process and its end of the pipe."""

    def __init__(self, context: Any, limits: TaskLimits) -> None:
        ours, theirs = context.Pipe(duplex=True)
        self.connection: Connection = ours
        self.process: BaseProcess = context.Process(
            target=_serve, args=(theirs, limits), name="broadsheet-sync-worker", daemon=True)
        self.process.start()
        theirs.close()
        ready = wait([ours, self.process.sentinel], timeout=_START_SECONDS)
        try:
            answer = ours.recv() if ours in ready else None
        except (EOFError, OSError):
            answer = None
        if not (isinstance(answer, tuple) and answer[:1] == ("ready",)):
            self.stop()
            raise _CannotStart("the worker process did not start")
        self.pid = int(answer[1])
        self.resident = _address_space(self.pid, 1)  # its size when ready, to grow from

    def answer(self, limits: TaskLimits) -> tuple[str, Any, float]:
        """The task's answer (kind, value, CPU seconds used); ("died", exit code, ...),
        ("wall", None, ...) or ("memory", None, ...) when the worker was killed for passing
        a ceiling (the CPU it used then is not known: what it was allowed is counted)."""
        ends = time.monotonic() + limits.wall_seconds
        while True:
            left = ends - time.monotonic()
            ready = wait([self.connection, self.process.sentinel],
                         timeout=max(0.0, min(left, _WATCH_SECONDS)))
            if self.connection in ready:
                try:
                    answer: tuple[str, Any, float] = self.connection.recv()
                    return answer
                except (EOFError, OSError):
                    pass
                except Exception as error:  # an answer that cannot be unpickled here
                    return ("error", RuntimeError(f"a worker's answer was unreadable: {error}"),
                            0.0)
            if ready:
                self.process.join(5)
                return "died", self.process.exitcode, float(limits.cpu_seconds)
            if left <= 0:
                self.kill()
                return "wall", None, float(limits.cpu_seconds)
            if self.resident is not None:
                now = _address_space(self.pid, 1)
                if now is not None and now - self.resident > limits.memory_bytes:
                    self.kill()
                    return "memory", None, float(limits.cpu_seconds)

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # already gone, or already reaped
            self.process.kill()

    def stop(self) -> None:
        """Ends the worker (asked, then terminated, then killed) and reaps it."""
        with contextlib.suppress(OSError, ValueError):
            self.connection.send(None)
        self.process.join(2)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


def _payload(value: Any, depth: int = 0) -> int:
    """Roughly how much input a task has: its strings and bytes, a few levels down."""
    if isinstance(value, str | bytes | bytearray):
        return len(value)
    if isinstance(value, BodyJob):
        return len(value.body_html)
    if depth < 3 and isinstance(value, list | tuple):
        return sum(_payload(item, depth + 1) for item in value)
    return 0


class CpuPool:
    """Worker processes for ``read_feed``, ``examine``, ``finish_bodies`` and page
    extraction; ``run`` waits for the result (the calling sync thread has nothing else to do
    meanwhile, and waiting frees the GIL). ``close`` ends them; a pool is used by one sync and
    closed with it.

    Each task runs in one worker under ``limits``; a task that passes one fails with
    ResourceLimitExceeded and its worker is replaced, the others' tasks are untouched. With
    ``only_above``, tasks with less input than that many bytes run on the calling thread and
    a worker is started only for a bigger one (a small sync's hostile source).
    """

    def __init__(self, processes: int, *, limits: TaskLimits | None = None,
                 only_above: int | None = None) -> None:
        if processes < 1:
            raise ValueError("a pool needs at least one process")
        self._processes = processes
        self._limits = limits or TaskLimits()
        self._only_above = only_above
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._live = 0  # workers started or starting, idle or busy
        self._broken = False
        self._closed = False
        self._changed = threading.Condition()
        self._local = threading.local()  # the calling thread's source: CPU seconds left

    @property
    def limits(self) -> TaskLimits:
        return self._limits

    @staticmethod
    def size_for(sources: int) -> int:
        """Processes worth starting for a sync of ``sources``: none for a few sources; else
        one fewer than the cores (the writer keeps one), at least one."""
        if sources < PROCESS_THRESHOLD:
            return 0
        return max(1, min(4, (os.cpu_count() or 2) - 1))

    def _take(self) -> _Worker | None:
        """An idle worker, a new one, or None when processes cannot be used (run here).
        Raises CancelledError once the pool is closed."""
        with self._changed:
            while True:
                if self._closed:
                    raise CancelledError("the sync is over: its worker processes are closed")
                if self._broken:
                    return None
                if self._idle:
                    worker = self._idle.pop()
                    self._busy.add(worker)
                    return worker
                if self._live < self._processes:
                    self._live += 1
                    break
                self._changed.wait()
        try:
            # spawn, not fork: the window's process has Qt and a dozen threads, which a fork
            # would copy mid-flight.
            worker = _Worker(multiprocessing.get_context("spawn"), self._limits)
        except (_CannotStart, OSError):
            with self._changed:
                self._live -= 1
                self._broken = True
                self._changed.notify_all()
            return None
        except BaseException:
            with self._changed:
                self._live -= 1
                self._changed.notify_all()
            raise
        with self._changed:
            if not self._closed:
                self._busy.add(worker)
                return worker
            self._live -= 1
            self._changed.notify_all()
        worker.stop()
        raise CancelledError("the sync is over: its worker processes are closed")

    def _give_back(self, worker: _Worker, healthy: bool) -> None:
        with self._changed:
            self._busy.discard(worker)
            keep = healthy and not self._closed and worker.process.is_alive()
            if keep:
                self._idle.append(worker)
                self._changed.notify_all()
                return
        try:
            worker.stop()
        finally:
            with self._changed:
                self._live -= 1
                self._changed.notify_all()

    @contextmanager
    def source(self) -> Iterator[None]:
        """The tasks this thread runs inside the block are one source's: together they may
        use ``limits.source_cpu_seconds`` of CPU (tasks on this thread count too)."""
        previous = getattr(self._local, "left", None)
        self._local.left = float(self._limits.source_cpu_seconds)
        try:
            yield
        finally:
            self._local.left = previous

    def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker process, under the pool's limits; on this thread
        if processes cannot be started here (a host script that spawned processes cannot
        re-import), or when the task is smaller than ``only_above``.

        Raises ResourceLimitExceeded when the task passed a ceiling (or killed its worker),
        or its source has used its CPU already; whatever the task raised; and
        CancelledError once the pool is closed: the work belongs to a sync that has ended.
        """
        left: float | None = getattr(self._local, "left", None)
        seconds, by_source = self._limits.cpu_seconds, False
        if left is not None:
            if left <= 0:
                raise ResourceLimitExceeded(
                    f"{self._step(function)} was not started: this source's processing "
                    f"already took {self._limits.source_cpu_seconds:g} s of CPU, the most one "
                    f"source may in a sync; skipped")
            if left < seconds:
                seconds, by_source = max(1, math.ceil(left)), True
        if self._only_above is not None and _payload(args) <= self._only_above:
            if self._closed:
                raise CancelledError("the sync is over: its worker processes are closed")
            return self._run_here(function, args)
        for attempt in range(2):
            worker = self._take()
            if worker is None:
                return self._run_here(function, args)
            healthy = False
            try:
                try:
                    worker.connection.send((function, args, seconds))
                except (BrokenPipeError, ConnectionResetError, EOFError):
                    # The worker was gone before it had the task (killed from outside while
                    # idle): not this task's doing, so a fresh worker gets it once more.
                    if attempt == 0:
                        continue
                    raise ResourceLimitExceeded(
                        f"{self._step(function)} could not be handed to a worker process; "
                        f"skipped") from None
                kind, value, used = worker.answer(self._limits)
                self._charge(used)
                if kind in ("ok", "error"):
                    healthy = True
                    if kind == "error":
                        raise value
                    result: T = value
                    return result
                with self._changed:
                    closed = self._closed
                if closed:
                    raise CancelledError("the sync was cancelled mid-task")
                raise ResourceLimitExceeded(self._failure(function, kind, value, by_source))
            finally:
                self._give_back(worker, healthy)
        raise AssertionError("unreachable")  # pragma: no cover

    def _run_here(self, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        started = time.thread_time()
        try:
            return function(*args)
        finally:
            self._charge(time.thread_time() - started)

    def _charge(self, used: float) -> None:
        left: float | None = getattr(self._local, "left", None)
        if left is not None:
            self._local.left = left - used

    def _step(self, function: Callable[..., Any]) -> str:
        return _STEPS.get(getattr(function, "__name__", ""), "this source's processing")

    def _failure(self, function: Callable[..., Any], kind: str, exit_code: Any,
                 by_source: bool) -> str:
        step, limits = self._step(function), self._limits
        if kind == "memory":
            return f"{step} needed more than {_megabytes(limits.memory_bytes)} of memory; skipped"
        if kind == "wall":
            return f"{step} took more than {limits.wall_seconds:g} s; skipped"
        if exit_code == -signal.SIGXCPU and by_source:
            return (f"{step} took this source past {limits.source_cpu_seconds:g} s of CPU, the "
                    f"most one source may in a sync; skipped")
        if exit_code == -signal.SIGXCPU:
            return f"{step} took more than {limits.cpu_seconds} s of CPU; skipped"
        if not (isinstance(exit_code, int) and exit_code < 0):
            return f"{step} stopped its worker process (exit status {exit_code}); skipped"
        try:
            name = signal.Signals(-exit_code).name
        except ValueError:
            name = f"signal {-exit_code}"
        hint = ("; it may have run out of memory" if -exit_code in _OUT_OF_MEMORY else "")
        return f"{step} stopped its worker process (killed by {name}{hint}); skipped"

    def close(self, *, cancel: bool = False) -> None:
        """End the worker processes: when this returns, none is left. With ``cancel`` (the
        sync was cancelled, or failed) they are stopped mid-task rather than waited for:
        they hold nothing but work that would be thrown away."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = list(self._busy)
            self._live -= len(idle)
            self._changed.notify_all()
        for worker in idle:
            worker.stop()
        if cancel:
            for worker in busy:
                worker.kill()  # its run() wakes, raises CancelledError and reaps it
        with self._changed:
            while self._live > 0:
                self._changed.wait()


def _megabytes(count: int) -> str:
    if count >= 1 << 30 and count % (1 << 30) == 0:
        return f"{count >> 30} GB"
    return f"{max(1, round(count / (1 << 20)))} MB"


@dataclass(slots=True)
class Isolated:
    """``CpuPool`` for one document outside a sync (``add``, ``add --page``): a process only
    for a document bigger than BIG_TASK_BYTES. Use as a context manager."""

    pool: CpuPool

    def __enter__(self) -> CpuPool:
        return self.pool

    def __exit__(self, *exc: object) -> None:
        self.pool.close(cancel=exc[0] is not None)


def isolated(limits: TaskLimits | None = None) -> Isolated:
    return Isolated(CpuPool(1, limits=limits, only_above=BIG_TASK_BYTES))
