"""Finding an article's images, pointing it at archived copies, and checking downloaded bytes."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from html.parser import HTMLParser

import lxml.etree
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, features

from reader.errors import BinaryDocument, DocumentTooLarge
from reader.render import images
from reader.render.images import (
    MAX_IMAGE_BYTES,
    StoredImage,
    archive_image_uri,
    image_sources,
    largest_srcset_candidate,
    prepare_image,
    rewrite_images,
)
from reader.render.sanitize import sanitize_html

BASE = "https://news.example/2024/story.html"
HEX_A = "a" * 64
HEX_B = "b" * 64


class _Images(HTMLParser):
    """The images in markup as a browser reads them: sources, and the attributes each keeps."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sources: list[str | None] = []
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("img", "image"):
            self.sources.append(dict(attrs).get("src"))
            self.attributes.update(name for name, _ in attrs)
        elif tag == "source":
            self.sources.append(dict(attrs).get("srcset"))


def parsed(markup: str) -> _Images:
    parser = _Images()
    parser.feed(markup)
    parser.close()
    return parser


# --- image_sources ----------------------------------------------------------------------------


def test_relative_sources_made_absolute() -> None:
    body = '<img src="photo.jpg"><img src="/img/a.png"><img src="//cdn.example/b.gif">'
    assert image_sources(body, BASE) == [
        "https://news.example/2024/photo.jpg",
        "https://news.example/img/a.png",
        "https://cdn.example/b.gif",
    ]


def test_relative_sources_without_base_skipped() -> None:
    body = '<img src="photo.jpg"><img src="https://cdn.example/a.jpg"><img src="//cdn.example/b">'
    assert image_sources(body, None) == ["https://cdn.example/a.jpg", "https://cdn.example/b"]


def test_srcset_largest_candidate_chosen() -> None:
    body = ('<img src="small.jpg" srcset="a-320.jpg 320w, a-1280.jpg 1280w, a-640.jpg 640w">'
            '<img src="b.jpg" srcset="b.jpg 1x, b@3x.jpg 3x, b@2x.jpg 2x">')
    assert image_sources(body, BASE) == [
        "https://news.example/2024/a-1280.jpg",
        "https://news.example/2024/b@3x.jpg",
    ]


def test_srcset_urls_with_commas() -> None:
    srcset = ("https://res.example/w_300,h_200/x.jpg 300w,"
              "https://res.example/w_900,h_600/x.jpg 900w, https://res.example/plain.jpg,")
    assert largest_srcset_candidate(srcset) == "https://res.example/w_900,h_600/x.jpg"
    assert largest_srcset_candidate("only.jpg") == "only.jpg"
    assert largest_srcset_candidate("a.jpg 2q, b.jpg") == "b.jpg"
    assert largest_srcset_candidate("") is None


def test_picture_source_preferred() -> None:
    body = ('<picture><source type="image/jxl" srcset="p.jxl">'
            '<source media="(max-width: 600px)" srcset="p-small.webp">'
            '<source type="image/webp" srcset="p.webp 1x, p@2x.webp 2x">'
            '<img src="p.jpg" alt="pic"></picture>')
    assert image_sources(body, BASE) == ["https://news.example/2024/p@2x.webp"]


def test_lazy_loading_source_preferred_over_placeholder() -> None:
    body = ('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="real.jpg">'
            '<img src="blank.gif" data-srcset="lazy-1x.jpg 1x, lazy-2x.jpg 2x">')
    assert image_sources(body, BASE) == [
        "https://news.example/2024/real.jpg",
        "https://news.example/2024/lazy-2x.jpg",
    ]


def test_sources_deduplicated_in_order() -> None:
    body = ('<img src="b.jpg"><img src="a.jpg"><img src="https://news.example/2024/b.jpg">'
            "<img src=a.jpg>")
    assert image_sources(body, BASE) == [
        "https://news.example/2024/b.jpg", "https://news.example/2024/a.jpg"]


