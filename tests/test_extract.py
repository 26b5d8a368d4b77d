"""Tests for main-text extraction of web pages (reader.sync.extract) on small hand-written pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.errors import (
    BinaryDocument,
    DocumentError,
    DocumentTooLarge,
    EmptyDocument,
    NotATextPage,
)
from reader.records import ArticleDraft
from reader.sync.extract import MAX_PAGE_BYTES, extract_article, extract_text

PAGE_URL = "https://gazette.example/news/2024/03/05/story.html"

# Paragraphs long enough for an extractor to take them for an article.
STORY = [
    "The harbour bridge opened to traffic again on Tuesday morning, two years after engineers"
    " found cracks in its steel deck and closed it to all vehicles.",
    "Commuters who had spent the closure on a forty-minute detour through the industrial estate"
    " lined up before dawn to be among the first to cross, and several sounded their horns as"
    " the barriers were lifted.",
    "The council said the work cost 48 million euros, almost twice the first estimate, because"
    " the corrosion ran deeper than the inspection had shown.",
    "Engineers replaced more than four hundred steel plates and installed sensors that will"
    " report strain and temperature every minute, so that any new damage is caught long before"
    " it becomes dangerous.",
]
STORY_HTML = "\n".join(f"<p>{paragraph}</p>" for paragraph in STORY)

# Text that must never reach an article: each marker sits in one kind of page furniture.
FURNITURE = {
    "NAV_LINK": "navigation",
    "ADVERT_TEXT": "advertisement",
    "SHARE_ROW": "share buttons",
    "COMMENT_TEXT": "reader comment",
    "RELATED_LINK": "related stories",
    "NEWSLETTER_PROMPT": "newsletter box",
    "FOOTER_TEXT": "footer",
    "SCRIPT_SECRET": "<script> in head",
    "SCRIPT_WRITE": "<script> in body",
    "STYLE_RULE": "<style>",
    "NOSCRIPT_TEXT": "<noscript>",
}

NEWS_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Harbour bridge reopens | The Daily Gazette</title>
<meta property="og:title" content="Harbour bridge reopens after two years of repairs">
<meta property="og:site_name" content="The Daily Gazette">
<meta property="article:published_time" content="2024-03-05T09:30:00+02:00">
<meta name="author" content="Maria Lindqvist">
<meta name="keywords" content="Transport, Bridges, city council">
<link rel="canonical" href="/news/2024/03/harbour-bridge-reopens">
<style>.STYLE_RULE {{ color: red }}</style>
<script>var tracker = "SCRIPT_SECRET"; window.dataLayer = [];</script>
</head><body>
<header><nav><ul>
<li><a href="/">NAV_LINK Home</a></li><li><a href="/news">NAV_LINK News</a></li>
<li><a href="/sport">NAV_LINK Sport</a></li><li><a href="/weather">NAV_LINK Weather</a></li>
</ul></nav></header>
<div class="ad-banner"><p>ADVERT_TEXT Buy the new SuperPhone today at half price!</p></div>
<main><article>
<h1>Harbour bridge reopens after two years of repairs</h1>
<div class="share-buttons"><a href="https://facebook.example/share">SHARE_ROW Facebook</a>
<a href="https://twitter.example/share">SHARE_ROW Twitter</a></div>
<p>{STORY[0]}</p>
<p>{STORY[1]}</p>
<figure><img src="images/bridge.jpg" alt="The reopened bridge at dawn">
<figcaption>The bridge at dawn.</figcaption></figure>
<h2>A costly repair</h2>
<p>{STORY[2]} <a href="../../../2022/05/bridge-closed.html">The closure</a> was the longest
in the bridge's ninety-year history.</p>
<p>{STORY[3]}</p>
<blockquote><p>"We will never again let a problem grow unseen for years," the mayor told
reporters at the ribbon cutting.</p></blockquote>
<ul><li>Cars and buses may use the bridge from today.</li>
<li>Lorries over 30 tonnes must wait until May.</li></ul>
</article>
<section class="comments" id="comments"><h3>3 comments</h3>
<div class="comment"><p>COMMENT_TEXT Finally! About time the council did something.</p></div>
</section>
<aside class="related"><h3>Related stories</h3><ul>
<li><a href="/news/2024/02/ferry-strike">RELATED_LINK Ferry workers strike over pay</a></li>
<li><a href="/news/2024/01/tram-line">RELATED_LINK New tram line approved</a></li>
</ul></aside>
</main>
<div class="newsletter"><p>NEWSLETTER_PROMPT Sign up for our morning newsletter</p></div>
<footer><p>FOOTER_TEXT © 2024 The Daily Gazette. All rights reserved.</p>
<a href="/privacy">Privacy policy</a></footer>
<noscript>NOSCRIPT_TEXT Please enable JavaScript.</noscript>
<script>document.write("SCRIPT_WRITE");</script>
</body></html>"""


