"""Counting an export as it goes, writing each image once, and stopping when cancelled."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from reader.export.articles import Image
from reader.export.errors import ExportCancelled


class Tally:
    """Articles and images written so far; ``report(done)`` is called after each article,
    and ``cancelled()`` checked before it (an export stopped midway leaves nothing)."""

    def __init__(self, report: Callable[[int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> None:
        self.articles = 0
        self.images: set[str] = set()
        self._report = report
        self._cancelled = cancelled

    def check(self) -> None:
        if self._cancelled is not None and self._cancelled():
            raise ExportCancelled("export cancelled")

    def article_done(self) -> None:
        self.articles += 1
        if self._report is not None:
            self._report(self.articles)
        self.check()

    def images_into(self, folder: Path, images: Iterable[Image]) -> None:
        """Write the images not yet written into ``folder/images/``."""
        for image in images:
            if image.sha256 in self.images:
                continue
            target = folder / image.file
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(image.data)
            self.images.add(image.sha256)
