"""A sync's images: downloaded, checked, scaled down and stored as they arrive, within budgets.

Each image (``ImageCache``, ``download_images``) is downloaded (at most ``MAX_IMAGE_BYTES``),
checked and scaled down (``prepare_image``), then stored in its own small write transaction,
and only its hash and size are kept in memory; so a source's images never have to fit in
memory, whatever the feed names. Budgets bound what one sync may keep: per article
``MAX_IMAGES_PER_ARTICLE`` images and ``MAX_IMAGE_BYTES_PER_ARTICLE`` bytes, per source
``MAX_IMAGES_PER_SOURCE``, ``MAX_IMAGE_BYTES_PER_SOURCE`` and ``MAX_SCALED_PIXELS_PER_SOURCE``
(pixels decoded to scale large images down). An article's budget counts every image it
shows; a source's only what is downloaded for it (a banner every entry shows is paid for
once), and a failed try counts against the counts. Images past a budget are not fetched:
they become the usual placeholder and the article says how many were not kept, and why.

Storing ahead of the article leaves orphans when the article is then not written (its
source failed, the sync was cancelled, the store found it tombstoned). Each ``ImageCache``
owns the images it inserted and deletes those no article shows when the sync ends — except
any another sync in this process is still waiting to link, whose cache then takes them over
(so the last sync to need an image cleans it up). Another *process* syncing at the same time
cannot be seen from here: if it deletes an image this sync was about to link, ``apply``
notices (it checks that every image it links is present, in its own transaction) and shows a
placeholder there instead, rather than failing the source. Orphans left by a sync that was
killed are removed after the unclean shutdown is noticed (``Archive.open``) and by
``broadsheet check --repair``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from reader.archive import Archive
from reader.archive import images as archive_images
from reader.archive.articles import CleanBody
from reader.errors import ArchiveError, DocumentError, FetchError, OverBudget
from reader.render.images import (
    MAX_IMAGE_BYTES,
    ImageSizes,
    StoredImage,
    UndecodableImage,
    archive_image_uri,
    clamp_image_sizes,
    find_images,
    prepare_image,
)
from reader.render.notes import with_notes
from reader.render.plaintext import html_to_text
from reader.sync.fetch import Fetcher

_MB = 1024 * 1024
#: Images one article may keep (and try: a failed download counts too), and their bytes.
MAX_IMAGES_PER_ARTICLE = 40
MAX_IMAGE_BYTES_PER_ARTICLE = 20 * _MB
#: Images one source may keep (and try) in one sync, their bytes, and the pixels decoded to
#: scale its oversized images down (about three 30 Mpx PNGs: a few seconds of CPU).
MAX_IMAGES_PER_SOURCE = 300
MAX_IMAGE_BYTES_PER_SOURCE = 100 * _MB
MAX_SCALED_PIXELS_PER_SOURCE = 90_000_000


@dataclass(frozen=True, slots=True)
class KeptImage:
    """What a sync remembers of an image it has stored: never its bytes."""

    sha256: str
    size: int
    width: int | None
    height: int | None

    @property
    def uri(self) -> str:
        return archive_image_uri(self.sha256)


def _megabytes(size: int) -> str:
    return f"{size / _MB:.0f} MB" if size >= 10 * _MB else f"{size / _MB:.1f} MB"


class ImageBudget:
    """What is left of one budget (an article's, or a source's in one sync) as images are
    kept; ``whose`` names it in the note an article gets ("this article's").

    An article's budget counts every image it shows; a source's only the images downloaded
    for it (``reuse`` False): one already downloaded in this run costs no request and no
    storage, so a banner every entry shows is paid for once.
    """

    def __init__(self, whose: str, count: int, size: int, pixels: int | None = None, *,
                 reuse: bool = True) -> None:
        self.whose = whose
        self.reuse = reuse
        self.count, self.size, self.pixels = count, size, pixels
        self.count_left, self.size_left, self.pixels_left = count, size, pixels
        #: Set once an image did not fit: nothing later is tried against this budget.
        self.full = False

    @classmethod
    def for_article(cls) -> ImageBudget:
        return cls("this article's", MAX_IMAGES_PER_ARTICLE, MAX_IMAGE_BYTES_PER_ARTICLE)

    @classmethod
    def for_source(cls) -> ImageBudget:
        return cls("this feed's", MAX_IMAGES_PER_SOURCE, MAX_IMAGE_BYTES_PER_SOURCE,
                   MAX_SCALED_PIXELS_PER_SOURCE, reuse=False)

    def used_up(self) -> str | None:
        """The reason no further image may be tried, or None while some may."""
        if self.count_left <= 0:
            return f"over {self.whose} limit of {self.count} images{self._per_sync}"
        if self.size_left <= 0 or self.full:
            return self.too_big()
        return None

    def too_big(self) -> str:
        return f"over {self.whose} {_megabytes(self.size)} for images{self._per_sync}"

    def too_many_pixels(self) -> str:
        return (f"too large to scale down within {self.whose} budget of "
                f"{(self.pixels or 0) // 1_000_000} million pixels{self._per_sync}")

    @property
    def _per_sync(self) -> str:
        return " in one sync" if self.pixels is not None else ""


class _Refused(OverBudget):
    """An image that would pass ``reason``'s budget; ``final`` when nothing later may fit."""

    def __init__(self, reason: str, final: bool) -> None:
        super().__init__(reason)
        self.reason, self.final = reason, final