def page(body: str, head: str = "", title: str = "A page") -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body>{body}</body></html>"
    )


def article_page(head: str = "", extra: str = "") -> str:
    return page(f"<article><h1>Harbour bridge reopens</h1>{STORY_HTML}{extra}</article>", head)


@pytest.fixture(scope="module")
def news() -> ArticleDraft:
    return extract_article(NEWS_PAGE, PAGE_URL)


# --- the article and nothing else -----------------------------------------------------------------


def test_article_text_survives(news: ArticleDraft) -> None:
    for paragraph in STORY:
        assert paragraph in news.body_html
    assert "<h2>A costly repair</h2>" in news.body_html
    assert "<blockquote>" in news.body_html and "never again let a problem" in news.body_html
    assert "<li>Lorries over 30 tonnes must wait until May.</li>" in news.body_html


@pytest.mark.parametrize("marker", sorted(FURNITURE))
def test_furniture_is_removed(news: ArticleDraft, marker: str) -> None:
    assert marker not in news.body_html, FURNITURE[marker]
    assert marker not in extract_text(NEWS_PAGE, PAGE_URL), FURNITURE[marker]


def test_title_is_not_repeated_in_body(news: ArticleDraft) -> None:
    assert news.title == "Harbour bridge reopens after two years of repairs"
    assert "<h1" not in news.body_html
    assert news.title not in news.body_html


def test_text_has_blank_lines_between_blocks() -> None:
    text = extract_text(NEWS_PAGE, PAGE_URL)
    blocks = text.split("\n\n")
    assert blocks[:2] == STORY[:2]
    assert "A costly repair" in blocks
    assert "Cars and buses may use the bridge from today." in blocks
    # the link inside a paragraph neither breaks it nor glues words together
    assert any(b.startswith(STORY[2] + " The closure was the longest") for b in blocks)


# --- metadata -------------------------------------------------------------------------------------


def test_metadata_from_meta_tags(news: ArticleDraft) -> None:
    assert news.author == "Maria Lindqvist"
    assert news.published == datetime(2024, 3, 5, 7, 30, tzinfo=UTC)
    assert news.tags == ("Transport", "Bridges", "city council")
    assert news.url == "https://gazette.example/news/2024/03/harbour-bridge-reopens"
    assert news.guid == news.url


def test_metadata_from_json_ld() -> None:
    jsonld = """<script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "name": "The Daily Gazette", "url": "https://gazette.example/"},
      {"@type": "NewsArticle", "headline": "Harbour bridge reopens to traffic",
       "datePublished": "2024-03-05T18:00:00-05:00", "dateModified": "2024-03-07T10:00:00Z",
       "author": [{"@type": "Person", "name": "Tomas Berg"}],
       "keywords": ["Infrastructure", "Harbour", "infrastructure"]}]}
    </script>"""
    draft = extract_article(article_page(jsonld), PAGE_URL)
    assert draft.published == datetime(2024, 3, 5, 23, 0, tzinfo=UTC)
    assert draft.author == "Tomas Berg"
    assert draft.tags == ("Infrastructure", "Harbour")
    assert draft.title == "Harbour bridge reopens to traffic"


def test_time_without_offset_is_taken_as_utc() -> None:
    head = '<meta property="article:published_time" content="2023-12-31T23:15:00">'
    draft = extract_article(article_page(head), PAGE_URL)
    assert draft.published == datetime(2023, 12, 31, 23, 15, tzinfo=UTC)


