"""The categories and keywords a feed entry or a web page gives, turned into tag names.

Publishers fill these fields for their own machinery as much as for readers: one category
string holding a whole comma-joined list ("automators,podcast,calendar events,…"), ad-server
and CMS keys ("AdNode:culture/wide_angle", "Section:culture", "pid:123", "type_news"), ids,
URLs, the placeholder a CMS files an unfiled post under ("Uncategorized", "Allgemein"), and
SEO phrases as long as a headline. Taken as they come they bury the few real topics in the
tag list, so every tag a *source* provides passes through ``source_tags``. Tags a person
types never do: they are the reader's own words (see ``reader.archive.tags.clean_tag_names``).

Every rule below drops a name rather than rewriting it (beyond trimming and a leading '#'),
so what survives is spelled as the publisher spelled it, and a second pass changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from reader.text import valid_text

#: At most this many tags per article: keyword stuffing (fifty SEO phrases) would flood the
#: tag list, and the first few a page names are its main topics.
MAX_TAGS = 20
#: Longer than this, a "keyword" is a headline or a sentence, not a topic one files under.
MAX_CHARS = 40
MAX_WORDS = 5

# Always list separators; the full-width, ideographic and Arabic commas included.
_SEPARATORS = re.compile(r"[,;\uff0c\uff1b\u3001\u060c]|\s*[|\u2022]\s*|\s+\u00b7\s+")
# "#python #rust": hashtags written one after another are a list too.
_HASHTAG_BREAK = re.compile(r"\s+(?=#)")
# Trimmed from both ends: spaces and quotation marks; a leading '#' ("#python") and a trailing
# ':' ("Politics:") go too.
_EDGES = " \t\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e"
# A name starting like this is markup, a template token or a handle: "@post-id", "/article",
# "{{tag}}", "[object Object]", "%%category%%", "<none>".
_MACHINE_STARTS = frozenset("@/\\<>{}[]()$%&*=~^|!?:")
# "Section:culture", "pid:123", "AdNode:culture/wide_angle", "id=5": a key and its value
# with nothing between them. ("Star Trek: Discovery", with a space, is a title.)
_KEY_VALUE = re.compile(r"\S[:=]\S")
# "Section: News:World News": a spaced key whose value is itself keyed.
_SPACED_KEY = re.compile(r"^\S+:\s.*:")
_URL = re.compile(r"://|^www\.|@\S+\.\w", re.IGNORECASE)  # URLs, e-mail addresses
# A lowercase path ("news/world"), not "AC/DC" or "TCP/IP".
_PATH = re.compile(r"^[a-z0-9_.-]+(?:/[a-z0-9_.-]*)+$|//|^\S*/\S*/")
_FILE_NAME = re.compile(r"\.(?:html?|php\d?|aspx?|jsp|cgi|xml|json|rss|jpe?g|png|gif|webp)$",
                        re.IGNORECASE)
# Ids: five or more digits in a row ("post-12345", a timestamp), a run of hex digits
# ("5f3a9c1e", a UUID), or letters and digits shuffled together ("a1b2c3").
_LONG_NUMBER = re.compile(r"\d{5,}")
_HEX_ID = re.compile(r"^(?=\D*\d)[0-9a-f]{8,}$|^[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}$",
                     re.IGNORECASE)
_DIGIT_RUNS = re.compile(r"\d+")
# snake_case words are a program's names ("channel_other", "type_news"); people use spaces.
_SNAKE = re.compile(r"^\S*[^\W_]_[^\W_]\S*$")
# A year is the one number that names a topic ("2018" on a blog's year in review).
_YEAR = re.compile(r"^(?:1[89]|2[01])\d\d$")

#: Names a CMS or ad system gives an article that no one filed it under: the default category
#: of WordPress and others in the languages they ship with, and page-placement flags. Kept to
#: placeholders and flags; a section name ("News", "Opinion") is a real, if broad, topic.
PLACEHOLDERS = frozenset(name.casefold() for name in (
    # no category chosen
    "uncategorized", "uncategorised", "uncategorized posts", "unclassified", "untagged",
    "no category", "none", "null", "undefined", "nan", "default", "general",
    "non classé", "sin categoría", "sin categoria", "senza categoria", "sem categoria",
    "allgemein", "algemeen", "geral", "без рубрики", "без категории", "nezařazené",
    "okategoriserade", "ukategoriseret", "ukategorisert", "bez kategorii", "luokittelematon",
    "未分类", "未分類", "미분류", "غير مصنف",
    # where the article is placed, not what it is about
    "featured", "homepage", "home page", "front page", "frontpage", "top story",
    "top stories", "sticky",
))


def source_tags(raw: Iterable[object], limit: int = MAX_TAGS) -> tuple[str, ...]:
    """Tag names from a feed's categories or a page's keywords, in the order given.

    Each string is split into its list items, trimmed, and dropped if it is not a topic (see
    ``is_topic``); repeats (ignoring letter case) keep the first spelling; at most ``limit``.
    Anything that is not a string is ignored, so parsers can pass what a document holds.
    """
    seen: set[str] = set()
    tags: list[str] = []
    for value in raw:
        if not isinstance(value, str):
            continue
        for name in _pieces(value):
            key = name.casefold()
            if key not in seen and is_topic(name):
                seen.add(key)
                tags.append(name)
                if len(tags) >= limit:
                    return tuple(tags)
    return tuple(tags)


def _pieces(value: str) -> Iterable[str]:
    for piece in _SEPARATORS.split(value):
        for part in _HASHTAG_BREAK.split(_trim(piece)):
            yield _trim(part)


def _trim(piece: str) -> str:
    """One name with spaces collapsed, quotes and a leading '#' gone, composed (NFC), with no
    control characters, and storable (``valid_text``); trimming again changes nothing."""
    text = "".join(char for char in valid_text(piece) if unicodedata.category(char) != "Cc")
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    while True:
        trimmed = text.strip(_EDGES).lstrip("#").rstrip(":")
        if trimmed == text:
            return text
        text = trimmed


def is_topic(name: str) -> bool:
    """Whether a trimmed name reads as a topic a person would file under, not a machine key,
    an id, a URL, a CMS placeholder, or a phrase too long for a tag list."""
    if not name or len(name) > MAX_CHARS or len(name.split()) > MAX_WORDS:
        return False
    if name[0] in _MACHINE_STARTS:
        return False
    if not any(char.isalpha() for char in name):
        return bool(_YEAR.match(name))
    if " ".join(name.replace("-", " ").replace("_", " ").split()).casefold() in PLACEHOLDERS:
        return False
    return not (_KEY_VALUE.search(name) or _SPACED_KEY.search(name) or _URL.search(name)
                or _PATH.search(name) or _FILE_NAME.search(name) or _is_id(name)
                or _SNAKE.match(name))


def _is_id(name: str) -> bool:
    if _LONG_NUMBER.search(name) or _HEX_ID.match(name):
        return True
    return " " not in name and len(_DIGIT_RUNS.findall(name)) >= 3