def test_tracking_pixels_excluded() -> None:
    body = ('<img src="https://pixel.wp.com/g.gif?v=1"><img src="px.gif" width="1" height="1">'
            '<img src="px2.gif" style="width:1px;height:1px"><img src="zero.gif" width="0">'
            '<img src="http://feeds.feedburner.com/~r/Example/~4/abc">'
            '<img src="https://www.google-analytics.com/collect?v=1"><img src="real.jpg">')
    assert image_sources(body, BASE) == ["https://news.example/2024/real.jpg"]


def test_data_uris_excluded() -> None:
    body = '<img src="data:image/png;base64,iVBORw0KGgo="><img src="DATA:image/gif;base64,R0">'
    assert image_sources(body, BASE) == []


def test_other_schemes_excluded() -> None:
    body = ('<img src="javascript:alert(1)"><img src="file:///etc/passwd">'
            '<img src="ftp://x.example/a.jpg"><img src="archive-image:' + HEX_A + '">')
    assert image_sources(body, BASE) == []


def test_old_image_tag_and_garbage() -> None:
    assert image_sources("<image src=old.png>text<b>x</b>", BASE) == [
        "https://news.example/2024/old.png"]
    assert image_sources("", BASE) == []
    for garbage in ("<<img src=<>>\x00\ud800<img src='ok.png'", "<img src=", "</img><img/>",
                    "<picture><source srcset=><source>"):
        assert all(url.startswith("https://") for url in image_sources(garbage, BASE))


# --- rewrite_images ---------------------------------------------------------------------------


def test_mapped_image_points_into_archive() -> None:
    body = ('<p>Look <img src="photo.jpg" alt="A cat" srcset="photo-2x.jpg 2x" sizes="50vw">'
            " here</p>")
    url = image_sources(body, BASE)[0]
    out = rewrite_images(body, BASE, {url: archive_image_uri(HEX_A)})
    assert out == f'<p>Look <img src="archive-image:{HEX_A}" alt="A cat"> here</p>'


def test_any_candidate_of_an_image_may_be_mapped() -> None:
    body = '<img src="small.jpg" srcset="big.jpg 2x">'
    out = rewrite_images(body, BASE, {"https://news.example/2024/small.jpg": archive_image_uri(
        HEX_B)})
    assert out == f'<img src="archive-image:{HEX_B}">'


def test_failed_download_becomes_placeholder_with_alt() -> None:
    body = '<p>a<img src="photo.jpg" alt="Fish &amp; chips <b>now</b>">b</p>'
    out = rewrite_images(body, BASE, {"https://news.example/2024/photo.jpg": None})
    assert out == ('<p>a<span class="image-missing">[image: Fish &amp; chips &lt;b&gt;now'
                   "&lt;/b&gt;]</span>b</p>")


def test_unmapped_image_becomes_placeholder() -> None:
    out = rewrite_images('<img src="photo.jpg">after', BASE, {})
    assert out == '<span class="image-missing">[image]</span>after'


def test_mapping_to_a_remote_url_is_not_trusted() -> None:
    out = rewrite_images('<img src="a.jpg" alt="x">', BASE,
                         {"https://news.example/2024/a.jpg": "https://evil.example/a.jpg"})
    assert out == '<span class="image-missing">[image: x]</span>'


def test_data_image_becomes_placeholder() -> None:
    out = rewrite_images('<img src="data:image/png;base64,AAAA" alt="inline chart">', BASE, {})
    assert out == '<span class="image-missing">[image: inline chart]</span>'


def test_pixels_removed_not_placeholdered() -> None:
    out = rewrite_images('<p>a<img src="https://pixel.wp.com/g.gif">b<img src="p.gif" width="1" '
                         'height="1">c</p>', BASE, {})
    assert out == "<p>abc</p>"


