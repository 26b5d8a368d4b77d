"""Writing the subscription list to an OPML file, for the window's File ▸ Export OPML….

The file is written beside its target as ``NAME.partial`` and renamed over it only when
complete, so a full disk or a crash never leaves half a list where a good one was.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from reader.archive import Archive, sources
from reader.errors import UnreadableDocument
from reader.sync.opml import OutlineFeed, write_opml


def export_opml(archive: Archive) -> bytes:
    """Every feed subscription as OPML 2.0, source tags as folders. Here, not beside the
    subscribing code, so the window's File menu does not import the sync machinery (an HTML
    extractor and an HTTP client: 0.4 s and 40 MB) before its first paint."""
    with archive.reading() as connection:
        feeds = sources.feed_subscriptions(connection)
    return write_opml([OutlineFeed(feed.url, feed.title, feed.site_url, feed.tags)
                       for feed in feeds])


def write_opml_file(archive: Archive, path: Path) -> int:
    """Every feed subscription, folders as nested outlines, to ``path``; how many feeds."""
    data = export_opml(archive)
    with archive.reading() as connection:
        count = len(sources.feed_subscriptions(connection))
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise UnreadableDocument(f"cannot write {path}: {error.strerror}") from None
    return count
