"""Deterministic synthetic articles and feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1) for the bench."""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cached_property
from html import escape

from reader.records import ArticleDraft

SEED = 20_240_611
VOCABULARY_SIZE = 8_000
TAG_COUNT = 3_000
ITEMS_PER_FEED = 200

#: Planted words, absent from the generated vocabulary, at known frequencies.
COMMON_WORD = "quillwort"  # 1 article in 10
RARE_WORD = "marrowfat"  # 1 in 1,000
NEEDLE_WORD = "zyzzogeton"  # 1 in 100,000
PHRASE = ("silver", "harbour")  # the two words together, 1 in 100
COMMON_EVERY, RARE_EVERY, NEEDLE_EVERY, PHRASE_EVERY = 10, 1_000, 100_000, 100
PLANTED = frozenset({COMMON_WORD, RARE_WORD, NEEDLE_WORD, *PHRASE})
#: One article in IMAGE_EVERY shows a figure, one of IMAGE_COUNT pictures (``image_png``) that
#: the feed server serves; the src is root-relative, so it resolves against the feed's server.
IMAGE_EVERY, IMAGE_COUNT = 3, 40

_ONSETS = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
           "br", "cl", "dr", "gr", "pl", "st", "tr", "sh", "ch", "th"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou"]
_CODAS = ["", "", "", "n", "r", "s", "t", "l", "nd", "st", "rk"]
_EPOCH = datetime(2021, 1, 1, tzinfo=UTC)
_SPAN_SECONDS = 5 * 365 * 24 * 3600  # dates spread over five years


def _make_words(rng: random.Random, count: int, min_syllables: int, max_syllables: int
                ) -> list[str]:
    words: list[str] = []
    seen: set[str] = set(PLANTED)
    while len(words) < count:
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                       for _ in range(rng.randint(min_syllables, max_syllables)))
        if word not in seen and len(word) >= 2:
            seen.add(word)
            words.append(word)
    return words


def _zipf_cumulative(count: int, exponent: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank ** exponent) for rank in range(1, count + 1)))


@dataclass(frozen=True, slots=True)
class Spec:
    """One generated article, before it becomes a draft or a feed entry."""

    index: int
    title: str
    body_html: str
    tags: tuple[str, ...]
    published: datetime
    author: str

    @property
    def guid(self) -> str:
        return f"bench-article-{self.index}"


class Corpus:
    """The word list, tag names and a pure function from article index to article."""

    def __init__(self, seed: int = SEED) -> None:
        self.seed = seed
        rng = random.Random(seed)
        self.words = _make_words(rng, VOCABULARY_SIZE, 1, 3)
        self._word_weights = _zipf_cumulative(len(self.words), 1.05)
        self.tags = [" ".join(w.capitalize() for w in pair)
                     for pair in zip(_make_words(rng, TAG_COUNT, 2, 3),
                                     _make_words(rng, TAG_COUNT, 1, 2), strict=True)]
        self._tag_weights = _zipf_cumulative(len(self.tags), 1.1)
        self.authors = [f"{a.capitalize()} {b.capitalize()}"
                        for a, b in zip(_make_words(rng, 200, 2, 2),
                                        _make_words(rng, 200, 2, 3), strict=True)]

    @cached_property
    def prefix(self) -> str:
        """Three letters that begin several of the most common words (for ``abc*``)."""
        counts: dict[str, int] = {}
        for word in self.words[:200]:
            if len(word) > 3:
                counts[word[:3]] = counts.get(word[:3], 0) + 1
        return max(sorted(counts), key=lambda p: counts[p])

    def _words(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self._word_weights, k=count)

    def article(self, index: int) -> Spec:
        rng = random.Random(self.seed * 1_000_003 + index)
        title_words = self._words(rng, rng.randint(6, 12))
        total = rng.randint(300, 800)
        paragraphs: list[list[str]] = []
        left = total
        while left > 0:
            size = min(left, rng.randint(40, 140))
            paragraphs.append(self._words(rng, size))
            left -= size
        planted = []
        if index % COMMON_EVERY == 3:
            planted.append([COMMON_WORD])
        if index % RARE_EVERY == 7:
            planted.append([RARE_WORD])
        if index % NEEDLE_EVERY == 11:
            planted.append([NEEDLE_WORD])
        if index % PHRASE_EVERY == 5:
            planted.append(list(PHRASE))
        for words in planted:
            paragraph = paragraphs[rng.randrange(len(paragraphs))]
            at = rng.randrange(len(paragraph) + 1)
            paragraph[at:at] = words
        heading = " ".join(self._words(rng, rng.randint(3, 6))).capitalize()
        body = [f"<h2>{escape(heading)}</h2>"]
        if index % IMAGE_EVERY == 0:
            picture = index // IMAGE_EVERY % IMAGE_COUNT
            body.append(f'<figure><img src="{image_path(picture)}" alt="{escape(heading)}" '
                        f'width="640" height="360"><figcaption>{escape(heading)}</figcaption>'
                        "</figure>")
        for paragraph in paragraphs:
            sentences = []
            for start in range(0, len(paragraph), 15):
                sentence = " ".join(paragraph[start:start + 15])
                sentences.append(sentence[:1].upper() + sentence[1:] + ".")
            body.append(f"<p>{escape(' '.join(sentences))}</p>")
        tag_count = rng.randint(1, 5)
        tags = tuple(dict.fromkeys(
            rng.choices(self.tags, cum_weights=self._tag_weights, k=tag_count)))
        published = _EPOCH + timedelta(seconds=rng.randrange(_SPAN_SECONDS))
        title = " ".join(title_words)
        return Spec(index, title[:1].upper() + title[1:], "\n".join(body), tags, published,
                    rng.choice(self.authors))

    def draft(self, index: int, base_url: str = "https://bench.example") -> ArticleDraft:
        spec = self.article(index)
        return ArticleDraft(title=spec.title, body_html=spec.body_html, author=spec.author,
                            published=spec.published, url=f"{base_url}/articles/{index}",
                            guid=spec.guid, tags=spec.tags)

    def drafts(self, start: int, stop: int) -> Iterator[ArticleDraft]:
        for index in range(start, stop):
            yield self.draft(index)


