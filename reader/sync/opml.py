"""OPML subscription lists: reading them (folders become source tags) and writing them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree import ElementTree

from reader.errors import MalformedFeed, NotAFeed
from reader.references import decode_references
from reader.sync.xmlguard import check_prolog


@dataclass(frozen=True, slots=True)
class OutlineFeed:
    url: str
    title: str | None
    site_url: str | None
    tags: tuple[str, ...]


def is_opml(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return b"<opml" in head


def read_opml(data: bytes) -> list[OutlineFeed]:
    """Every outline with an ``xmlUrl``, with its folder path (and ``category``) as tags, and
    its title with the references of an extra escaping decoded.

    Raises HostileDocument for entity tricks (checked before parsing), MalformedFeed for
    broken XML, NotAFeed for XML that is not OPML.
    """
    check_prolog(data)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise MalformedFeed(f"broken OPML: {error}") from None
    if root.tag.lower() != "opml":
        raise NotAFeed(f"not an OPML subscription list (root element <{root.tag}>)")
    body = root.find("body")
    feeds: list[OutlineFeed] = []
    seen: set[str] = set()

    def walk(element: ElementTree.Element, folders: tuple[str, ...]) -> None:
        for outline in element.findall("outline"):
            url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
            title = decode_references(
                (outline.get("title") or outline.get("text") or "").strip()) or None
            if url:
                categories = tuple(
                    part.strip() for value in (outline.get("category") or "").split(",")
                    for part in value.strip().strip("/").split("/")[-1:] if part.strip())
                if url not in seen:
                    seen.add(url)
                    tags = tuple(dict.fromkeys((*folders, *categories)))
                    feeds.append(OutlineFeed(url, title, outline.get("htmlUrl"), tags))
            else:
                walk(outline, (*folders, title) if title else folders)

    if body is not None:
        walk(body, ())
    return feeds


def write_opml(feeds: Sequence[OutlineFeed], title: str = "Broadsheet subscriptions") -> bytes:
    """OPML 2.0; a feed goes in the folder of its first tag, all tags go in ``category``.
    Titles are text, escaped exactly once (see ``reader.references``)."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    body = ElementTree.SubElement(root, "body")
    folders: dict[str, ElementTree.Element] = {}
    for feed in feeds:
        parent = body
        if feed.tags:
            folder = feed.tags[0]
            if folder not in folders:
                folders[folder] = ElementTree.SubElement(body, "outline", text=folder,
                                                         title=folder)
            parent = folders[folder]
        # Written as the text it is; ElementTree escapes it, once. A title stored before
        # references were decoded ("Blog &#8211; InfluxData") would otherwise go out as
        # "&amp;#8211;".
        name = decode_references(feed.title or "") or feed.url
        attributes = {"type": "rss", "text": name, "title": name, "xmlUrl": feed.url}
        if feed.site_url:
            attributes["htmlUrl"] = feed.site_url
        if feed.tags:
            attributes["category"] = ",".join(f"/{tag}" for tag in feed.tags)
        ElementTree.SubElement(parent, "outline", attributes)
    ElementTree.indent(root)
    document: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