def test_published_is_aware_utc_or_none_never_now() -> None:
    draft = extract_article(article_page(), "https://gazette.example/story")
    assert draft.published is None
    future = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    head = f'<meta property="article:published_time" content="{future}">'
    assert extract_article(article_page(head), "https://gazette.example/story").published is None


def test_day_from_url_when_markup_has_no_date() -> None:
    draft = extract_article(article_page(), PAGE_URL)
    assert draft.published == datetime(2024, 3, 5, tzinfo=UTC)


def test_guid_falls_back_to_url() -> None:
    draft = extract_article(article_page(), PAGE_URL)
    assert draft.url == PAGE_URL
    assert draft.guid == PAGE_URL


def test_canonical_pointing_at_home_page_is_ignored() -> None:
    head = '<link rel="canonical" href="https://gazette.example/">'
    draft = extract_article(article_page(head), PAGE_URL)
    assert draft.guid == PAGE_URL


def test_machine_tokens_are_not_tags() -> None:
    head = '<meta name="keywords" content="@post-id:1913719, /article, #Bridges, Bridges, tc">'
    draft = extract_article(article_page(head), PAGE_URL)
    assert draft.tags == ("Bridges", "tc")


def test_description_becomes_subtitle_unless_it_repeats_the_opening() -> None:
    dek = "Two years and 48 million euros later, the city's busiest crossing is back."
    head = f'<meta property="og:description" content="{dek}">'
    assert extract_article(article_page(head), PAGE_URL).subtitle == dek
    head = f'<meta property="og:description" content="{STORY[0]}">'
    assert extract_article(article_page(head), PAGE_URL).subtitle is None


# --- links and images -----------------------------------------------------------------------------


def test_relative_urls_become_absolute(news: ArticleDraft) -> None:
    assert 'src="https://gazette.example/news/2024/03/05/images/bridge.jpg"' in news.body_html
    assert 'href="https://gazette.example/news/2022/05/bridge-closed.html"' in news.body_html
    assert 'alt="The reopened bridge at dawn"' in news.body_html
    assert "<figure><img" in news.body_html


def test_base_href_root_relative_and_protocol_relative_urls() -> None:
    extra = (
        '<p>See <a href="/about/us">our story</a> and <a href="page2.html">page two</a> for more'
        ' on the bridge and the long history of its repairs.</p>'
        '<p><img src="//cdn.example/pics/one.png" alt="one"> The first picture shows the deck.'
        ' <img src="pics/two.png" alt="two"></p>'
    )
    draft = extract_article(
        article_page('<base href="https://static.example/base/">', extra), PAGE_URL
    )
    assert 'href="https://static.example/about/us"' in draft.body_html
    assert 'href="https://static.example/base/page2.html"' in draft.body_html
    assert 'src="https://cdn.example/pics/one.png"' in draft.body_html
    assert 'src="https://static.example/base/pics/two.png"' in draft.body_html


def test_lazy_image_source_is_kept() -> None:
    extra = '<figure><img src="data:image/gif;base64,R0lGOD" data-src="/img/real.jpg"></figure>'
    extra += "<p>" + STORY[0].replace("Tuesday", "Wednesday") + "</p>"
    draft = extract_article(article_page(extra=extra), PAGE_URL)
    assert 'src="https://gazette.example/img/real.jpg"' in draft.body_html


def test_paragraph_divs_with_links_keep_their_text() -> None:
    # With enough <p> text trafilatura skips text <div>s but still visits the links inside them,
    # so a div's words before its first link were lost ("[linked words] about twenty minutes");
    # _prepare turns such divs, and their text-only siblings, into <p>.
    extra = [
        "Officials said the detour had added about twenty minutes to the average commute for"
        " people living on the northern shore.",
        "Shop owners near the bridge reported that sales had fallen by a third during the closure"
        " and hoped customers would return.",
    ]
    halves = [(" ".join(p.split()[:6]), " ".join(p.split()[6:])) for p in extra]
    divs = "".join(
        f'<div class="story-paragraph">{head} <a href="/x{i}">linked words</a> {tail}</div>'
        for i, (head, tail) in enumerate(halves)
    )
    plain = "<div class='story-paragraph'>The bridge will be inspected again next spring.</div>"
    html = page(f"<article><h1>Bridge</h1>{STORY_HTML}{divs}{plain}</article>")
    text = extract_text(html, PAGE_URL)
    for head, tail in halves:
        assert f"{head} linked words {tail}" in text.split("\n\n")
    assert "The bridge will be inspected again next spring." in text