FeedDocument = tuple[bytes, str]  # (body, content type)


def image_path(picture: int) -> str:
    return f"/images/{picture}.png"


def image_png(picture: int) -> bytes:
    """Picture number ``picture``: a 640×360 PNG in a colour of its own."""
    import io

    from PIL import Image

    colour = ((picture * 67) % 256, (picture * 131) % 256, (picture * 29 + 90) % 256)
    out = io.BytesIO()
    Image.new("RGB", (640, 360), colour).save(out, "PNG")
    return out.getvalue()


def feed_count(articles: int) -> int:
    """Feeds to serve for a run of ``articles``: 100 for real runs, fewer (≥ 2) for small ones."""
    return max(2, min(100, articles // ITEMS_PER_FEED))


#: Where the feeds' articles and sites live, as a real feed's links point at a public site
#: rather than at the server the feed came from (no article page is fetched: bodies are full).
SITE_BASE = "https://bench.example"


def render_feed(corpus: Corpus, feed: int, base_url: str,
                items: int = ITEMS_PER_FEED) -> FeedDocument:
    """Feed number ``feed`` (its articles are ``feed*items`` onwards); the format rotates.

    ``base_url`` is the serving address (JSON Feed's ``feed_url``, and the pictures'); links go
    to ``SITE_BASE``.
    """
    pictures = f'src="{base_url}/images/'
    specs = [dataclasses.replace(spec, body_html=spec.body_html.replace('src="/images/', pictures))
             for spec in (corpus.article(feed * items + n) for n in range(items))]
    feed_url = f"{base_url}/feeds/{feed}"
    base_url = SITE_BASE
    link = f"{base_url}/site/{feed}"
    title = f"Bench feed {feed}"
    kind = feed % 3
    if kind == 0:
        return _rss(specs, title, link, base_url), "application/rss+xml; charset=utf-8"
    if kind == 1:
        return _atom(specs, title, link, base_url, feed), "application/atom+xml; charset=utf-8"
    return (_json_feed(specs, title, link, base_url, feed, feed_url),
            "application/feed+json")


def _article_url(base_url: str, spec: Spec) -> str:
    return f"{base_url}/articles/{spec.index}"


def _rss(specs: Sequence[Spec], title: str, link: str, base_url: str) -> bytes:
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<rss version="2.0"><channel>',
           f"<title>{escape(title)}</title><link>{escape(link)}</link>",
           "<description>Synthetic benchmark feed</description>"]
    for spec in specs:
        out.append(
            "<item>"
            f"<title>{escape(spec.title)}</title>"
            f"<link>{escape(_article_url(base_url, spec))}</link>"
            f'<guid isPermaLink="false">{spec.guid}</guid>'
            f"<pubDate>{format_datetime(spec.published)}</pubDate>"
            f"<author>{escape(spec.author)}</author>"
            + "".join(f"<category>{escape(tag)}</category>" for tag in spec.tags)
            + f"<description>{escape(spec.body_html)}</description>"
            "</item>")
    out.append("</channel></rss>")
    return "\n".join(out).encode()


def _atom(specs: Sequence[Spec], title: str, link: str, base_url: str, feed: int) -> bytes:
    updated = max(spec.published for spec in specs).isoformat()
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<feed xmlns="http://www.w3.org/2005/Atom">',
           f"<title>{escape(title)}</title><id>urn:bench:feed:{feed}</id>",
           f'<link href="{escape(link)}"/><updated>{updated}</updated>']
    for spec in specs:
        out.append(
            "<entry>"
            f"<title>{escape(spec.title)}</title>"
            f'<link href="{escape(_article_url(base_url, spec))}"/>'
            f"<id>{spec.guid}</id>"
            f"<updated>{spec.published.isoformat()}</updated>"
            f"<published>{spec.published.isoformat()}</published>"
            f"<author><name>{escape(spec.author)}</name></author>"
            + "".join(f'<category term="{escape(tag)}"/>' for tag in spec.tags)
            + f'<content type="html">{escape(spec.body_html)}</content>'
            "</entry>")
    out.append("</feed>")
    return "\n".join(out).encode()


def _json_feed(specs: Sequence[Spec], title: str, link: str, base_url: str, feed: int,
               feed_url: str) -> bytes:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": link,
        "feed_url": feed_url,
        "items": [{
            "id": spec.guid,
            "url": _article_url(base_url, spec),
            "title": spec.title,
            "content_html": spec.body_html,
            "date_published": spec.published.isoformat(),
            "authors": [{"name": spec.author}],
            "tags": list(spec.tags),
        } for spec in specs],
    }
    return json.dumps(document).encode()
