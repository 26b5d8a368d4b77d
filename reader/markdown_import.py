"""Markdown files into article drafts: YAML front matter for what is known, Markdown for the body.

Three shapes come in, and one reader takes them all, because they differ only in key names:
Broadsheet's own ``--format md`` export (title, subtitle, author, source, source_url,
published, url, tags, bookmarked, read, broadsheet_id), Obsidian Web Clipper's notes (source
is the page's URL, author a list of ``"[[Name]]"`` links, description, created) and
Omnivore's export (url/omnivore_url, date_published, date_saved, labels). A plain .md file
with no front matter takes its title from its first ``# heading``, else from its name.

Front matter is parsed with ``yaml.safe_load`` (no Python objects, no code) and is capped
in size before that, so an alias bomb or a deeply nested document costs little; the body is
decoded like a text page (any encoding; binary refused) and rendered with the ``markdown``
package, then sanitized by the archive like every body. Nothing is fetched: remote images
become placeholders, images beside the file are stored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from reader.errors import DocumentError, DocumentTooLarge
from reader.records import ArticleDraft
from reader.restoring import ArticleState, RestoredArticle, SourceRef
from reader.textpage import MAX_TEXT_PAGE_BYTES, MAX_TEXT_PAGE_CHARS, decode_text

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
#: Front matter is a few hundred bytes; anything past this is not front matter a tool wrote.
MAX_FRONT_MATTER_CHARS = 64 * 1024
#: Tags taken from one file (a list of thousands is not a person's tagging).
MAX_TAGS = 100

_FENCE = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_EMPTY_FENCE = re.compile(r"\A---[ \t]*\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)")
_HEADING = re.compile(r"^#[ \t]+(?P<title>\S.*?)[ \t]*#*[ \t]*$", re.MULTILINE)
_WIKI_LINK = re.compile(r"\[\[(?:[^|\]]*\|)?(?P<name>[^\]]*)\]\]")
_WEB_URL = re.compile(r"https?://\S+\Z", re.IGNORECASE)


class MalformedFrontMatter(DocumentError):
    """A Markdown file whose front matter is not YAML, or not a mapping of keys to values."""


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(front matter, body); an empty mapping when the file has none.

    Raises MalformedFrontMatter for YAML that does not parse or is not a mapping.
    """
    empty = _EMPTY_FENCE.match(text)
    if empty is not None:
        return {}, text[empty.end():]
    match = _FENCE.match(text)
    if match is None:  # no closing line: a leading --- is Markdown's horizontal rule
        return {}, text
    raw = match.group("yaml")
    if len(raw) > MAX_FRONT_MATTER_CHARS:
        raise MalformedFrontMatter(
            f"the front matter is {len(raw):,} characters; at most "
            f"{MAX_FRONT_MATTER_CHARS:,} are read")
    import yaml  # only when importing Markdown

    try:
        loaded = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(error, "problem", None) or "cannot be read"
        raise MalformedFrontMatter(f"the front matter is not valid YAML{where}: "
                                   f"{' '.join(str(problem).split())}") from None
    except RecursionError:
        raise MalformedFrontMatter("the front matter is nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as error:  # a date like 2024-13-01
        raise MalformedFrontMatter(f"the front matter holds a value YAML cannot read: "
                                   f"{' '.join(str(error).split())}") from None
    if loaded is None:
        return {}, text[match.end():]
    if not isinstance(loaded, dict):
        raise MalformedFrontMatter(
            f"the front matter is a YAML {_yaml_kind(loaded)}, not a mapping of keys to "
            f"values")
    return {str(key).strip().lower(): value for key, value in loaded.items()}, \
        text[match.end():]


def _yaml_kind(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def _scalar_text(value: object) -> str | None:
    """A value as one line of text: strings, numbers and dates only (a list or a mapping
    where a title belongs says nothing usable)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float | date):
        text = " ".join(_WIKI_LINK.sub(r"\g<name>", str(value)).split())
        return text or None
    return None


def _first_text(matter: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        text = _scalar_text(matter.get(key))
        if text:
            return text
    return None


def _names(value: object) -> list[str]:
    """Authors or tags: a list (of strings, or of ``{name: …}`` mappings, as some exports
    write labels), or one string separated by commas."""
    items: Sequence[object]
    if isinstance(value, list):
        items = value[:MAX_TAGS]
    elif isinstance(value, str):
        items = value.split(",")[:MAX_TAGS]
    else:
        items = [value]
    names = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name")
        text = _scalar_text(item)
        if text:
            names.append(text.lstrip("#").strip())
    return [name for name in dict.fromkeys(names) if name]


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "false", "no"):
        return value.strip().lower() in ("true", "yes")
    return None


def parse_moment(value: object) -> datetime | None:
    """An aware datetime from a YAML date, datetime or ISO 8601 / RFC 2822 string; None when
    there is none (a date is never invented). A moment without an offset is taken as UTC."""
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(), UTC)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                moment = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _url(matter: dict[str, Any]) -> str | None:
    """The article's own address: ``url``, else Obsidian's ``source`` when it is one, else
    Omnivore's link to its copy."""
    for key in ("url", "source", "link", "omnivore_url"):
        text = _scalar_text(matter.get(key))
        if text and _WEB_URL.match(text):
            return text
    return None


def _source(matter: dict[str, Any]) -> SourceRef | None:
    """Broadsheet's export names the source (title and URL); other tools' notes have none."""
    if "broadsheet_id" not in matter and "source_url" not in matter:
        return None
    title = _scalar_text(matter.get("source"))
    url = _scalar_text(matter.get("source_url"))
    if title is None and url is None:
        return None
    return SourceRef(url, title or url or "")


def _title_from_body(body: str) -> tuple[str | None, str]:
    """The first ``# heading`` as the title, taken out of the body (the article shows its
    title above the body already)."""
    match = _HEADING.search(body[:10_000])
    if match is None or body[:match.start()].strip():
        return None, body
    return match.group("title"), body[:match.start()] + body[match.end():]


def render_markdown(body: str) -> str:
    """Markdown to HTML (untrusted: the archive sanitizes it)."""
    import markdown  # only when importing Markdown

    return str(markdown.markdown(body, extensions=["extra", "sane_lists"],
                                 output_format="html"))


def read_markdown(data: bytes, path: Path) -> tuple[RestoredArticle, str | None]:
    """One .md file as a draft with its state, and a note when its body was cut; raises a
    DocumentError saying what is wrong."""
    if len(data) > MAX_TEXT_PAGE_BYTES:
        raise DocumentTooLarge(
            f"file is {len(data) / 1_000_000:.1f} MB; the limit for a Markdown file is "
            f"{MAX_TEXT_PAGE_BYTES / 1_000_000:.1f} MB")
    text = decode_text(data)
    matter, body = split_front_matter(text)
    note = None
    if len(body) > MAX_TEXT_PAGE_CHARS:
        body = body[:MAX_TEXT_PAGE_CHARS]
        note = f"cut to its first {MAX_TEXT_PAGE_CHARS:,} characters"
    title = _first_text(matter, "title")
    heading, rest = _title_from_body(body)
    if title is None or (heading is not None and heading.casefold() == title.casefold()):
        title, body = title or heading, rest
    title = title or _scalar_text(path.stem) or path.name
    authors = _names(matter.get("author") or matter.get("authors"))
    tags = _names(matter.get("tags")) + _names(matter.get("labels"))
    draft = ArticleDraft(
        title=title,
        body_html=render_markdown(body),
        subtitle=_first_text(matter, "subtitle", "description"),
        author=", ".join(authors) or None,
        published=next((moment for key in ("published", "date_published", "date")
                        if (moment := parse_moment(matter.get(key))) is not None), None),
        url=_url(matter),
    )
    state = ArticleState(read=_flag(matter.get("read")),
                         bookmarked=_flag(matter.get("bookmarked")),
                         tags=tuple(dict.fromkeys(tags))[:MAX_TAGS])
    return RestoredArticle(draft, state, _source(matter)), note