def test_image_captions_and_credits_are_left_out() -> None:
    # With images kept, trafilatura keeps caption blocks as paragraphs; _CAPTIONS drops them.
    caption = (
        "A commuter waits in his car at the northern end of the bridge before the barriers are"
        " lifted on Tuesday morning."
    )
    figure = (
        '<div class="image-wrap"><picture><img src="/img/car.jpg" alt=""></picture></div>'
        f'<div class="caption"><p><span>{caption}</span><span> (Photo: Gazette)</span></p></div>'
    )
    body = f"<article><h1>Bridge</h1><p>{STORY[0]}</p>{figure}{STORY_HTML}</article>"
    draft = extract_article(page(body), PAGE_URL)
    assert 'src="https://gazette.example/img/car.jpg"' in draft.body_html
    assert "A commuter waits" not in draft.body_html
    assert "Photo: Gazette" not in draft.body_html


# --- decoding -------------------------------------------------------------------------------------


def test_windows_1252_bytes_with_meta_charset() -> None:
    body = "<article><h1>Caf\u00e9 r\u00e9opens</h1>" + STORY_HTML
    body += "<p>\u201cIt\u2019s a f\u00eate,\u201d said the owner \u2014 in French.</p></article>"
    html = page(body, title="Caf\u00e9").replace("charset='utf-8'", "charset='windows-1252'")
    draft = extract_article(html.encode("cp1252"), PAGE_URL)
    assert "\u201cIt\u2019s a f\u00eate,\u201d said the owner \u2014 in French." in draft.body_html
    assert draft.title.startswith("Caf\u00e9")


def test_http_charset_wins_over_meta_charset() -> None:
    russian = "Мост снова открыт для движения после двух лет ремонта."
    body = f"<article>{STORY_HTML}<p>{russian}</p></article>"
    html = page(body).replace("charset='utf-8'", "charset='iso-8859-1'")
    draft = extract_article(html.encode("cp1251"), PAGE_URL, "text/html; charset=windows-1251")
    assert russian in draft.body_html


def test_utf8_bytes_survive_a_default_latin1_header() -> None:
    body = "<article>" + STORY_HTML + "<p>Smörgåsbord for everyone at the opening.</p></article>"
    html = page(body).replace("<meta charset='utf-8'>", "")
    draft = extract_article(html.encode("utf-8"), PAGE_URL, "text/html; charset=ISO-8859-1")
    assert "Smörgåsbord" in draft.body_html


def test_declared_utf8_that_is_not_is_detected() -> None:
    text = "Après deux années de travaux, le pont du port a rouvert mardi matin, a déclaré Hélène."
    html = page(f"<article><h1>Bridge</h1>{STORY_HTML}<p>{text}</p></article>")
    draft = extract_article(html.encode("cp1252"), PAGE_URL, "text/html; charset=UTF-8")
    assert text in draft.body_html


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("cp1252", "Après deux années de travaux, le pont du port a rouvert mardi matin. Les"
         " élèves, déçus par le détour, étaient ravis : « C'est génial », a déclaré Hélène."),
        ("cp1251", "Мост снова открыт для движения после двух лет ремонта. Водители, которые"
         " два года ездили в объезд через промышленную зону, были рады."),
        ("shift_jis", "橋は二年間の修理の後、再び開通しました。通勤者は夜明け前から並びました。"),
    ],
)
def test_undeclared_encoding_is_detected(encoding: str, text: str) -> None:
    body = f"<article><h1>Bridge</h1>{STORY_HTML}<p>{text}</p></article>"
    html = page(body).replace("<meta charset='utf-8'>", "")
    draft = extract_article(html.encode(encoding), PAGE_URL)
    assert text in draft.body_html


