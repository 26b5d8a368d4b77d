"""The fast first tier of feed parsing: feedparser-rs, for the plain RSS 2.0 and Atom 1.0 most
feeds are, handing back the feedparser-shaped dict ``feeds`` reads.

feedparser costs 550–600 µs per item of 5 KB (a third of a sync's CPU time, measured on the
benchmark's feeds); feedparser-rs 11–20 µs (shared/DEPENDENCIES.md). It is young and differs
from feedparser at the edges, so it only answers when it has nothing to say about the
document: ``parse`` returns None — and feedparser reads the document instead — when
feedparser-rs raises, flags the document as malformed (``bozo``), recognises no RSS 2.0 or
Atom 1.0 in it, or the document uses ``xml:base`` (feedparser-rs does not report it, and it
changes what relative links in bodies mean). The shared corpus's conformance tests hold both
tiers to the same expected facts.
"""

from __future__ import annotations

import re
from typing import Any
from xml.parsers import expat

import feedparser_rs
from feedparser.mixin import _FeedParserMixin  # its looks_like_html has no public name

from reader.enclosures import is_media_file
from reader.sync.xmlguard import MAX_FEED_BYTES

# The text was decoded already; feedparser-rs gets it as UTF-8, so the declaration must say so.
_DECLARED_ENCODING = re.compile(r"""\A(<\?xml[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")

# feedparser-rs calls a feed RSS 2.0 or Atom 1.0 more readily than feedparser (an <rss> with
# no version is "rss" there): answer only for documents that say so near their start.
_HEAD = 4096
_RSS20 = re.compile(r"""<rss\b[^>]*\bversion\s*=\s*["']2\.0["']""")
_ATOM10 = re.compile(r"""<feed\b[^>]*\bxmlns\s*=\s*["']http://www\.w3\.org/2005/Atom["']""")

# UTF-8 read as Latin-1 and written as character references (&#226;&#128;&#166;): feedparser
# repairs these, so such documents are left to it.
_C1_REFERENCE = re.compile(r"&#(?:1[2-5][0-9]|x[89][0-9a-fA-F]);")
# Likewise UTF-8 read as Latin-1 in the text itself ("Ã©" for "é"), which feedparser repairs
# in titles and names. Legitimate text rarely matches, and then only costs the slower tier.
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")

# feedparser takes the version from a DOCTYPE naming Netscape's RSS 0.91 DTD, whatever the
# <rss> says; such documents are left to it. (Entities an internal subset declares are not
# expanded by feedparser-rs, which then flags the document, so feedparser reads those too.)
_NETSCAPE_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*netscape", re.IGNORECASE)

#: The only formats the fast tier answers for; older and rarer ones go to feedparser.
FAST_VERSIONS = frozenset({"rss20", "atom10"})

# Limits far above anything feedparser would keep, so the fast tier never truncates silently.
_LIMITS = feedparser_rs.ParserLimits(
    max_feed_size_bytes=MAX_FEED_BYTES * 4 + 1024, max_entries=1_000_000,
    max_links_per_feed=100_000, max_links_per_entry=100_000, max_authors=100_000,
    max_contributors=100_000, max_tags=100_000, max_content_blocks=100_000,
    max_enclosures=100_000)


def parse(text: str) -> dict[str, Any] | None:
    """A feedparser-shaped result for ``text`` (a decoded, guarded document), or None."""
    if (not text.startswith("<") or "xml:base" in text or _C1_REFERENCE.search(text)
            or _MOJIBAKE.search(text)):
        return None  # (a string that looks like a URL would be fetched by feedparser-rs)
    head = text[:_HEAD]
    utf8 = _DECLARED_ENCODING.sub(r"\1\2utf-8\2", text, count=1).encode("utf-8")
    if (not (_RSS20.search(head) or _ATOM10.search(head)) or _NETSCAPE_DOCTYPE.search(head)
            or not _namespace_well_formed(utf8)):
        return None
    try:
        result = feedparser_rs.parse_with_limits(
            utf8, limits=_LIMITS, sanitize_html=False,
            resolve_relative_uris=False)
        if result.bozo or result.version not in FAST_VERSIONS:
            return None
        entries = [_entry(entry) for entry in result.entries]
        if any(_doubtful(entry) for entry in entries):
            return None
        feed = _feed(result.feed)
        if result.version == "rss20":
            for container in (feed, *entries):
                _plain_rss_title(container)
        return {
            "version": result.version,
            "bozo": False,
            "feed": feed,
            "entries": entries,
        }
    except Exception:  # any surprise in the fast tier is feedparser's to read
        return None


def _doubtful(entry: dict[str, Any]) -> bool:
    """Whether feedparser-rs may have changed what the entry says.

    It empties links to loopback and private addresses (intranet feeds), and leaves character
    references in attribute values undecoded (``href="?a=1&amp;b=2"``, Atom's ``term``).
    """
    hrefs = [entry["link"], *(link["href"] for link in entry["links"]),
             *(media["url"] for media in entry["media_content"]  # pictures are not kept
               if is_media_file(media["url"] or "", media["type"], media["medium"]))]
    terms = [tag["term"] for tag in entry["tags"]]
    return any(href == "" or "&" in (href or "") for href in hrefs) or any(
        "&" in (term or "") for term in terms)


def _namespace_well_formed(data: bytes) -> bool:
    """Whether expat, with namespaces, reads the document without error — feedparser's test for
    a clean document (feedparser-rs lets an undeclared prefix pass). About 10 µs per item."""
    parser = expat.ParserCreate(namespace_separator=" ")
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        return False
    return True


def _feed(feed: Any) -> dict[str, Any]:
    return {
        "link": feed.link,
        "title": feed.title,
        "title_detail": _detail(feed.title_detail),
        "language": feed.language,
        "authors": _people(feed.authors),
        "author": feed.author,
    }


def _entry(entry: Any) -> dict[str, Any]:
    links = [{"rel": link.rel, "href": link.href, "type": link.type, "length": link.length}
             for link in entry.links]
    linked = {link["href"] for link in links if link["rel"] == "enclosure"}
    links.extend({"rel": "enclosure", "href": enclosure.href, "type": enclosure.type,
                  "length": enclosure.length}
                 for enclosure in entry.enclosures if enclosure.href not in linked)
    return {
        "title": entry.title,
        "title_detail": _detail(entry.title_detail),
        "link": entry.link,
        "id": entry.id,
        "published_parsed": entry.published_parsed,
        "updated_parsed": entry.updated_parsed,
        "content": [{"value": piece.value, "type": piece.type, "base": None}
                    for piece in entry.content],
        "summary_detail": _detail(entry.summary_detail, with_value=True),
        "authors": _people(entry.authors),
        "author": entry.author,
        "tags": [{"term": tag.term} for tag in entry.tags],
        "links": links,
        "media_content": [{"url": media.url, "type": media.type, "filesize": media.filesize,
                           "medium": media.medium} for media in entry.media_content or ()],
    }


def _detail(detail: Any, *, with_value: bool = False) -> dict[str, Any] | None:
    if detail is None:
        return None
    found = {"type": detail.type, "base": None}
    if with_value:
        found["value"] = detail.value
    return found


def _plain_rss_title(container: dict[str, Any]) -> None:
    """feedparser-rs calls every RSS title HTML; feedparser calls it plain text unless it looks
    like HTML (a closing tag or a known entity, known tags only), so a title "<>" stays."""
    detail = container.get("title_detail")
    if (detail is not None and detail["type"] == "text/html"
            and not _FeedParserMixin.looks_like_html(container.get("title") or "")):
        detail["type"] = "text/plain"


def _people(people: Any) -> list[dict[str, Any]]:
    return [{"name": person.name, "email": person.email} for person in people or ()]
