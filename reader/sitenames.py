"""The name a web site goes by, to recognise it where a page repeats it: after the headline in
the title ("… - SpaceNews.com", "… | The Guardian"), as a byline ("Cleveland.com") or as a tag.

A site is known by what its page says (og:site_name, application-name, the JSON-LD publisher)
and by its host name. Names are compared by their *key*: letters and digits only, case
folded, so "SpaceNews.com", "spacenews.com" and "Space News" all meet "spacenews.com"; a
host counts by its main label too ("www.spacenews.com" is "spacenews", "bbc.co.uk" "bbc").
Only a whole separated segment is ever taken for the site name, so a headline that merely
mentions the site ("Why Ars Technica changed its mind") keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

# Separators a <title> puts between headline and site: spaced dash, en/em dash, bar, bullet,
# middle dot, guillemet, double colon.
_TRAILING_SEPARATOR = re.compile(r"\s+(?:[-–—|·•»~]|::)\s+")
# Before a headline the site is followed by one of those, or by a colon ("SpaceNews.com: …").
_LEADING_SEPARATOR = re.compile(r"\s+(?:[-–—|·•»~]|::)\s+|:\s+")
# What a domain-like name ends with: ".com", ".co.uk", ".org.au", ".de".
_TLD = re.compile(r"\.(?:(?:com?|org|net|gov|ac|edu)\.)?[a-z]{2,6}$", re.IGNORECASE)
# Second-level labels under a country code ("bbc.co.uk", "abc.net.au").
_GENERIC_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne"})
# Host labels that are no one's name.
_HOST_PREFIXES = frozenset({"www", "www2", "m", "mobile", "amp", "en", "blog", "blogs", "news"})
# Words a site's name is often written with or without ("The Guardian", "Slate Magazine").
_OPTIONAL_WORDS = ("the",)
_OPTIONAL_SUFFIXES = ("magazine", "online", "blog", "news", "com")
# A segment this long is a sentence, not a site name.
_MAX_NAME_WORDS = 8
# A host label this short ("ft", "ap") matches only exactly.
_MIN_PREFIX = 5


def key(text: str) -> str:
    """Letters and digits only, case folded: how names are compared here."""
    return "".join(char for char in text.casefold() if char.isalnum())


@dataclass(frozen=True, slots=True)
class Site:
    """What one site is called: the keys of its stated names, its host's main label, and the
    initials of its stated names."""

    keys: frozenset[str]
    host_label: str | None = None
    initials: frozenset[str] = frozenset()

    @classmethod
    def of(cls, names: Iterable[str | None], url: str | None = None) -> Site:
        """A site from the names its page states and the URL it came from."""
        keys: set[str] = set()
        initials: set[str] = set()
        for name in names:
            if name and name.strip() and len(name.split()) <= _MAX_NAME_WORDS:
                keys.update(_variants(name))
                initials.update(_initials(name))
        label = _host_label(url)
        if label:
            keys.update((label, key(_host(url) or "")))
        keys.discard("")
        return cls(frozenset(keys), label, frozenset(initials))

    def named_by(self, text: str) -> bool:
        """Whether ``text`` as a whole is this site's name (any of its spellings)."""
        if not text or len(text.split()) > _MAX_NAME_WORDS:
            return False
        variants = _variants(text)
        if variants & self.keys:
            return True
        label = self.host_label
        if label and len(label) >= _MIN_PREFIX:
            # "The Paradigm" on theparadigmng.com.
            return any(len(variant) >= _MIN_PREFIX and label.startswith(variant)
                       for variant in variants)
        return False

    def initials_of(self, text: str) -> bool:
        """Whether ``text`` is the site's initials ("TC" for TechCrunch, "NYP" for New York
        Post): a category a CMS files the site's own posts under."""
        return key(text) in self.initials


def _initials(name: str) -> set[str]:
    """"tc" for "TechCrunch", "nyp" for "New York Post"; nothing for one plain word."""
    words = [word for word in re.split(r"[\s.]+", _TLD.sub("", name.strip())) if word]
    if len(words) >= 2:
        found = key("".join(word[0] for word in words if word[0].isalnum()))
    else:
        found = key("".join(char for char in words[0] if char.isupper())) if words else ""
    return {found} if len(found) >= 2 else set()


def strip_site_name(title: str, site: Site) -> str:
    """``title`` without the site's name after (or before) the headline, when a separator
    parts them and the site is named by a whole segment ("… - Remember 80/90 - Memorabilia"
    loses all from the site's name on); unchanged otherwise, and never emptied."""
    segments = _segments(title, _TRAILING_SEPARATOR)
    for cut, start, end in segments[1:]:
        if site.named_by(title[start:end]):
            head = title[:cut].strip()
            if _has_words(head) and not site.named_by(head):
                return head
            break
    segments = _segments(title, _LEADING_SEPARATOR)
    if len(segments) > 1 and site.named_by(title[:segments[0][2]]):
        rest = title[segments[1][1]:].strip()
        if _has_words(rest) and not site.named_by(rest):
            return rest
    return title


def _segments(title: str, separator: re.Pattern[str]) -> list[tuple[int, int, int]]:
    """(where the separator before it starts, start, end) of each piece of ``title``."""
    spans: list[tuple[int, int, int]] = []
    cut = position = 0
    for match in separator.finditer(title):
        spans.append((cut, position, match.start()))
        cut, position = match.start(), match.end()
    spans.append((cut, position, len(title)))
    return spans


def _has_words(text: str) -> bool:
    return any(char.isalnum() for char in text)


def _variants(name: str) -> set[str]:
    """The keys one name is known by: as written, without a top-level domain, without a
    leading "The" or a trailing "Magazine"/"Online"/"Blog"/"News"."""
    stripped = name.strip()
    forms = {stripped, _TLD.sub("", stripped) if "." in stripped else stripped}
    keys = {key(form) for form in forms}
    for form in list(keys):
        for word in _OPTIONAL_WORDS:
            if form.startswith(word) and len(form) > len(word) + 2:
                keys.add(form[len(word):])
        for suffix in _OPTIONAL_SUFFIXES:
            if form.endswith(suffix) and len(form) > len(suffix) + 2:
                keys.add(form[: -len(suffix)])
    keys.discard("")
    return keys


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def _host_label(url: str | None) -> str | None:
    """The label a host is named by: "spacenews" for www.spacenews.com, "bbc" for
    bbc.co.uk; None for an address or a one-label host."""
    host = _host(url)
    if not host or host.replace(".", "").isdigit() or ":" in host:
        return None
    labels = host.split(".")
    if len(labels) < 2:
        return None
    labels = labels[:-1]
    if len(labels) >= 2 and labels[-1] in _GENERIC_SECOND_LEVEL:
        labels = labels[:-1]
    while len(labels) > 1 and labels[0] in _HOST_PREFIXES:
        labels = labels[1:]
    return key(labels[-1]) or None