#: Hashes each open ImageCache of this process has stored or reused and not yet let go of:
#: what one cache's clean-up must not delete under another (see the module docstring).
_PENDING: dict[str, set[ImageCache]] = {}
_PENDING_LOCK = threading.Lock()


class ImageCache:
    """Images already downloaded in this run, by URL, shared by all workers.

    A URL that failed stays failed for the run (None), so a broken image used by a hundred
    entries costs one request, not a hundred. With an ``archive``, each image is stored as it
    arrives (in its own transaction) and only a ``KeptImage`` is remembered; ``close`` then
    deletes those it stored that no article shows. Without one (saving a single page, whose
    caller stores what ``held`` has), images are kept in memory, within one article's budget.
    """

    def __init__(self, archive: Archive | None = None) -> None:
        self._archive = archive
        self._lock = threading.Lock()
        self._by_url: dict[str, KeptImage | None] = {}
        #: Images kept in memory for the caller to store (no archive given).
        self.held: dict[str, StoredImage] = {}
        #: Hashes this cache inserted into the archive (or was handed): its to clean up.
        self._owned: set[str] = set()
        self._registered: set[str] = set()
        self._store_lock = threading.Lock()
        self._closed = False

    def get(self, url: str, fetcher: Fetcher, budgets: Sequence[ImageBudget] = ()
            ) -> KeptImage | None:
        """The image at ``url``, stored; None when it cannot be had.

        Raises ``OverBudget`` (nothing stored, nothing remembered) when keeping it would pass
        one of ``budgets``, which are charged for it otherwise, or for trying it when it
        failed; an image this run already had (or already failed) is charged only to the
        budgets that count reuse.
        """
        with self._lock:
            known = url in self._by_url
            cached = self._by_url.get(url)
        if known:
            reusing = [budget for budget in budgets if budget.reuse]
            _charge(reusing, 0 if cached is None else cached.size, 0)
            return cached
        pixels = [budget for budget in budgets if budget.pixels_left is not None]
        image: StoredImage | None = None
        spent = 0
        try:
            fetched = fetcher.fetch(url, max_bytes=MAX_IMAGE_BYTES, kind="image").content
            image = prepare_image(
                fetched, max_decoded_pixels=min((budget.pixels_left or 0 for budget in pixels),
                                                default=None))
            spent = image.decoded_pixels
        except OverBudget as error:
            raise _Refused(pixels[0].too_many_pixels() if pixels else str(error),
                           final=False) from None
        except (FetchError, DocumentError) as error:
            spent = error.decoded_pixels if isinstance(error, UndecodableImage) else 0
        kept = None
        # A failed try counts too (a feed naming 10,000 broken images costs 40 requests an
        # article, not 10,000), and so do the pixels a failed decode cost.
        _charge(budgets, 0 if image is None else len(image.data), spent)  # raises when over
        if image is not None:
            kept = self._keep(image)
            if kept is None:
                return None  # the archive could not take it (busy, full) or the sync is over
        with self._lock:
            self._by_url.setdefault(url, kept)
            return self._by_url[url]

    def _keep(self, image: StoredImage) -> KeptImage | None:
        kept = KeptImage(image.sha256, len(image.data), image.width, image.height)
        if self._archive is None:
            self.held.setdefault(image.sha256, image)
            return kept
        with self._store_lock:
            if self._closed:
                return None
            try:
                with self._archive.writing() as connection:
                    inserted = archive_images.store_one(
                        connection, image.sha256, image.mime_type, image.width, image.height,
                        image.data)
            except ArchiveError:
                return None
            with _PENDING_LOCK:
                if inserted:
                    self._owned.add(image.sha256)
                if image.sha256 not in self._registered:
                    self._registered.add(image.sha256)
                    _PENDING.setdefault(image.sha256, set()).add(self)
        return kept

    def close(self) -> None:
        """Stop storing, and delete the images this cache stored that no article shows.

        An image another open cache of this process also stored or reused is handed to it
        rather than deleted: that cache's sync may still be about to link it.
        """
        with self._store_lock:
            self._closed = True
        with _PENDING_LOCK:
            for sha in self._registered:
                waiting = _PENDING.get(sha)
                if waiting is not None:
                    waiting.discard(self)
                    if not waiting:
                        del _PENDING[sha]
            mine: list[str] = []
            for sha in self._owned:
                others = _PENDING.get(sha)
                if others:
                    next(iter(others))._owned.add(sha)
                else:
                    mine.append(sha)
            self._owned.clear()
            self._registered.clear()
        if mine and self._archive is not None:
            with contextlib.suppress(ArchiveError), self._archive.writing() as connection:
                archive_images.drop_orphans(connection, mine)


