"""Syncing feeds: one source's pipeline, top to bottom, and the run that syncs many at once.

Per source (``prepare_source``, on a worker thread): fetch with the stored validators → stop
on 304 → parse → skip entries the archive already has unchanged → extract the full page
where the feed gave only a summary → download images, storing each in the archive as it
arrives, and point the body at them. Then the run's one writer (the calling thread,
``apply``) stores all of that source's articles in one transaction and saves the validators.
A failure is recorded on its source and the others carry on (a failure to record it too).
Shaped after Miniflux's ``RefreshFeed`` (see shared/STYLE.md).

Images are downloaded and stored as they arrive, within per-article and per-source budgets:
see ``reader.sync.images``. A source costs at most its own budget: its downloads share one
``Fetcher.source`` budget of time and bytes (and may reach private addresses only if the feed
itself lives on one), and its parsing and cleaning run under ``cpu.TaskLimits`` in worker
processes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from reader.archive import Archive, articles, retention, sources
from reader.archive import images as archive_images
from reader.archive.sources import SyncTarget
from reader.errors import DocumentError, FetchError, ReaderError, RetryLater, SourceGone
from reader.records import ArticleDraft
from reader.render.images import archive_image_uri, find_images, placeholders_for
from reader.render.plaintext import html_to_text
from reader.sync import cpu
from reader.sync.cpu import BIG_TASK_BYTES, CpuPool, TaskLimits
from reader.sync.extract import MAX_PAGE_BYTES, extract_article
from reader.sync.fetch import MAX_RETRY_AFTER, Fetcher, FetchResult
from reader.sync.images import (
    ImageBudget,
    KeptImage,
    LocalisedImages,
    download_images,
    finished_body,
)
from reader.sync.images import (  # kept importable from here (subscribe.py imports them)
    ImageCache as ImageCache,
)
from reader.sync.images import (
    localise_images as localise_images,
)

SyncStatus = Literal["ok", "not_modified", "failed"]
#: Progress callback: (sources done, sources in all, the source just finished or None).
Progress = Callable[[int, int, "SyncReport | None"], None]

DEFAULT_WORKERS = 4
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SyncReport:
    source_id: int
    url: str | None
    status: SyncStatus
    new: int = 0
    updated: int = 0
    error: str | None = None
    title: str | None = None
    #: What a budget cut from the feed (its oldest entries past the cap), or None.
    note: str | None = None
    #: Read articles past the source's ``keep_days`` that this sync removed (``retention``).
    purged: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PreparedEntry:
    draft: ArticleDraft
    known: tuple[str, str]
    cleaned: articles.CleanBody
    image_hashes: tuple[str, ...]


@dataclass(slots=True)
class SourceUpdate:
    """Everything one source's sync will write, gathered before the write transaction.

    Its images are already in the archive (``ImageCache``); ``images`` holds what ``apply``
    needs to check they still are.
    """

    target: SyncTarget
    fetched: FetchResult
    title: str | None = None
    site_url: str | None = None
    entries: list[PreparedEntry] = field(default_factory=list)
    images: dict[str, KeptImage] = field(default_factory=dict)
    note: str | None = None


#: Summary-only entries whose page is fetched for the full text, per source per sync. Past
#: it, entries keep the feed's summary and the source's note says so: a 2,000-entry feed of
#: bare links must not mean 2,000 page downloads. (Pages that keep giving nothing stop
#: sooner: ``fetch.GIVE_UP_PAGES``.)
MAX_PAGES_PER_SOURCE = 30


@dataclass(slots=True)
class PageBudget:
    fetched: int = 0
    skipped: int = 0

    def allows(self) -> bool:
        if self.fetched >= MAX_PAGES_PER_SOURCE:
            self.skipped += 1
            return False
        self.fetched += 1
        return True

    def note(self) -> str | None:
        if not self.skipped:
            return None
        return (f"{self.skipped} summary-only entries kept the feed's summary (the full text "
                f"is fetched for at most {MAX_PAGES_PER_SOURCE} entries a sync)")


def full_text(draft: ArticleDraft, fetcher: Fetcher, run: Runner | None = None) -> ArticleDraft:
    """The draft with its page's main text as body (and metadata it lacked), or unchanged.

    The page is a ``kind="page"`` download (its own deadline; no private addresses unless
    the source lives on one); ``run`` extracts its text (a CpuPool's, to extract under its
    ceilings). A page that cannot be had or read, or holds no more text than the entry,
    leaves the entry as the feed gave it, and counts toward the source's GIVE_UP_PAGES.
    """
    if not draft.url or not draft.url.startswith(("http://", "https://")):
        return draft
    budget = fetcher.current_source()
    try:
        page = fetcher.fetch(draft.url, accept="text/html,application/xhtml+xml",
                             max_bytes=MAX_PAGE_BYTES, kind="page")
    except FetchError:  # counted by the fetcher
        return draft
    try:
        extracted = (run or _run_here)(extract_article, page.content, page.url,
                                       page.content_type)
    except DocumentError:
        extracted = None
    if extracted is None or (len(html_to_text(extracted.body_html))
                             <= len(html_to_text(draft.body_html))):
        if budget is not None:
            budget.missed("page")
        return draft
    if budget is not None:
        budget.hit("page")
    return dataclasses.replace(
        draft,
        body_html=extracted.body_html,
        author=draft.author or extracted.author,
        published=draft.published or extracted.published,
        tags=draft.tags or extracted.tags,
    )


def prepare_source(archive: Archive, target: SyncTarget, fetcher: Fetcher,
                   cache: ImageCache, pool: CpuPool | None = None) -> SourceUpdate:
    """Fetch, parse and prepare one source's new and changed entries (no writes).

    The CPU-bound steps (``cpu.read_feed``, ``cpu.examine``, ``cpu.finish_bodies``, page
    extraction) run in ``pool``'s worker processes when there is one; the network and the
    archive are used from this thread. Every download is inside one ``Fetcher.source``
    budget, every CPU step inside one ``CpuPool.source`` budget.
    """
    with fetcher.source(), pool.source() if pool is not None else contextlib.nullcontext():
        return _prepare(archive, target, fetcher, cache, pool)


def _prepare(archive: Archive, target: SyncTarget, fetcher: Fetcher, cache: ImageCache,
             pool: CpuPool | None) -> SourceUpdate:
    fetched = fetcher.fetch(target.url, etag=target.etag, last_modified=target.last_modified,
                            accept=FEED_ACCEPT)
    update = SourceUpdate(target, fetched)
    if fetched.not_modified:
        return update
    run: Runner = pool.run if pool is not None else _run_here
    read = run(cpu.read_feed, fetched.content, fetched.url, fetched.content_type)
    update.title = read.feed.title or None
    update.site_url = read.feed.site_url
    update.note = read.feed.note
    known, tombstoned = archive.known_entries(target.id, [guid for guid, _ in read.identities])
    fresh = [(draft, identity) for draft, identity in zip(read.feed.entries, read.identities,
                                                          strict=True)
             if identity[0] not in tombstoned and known.get(identity[0]) != identity[1]]
    examined = run(cpu.examine, [(draft.body_html, draft.url or fetched.url)
                                 for draft, _ in fresh]) if fresh else []
    jobs: list[cpu.BodyJob] = []
    kept: list[tuple[ArticleDraft, tuple[str, str], LocalisedImages]] = []
    image_budget = ImageBudget.for_source()
    pages = PageBudget()
    for (draft, identity), looked in zip(fresh, examined, strict=True):
        entry, urls = draft, looked.image_urls if target.keep_images else ()
        wants_page = target.full_text == "always" or (target.full_text == "auto"
                                                      and looked.summary)
        if wants_page and draft.url and pages.allows():
            entry = full_text(draft, fetcher, run)
            if entry is not draft and target.keep_images:
                urls = tuple(find_images(entry.body_html, entry.url or fetched.url).sources)
        localised = download_images(urls, fetcher, cache, image_budget)
        update.images.update(localised.kept)
        jobs.append(cpu.BodyJob(entry.body_html, entry.url or fetched.url, localised.mapping,
                                entry.url))
        kept.append((dataclasses.replace(entry, tags=(*entry.tags, *target.tags)), identity,
                     localised))
    cleaned = run(cpu.finish_bodies, jobs) if jobs else []
    skipped_pages = pages.note()
    if skipped_pages:
        update.note = f"{update.note}; {skipped_pages}" if update.note else skipped_pages
    update.entries.extend(
        PreparedEntry(draft, known_id, finished_body(body, localised),
                      tuple(localised.kept))
        for (draft, known_id, localised), body in zip(kept, cleaned, strict=True))
    return update


def _run_here(function: Callable[..., T], *args: Any) -> T:
    return function(*args)


#: How prepare_source runs a CPU step: ``CpuPool.run``, or ``_run_here``.
Runner = Callable[..., Any]


FEED_ACCEPT = ("application/atom+xml, application/rss+xml, application/feed+json, "
               "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")


def apply(archive: Archive, update: SourceUpdate, now: datetime) -> SyncReport:
    """Write one source's changes and its validators, and purge what its ``keep_days`` lets
    go (``retention``), in one transaction (the writer's job)."""
    target, fetched = update.target, update.fetched
    new = updated = 0
    with archive.writing() as connection:
        # Stored ahead by ImageCache; another process may have deleted one since (see the
        # module docstring): its article shows a placeholder rather than the source failing.
        missing = set(update.images) - archive_images.present(connection, update.images)
        for entry in update.entries:
            if missing and missing.intersection(entry.image_hashes):
                entry = _without_images(entry, missing)
            outcome = articles.store_draft(
                connection, target.id, entry.draft, now, known=entry.known,
                cleaned=entry.cleaned, image_hashes=entry.image_hashes)
            new += outcome.status == "imported"
            updated += outcome.status == "updated"
        sources.record_success(
            connection, target.id, now=now,
            etag=fetched.etag if not fetched.not_modified else target.etag or fetched.etag,
            last_modified=(fetched.last_modified if not fetched.not_modified
                           else target.last_modified or fetched.last_modified),
            title=update.title, site_url=update.site_url, new_url=fetched.permanent_url)
        purged = retention.purge_expired(connection, target.id, now)
    status: SyncStatus = "not_modified" if fetched.not_modified else "ok"
    return SyncReport(target.id, fetched.permanent_url or target.url, status, new, updated,
                      None, update.title or target.title, update.note, tuple(purged))


def _without_images(entry: PreparedEntry, missing: set[str]) -> PreparedEntry:
    body_html = placeholders_for(entry.cleaned[0], {archive_image_uri(sha) for sha in missing})
    return dataclasses.replace(
        entry, cleaned=(body_html, html_to_text(body_html)),
        image_hashes=tuple(sha for sha in entry.image_hashes if sha not in missing))


def record_failure(archive: Archive, target: SyncTarget, error: BaseException,
                   now: datetime) -> SyncReport:
    """Keep the reason on the source (one line), so ``sources`` and the window show it.

    A Retry-After is kept clamped to [0, MAX_RETRY_AFTER] whatever the error says.
    """
    reason = failure_reason(error)
    with archive.writing() as connection:
        sources.record_failure(connection, target.id, now=now, reason=reason,
                               gone=isinstance(error, SourceGone),
                               retry_after=_retry_at(error, now))
    return SyncReport(target.id, target.url, "failed", error=reason, title=target.title)


def failure_reason(error: BaseException, *, show: bool = True) -> str:
    """One line for people, at most 500 characters, always valid text; an unexpected error
    (a bug) also prints its traceback when ``show``."""
    try:
        text = str(error)
    except Exception:  # an exception whose message cannot even be made
        text = "(no description)"
    if not isinstance(error, ReaderError):
        text = f"unexpected error: {type(error).__name__}: {text}"
        if show:
            traceback.print_exception(error, file=sys.stderr)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates: SQLite refuses
    return " ".join(text.split())[:500]


def _retry_at(error: BaseException, now: datetime) -> datetime | None:
    if not isinstance(error, RetryLater):
        return None
    seconds = error.retry_after
    if not isinstance(seconds, int | float) or math.isnan(seconds):
        seconds = 0.0
    return now + timedelta(seconds=min(max(0.0, float(seconds)), MAX_RETRY_AFTER))


def _record_failure_safely(archive: Archive, target: SyncTarget,
                           error: BaseException) -> SyncReport:
    """``record_failure`` that never raises: when even recording one source's error fails
    (the disk is full, a value the archive refuses), that source is reported failed with
    both reasons and the sync carries on with the others."""
    try:
        return record_failure(archive, target, error, datetime.now(UTC))
    except Exception as problem:
        if not isinstance(problem, ReaderError):
            traceback.print_exception(problem, file=sys.stderr)
        reason = (f"{failure_reason(error, show=False)} (not recorded: "
                  f"{failure_reason(problem, show=False)})")
        return SyncReport(target.id, target.url, "failed", error=reason[:1000],
                          title=target.title)


def _count_failures(archive: Archive, reports: Sequence[SyncReport]) -> None:
    reached = any(report.status != "failed" for report in reports)
    failed = [report.source_id for report in reports
              if report.status == "failed" and report.error != "cancelled"]
    if reached and failed:
        with archive.writing() as connection:
            sources.count_failures(connection, failed)


def sync(archive: Archive, source_ids: Sequence[int] | None = None, *,
         fetcher: Fetcher | None = None, progress: Progress | None = None,
         cancel: threading.Event | None = None, workers: int = DEFAULT_WORKERS,
         processes: int | None = None, task_limits: TaskLimits | None = None,
         automatic: bool = False, every: timedelta | None = None) -> list[SyncReport]:
    """Sync feeds (all due ones, or exactly ``source_ids``); one report per source, by id.

    Fetching runs on ``workers`` threads (the Fetcher also bounds requests per host); parsing
    and cleaning on ``processes`` worker processes under ``task_limits`` (None: as many as
    ``CpuPool.size_for`` the number of sources, and for a sync too small for that, one
    process for tasks bigger than BIG_TASK_BYTES only; 0: everything on the fetching
    threads); the calling thread is the only writer. ``cancel`` stops the run between
    sources: sources not finished by then are reported as failed with the reason
    "cancelled". No worker process outlives the call, however it ends.

    ``automatic`` (the window's timer) fetches only the sources due by their own interval or
    ``every``, leaving alone those backing off after failures. A failure counts towards
    back-off only when another source of the same run could be reached: when none could,
    the reader is offline, and that is no source's fault.
    """
    now = datetime.now(UTC)
    targets, skipped = archive.sync_targets(source_ids, now, automatic=automatic,
                                            every=every)
    reports = [SyncReport(source_id, url, "failed", error=reason)
               for source_id, url, reason in skipped]
    own_fetcher = fetcher is None
    client = fetcher or Fetcher()
    cache = ImageCache(archive)
    total = len(targets)
    wanted = CpuPool.size_for(total) if processes is None else processes
    cpu_pool: CpuPool | None = None
    if total > 0 and wanted > 0:
        cpu_pool = CpuPool(wanted, limits=task_limits)
    elif total > 0 and processes is None:
        # A few sources: threads, but a big document still parses under the ceilings.
        cpu_pool = CpuPool(1, limits=task_limits, only_above=BIG_TASK_BYTES)
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="sync")
    finished = False
    try:
        futures: dict[Future[SourceUpdate], SyncTarget] = {
            pool.submit(prepare_source, archive, target, client, cache, cpu_pool): target
            for target in targets}
        done_ids: set[int] = set()
        for future in as_completed(futures):
            if cancel is not None and cancel.is_set():
                break
            target = futures[future]
            try:
                report = apply(archive, future.result(), datetime.now(UTC))
            except Exception as error:  # one bad source never stops the others
                report = _record_failure_safely(archive, target, error)
            reports.append(report)
            done_ids.add(target.id)
            if progress is not None:
                progress(len(done_ids), total, report)
        else:
            finished = True
        for target in targets:
            if target.id not in done_ids:
                reports.append(SyncReport(target.id, target.url, "failed", error="cancelled",
                                          title=target.title))
        asked = {target.id for target in targets}
        _count_failures(archive, [report for report in reports if report.source_id in asked])
    finally:
        # The worker processes end before sync returns or raises, every time: stopped at once
        # when the run did not finish (a fetch thread still going then gets CancelledError
        # from its next CPU step, rather than parsing for nobody), else after their last task.
        if cpu_pool is not None:
            cpu_pool.close(cancel=not finished)
        pool.shutdown(wait=not (cancel is not None and cancel.is_set()), cancel_futures=True)
        # After the last apply: delete the images this run stored that no article shows (a
        # cancelled run's fetch threads may still be going; the closed cache stores no more).
        cache.close()
        if own_fetcher:
            client.close()
    return sorted(reports, key=lambda report: report.source_id)
