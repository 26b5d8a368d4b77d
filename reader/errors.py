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
    """The archive cannot be opened or created (missing folder, disk full, permissions)."""


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