def test_picture_keeps_one_image() -> None:
    body = ('<picture><source type="image/webp" srcset="p.webp"><img src="p.jpg" alt="pic">'
            "</picture><p>after</p>")
    out = rewrite_images(body, BASE, {"https://news.example/2024/p.webp": archive_image_uri(
        HEX_A)})
    assert out == f'<picture><img src="archive-image:{HEX_A}" alt="pic"></picture><p>after</p>'


def test_no_remote_url_remains() -> None:
    body = ('<p><img src="a.jpg" srcset="a2.jpg 2x" data-src="lazy.jpg"></p>'
            '<picture><source srcset="https://cdn.example/s.webp"><img src="https://cdn.example/'
            's.jpg"></picture><img src="//cdn.example/c.png"><image src="d.png">'
            '<img src="https://cdn.example/ok.jpg">')
    sources = image_sources(body, BASE)
    mapping: dict[str, str | None] = {url: None for url in sources}
    mapping[sources[-1]] = archive_image_uri(HEX_A)
    out = rewrite_images(body, BASE, mapping)
    assert "example/" not in out and ".jpg" not in out
    assert parsed(out).sources == [f"archive-image:{HEX_A}"]
    assert image_sources(out, BASE) == []


def test_rewriting_twice_changes_nothing() -> None:
    body = '<p>x<img src="a.jpg" alt="a"><img src="b.jpg"></p>'
    once = rewrite_images(body, BASE, {"https://news.example/2024/a.jpg": archive_image_uri(
        HEX_A)})
    assert rewrite_images(once, BASE, {}) == once


def test_body_without_images_returned_unchanged() -> None:
    body = "<p>No <b>images</b> here &amp; there</p>"
    assert rewrite_images(body, BASE, {}) == body


def test_whole_document_rewritten_as_fragment() -> None:
    body = '<html><head><title>T</title></head><body><p>x</p><img src="a.jpg"></body></html>'
    out = rewrite_images(body, BASE, {"https://news.example/2024/a.jpg": archive_image_uri(
        HEX_A)})
    assert out == f'<title>T</title><p>x</p><img src="archive-image:{HEX_A}">'


def test_control_characters_around_images() -> None:
    body = '\x1f<p>a<img src="x.jpg" alt="b\x01c">\x0b d<picture><source srcset="s.webp">\x1f</p>'
    out = rewrite_images(body, BASE, {})
    assert out == '<p>a<span class="image-missing">[image: bc]</span> d<picture></picture></p>'


