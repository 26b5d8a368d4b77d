"""The reading pane's HTML: escaping, links, the body, themes and missing fields (no Qt)."""

from __future__ import annotations

import dataclasses
import html
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.records import Article, RelatedLink
from reader.render.article_html import (
    ARTICLE_SCHEME,
    DARK,
    LIGHT,
    TAG_SCHEME,
    article_document,
    article_href,
    article_id_from_href,
    humanize_date,
    message_document,
    qt_body,
    reading_time,
    tag_from_href,
    tag_href,
)
from reader.render.sanitize import sanitize_html

NOW = datetime(2024, 11, 20, 15, 30, tzinfo=UTC)
SHA = "ab" * 32
HOSTILE = '<script>alert("x")</script><b onclick="steal()">&amp;</b>'


def make_article(**changes: object) -> Article:
    article = Article(
        id=7,
        title="Harbour braces for the cruise ships",
        subtitle="A vote splits the town",
        source="The Coastal Courier",
        source_id=1,
        url="https://www.courier.example/2024/harbour",
        published=datetime(2024, 11, 4, 9, 0, tzinfo=UTC),
        fetched=NOW,
        author="Ana Petrović",
        tags=("local politics", "tourism"),
        read=False,
        bookmarked=False,
        bookmarked_at=None,
        excerpt="",
        word_count=460,
        body_html="<p>The harbour at <em>dawn</em>.</p><p>Second paragraph.</p>",
        body_text="",
        related=(),
    )
    return dataclasses.replace(article, **changes)  # type: ignore[arg-type]


@pytest.fixture
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pin the local time zone, which humanize_date shows dates in."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


# --- escaping ---------------------------------------------------------------------------------


def test_script_in_title_is_escaped() -> None:
    page = article_document(make_article(title="<script>alert(1)</script> & more"))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


@pytest.mark.parametrize("field", ["title", "subtitle", "author", "source"])
def test_every_text_field_is_escaped(field: str) -> None:
    page = article_document(make_article(**{field: HOSTILE}))
    assert HOSTILE not in page
    assert "<script>" not in page and "onclick=" not in page.replace("onclick=&quot;", "")
    assert html.escape(HOSTILE) in page


def test_tag_names_and_related_fields_are_escaped() -> None:
    related = (RelatedLink(HOSTILE, HOSTILE, None, None, 3),)
    page = article_document(make_article(tags=(HOSTILE,), related=related))
    assert "<script>" not in page
    assert page.count(html.escape(HOSTILE)) == 3


def test_url_cannot_break_out_of_its_attribute() -> None:
    page = article_document(make_article(url='https://x.example/"><script>a()</script>'))
    assert "<script>" not in page
    assert 'href="https://x.example/&quot;&gt;&lt;script&gt;' in page


def test_message_is_escaped() -> None:
    page = message_document("<b>No</b> articles match")
    assert "&lt;b&gt;No&lt;/b&gt; articles match" in page


# --- links ------------------------------------------------------------------------------------


def test_chips_link_to_percent_encoded_tags() -> None:
    page = article_document(make_article(tags=("café & tea/2024", "100%", "a#b?c")))
    assert f'href="{TAG_SCHEME}:caf%C3%A9%20%26%20tea%2F2024"' in page
    assert f'href="{TAG_SCHEME}:100%25"' in page
    assert f'href="{TAG_SCHEME}:a%23b%3Fc"' in page
    assert page.count('class="tag"') == 3


@given(st.text(min_size=1))
def test_tag_links_round_trip(name: str) -> None:
    assert tag_from_href(tag_href(name)) == name


def test_link_parsers_refuse_other_links() -> None:
    assert tag_from_href("https://example.org/") is None
    assert tag_from_href(f"{TAG_SCHEME}:") is None
    assert article_id_from_href(article_href(42)) == 42
    assert article_id_from_href(f"{ARTICLE_SCHEME}:-1") is None
    assert article_id_from_href(f"{ARTICLE_SCHEME}:4x") is None
    assert article_id_from_href(f"{TAG_SCHEME}:4") is None


def test_only_archived_related_articles_are_links() -> None:
    related = (
        RelatedLink("Archived one", "Its excerpt", datetime(2023, 3, 2, tzinfo=UTC),
                    "https://a.example/1", 12),
        RelatedLink("Not archived", None, None, "https://a.example/2", None),
    )
    page = article_document(make_article(related=related), now=NOW)
    assert f'<a href="{ARTICLE_SCHEME}:12">Archived one</a>' in page
    assert page.count(f"{ARTICLE_SCHEME}:") == 1
    assert "Not archived" in page
    assert "https://a.example/2" not in page  # plain text, no way to reach the network
    assert "Its excerpt" in page
    assert "Mar 2, 2023" in page


def test_no_related_block_without_related_links() -> None:
    assert "Related</h2>" not in article_document(make_article())


