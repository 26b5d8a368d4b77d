"""The exporter's own errors (kept here, beside it, rather than in reader/errors.py, which
another part of issue 16 changes at the same time); the CLI prints them as one line."""

from __future__ import annotations

from reader.errors import ReaderError


class ExportError(ReaderError):
    """An export that cannot be written: where it should go is taken, unwritable or full."""


class ExportCancelled(ReaderError):
    """The person cancelled an export; nothing was left behind."""