def test_lxml_failure_drops_images(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(markup: str) -> None:
        raise lxml.etree.ParserError("Document is empty")

    monkeypatch.setattr(images, "parse_fragment", unreadable)
    body = '<p>text<img src="https://cdn.example/a.jpg"></p><script>x</script>'
    assert image_sources(body, BASE) == []
    assert rewrite_images(body, BASE, {}) == "<p>text</p>"


def test_rewritten_images_survive_sanitizing() -> None:
    body = '<p><img src="a.jpg" alt="A"><img src="b.jpg" alt="B"></p>'
    out = rewrite_images(body, BASE, {"https://news.example/2024/a.jpg": archive_image_uri(
        HEX_A), "https://news.example/2024/b.jpg": None})
    assert sanitize_html(out, BASE) == (
        f'<p><img src="archive-image:{HEX_A}" alt="A"><span class="image-missing">[image: B]'
        "</span></p>")


IMAGE_URLS = st.sampled_from([
    "a.jpg", "/b.png", "//cdn.example/c.gif", "https://cdn.example/d.webp", "data:image/png;b,A",
    "https://pixel.wp.com/g.gif", "javascript:alert(1)", "", "e.jpg 2x, f.jpg 3x",
    f"archive-image:{HEX_A}",
])
IMAGE_ATTRIBUTES = st.sampled_from(["src", "srcset", "data-src", "data-srcset", "width", "alt"])


@st.composite
def image_markup(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        tag = draw(st.sampled_from(["img", "image", "IMG", "source", "picture", "p", "a"]))
        attributes = "".join(f' {draw(IMAGE_ATTRIBUTES)}="{draw(IMAGE_URLS)}"'
                             for _ in range(draw(st.integers(0, 3))))
        parts.append(f"<{tag}{attributes}>" + draw(st.sampled_from(["", "t", "</picture>"])))
    return "".join(parts)


@settings(max_examples=150, deadline=None)
@given(image_markup(), st.sampled_from([None, BASE]), st.booleans())
def test_rewriting_leaves_nothing_to_download(body: str, base: str | None, works: bool) -> None:
    mapping = {url: archive_image_uri(HEX_B) if works else None
               for url in image_sources(body, base)}
    out = rewrite_images(body, base, mapping)
    assert image_sources(out, base) == []
    images = parsed(out)
    for source in images.sources:
        assert source is not None and source.startswith("archive-image:"), out
    assert not images.attributes & {"srcset", "sizes", "data-src", "data-srcset"}, out


# --- prepare_image ----------------------------------------------------------------------------


def encoded(kind: str, size: tuple[int, int] = (6, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A structurally valid PNG that claims ``width`` x ``height`` but holds almost no data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


KEPT = [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"),
        ("WEBP", "image/webp"), ("BMP", "image/bmp")]
if features.check("avif"):
    KEPT.append(("AVIF", "image/avif"))


@pytest.mark.parametrize(("kind", "mime_type"), KEPT)
def test_kept_formats_described(kind: str, mime_type: str) -> None:
    data = encoded(kind)
    assert prepare_image(data) == StoredImage(
        sha256=hashlib.sha256(data).hexdigest(), mime_type=mime_type, width=6, height=4,
        data=data)


def test_svg_refused() -> None:
    svg = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
           b'height="10"><script>alert(1)</script></svg>')
    with pytest.raises(BinaryDocument, match="SVG"):
        prepare_image(svg)
    with pytest.raises(BinaryDocument, match="SVG"):
        prepare_image(b"\xef\xbb\xbf  <svg><rect/></svg>")


def test_text_refused() -> None:
    with pytest.raises(BinaryDocument, match="not an image we keep"):
        prepare_image(b"Hello, this is plain text and not a picture at all.")
    with pytest.raises(BinaryDocument, match="markup"):
        prepare_image(b"<!DOCTYPE html><html><body>404 not found</body></html>")


def test_empty_refused() -> None:
    with pytest.raises(BinaryDocument):
        prepare_image(b"")


def test_other_image_formats_refused() -> None:
    with pytest.raises(BinaryDocument, match="not an image we keep"):
        prepare_image(encoded("TIFF"))
    with pytest.raises(BinaryDocument, match="not an image we keep"):
        prepare_image(encoded("ICO"))


def test_truncated_png_refused() -> None:
    with pytest.raises(BinaryDocument):
        prepare_image(encoded("PNG")[:45])


def test_one_by_one_pixel_refused() -> None:
    with pytest.raises(BinaryDocument, match="tracking pixel"):
        prepare_image(encoded("GIF", (1, 1)))


def test_oversized_refused_before_reading() -> None:
    with pytest.raises(DocumentTooLarge):
        prepare_image(encoded("PNG") + b"\0" * MAX_IMAGE_BYTES)


def test_decompression_bomb_refused() -> None:
    with pytest.raises(BinaryDocument, match="decompression bomb"):
        prepare_image(png_header(100_000, 100_000))  # past Pillow's hard limit


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_pillow_merely_warns_about_is_refused() -> None:
    with pytest.raises(BinaryDocument, match="too many to decode safely"):
        prepare_image(png_header(10_000, 10_000))


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_bomb_warning_raised_as_error_still_refused() -> None:
    with pytest.raises(BinaryDocument, match="decompression bomb"):
        prepare_image(png_header(10_000, 10_000))


def test_too_many_pixels_for_the_viewer_refused() -> None:
    with pytest.raises(BinaryDocument, match="pixels"):
        prepare_image(png_header(8_000, 8_000))
