"""Adding sources: subscribing to a feed, and saving one web page as an article.

Both fetch once to check what the URL is. Subscribing stores no entries and no validators,
so the next sync fetches the feed in full. Each is one ``Fetcher.source``: the URL given may
be anywhere, what it names (a linked feed, the page's images) only where the page itself is
or on public addresses; and a big document is parsed in a worker process, under the sync's
ceilings (``cpu.isolated``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from reader.archive import Archive, articles, sources, subscription
from reader.archive import images as archive_images
from reader.archive.tags import clean_tag_names, retag
from reader.errors import FeedError, FetchError, NotAFeed
from reader.sync import cpu
from reader.sync.cpu import CpuPool
from reader.sync.extract import MAX_PAGE_BYTES, extract_article
from reader.sync.feeds import ParsedFeed, parse_feed
from reader.sync.fetch import Fetcher
from reader.sync.opml import OutlineFeed
from reader.sync.pipeline import FEED_ACCEPT, ImageCache, localise_images


@dataclass(frozen=True, slots=True)
class Added:
    """What ``add`` reports: the source, the URL stored, a title, and a remark for people."""

    source_id: int
    url: str
    title: str
    note: str | None = None
    article_id: int | None = None


def _fallback_title(url: str) -> str:
    try:
        return urlsplit(url).netloc or url
    except ValueError:  # "http://[oops/feed" from a subscription list: unclosed IPv6 bracket
        return url


def _fetch_feed(fetcher: Fetcher, url: str, pool: CpuPool) -> tuple[str, ParsedFeed]:
    fetched = fetcher.fetch(url, accept=FEED_ACCEPT)
    feed = pool.run(parse_feed, fetched.content, fetched.url, fetched.content_type)
    return fetched.permanent_url or url, feed


def _from_page(error: FetchError | FeedError, page: str, feed: str) -> Exception:
    """``error`` (of its own type, so callers handle it as before) saying that the failing
    address came from the page the person gave: otherwise "could not connect to HOST" names a
    host they never typed."""
    failed = "fetched" if isinstance(error, FetchError) else "read"
    error.args = (f"{page} is a web page; the feed it links to ({feed}) could not be "
                  f"{failed}: {error}",)
    return error


def subscribe(archive: Archive, url: str, tags: Sequence[str] = (),
              fetcher: Fetcher | None = None) -> Added:
    """Subscribe to the feed at ``url``; a web page that advertises feeds gets its first one.

    Raises NotAFeed (with a suggestion to save the page instead) when the URL is neither a
    feed nor a page that links to one, and the fetch and parse errors of ``parse_feed``; when
    the feed a page links to fails, the error (of the same type) names the page and the feed.
    """
    names = clean_tag_names(tags)
    with archive.reading() as connection:
        existing = sources.find_by_url(connection, url)
    if existing is not None:
        return _existing(archive, existing, names)
    client = fetcher or Fetcher()
    try:
        note = None
        with client.source(), cpu.isolated() as pool:
            try:
                stored_url, feed = _fetch_feed(client, url, pool)
            except NotAFeed as error:
                if not error.alternates:
                    raise NotAFeed(
                        f"{url} is not a feed and links to none; to save the page itself, "
                        f"use `broadsheet add --page {url}`") from None
                alternate = error.alternates[0]
                try:
                    stored_url, feed = _fetch_feed(client, alternate, pool)
                except (FetchError, FeedError) as failed:
                    raise _from_page(failed, url, alternate) from None
                note = f"{url} is a web page; subscribed to the feed it links to: {stored_url}"
    finally:
        if fetcher is None:
            client.close()
    with archive.writing() as connection:
        existing = sources.find_by_url(connection, stored_url)
        if existing is not None:
            sources.set_tags(connection, existing, names)
            subscription.resubscribe(connection, existing)
            source_id = existing
        else:
            source_id = sources.add_source(
                connection, kind=sources.FEED_KIND, url=stored_url,
                title=feed.title or _fallback_title(stored_url), site_url=feed.site_url,
                tags=names)
        title = sources.title_of(connection, source_id)
    return Added(source_id, stored_url, title, note)


def _existing(archive: Archive, source_id: int, names: list[str]) -> Added:
    with archive.writing() as connection:
        sources.set_tags(connection, source_id, names)
        again = subscription.resubscribe(connection, source_id)
        url, title = sources.url_and_title(connection, source_id)
    return Added(source_id, url, title, f"subscribed again (source #{source_id})" if again
                 else f"already subscribed (source #{source_id})")


def save_page(archive: Archive, url: str, tags: Sequence[str] = (),
              fetcher: Fetcher | None = None) -> Added:
    """Save one web page as an article, full text and images, in the "Saved pages" source.

    ``tags`` are the reader's own (``by_user``), attached apart from the page's keywords, so
    saving a page again with another tag adds the tag to the article already saved.
    """
    names = clean_tag_names(tags)
    client = fetcher or Fetcher()
    try:
        with client.source(), cpu.isolated() as pool:
            fetched = client.fetch(url, accept="text/html,application/xhtml+xml",
                                   max_bytes=MAX_PAGE_BYTES)
            draft = pool.run(extract_article, fetched.content, fetched.url,
                             fetched.content_type)
            draft = dataclasses.replace(draft, url=draft.url or fetched.url,
                                        guid=draft.guid or fetched.url)
            body, images = localise_images(draft.body_html, draft.url, client, ImageCache())
    finally:
        if fetcher is None:
            client.close()
    with archive.writing() as connection:
        source_id = sources.pages_source_id(connection)
        archive_images.store(connection, (
            (image.sha256, image.mime_type, image.width, image.height, image.data)
            for image in images.values()))
        outcome = articles.store_draft(connection, source_id, draft, datetime.now(UTC),
                                       body=body, image_hashes=tuple(images))
        if outcome.article_id is not None and names:
            retag(connection, outcome.article_id, names)
    note = ("this page was deleted from the archive earlier; not saved again"
            if outcome.status == "tombstoned" else None)
    return Added(source_id, draft.url or url, draft.title, note, outcome.article_id)


def subscribe_outlines(archive: Archive, outlines: Sequence[OutlineFeed]) -> tuple[int, int]:
    """Subscribe to an OPML list's feeds without fetching them; (added, already there)."""
    added = existing = 0
    with archive.writing() as connection:
        for outline in outlines:
            source_id = sources.find_by_url(connection, outline.url)
            names = clean_tag_names(outline.tags)
            if source_id is None:
                sources.add_source(connection, kind=sources.FEED_KIND, url=outline.url,
                                   title=outline.title or _fallback_title(outline.url),
                                   site_url=outline.site_url, tags=names)
                added += 1
            else:
                sources.set_tags(connection, source_id, names)
                existing += 1
    return added, existing
