"""The sanitizer against hostile markup: one named test per attack, then a hypothesis property."""

from __future__ import annotations

import html
import re
import threading
from html.parser import HTMLParser

import lxml.etree
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reader.render import sanitize
from reader.render.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    is_tracking_pixel,
    sanitize_html,
    sanitize_without_images,
)

BASE = "https://news.example/2024/story.html"
ARCHIVED = "archive-image:" + "ab" * 32


class _Tags(HTMLParser):
    """Start tags and attributes as a browser would read them from the sanitizer's output."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.markup: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.markup.append(self.get_starttag_text() or "")

    handle_startendtag = handle_starttag


def read(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser


def tags(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    return read(markup).tags


def hrefs(markup: str) -> list[str | None]:
    return [attrs.get("href") for tag, attrs in tags(markup) if tag == "a"]


# --- scripts, styles, handlers ----------------------------------------------------------------


def test_script_element_removed() -> None:
    assert sanitize_html("<p>Hi</p><script>alert(1)</script>") == "<p>Hi</p>"


def test_script_text_content_removed_too() -> None:
    out = sanitize_html("<p>a<script>var secret = 'stolen';</script>b</p>")
    assert "secret" not in out and "stolen" not in out
    assert out == "<p>ab</p>"


def test_script_spelled_in_mixed_case_and_split_removed() -> None:
    out = sanitize_html("<ScRiPt>alert(1)</sCrIpT><scr<script>x</script>ipt>alert(2)</script>")
    assert "<script" not in out.lower()
    assert "alert(1)" not in out


def test_style_element_removed_with_its_css() -> None:
    out = sanitize_html("<style>body { background: url(https://t.example/p.gif) }</style><p>x</p>")
    assert out == "<p>x</p>"


def test_onclick_removed() -> None:
    assert sanitize_html('<p onclick="alert(1)">x</p>') == "<p>x</p>"


def test_onerror_removed() -> None:
    out = sanitize_html(f'<img src="{ARCHIVED}" onerror="alert(1)">')
    assert out == f'<img src="{ARCHIVED}">'


def test_onload_removed() -> None:
    assert sanitize_html('<div onload="alert(1)" ONMOUSEOVER=alert(2)>x</div>') == "<div>x</div>"


# --- URLs -------------------------------------------------------------------------------------


def test_javascript_href_removed() -> None:
    out = sanitize_html('<a href="javascript:alert(1)">x</a>')
    assert hrefs(out) == [None]
    assert "javascript" not in out


def test_javascript_href_obfuscated_with_entities_and_whitespace_removed() -> None:
    spellings = [
        "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)",
        "&#x6A;avascript&colon;alert(1)",
        "jav&#x09;ascript:alert(1)",
        "jav&NewLine;ascript:alert(1)",
        "java\nscript:alert(1)",
        "  JaVaScRiPt:alert(1)",
        "\x01javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
    ]
    for spelling in spellings:
        out = sanitize_html(f'<a href="{spelling}">x</a>', BASE)
        assert hrefs(out) == [None], spelling
        assert "javascript" not in html.unescape(out).lower(), spelling


def test_vbscript_href_removed() -> None:
    assert hrefs(sanitize_html('<a href="vbscript:msgbox(1)">v</a>')) == [None]


def test_data_url_link_removed() -> None:
    out = sanitize_html('<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">'
                        "d</a>")
    assert hrefs(out) == [None]


def test_data_image_dropped_whole() -> None:
    out = sanitize_html('<p>a<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">b</p>')
    assert out == "<p>ab</p>"


def test_archive_image_scheme_not_allowed_on_links() -> None:
    out = sanitize_html(f'<a href="{ARCHIVED}">x</a><a href="ARCHIVE-IMAGE:ab">y</a>'
                        '<a href="archive-\timage:ab">z</a>')
    assert hrefs(out) == [None, None, None]


def test_javascript_cite_removed() -> None:
    out = sanitize_html('<blockquote cite="javascript:alert(1)">q</blockquote>')
    assert out == "<blockquote>q</blockquote>"


# --- embedded content and forms ---------------------------------------------------------------


def test_iframe_removed_with_content() -> None:
    out = sanitize_html('<iframe src="https://evil.example/" srcdoc="&lt;script&gt;">fb</iframe>ok')
    assert out == "ok"


def test_object_and_embed_removed() -> None:
    out = sanitize_html('<object data="https://evil.example/x.swf"><param name="a" value="b">'
                        '<embed src="https://evil.example/x.swf"></object><p>k</p>'
                        '<embed src="https://evil.example/y.swf"><p>after</p>')
    assert out == "<p>k</p><p>after</p>"


def test_form_and_inputs_removed() -> None:
    out = sanitize_html('<form action="https://evil.example/"><input name="q">'
                        '<button formaction="javascript:alert(1)">go</button></form><p>after</p>'
                        '<input type="text" value="loose"><textarea>typed</textarea>')
    assert out == "<p>after</p>"


def test_svg_with_script_removed() -> None:
    out = sanitize_html('<svg onload="alert(1)"><script>alert(2)</script>'
                        '<a xlink:href="javascript:alert(3)"><text>t</text></a></svg><p>after</p>')
    assert out == "<p>after</p>"


def test_mathml_smuggling_removed() -> None:
    out = sanitize_html("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"
                        "</style></mglyph></table></mtext></math><p>k</p>")
    assert out == "<p>k</p>"


def test_noscript_attribute_smuggling_stays_text() -> None:
    out = sanitize_html('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>')
    assert "<img" not in out and "onerror" not in [a for _, attrs in tags(out) for a in attrs]


def test_comment_removed() -> None:
    out = sanitize_html("<p>a<!-- <script>alert(1)</script> -->b</p>")
    assert out == "<p>ab</p>"


def test_conditional_comment_removed() -> None:
    out = sanitize_html("<!--[if IE]><script>alert(1)</script><![endif]--><p>ok</p>"
                        "<!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]-->")
    assert out == "<p>ok</p>"


def test_css_url_in_style_attribute_removed() -> None:
    out = sanitize_html('<p style="background:url(https://tracker.example/p.gif)">x</p>'
                        '<div style="background-image: url(&quot;javascript:alert(1)&quot;)">'
                        "y</div>")
    assert out == "<p>x</p><div>y</div>"


def test_meta_refresh_removed() -> None:
    out = sanitize_html('<meta http-equiv="refresh" content="0;url=https://evil.example/"><p>x</p>')
    assert out == "<p>x</p>"


def test_base_tag_removed_and_does_not_redirect_links() -> None:
    out = sanitize_html('<base href="https://evil.example/"><a href="/x">x</a>', BASE)
    assert "evil" not in out
    assert hrefs(out) == ["https://news.example/x"]


def test_link_stylesheet_removed() -> None:
    assert sanitize_html('<link rel="stylesheet" href="https://t.example/a.css"><p>x</p>') == (
        "<p>x</p>")


# --- hidden elements --------------------------------------------------------------------------


def test_hidden_attribute_removed_with_content() -> None:
    assert sanitize_html("<p>seen</p><div hidden>unseen <b>at all</b></div>") == "<p>seen</p>"


def test_hidden_until_found_kept() -> None:
    assert sanitize_html('<div hidden="until-found">folded answer</div>') == (
        "<div>folded answer</div>")


def test_display_none_removed() -> None:
    out = sanitize_html('<p>seen</p><p style="color: red; DISPLAY : none !important">unseen</p>')
    assert out == "<p>seen</p>"


def test_visibility_hidden_removed() -> None:
    out = sanitize_html('<p>seen <span style="visibility:hidden">unseen</span> too</p>')
    assert out == "<p>seen  too</p>"


def test_aria_hidden_removed() -> None:
    out = sanitize_html('<h2><span aria-hidden="true">★</span>Title</h2>')
    assert out == "<h2>Title</h2>"


def test_display_block_kept() -> None:
    out = sanitize_html('<p style="display: block">seen</p><p>the display is hidden in text</p>')
    assert out == "<p>seen</p><p>the display is hidden in text</p>"


def test_text_after_hidden_element_kept() -> None:
    out = sanitize_html("<p>one <span hidden>two</span> three</p>")
    assert out == "<p>one  three</p>"


# --- images -----------------------------------------------------------------------------------


def test_pixel_by_attributes_removed() -> None:
    out = sanitize_html(f'<p>a<img src="{ARCHIVED}" width="1" height="1">b</p>')
    assert out == "<p>ab</p>"


def test_zero_sized_image_removed() -> None:
    assert sanitize_html(f'<img src="{ARCHIVED}" width="0">') == ""


def test_tracker_host_pixel_removed() -> None:
    out = sanitize_html('<p>a<img src="https://pixel.wp.com/g.gif?blog=1" alt="">b</p>'
                        '<img src="http://feeds.feedburner.com/~r/Example/~4/abc">')
    assert out == "<p>ab</p>"
    assert is_tracking_pixel("http://feeds.feedburner.com/~r/Example/~4/abc")
    assert is_tracking_pixel("https://stats.g.doubleclick.net/r/collect?x=1")
    assert is_tracking_pixel("https://www.facebook.com/tr?id=1&ev=PageView")
    assert not is_tracking_pixel("https://www.facebook.com/photo.jpg")
    assert not is_tracking_pixel("https://feeds.feedburner.com/images/logo.png")


def test_remote_image_dropped_whole() -> None:
    out = sanitize_html('<p>a<img src="https://cdn.example/photo.jpg" alt="photo">b</p>', BASE)
    assert out == "<p>ab</p>"


def test_relative_image_dropped_whole() -> None:
    assert sanitize_html('<img src="/photo.jpg">', BASE) == ""


def test_image_without_source_dropped() -> None:
    assert sanitize_html('<img alt=" src=&quot;archive-image:ab&quot;"><img>x') == "x"


def test_archive_image_kept() -> None:
    out = sanitize_html(f'<figure><img src="{ARCHIVED}" alt="A cat" width="640" height="480" '
                        'srcset="https://cdn.example/cat.jpg 2x" loading="lazy">'
                        "<figcaption>A cat</figcaption></figure>")
    assert out == (f'<figure><img src="{ARCHIVED}" alt="A cat" width="640" height="480">'
                   "<figcaption>A cat</figcaption></figure>")


def test_image_size_kept_only_as_whole_pixels() -> None:
    out = sanitize_html(f'<img src="{ARCHIVED}" width="javascript:alert(1)" height="20">'
                        f'<img src="{ARCHIVED}" width="50%" height="20px">')
    assert out == f'<img src="{ARCHIVED}" height="20"><img src="{ARCHIVED}">'


def test_archive_image_with_greater_than_in_alt_kept() -> None:
    out = sanitize_html(f'<img alt="1 > 0" src="{ARCHIVED}">')
    assert tags(out) == [("img", {"alt": "1 > 0", "src": ARCHIVED})]


def test_old_image_tag_treated_as_img() -> None:
    assert sanitize_html('<image src="https://cdn.example/a.png">') == ""
    assert sanitize_html(f'<image src="{ARCHIVED}">') == f'<img src="{ARCHIVED}">'


def test_missing_image_placeholder_kept() -> None:
    placeholder = '<span class="image-missing">[image: a chart]</span>'
    assert sanitize_html(placeholder) == placeholder
    assert sanitize_html('<span class="evil image-missing">x</span>') == (
        '<span class="image-missing">x</span>')
    assert sanitize_html('<p class="image-missing">x</p>') == "<p>x</p>"


def test_without_images_drops_archive_images_too() -> None:
    out = sanitize_without_images(f'<p>a<img src="{ARCHIVED}">b</p><script>x</script>')
    assert out == "<p>ab</p>"


# --- links ------------------------------------------------------------------------------------


def test_relative_link_resolved_against_base() -> None:
    out = sanitize_html('<a href="../2023/old.html">a</a><a href="/about">b</a>'
                        '<a href="#note-1">c</a><a href="//other.example/x">d</a>', BASE)
    assert hrefs(out) == [
        "https://news.example/2023/old.html",
        "https://news.example/about",
        "https://news.example/2024/story.html#note-1",
        "https://other.example/x",
    ]


def test_relative_link_without_base_loses_href() -> None:
    out = sanitize_html('<a href="/about">about</a>')
    assert out == '<a rel="noopener noreferrer nofollow">about</a>'


def test_unusable_base_ignored() -> None:
    for base in ("javascript:alert(1)//", "data:text/html,x", "/relative/", "not a url"):
        out = sanitize_html('<a href="x.html">x</a>', base)
        assert hrefs(out) == [None], base


def test_absolute_links_kept() -> None:
    out = sanitize_html('<a href="https://a.example/">a</a><a href="http://b.example/p?q=1&amp;r=2">'
                        "b</a>")
    assert hrefs(out) == ["https://a.example/", "http://b.example/p?q=1&r=2"]


def test_mailto_kept() -> None:
    assert hrefs(sanitize_html('<a href="mailto:desk@news.example">mail</a>')) == [
        "mailto:desk@news.example"]


def test_rel_added_and_replaced() -> None:
    out = sanitize_html('<a href="https://a.example/" rel="opener" target="_blank">a</a>')
    assert out == '<a href="https://a.example/" rel="noopener noreferrer nofollow">a</a>'


def test_base_is_per_call_and_per_thread() -> None:
    results: dict[int, list[str | None]] = {}

    def work(n: int) -> None:
        results[n] = [hrefs(sanitize_html('<a href="p">x</a>', f"https://site{n}.example/"))[0]
                      for _ in range(200)]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n in range(4):
        assert set(results[n]) == {f"https://site{n}.example/p"}
    assert hrefs(sanitize_html('<a href="p">x</a>')) == [None]


# --- garbage ----------------------------------------------------------------------------------


def test_empty_string() -> None:
    assert sanitize_html("") == ""
    assert sanitize_html("   ") == "   "


def test_nested_unclosed_garbage_does_not_crash() -> None:
    out = sanitize_html('<div><p><b><i>unclosed <a href="/x">link <table><tr><td>cell</div></b>'
                        "< p >&&&<<>><</</p><p <p>>", BASE)
    assert "unclosed" in out and "cell" in out
    assert "<script" not in out


def test_deep_nesting_does_not_crash() -> None:
    body = "<div>" * 5000 + "deep and hidden" + "</div>" * 5000
    assert "deep and hidden" in sanitize_html(body)


def test_whole_document_body_kept() -> None:
    out = sanitize_html('<!DOCTYPE html><html><head><title>T</title></head>'
                        '<body onload="alert(1)"><p style="display:none">no</p><p>yes</p>'
                        "</body></html><p>trailing</p>")
    assert out == "<p>yes</p><p>trailing</p>"


def test_nul_and_control_characters() -> None:
    out = sanitize_html("<p>a\x00b\x01c</p><scr\x00ipt>x</script>")
    assert out.startswith("<p>a") and "<script" not in out


def test_lone_surrogate_does_not_crash() -> None:
    assert sanitize_html("<p>\ud800 broken</p><p hidden>x</p>") == "<p>? broken</p>"


def test_lxml_failure_falls_back_to_cleaning_without_images(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(markup: str) -> None:
        raise lxml.etree.ParserError("Document is empty")

    monkeypatch.setattr(sanitize, "parse_fragment", unreadable)
    out = sanitize_html(f'<p hidden>h</p><p>t <a href="/x">l</a><img src="{ARCHIVED}"></p>'
                        "<script>alert(1)</script>", BASE)
    assert out == ('<p>h</p><p>t <a href="https://news.example/x" '
                   'rel="noopener noreferrer nofollow">l</a></p>')


def test_sanitizing_twice_changes_nothing() -> None:
    body = (f'<h2>T</h2><p>a <a href="/x">l</a> <em>e</em></p><img src="{ARCHIVED}" alt="c">'
            '<span class="image-missing">[image]</span><table><tr><td colspan="2">c</td></tr>'
            "</table><ul><li>one</li></ul><pre><code>x &lt; y</code></pre>")
    once = sanitize_html(body, BASE)
    assert sanitize_html(once) == once


# --- property: nothing hostile survives any mix ------------------------------------------------

JS_PAYLOADS = ("javascript:alert(1)", "vbscript:msgbox(1)",
               "data:text/html,<script>alert(1)</script>",
               "javascript:/*--></title></style></textarea></script><svg/onload=alert(1)>")


@st.composite
def obfuscated_scheme_url(draw: st.DrawFn) -> str:
    """A dangerous URL with random case, whitespace, control characters and entities."""
    payload = draw(st.sampled_from(JS_PAYLOADS))
    scheme, rest = payload.split(":", 1)
    pieces = [draw(st.sampled_from(["", " ", "\x01", "&#32;", "&#x0;"]))]
    for char in scheme + ":":
        char = char.upper() if draw(st.booleans()) else char
        pieces.append(draw(st.sampled_from([
            char, char, f"&#{ord(char)};", f"&#x{ord(char):x};", f"&#x{ord(char):X};",
            f"&#0000{ord(char)}", "&colon;" if char == ":" else char,
        ])))
        pieces.append(draw(st.sampled_from(["", "", "", "\t", "\n", "&Tab;", "&NewLine;", "&#9;"])))
    return "".join(pieces) + rest


URL_VALUES = st.one_of(
    obfuscated_scheme_url(),
    st.sampled_from([
        "https://cdn.example/photo.jpg", "//cdn.example/p.jpg", "/relative.png", "photo.jpg",
        "https://pixel.wp.com/g.gif", "data:image/png;base64,iVBORw0KGgo=", ARCHIVED,
        "archive-image:", "ARCHIVE-IMAGE:ab", "archive-\timage:ab", "mailto:a@b.example",
        "#top", "",
    ]),
)
# Each kind of attribute gets values of its own kind, so that "javascript:" in the output can
# only mean a dangerous URL survived, never a harmless title that mentions it.
ATTRIBUTE_KINDS: tuple[tuple[tuple[str, ...], st.SearchStrategy[str]], ...] = (
    (("href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
      "cite", "lowsrc", "data-src"), URL_VALUES),
    (("srcset",), st.one_of(URL_VALUES, st.just("https://a.example/x 2x, javascript:alert(1) 3x"))),
    (("onclick", "ONERROR", "onLoad", "onmouseover", "srcdoc"),
     st.sampled_from(["alert(1)", "javascript:alert(1)", "&lt;script&gt;alert(1)&lt;/script&gt;"])),
    (("style",), st.sampled_from([
        "display:none", "DISPLAY: none", "visibility:hidden", "color:red",
        "background:url(javascript:alert(1))", "width:expression(alert(1))",
        "background-image:url(https://t.example/p.gif)"])),
    (("width", "height"), st.sampled_from(["1", "0", "640", "100%", "javascript:alert(1)"])),
    (("hidden", "aria-hidden", "alt", "title", "class", "id", "name", "type",
      "http-equiv", "content"),
     st.sampled_from(["1", "0", "100", "x", "true", "until-found", "a > b", "&quot;", "'",
                      "image-missing", "refresh", "0;url=https://evil.example/"])),
)


@st.composite
def attribute(draw: st.DrawFn) -> str:
    names, values = draw(st.sampled_from(ATTRIBUTE_KINDS))
    name, value = draw(st.sampled_from(names)), draw(values)
    quote = draw(st.sampled_from(['"', "'", ""]))
    # Keep the value inside its quotes: a payload that escapes into text is not an attack.
    value = value.replace(quote, "") if quote else re.sub(r"[\s>\"'=<`]", "", value)
    if draw(st.integers(0, 9)) == 0:
        return name  # a bare attribute
    return f"{draw(st.sampled_from([' ', chr(10), '/', '  ']))}{name}={quote}{value}{quote}"


TAG_NAMES = ("script", "SCRIPT", "ScRiPt", "style", "img", "IMG", "image", "a", "A", "svg",
             "math", "iframe", "object", "embed", "param", "form", "input", "button", "textarea",
             "select", "noscript", "template", "title", "xmp", "plaintext", "noembed", "meta",
             "base", "link", "p", "div", "span", "table", "td", "picture", "source", "video",
             "audio", "blockquote", "q", "figure", "details", "foreignObject", "mglyph", "frameset")


TEXT = st.sampled_from(["text", "a < b", "&amp;", "&", "\"quoted\"", "'", ">", "&lt;script&gt;",
                        "alert(1)", " ", "\x00"])
SNIPPETS = st.sampled_from([
    "<scr<script>ipt>alert(1)</script>", "<!-- <script>alert(1)</script> -->", "</script>",
    "<![CDATA[<script>alert(1)</script>]]>", "<img src=x onerror=alert(1)//",
    "<svg/onload=alert(1)>", '<a href="javascript&colon;alert(1)">x</a>', "<!--", "-->",
    "<!--[if IE]><script>alert(1)</script><![endif]-->", "</p>", "<p", "<", "</",
    "<img/src=x/onerror=alert(1)>", '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<style>@import 'https://t.example/a.css';</style>", "<table><img src=x>",
])


def element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    @st.composite
    def build(draw: st.DrawFn) -> str:
        name = draw(st.sampled_from(TAG_NAMES))
        attributes = "".join(draw(st.lists(attribute(), max_size=4)))
        inner = "".join(draw(st.lists(children, max_size=3)))
        closing = draw(st.sampled_from([f"</{name}>", f"</{name}>", "", f"</{name.upper()} >"]))
        return f"<{name}{attributes}>{inner}{closing}"
    return build()


HOSTILE_HTML = st.recursive(st.one_of(TEXT, SNIPPETS), element, max_leaves=12).map(str)
FRAGMENTS = st.lists(HOSTILE_HTML, min_size=1, max_size=4).map("".join)
BASES = st.sampled_from([None, BASE, "javascript:alert(1)", "http://x.example"])
SAFE_LINK = re.compile(r"(?:https?://|mailto:)", re.IGNORECASE)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FRAGMENTS, BASES)
@example('<blockquote cite=https://cdn.example/photo.jpg/href="vbscript:msgbox(1)"></blockquote>',
         None)
def test_nothing_hostile_survives(fragment: str, base: str | None) -> None:
    out = sanitize_html(fragment, base)
    parsed = read(out)
    # Text may say "javascript:" (an article about JavaScript; or what follows a "</script>"
    # written inside a script's string); the markup, entities and whitespace undone, may not —
    # except inside a link whose scheme is safe (checked below), where "https://x/javascript:"
    # is only a path.
    markup = re.sub(r"[\t\n\r]", "", html.unescape("".join(
        f"<{tag} " + " ".join(f"{name}={value}" for name, value in attrs.items()
                              if not (name in ("href", "cite") and value
                                      and SAFE_LINK.match(value)))
        for tag, attrs in parsed.tags))).lower()
    assert "<script" not in out.lower()
    assert "javascript:" not in markup
    assert "vbscript:" not in markup
    found = parsed.tags
    assert out.count("<img") == sum(tag == "img" for tag, _ in found)
    for tag, attrs in found:
        assert tag in ALLOWED_TAGS, tag
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES["*"]
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name in allowed or (tag, name) in {("a", "rel"), ("span", "class")}, name
            if name in ("href", "cite"):
                assert value and SAFE_LINK.match(value), value
        if tag == "img":
            assert (attrs.get("src") or "").startswith("archive-image:"), attrs