def test_original_is_linked_when_it_is_a_web_url() -> None:
    page = article_document(make_article())
    assert 'href="https://www.courier.example/2024/harbour"' in page
    assert "courier.example ↗" in page


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "not a url", ""])
def test_original_is_not_linked_otherwise(url: str) -> None:
    page = article_document(make_article(url=url))
    assert "Read the original" not in page
    assert "javascript:" not in page and "file:" not in page


# --- the body ---------------------------------------------------------------------------------


def test_body_is_inserted_verbatim() -> None:
    body = sanitize_html(
        '<h2>Heading</h2><p>Text with <a href="https://example.org/">a link</a> and '
        "<code>code</code> &amp; <span class=\"image-missing\">[image: map]</span>.</p>"
        "<blockquote><p>Quoted.</p></blockquote><pre>x = 1\n</pre>"
        "<table><tr><td>1</td></tr></table>")
    assert body in article_document(make_article(body_html=body))


def test_figures_become_blocks_for_qt() -> None:
    body = (f'<p>a</p><figure><picture><img src="archive-image:{SHA}" alt="x&lt;figure&gt;">'
            "</picture><figcaption>Cap &lt;figure&gt;</figcaption></figure>"
            f'<figure><img src="archive-image:{SHA}"></figure>')
    assert qt_body(body) == (
        '<p>a</p><div class="figure-captioned"><picture>'
        f'<img src="archive-image:{SHA}" alt="x&lt;figure&gt;"></picture>'
        '<div class="figcaption">Cap &lt;figure&gt;</div></div>'
        f'<div class="figure"><img src="archive-image:{SHA}"></div>')


def test_image_after_a_closed_block_starts_a_line() -> None:
    image = f'<img src="archive-image:{SHA}">'
    assert qt_body(f"<p>a</p>\n{image}{image}") == (
        f'<p>a</p>\n<div class="image">{image}</div><div class="image">{image}</div>')
    assert qt_body(f'<ul><li>a</li></ul><a href="https://x.example/">{image}</a>') == (
        f'<ul><li>a</li></ul><a href="https://x.example/">&#8203;{image}</a>')


@pytest.mark.parametrize("body", [
    f'<p>Inline <img src="archive-image:{SHA}"> image</p>',
    f'<p>a</p>text <img src="archive-image:{SHA}">',
    f'<div><img src="archive-image:{SHA}"></div>',
    "<p>No images at all</p>",
])
def test_images_in_text_are_left_alone(body: str) -> None:
    assert qt_body(body) == body


# --- missing fields, themes, sizes ------------------------------------------------------------


def test_missing_optional_fields_render_cleanly() -> None:
    article = make_article(subtitle=None, author=None, url=None, published=None, tags=(),
                           word_count=0, related=())
    page = article_document(article)
    assert "None" not in page
    assert 'class="subtitle"' not in page
    assert 'class="tags"' not in page
    assert "Read the original" not in page
    assert '<p class="meta">The Coastal Courier</p>' in page


def test_blank_subtitle_is_left_out() -> None:
    assert 'class="subtitle"' not in article_document(make_article(subtitle="   "))


def test_meta_line(utc_local_time: None) -> None:
    page = article_document(make_article(), now=NOW)
    assert "Ana Petrović · The Coastal Courier · Nov&nbsp;4 · 2&nbsp;min&nbsp;read" in page


def test_dark_theme_colours_are_applied() -> None:
    page = article_document(make_article(), theme=DARK)
    for colour in (DARK.background, DARK.text, DARK.accent, DARK.chip_background, DARK.muted):
        assert colour in page
    assert LIGHT.background not in page and LIGHT.text not in page


def test_font_size_follows_base_size() -> None:
    assert "font-size: 11.00pt" in article_document(make_article())
    assert "font-size: 15.00pt" in article_document(make_article(), base_font_pt=15)


def test_document_is_complete() -> None:
    page = article_document(make_article())
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Harbour braces for the cruise ships</title>" in page
    assert page.rstrip().endswith("</body></html>")


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("moment", "expected"), [
    (NOW - timedelta(hours=2), "today 13:30"),
    (NOW - timedelta(days=1), "yesterday 15:30"),
    (datetime(2024, 3, 9, 8, 0, tzinfo=UTC), "Mar 9"),
    (datetime(2023, 11, 4, 8, 0, tzinfo=UTC), "Nov 4, 2023"),
    (datetime(2023, 11, 4, 8, 0), "Nov 4, 2023"),  # naive: taken as UTC
])
def test_humanize_date(utc_local_time: None, moment: datetime, expected: str) -> None:
    assert humanize_date(moment, NOW) == expected


def test_reading_time() -> None:
    assert reading_time(0) is None
    assert reading_time(10) == "1 min read"
    assert reading_time(2300) == "10 min read"
