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
from collections import deque
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
#: The pool's watchdog looks at busy workers' resident memory at most this far apart, and
#: sooner the nearer one is to its ceiling: as if memory could grow _FASTEST_GROWTH bytes a
#: second (one thread for the pool: each waiting thread polling cost a sync 1 s of CPU).
_WATCH_SECONDS = 0.25
_FASTEST_GROWTH = 2 * 1024 * 1024 * 1024
#: In a sync too small for processes, a task with more input than this (a feed document, the
#: new entries' bodies, a linked page) still runs in a worker process, under the ceilings.
BIG_TASK_BYTES = 128 * 1024
#: How long a new worker may take to start (import the parsers) before the pool gives up on
#: processes and runs tasks on the calling thread.
_START_SECONDS = 60.0
#: How long a closing pool waits for a worker asked to stop before it kills it.
_STOP_SECONDS = 10.0
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

    Each answer is (kind, value, CPU used, resident size after, retiring): ("ok", result,
    ...), ("error", exception, ...) or ("memory", None, ...). A worker whose task ran out of
    memory, or that holds more than half a task's memory ceiling over its start-up size once
    a task is done (memory Python keeps for reuse), answers and exits ("retiring"), so the
    next task starts from a fresh one.
    """
    _exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    _limit_memory(limits.address_space)
    ready = _address_space("self", 1)
    connection.send(("ready", os.getpid(), ready))
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
        resident = _address_space("self", 1)
        retiring = outcome[0] == "memory" or (
            ready is not None and resident is not None
            and resident - ready > limits.memory_bytes // 2)
        try:
            connection.send((*outcome, used, resident, retiring))
        except MemoryError:
            retiring = True
            connection.send(("memory", None, used, resident, retiring))
        except Exception as error:  # an answer that cannot be pickled
            connection.send(("error", RuntimeError(f"{type(error).__name__}: {error}"), used,
                             resident, retiring))
        if retiring:
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


#: How many tasks a worker holds at once: the one it runs and the next, already sent, so it
#: never waits for a sync thread between tasks (the GIL hand-offs cost a 50-feed sync 2 s).
_QUEUE_DEPTH = 2


class _Task:
    """One call on its way through a worker; ``outcome`` is (kind, value, CPU seconds)."""

    __slots__ = ("args", "done", "function", "outcome", "seconds")

    def __init__(self, function: Callable[..., Any], args: tuple[Any, ...],
                 seconds: int) -> None:
        self.function, self.args, self.seconds = function, args, seconds
        self.done = threading.Event()
        self.outcome: tuple[str, Any, float] = ("retry", None, 0.0)

    def finish(self, outcome: tuple[str, Any, float]) -> None:
        self.outcome = outcome
        self.done.set()


class _Worker:
    """One worker process, its end of the pipe, and the thread that reads its answers.

    Tasks are sent in order and answered in order, so the oldest unanswered task is the one
    running: when the worker dies, that task is the one to blame, and the one queued behind
    it is handed to another worker ("retry").
    """

    def __init__(self, context: Any, limits: TaskLimits,
                 gone: Callable[[_Worker], None]) -> None:
        ours, theirs = context.Pipe(duplex=True)
        self.connection: Connection = ours
        self.process: BaseProcess = context.Process(
            target=_serve, args=(theirs, limits), name="broadsheet-sync-worker", daemon=True)
        try:
            self.process.start()
        except RuntimeError as error:  # spawning while the main module is still importing
            theirs.close()
            ours.close()
            raise _CannotStart(str(error)) from error
        theirs.close()
        ready = wait([ours, self.process.sentinel], timeout=_START_SECONDS)
        try:
            answer = ours.recv() if ours in ready else None
        except (EOFError, OSError):
            answer = None
        if not (isinstance(answer, tuple) and answer[:1] == ("ready",)):
            self.kill()
            self.process.join(5)
            ours.close()
            raise _CannotStart("the worker process did not start")
        self.pid = int(answer[1])
        # What the running task grows from: the worker's size when ready, then after each task.
        self.resident: int | None = answer[2]
        self.limits = limits
        self.load = 0  # tasks assigned to it and not yet finished (the pool's lock)
        self.pending: deque[_Task] = deque()  # sent or being sent, oldest (running) first
        self.running_since: float | None = None
        self.killed_for: str | None = None
        self.retiring = False  # it said it exits after its answer: what is queued moves on
        self.dead = False
        self._lock = threading.Lock()  # pending, running_since, dead
        self._sending = threading.Lock()  # the pipe's order is pending's order
        self._gone = gone
        self._reader = threading.Thread(target=self._read, daemon=True,
                                        name="sync-worker-answers")
        self._reader.start()

    def submit(self, task: _Task) -> None:
        """Send ``task``; its outcome comes through ``task.done`` whatever happens."""
        with self._sending:
            with self._lock:
                if self.dead:
                    task.finish(("retry", None, 0.0))
                    return
                self.pending.append(task)
                if len(self.pending) == 1:
                    self.running_since = time.monotonic()
            try:
                self.connection.send((task.function, task.args, task.seconds))
            except (OSError, ValueError, EOFError):
                self.kill()  # half a task in the pipe: the reader settles what is pending

    def _read(self) -> None:
        while True:
            try:
                kind, value, used, resident, retiring = self.connection.recv()
            except (EOFError, OSError):
                break
            except Exception as error:  # an answer that cannot be unpickled here
                kind, value, used = "error", RuntimeError(
                    f"a worker's answer was unreadable: {error}"), 0.0
                resident, retiring = None, False
            with self._lock:
                task = self.pending.popleft()
                self.running_since = time.monotonic() if self.pending else None
                if resident is not None:
                    self.resident = resident
                self.retiring = self.retiring or bool(retiring)
            task.finish((kind, value, float(used)))
        self.process.join(5)
        if self.process.is_alive():  # pragma: no cover - the pipe broke, not the process
            self.kill()
            self.process.join()
        with self._lock:
            self.dead = True
            left, self.pending = list(self.pending), deque()
            self.running_since = None
        charge = float(self.limits.cpu_seconds)
        for index, task in enumerate(left):
            if index or self.retiring:
                task.finish(("retry", None, 0.0))
            elif self.killed_for is not None:
                task.finish((self.killed_for, None, charge))
            else:
                task.finish(("died", self.process.exitcode, charge))
        self.connection.close()
        self._gone(self)

    def overdue(self, now: float) -> tuple[str | None, float]:
        """Which ceiling the running task has passed, if any, and how soon to look again."""
        with self._lock:
            since, resident = self.running_since, self.resident
        if since is None:
            return None, _WATCH_SECONDS
        wall_left = since + self.limits.wall_seconds - now
        if wall_left <= 0:
            return "wall", _WATCH_SECONDS
        soon = min(_WATCH_SECONDS, wall_left)
        if resident is not None:
            size = _address_space(self.pid, 1)
            if size is not None:
                headroom = self.limits.memory_bytes - (size - resident)
                if headroom < 0:
                    return "memory", _WATCH_SECONDS
                soon = min(soon, headroom / _FASTEST_GROWTH)
        return None, max(0.005, soon)

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # already gone, or already reaped
            self.process.kill()

    def stop(self) -> None:
        """Asks the worker to exit once its tasks are done (its reader then reaps it)."""
        with self._sending, contextlib.suppress(OSError, ValueError):
            self.connection.send(None)


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
    ResourceLimitExceeded and its worker is replaced; a task queued behind it goes to
    another worker, untouched. With ``only_above``, tasks with less input than that many
    bytes run on the calling thread and a worker is started only for a bigger one (a small
    sync's hostile source).
    """

    def __init__(self, processes: int, *, limits: TaskLimits | None = None,
                 only_above: int | None = None) -> None:
        if processes < 1:
            raise ValueError("a pool needs at least one process")
        self._processes = processes
        self._limits = limits or TaskLimits()
        self._only_above = only_above
        self._workers: list[_Worker] = []
        self._starting = 0
        self._broken = False
        self._closed = False
        self._changed = threading.Condition()
        self._local = threading.local()  # the calling thread's source: CPU seconds left
        self._watchdog: threading.Thread | None = None
        self._closing = threading.Event()

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

    # --- workers --------------------------------------------------------------------------------

    def _assign(self) -> _Worker | None:
        """A worker for one more task (an idle one, a new one, else one with room in its
        queue), its load counted; None when processes cannot be used here (run here).
        Raises CancelledError once the pool is closed."""
        with self._changed:
            while True:
                if self._closed:
                    raise CancelledError("the sync is over: its worker processes are closed")
                if self._broken:
                    return None
                alive = [worker for worker in self._workers
                         if not worker.dead and not worker.retiring]
                idle = [worker for worker in alive if worker.load == 0]
                if idle:
                    idle[0].load += 1
                    return idle[0]
                if len(alive) + self._starting < self._processes:
                    self._starting += 1
                    break
                roomy = [worker for worker in alive if worker.load < _QUEUE_DEPTH]
                if roomy and not self._starting:
                    chosen = min(roomy, key=lambda worker: worker.load)
                    chosen.load += 1
                    return chosen
                self._changed.wait()
        try:
            # spawn, not fork: the window's process has Qt and a dozen threads, which a fork
            # would copy mid-flight.
            worker = _Worker(multiprocessing.get_context("spawn"), self._limits, self._gone)
        except (_CannotStart, OSError):
            with self._changed:
                self._starting -= 1
                self._broken = True
                self._changed.notify_all()
            return None
        except BaseException:
            with self._changed:
                self._starting -= 1
                self._changed.notify_all()
            raise
        with self._changed:
            self._starting -= 1
            self._workers.append(worker)
            self._changed.notify_all()
            if self._watchdog is None:
                self._watchdog = threading.Thread(target=self._watch, daemon=True,
                                                  name="sync-worker-watchdog")
                self._watchdog.start()
            if not self._closed:
                worker.load += 1
                return worker
        worker.stop()
        raise CancelledError("the sync is over: its worker processes are closed")

    def _release(self, worker: _Worker) -> None:
        with self._changed:
            worker.load -= 1
            idle_and_closed = self._closed and worker.load == 0
            self._changed.notify_all()
        if idle_and_closed:
            worker.stop()

    def _gone(self, worker: _Worker) -> None:
        """Called by a worker's reader thread once the worker has exited and is reaped."""
        with self._changed:
            if worker in self._workers:
                self._workers.remove(worker)
            self._changed.notify_all()

    def _watch(self) -> None:
        """The pool's one watchdog: kills a busy worker whose running task has passed its
        memory or wall-clock ceiling (the task then fails; the one behind it moves on)."""
        while not self._closing.is_set():
            soonest = _WATCH_SECONDS
            with self._changed:
                workers = list(self._workers)
            now = time.monotonic()
            for worker in workers:
                passed, soon = worker.overdue(now)
                if passed is not None and worker.killed_for is None:
                    worker.killed_for = passed
                    worker.kill()
                soonest = min(soonest, soon)
            self._closing.wait(soonest)

    # --- running --------------------------------------------------------------------------------

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
        while True:
            worker = self._assign()
            if worker is None:
                return self._run_here(function, args)
            task = _Task(function, args, seconds)
            try:
                worker.submit(task)
                task.done.wait()
            finally:
                self._release(worker)
            kind, value, used = task.outcome
            if kind == "retry":  # queued behind a task that killed its worker
                continue
            self._charge(used)
            if kind == "ok":
                result: T = value
                return result
            if kind == "error":
                raise value
            with self._changed:
                closed = self._closed
            if closed:
                raise CancelledError("the sync was cancelled mid-task")
            raise ResourceLimitExceeded(self._failure(function, kind, value, by_source))

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
            workers = list(self._workers)
            self._changed.notify_all()
        for worker in workers:
            if cancel:
                worker.kill()  # its tasks' run() raise CancelledError
            elif worker.load == 0:
                worker.stop()  # the busy ones stop when their last task is released
        with self._changed:
            while self._workers or self._starting:
                if not self._changed.wait(timeout=_STOP_SECONDS):
                    for worker in self._workers:  # asked to stop and still there
                        worker.kill()
        self._closing.set()
        if self._watchdog is not None:
            self._watchdog.join()


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