def _charge(budgets: Sequence[ImageBudget], size: int, pixels: int) -> None:
    """Take one image of ``size`` bytes (``pixels`` decoded) from every budget, or raise
    ``_Refused`` for the first it does not fit (charging none)."""
    for budget in budgets:
        if size > budget.size_left:
            budget.full = True
            raise _Refused(budget.too_big(), final=True)
    for budget in budgets:
        budget.count_left -= 1
        budget.size_left -= size
        if budget.pixels_left is not None:
            budget.pixels_left -= pixels


@dataclass(slots=True)
class LocalisedImages:
    """One article's images: each URL's ``archive-image:`` URI (or None), the images kept,
    and the notes to add when budgets left some out."""

    mapping: dict[str, str | None] = field(default_factory=dict)
    kept: dict[str, KeptImage] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def sizes(self) -> ImageSizes:
        return {image.uri: (image.width, image.height) for image in self.kept.values()
                if image.width is not None and image.height is not None}


def download_images(urls: Sequence[str], fetcher: Fetcher, cache: ImageCache,
                    source: ImageBudget | None = None) -> LocalisedImages:
    """Each URL's ``archive-image:`` URI (None when it cannot be had, or is past a budget),
    the images kept, and a note for each budget that left images out.

    Images are tried in order, within this article's budget and ``source``'s; once one would
    pass a budget of bytes or count, no further image is even requested. One too costly to
    scale down is left out and the rest still tried.
    """
    budgets = (ImageBudget.for_article(), *((source,) if source is not None else ()))
    result = LocalisedImages()
    left_out: dict[str, int] = {}
    stopped: str | None = None
    for url in urls:
        if stopped is None:
            stopped = next((reason for reason in (budget.used_up() for budget in budgets)
                            if reason is not None), None)
        if stopped is not None:
            result.mapping[url] = None
            left_out[stopped] = left_out.get(stopped, 0) + 1
            continue
        try:
            image = cache.get(url, fetcher, budgets)
        except _Refused as refused:
            result.mapping[url] = None
            left_out[refused.reason] = left_out.get(refused.reason, 0) + 1
            if refused.final:
                stopped = refused.reason
            continue
        result.mapping[url] = None if image is None else image.uri
        if image is not None:
            result.kept[image.sha256] = image
    result.notes = [f"{count} {'image was' if count == 1 else 'images were'} not kept: {reason}"
                    for reason, count in left_out.items()]
    return result


def localise_images(body: str, base_url: str | None, fetcher: Fetcher,
                    cache: ImageCache) -> tuple[str, dict[str, StoredImage]]:
    """Download every image the body shows and point it into the archive.

    An image that cannot be had (or one past a budget) becomes a placeholder, and the body
    says when budgets left some out: the stored body never refers to the network. Returns the
    rewritten body and the images ``cache`` holds in memory for the caller to store (none
    when the cache stores them in the archive itself).
    """
    found = find_images(body, base_url)
    localised = download_images(found.sources, fetcher, cache)
    rewritten = with_notes(found.rewrite(localised.mapping, localised.sizes), localised.notes)
    return rewritten, {sha: cache.held[sha] for sha in localised.kept if sha in cache.held}


def finished_body(cleaned: CleanBody, localised: LocalisedImages) -> CleanBody:
    """A cleaned body with its images' sizes clamped and the budgets' notes added."""
    body_html, text = cleaned
    body_html = clamp_image_sizes(body_html, localised.sizes)
    if localised.notes:
        body_html = with_notes(body_html, localised.notes)
        notes_text = html_to_text(with_notes("", localised.notes))
        text = f"{text}\n\n{notes_text}" if text else notes_text
    return body_html, text
