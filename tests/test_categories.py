"""Feed categories and page keywords become tags a reader can use: lists split, machine keys,
ids, URLs and CMS placeholders left out, through every parser that reads them."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.categories import MAX_CHARS, MAX_TAGS, MAX_WORDS, source_tags
from reader.sync.extract import extract_article
from reader.sync.feeds import parse_feed
from reader.textpage import parse_text_page

# Real category strings seen in feeds and page meta tags, and the tags they should give.
ISSUE_LIST = "automators,podcast,calendar events,keyboard maestro,workflow,applescript,ifttt"


def test_the_issues_comma_joined_category_is_split() -> None:
    assert source_tags([ISSUE_LIST]) == (
        "automators", "podcast", "calendar events", "keyboard maestro", "workflow",
        "applescript", "ifttt")


def test_the_issues_ad_and_section_keys_are_not_tags() -> None:
    assert source_tags(["science-fiction, books", "AdNode:culture/wide_angle",
                        "Section:culture"]) == ("science-fiction", "books")


@pytest.mark.parametrize("raw", [
    "pid:123", "Section: News:World News", "id=5521", "channel_other", "type_news",
    "12345", "post-12345", "5f3a9c1e77", "550e8400-e29b-41d4-a716-446655440000", "a1b2c3d4",
    "https://example.com/tag/python", "www.example.com", "news/world", "/article",
    "index.html", "paul@example.com", "@post-id:1913719", "{{category}}", "[object Object]",
    "Uncategorized", "uncategorised", "Non classé", "Allgemein", "未分类", "Featured",
    "Front-Page", "top_story", "null", "#", "  ", "---",
    "US-China trade war developments leave investors with mixed feelings",
    "All-new 2020 Sentra is what we really want from Nissan",
])
def test_machine_keywords_are_left_out(raw: str) -> None:
    assert source_tags([raw]) == ()


@pytest.mark.parametrize("raw", [
    "Star Trek: Discovery", "AC/DC", "Node.js", "Edmunds.com", "iOS10", "p2p", "COVID-19",
    "Apollo 11", "2018", "Sierra Nevada Corp.", "Cronaca nera", "Москва", "東京", "القاهرة",
    "News", "Opinion", "rock-hall-2020", "calendar events", "Things To Do In October",
])
def test_real_topics_are_kept_as_written(raw: str) -> None:
    assert source_tags([raw]) == (raw,)


def test_hashtags_quotes_and_repeats_are_normalised() -> None:
    assert source_tags(["#python #rust", '"Rust"', "PYTHON", "  web   dev  "]) == (
        "python", "rust", "web dev")


def test_pipes_semicolons_and_wide_commas_separate() -> None:
    assert source_tags(["Politics | World; Europe", "東京，大阪、京都"]) == (
        "Politics", "World", "Europe", "東京", "大阪", "京都")


def test_keyword_stuffing_is_capped_and_not_strings_are_ignored() -> None:
    stuffed = ", ".join(f"topic {chr(ord('a') + n % 26)}{n // 26 or ''}" for n in range(60))
    assert len(source_tags([stuffed])) == MAX_TAGS
    assert source_tags([None, 3, {"term": "x"}, "Harbour"]) == ("Harbour",)


raw_strings = st.lists(st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(["Section:culture", "#tag", "Uncategorized", "news/world",
                              "https://x.y/z", "post-99999", "Politics", "a b c d e f",
                              "Café", "Москва", "  ", "|", ";", ",", ":", "=", "#"]),
             max_size=8).map("".join),
    st.lists(st.text(max_size=12), max_size=6).map(", ".join),
), max_size=12)


@given(raw_strings)
def test_any_input_gives_clean_bounded_idempotent_names(raw: list[str]) -> None:
    tags = source_tags(raw)
    assert len(tags) <= MAX_TAGS
    assert len({tag.casefold() for tag in tags}) == len(tags)
    for tag in tags:
        assert tag and tag == " ".join(tag.split()) and not tag.startswith("#")
        assert not re.search(r"[,;|]", tag)
        assert not re.search(r"\S[:=]\S", tag) and "://" not in tag
        assert len(tag) <= MAX_CHARS and len(tag.split()) <= MAX_WORDS
        tag.encode("utf-8")  # storable: no lone surrogates
    assert source_tags(tags) == tags


# --- through the real parsers -------------------------------------------------------------------

RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Mac Power</title><link>https://example.com/</link>
<item><title>Episode 612</title><link>https://example.com/612</link>
<category>{ISSUE_LIST}</category><category>Uncategorized</category>
<category domain="https://example.com/ads">AdNode:culture/wide_angle</category>
<category>Section:culture</category><category>Podcast</category>
<description>An episode.</description></item></channel></rss>""".encode()

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Notes</title><id>urn:notes</id>
<updated>2024-11-04T09:00:00Z</updated>
<entry><title>On trains</title><id>urn:notes:1</id><updated>2024-11-04T09:00:00Z</updated>
<category term="#rail"/><category term="pid:4411"/><category term="travel; Europe"/>
<category term="https://example.com/tags/rail"/><content type="html">Trains.</content></entry>
</feed>"""

JSON_FEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "Kitchen",
    "items": [{"id": "1", "title": "Soup", "content_html": "<p>Soup.</p>",
               "tags": ["Recipes, Winter", "type_post", "8f14e45fceea167a5a36dedd4bea2543",
                        "recipes"]}],
}).encode()


def test_rss_categories_through_the_parser() -> None:
    [entry] = parse_feed(RSS, "https://example.com/feed").entries
    assert entry.tags == ("automators", "podcast", "calendar events", "keyboard maestro",
                          "workflow", "applescript", "ifttt")


def test_atom_categories_through_the_parser() -> None:
    [entry] = parse_feed(ATOM, "https://example.com/atom").entries
    assert entry.tags == ("rail", "travel", "Europe")


def test_json_feed_tags_through_the_parser() -> None:
    [entry] = parse_feed(JSON_FEED, "https://example.com/feed.json").entries
    assert entry.tags == ("Recipes", "Winter")


def test_page_keywords_through_extraction() -> None:
    page = f"""<!doctype html><html><head><title>Dune, reread</title>
    <meta name="keywords" content="science-fiction, books, fantasy, slate-book-review">
    <meta property="article:tag" content="Section:culture">
    <meta property="article:tag" content="AdNode:culture/wide_angle">
    <meta name="news_keywords" content="Books, Uncategorized, channel_other">
    </head><body><article><h1>Dune, reread</h1>
    <p>{"Arrakis is as dry as it was, and the book is as long as it was. " * 12}</p>
    </article></body></html>"""
    draft = extract_article(page.encode(), "https://example.com/dune", "text/html")
    assert draft.tags == ("science-fiction", "books", "fantasy", "slate-book-review")


def test_text_page_tag_line() -> None:
    draft = parse_text_page("Harbour reopens\n\nThe harbour reopened on Monday after repairs "
                            "to the seawall.\n\nTags: #harbour, Uncategorized, post-55123, "
                            "Local news.\n")
    assert draft.tags == ("harbour", "Local news")
