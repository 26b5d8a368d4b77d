"""The exceptions the core raises: one tree, so callers catch ReaderError and show one line."""

from __future__ import annotations


class ReaderError(Exception):
    """Anything the core refuses for a reason a person can act on.

    ``str(error)`` is one line meant for people; the CLI prints it and exits non-zero, the UI
    shows it and stays usable. Bugs are not ReaderErrors and should crash loudly.
    """


# --- the archive file -------------------------------------------------------------------------


class ArchiveError(ReaderError):
    """The archive file cannot be used as asked (environment problems, not bugs)."""


class NotAnArchive(ArchiveError):
    """The file exists but is not a Broadsheet archive; it is left untouched."""


class ArchiveTooNew(ArchiveError):
    """The archive was written by a newer Broadsheet whose schema this version does not know."""


class ArchiveCorrupt(ArchiveError):
    """SQLite reports the file as damaged."""


class ArchiveReadOnly(ArchiveError):
    """A write was asked of an archive this process may only read."""


class ArchiveBusy(ArchiveError):
    """Another process held the write lock for longer than the busy timeout."""


class ArchiveUnavailable(ArchiveError):
    """The archive cannot be opened, created or reached (permissions, I/O errors, disk full)."""


class ArchiveFull(ArchiveUnavailable):
    """The disk (or the file system's quota) holding the archive has no room for a write.

    Its own class because the remedy differs: the archive is fine, and the write can simply
    be tried again once there is space.
    """


# --- things asked for by id or name -----------------------------------------------------------


class NotFound(ReaderError):
    """An id or name that the archive does not hold."""


class ArticleNotFound(NotFound):
    def __init__(self, article_id: int) -> None:
        super().__init__(f"no article with id {article_id}")
        self.article_id = article_id


class TagNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"no tag named {name!r}")
        self.name = name


class SavedSearchNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"no saved search named {name!r}")
        self.name = name


class SourceNotFound(NotFound):
    def __init__(self, source_id: int) -> None:
        super().__init__(f"no source with id {source_id}")
        self.source_id = source_id


class SourceExists(ReaderError):
    """Another source already has this address."""

    def __init__(self, url: str, source_id: int) -> None:
        super().__init__(f"source #{source_id} already has the address {url}")
        self.url = url
        self.source_id = source_id


class NotASubscription(ReaderError):
    """The source holds imported files or saved pages: there is no feed to leave or set."""


class SavedSearchExists(ReaderError):
    def __init__(self, name: str) -> None:
        super().__init__(f"a saved search named {name!r} exists already")
        self.name = name


# --- the search language ----------------------------------------------------------------------


class QuerySyntaxError(ReaderError):
    """A search the language cannot read; ``position`` is the 0-based character offset."""

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(f"{reason} (at character {position + 1})")
        self.reason = reason
        self.position = position


# --- importing documents ----------------------------------------------------------------------


class DocumentError(ReaderError):
    """A file or downloaded document that cannot become an article."""


class EmptyDocument(DocumentError):
    """The document has no text at all."""


class BinaryDocument(DocumentError):
    """The bytes are not text in any encoding we read (an image, an archive, a database...)."""


class DocumentTooLarge(DocumentError):
    """The document is bigger than the importer's cap; it is refused before being read."""


class UnreadableDocument(DocumentError):
    """The path cannot be read: missing, a permission problem, a device."""


class UnsupportedDocument(DocumentError):
    """A file of a kind no importer handles."""


class NotATextPage(DocumentError):
    """Text that has no article in it (no title, or no paragraph after the furniture is gone)."""


class ResourceLimitExceeded(DocumentError):
    """Parsing or cleaning one source's documents passed a ceiling of its worker process (CPU
    time, memory, time in all); the worker was stopped and that work skipped."""


# --- feeds and web pages ----------------------------------------------------------------------


class FeedError(DocumentError):
    """A document fetched or opened as a feed that cannot be read as one."""


class MalformedFeed(FeedError):
    """XML or JSON so broken that no entries can be recovered (truncated, not a feed format)."""


class HostileDocument(FeedError):
    """XML that tries entity tricks (billion laughs, external entities, quadratic blowup).

    Refused from its prolog, before any parser sees it, so nothing is expanded or fetched.
    """


class NotAFeed(FeedError):
    """An HTML page (or other document) where a feed was expected.

    ``alternates`` lists the feed URLs the page advertises with ``<link rel="alternate">``,
    best first; empty when it advertises none.
    """

    def __init__(self, message: str, alternates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.alternates = alternates

    def __reduce__(self) -> tuple[type[NotAFeed], tuple[str, tuple[str, ...]]]:
        # Pickled across sync's worker processes: keep the alternates, not only the message.
        return type(self), (str(self), self.alternates)


# --- the network ------------------------------------------------------------------------------


class FetchError(ReaderError):
    """A download that failed; the message names the URL's problem in one line."""


class FetchTimeout(FetchError):
    """The server did not answer, or answered too slowly, within the time limits."""


class ConnectionFailed(FetchError):
    """No connection could be made (refused, DNS failure, TLS failure, reset)."""


class HttpStatusError(FetchError):
    """The server answered with an error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class SourceGone(HttpStatusError):
    """HTTP 410: the publisher says the feed is gone for good."""


class RetryLater(HttpStatusError):
    """HTTP 429 or 503 with Retry-After: the server asked us to come back later."""

    def __init__(self, message: str, status: int, retry_after: float) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


class ResponseTooLarge(FetchError):
    """The body exceeded the size cap; the rest was not downloaded."""


class TooManyRedirects(FetchError):
    """More redirects than the limit, or a redirect loop."""


class UnsafeURL(FetchError):
    """A URL with a scheme we never fetch (file:, javascript:, data: ...)."""


# --- budgets ----------------------------------------------------------------------------------


class OverBudget(DocumentError):
    """Keeping this would pass a documented budget (a source's image bytes or pixels in one
    sync, an article's images): what was within the budget is kept, the rest is left out and
    the article says so."""