def test_declared_language_guides_detection() -> None:
    # Repetitive French alone is guessed as Macedonian MacCyrillic; <html lang="fr"> settles it.
    text = "Été à la française, déjà vu. " * 20
    body = f"<article><h1>Bridge</h1>{STORY_HTML}<p>{text.strip()}</p></article>"
    html = page(body).replace("<meta charset='utf-8'>", "").replace("<html>", '<html lang="fr">')
    draft = extract_article(html.encode("cp1252"), PAGE_URL)
    assert text.strip() in draft.body_html


# --- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", [b"", b"   \n\t ", "", "  \r\n  ", "\ufeff"])
def test_blank_page_is_empty(blank: bytes | str) -> None:
    with pytest.raises(EmptyDocument):
        extract_article(blank, PAGE_URL)
    with pytest.raises(EmptyDocument):
        extract_text(blank, PAGE_URL)


@pytest.mark.parametrize(
    "html",
    [
        page('<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/a">About</a></nav>'),
        page("<form><input name='user'><input type='password'><button>Log in</button></form>"),
        page("<script>window.location = '/app';</script>"),
        "<html><head><title>Nothing</title></head><body></body></html>",
        "just a few words, no markup",
    ],
    ids=["nav-only", "login-form", "script-only", "empty-body", "plain-text"],
)
def test_page_without_article(html: str) -> None:
    with pytest.raises(NotATextPage, match="no article text found on this page"):
        extract_article(html, PAGE_URL)


def test_too_large_is_refused_before_reading() -> None:
    with pytest.raises(DocumentTooLarge):
        extract_article(b" " * (MAX_PAGE_BYTES + 1), PAGE_URL)
    with pytest.raises(DocumentTooLarge):
        extract_article("é" * (MAX_PAGE_BYTES // 2 + 1), PAGE_URL)


def test_binary_is_refused() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 8
    with pytest.raises(BinaryDocument):
        extract_article(png, PAGE_URL)
    with pytest.raises(BinaryDocument):
        extract_article("\x01\x02\x03\x04 " * 100, PAGE_URL)


def test_no_url_keeps_relative_links_and_no_guid() -> None:
    draft = extract_article(article_page(extra='<p>See <a href="more.html">more</a> soon.</p>'))
    assert draft.url is None and draft.guid is None
    assert 'href="more.html"' in draft.body_html


# --- properties -----------------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_tags = st.sampled_from(["p", "div", "span", "a", "h1", "h2", "li", "ul", "script", "table", "td"])
_fragments = st.one_of(
    st.text(max_size=60),
    _tags.map(lambda tag: f"<{tag}>"),
    _tags.map(lambda tag: f"</{tag}>"),
    st.sampled_from(['<a href="x/y">', '<img src="../i.png">', "<br>", "&amp;", "&#0;", "<!--"]),
)
_html_like = st.lists(_fragments, max_size=30).map(lambda parts: "<html><body>" + "".join(parts))


def check_contract(html: bytes | str, content_type: str | None = None) -> None:
    try:
        draft = extract_article(html, PAGE_URL, content_type)
    except DocumentError:
        return
    assert draft.title
    assert draft.body_html
    assert draft.published is None or draft.published.tzinfo is UTC


@PROPERTY_SETTINGS
@given(st.text(max_size=500))
def test_any_text_gives_a_draft_or_a_document_error(text: str) -> None:
    check_contract(text)


@PROPERTY_SETTINGS
@given(st.binary(max_size=500), st.sampled_from([None, "text/html", "text/html; charset=bogus"]))
def test_any_bytes_give_a_draft_or_a_document_error(data: bytes, content_type: str | None) -> None:
    check_contract(data, content_type)


@PROPERTY_SETTINGS
@given(_html_like)
def test_any_tag_soup_gives_a_draft_or_a_document_error(html: str) -> None:
    check_contract(html)
    check_contract(html.encode("utf-8", "surrogatepass"))
