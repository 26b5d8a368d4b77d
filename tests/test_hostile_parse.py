"""Hostile feeds, pages and bodies cost a bounded amount: each limit of the parse, clean and store
budget is applied before the expensive step, the article says what was cut, the rest of the
feed is stored as usual and the archive stays consistent.

Every case is generated here, small enough to run quickly: each test asserts the mechanism
(the limit was applied, the note is there, nothing else was lost), never a wall-clock time.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from feedserver import FeedServer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reader import importing
from reader.archive import Archive
from reader.cli import main
from reader.render import budget
from reader.render.budget import (
    MAX_ATTRIBUTES,
    MAX_BODY_BYTES,
    MAX_DEPTH,
    MAX_OPEN_FORMATTING,
    REFERENCES_PER_RUN,
    WORD_BREAK_CHARS,
    ZERO_WIDTH_SPACE,
    limit_body,
)
from reader.render.plaintext import html_to_text
from reader.render.sanitize import parse_fragment, sanitize_html
from reader.sync import feeds, pipeline
from reader.sync.extract import extract_article
from reader.textpage import MAX_TEXT_PAGE_LINES, parse_text_page

NOTE = "<p><em>Shortened: "
WORDS = " ".join(f"word{i}" for i in range(150))  # long enough not to be a summary


# --- helpers ----------------------------------------------------------------------------------


def rss(items: list[tuple[str, str]], dtd: str = "", escape: bool = True) -> bytes:
    """An RSS 2.0 feed of (guid, body) items, each a minute older than the one before."""
    start = datetime(2024, 11, 4, 9, 0, tzinfo=UTC)
    entries = "".join(
        f"<item><title>Story {guid}</title><guid>{guid}</guid>"
        f"<pubDate>{format_datetime(start - timedelta(minutes=n), usegmt=True)}</pubDate>"
        f"<description>{html.escape(body, quote=False) if escape else body}</description></item>\n"
        for n, (guid, body) in enumerate(items))
    return (f'<?xml version="1.0" encoding="utf-8"?>\n{dtd}<rss version="2.0"><channel>'
            f"<title>Hostile Herald</title><link>http://127.0.0.1/</link>\n{entries}"
            f"</channel></rss>\n").encode()


def ordinary(n: int) -> tuple[str, str]:
    return f"ok{n}", f"<p>An ordinary story, number {n}. {WORDS} seawall{n}</p>"


_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)[^>]*>")
_VOID = budget.VOID_ELEMENTS


def depth(markup: str) -> int:
    """The deepest element nesting of serializer output (every non-void element is closed)."""
    deepest = level = 0
    for match in _TAG.finditer(markup):
        if match.group(2) in _VOID:
            continue
        level += -1 if match.group(1) else 1
        deepest = max(deepest, level)
    return deepest


def stored_bodies(archive: Archive) -> dict[str, str]:
    """Each article's stored HTML by title."""
    found: dict[str, str] = {}
    for row in archive.headlines("").rows:
        article = archive.article(row.id)
        found[article.title] = article.body_html
    return found


def cli(archive: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--archive", str(archive), *argv], out)
    return code, out.getvalue()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as started:
        yield started


# --- the sanitizer's budget -------------------------------------------------------------------


def test_many_unknown_references_are_kept_as_text_in_short_runs() -> None:
    body = "<p>" + "".join(f"&e{i};" for i in range(20_000)) + "</p>"
    cleaned = sanitize_html(body)
    # Nothing is lost: the references are text, as browsers show them (with breaks in the
    # one long word they make)...
    text = html_to_text(cleaned)
    assert text.replace(ZERO_WIDTH_SPACE, "") == "".join(f"&e{i};" for i in range(20_000))
    assert NOTE not in cleaned
    # ...but no run of text between two tags holds more than a few references, which is what
    # keeps html5ever's per-reference cost bounded.
    runs = re.split(r"<[^>]*>", cleaned)
    assert max(run.count("&") for run in runs) <= REFERENCES_PER_RUN
    assert cleaned.count("<wbr>") >= 20_000 // REFERENCES_PER_RUN - 1


def test_references_in_an_attribute_are_cut_with_the_attribute() -> None:
    title = "&amp;" * (budget.MAX_ATTRIBUTE_CHARS // 4)
    cleaned = sanitize_html(f'<p><abbr title="{title}">x</abbr> kept</p>')
    assert "title=" not in cleaned and "kept" in cleaned


def test_deep_nesting_is_flattened_and_the_article_says_so() -> None:
    body = ("<p>before</p>" + "<div>" * 20_000 + "deep text" + "</div>" * 20_000
            + "<p>after</p>")
    cleaned = sanitize_html(body)
    assert depth(cleaned) <= MAX_DEPTH
    text = html_to_text(cleaned)
    assert "before" in text and "deep text" in text and "after" in text
    assert cleaned.endswith(
        f"{NOTE}its markup was nested more than {MAX_DEPTH} levels deep; "
        f"{20_000 - MAX_DEPTH:,} deeper elements were flattened</em></p>")


@pytest.mark.parametrize("opening", ["<ul><li>", "<p><div>", "<table><tr><td>", "<blockquote>"])
def test_deep_lists_tables_and_quotes_are_flattened(opening: str) -> None:
    cleaned = sanitize_html(opening * 5_000 + "deepest")
    assert depth(cleaned) <= MAX_DEPTH
    assert "deepest" in html_to_text(cleaned)
    assert NOTE in cleaned


def test_formatting_elements_left_open_cannot_multiply() -> None:
    # html5ever re-creates every formatting element an implied end tag closed in each block
    # that follows: 61 KB of this became 163 MB. The budget closes them itself.
    body = ("<p>" + "".join(f"<b title=t{i}>" for i in range(2_000)) + "</p>"
            + "<p>x</p>" * 4_000)
    cleaned = sanitize_html(body)
    assert len(cleaned) < 2 * len(body)
    assert cleaned.count("<b ") <= MAX_OPEN_FORMATTING
    assert html_to_text(cleaned).count("x") == 4_000
    assert NOTE in cleaned and "emphasis and link elements" in cleaned


def test_a_tag_with_thousands_of_attributes_keeps_only_the_first() -> None:
    attributes = " ".join(f"data-a{i}=x" for i in range(20_000))
    walked = limit_body(f'<p><a href="https://example.org/" {attributes}>link</a> text</p>')
    assert walked.html.count("data-a") == MAX_ATTRIBUTES - 1
    cleaned = sanitize_html(walked.html)
    assert 'href="https://example.org/"' in cleaned and "text" in cleaned


def test_an_oversized_attribute_goes_and_its_tag_stays() -> None:
    long_title = "x" * (budget.MAX_ATTRIBUTE_CHARS + 1)
    cleaned = sanitize_html(f'<p><a title="{long_title}"href="https://example.org/">l</a></p>')
    assert cleaned == ('<p><a href="https://example.org/" rel="noopener noreferrer nofollow">'
                       "l</a></p>")


def test_a_long_word_gets_breaks_and_keeps_every_character() -> None:
    word = "a" * 1_000_000
    cleaned = sanitize_html(f"<p>before {word} after</p>")
    text = html_to_text(cleaned)
    assert text.replace(ZERO_WIDTH_SPACE, "") == f"before {word} after"
    assert max(len(piece) for piece in re.split(rf"[\s{ZERO_WIDTH_SPACE}]", text)) \
        <= WORD_BREAK_CHARS
    assert NOTE not in cleaned  # nothing was cut


def test_a_long_word_never_splits_a_reference() -> None:
    word = "&eacute;" * 1_000
    cleaned = sanitize_html(f"<p>{word}</p>")
    assert html_to_text(cleaned).replace(ZERO_WIDTH_SPACE, "") == "é" * 1_000


def test_a_huge_body_is_cut_and_says_how_big_it_was() -> None:
    body = "<p>" + "Many words in a paragraph. " * 120_000 + "</p>"  # 3.2 MB
    cleaned = sanitize_html(body)
    assert len(cleaned.encode()) < MAX_BODY_BYTES + 1000
    assert cleaned.endswith(
        f"{NOTE}the original body was 3.2 MB; the first 2.0 MB are kept</em></p>")


def test_sanitizing_a_budgeted_body_again_changes_nothing() -> None:
    body = "<div>" * 300 + "".join(f"&e{i};" for i in range(3_000)) + "a" * 500
    once = sanitize_html(body)
    assert sanitize_html(once) == once


def test_the_budget_keeps_ordinary_bodies_as_they_are() -> None:
    body = f'<p>Text with <a href="https://example.org/a?b=1&amp;c=2">a link</a>. {WORDS}</p>'
    assert limit_body(body).html is body
    assert limit_body(body, walk=True).html == body


def test_a_walk_can_be_asked_for_below_the_gate() -> None:
    body = "<div> " * 500 + "x"
    assert depth(sanitize_html(body)) == 500  # cheap for the sanitizer: left alone
    assert depth(limit_body(body, walk=True).html) == MAX_DEPTH


_PIECES = st.sampled_from([
    "<div>", "</div>", "<p>", "</p>", "<b>", "<i title=x>", "</b>", "<ul><li>", "<table><td>",
    "<a href='https://x.example/'>", "</a>", "&amp;", "&e1;", "&", "&#60;", "text ", "é",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg><p>", "<!--", "-->",
    "<a href='javascript:alert(1)'>", "<style>", "</style>", "<", ">", "\"", "<br/>",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_PIECES, st.integers(1, 400)), min_size=1, max_size=12))
@example([("<table><td>", 1)])
def test_sanitized_output_stays_bounded_and_safe(runs: list[tuple[str, int]]) -> None:
    generated = "".join(piece * count for piece, count in runs)
    # Below the tag gate a body is not walked: it nests about as deep as it has tags (a
    # table's cell brings the tbody and tr an HTML parser implies: twice, at most).
    assert depth(sanitize_html(generated)) <= 2 * max(generated.count("<"), 1)
    body = "<span></span>" * 800 + generated  # past the gate: the walk holds it
    cleaned = sanitize_html(body)
    assert depth(cleaned) <= MAX_DEPTH + MAX_OPEN_FORMATTING
    assert len(cleaned) <= 8 * len(body) + 2000
    lowered = cleaned.lower()
    assert "<script" not in lowered and "javascript:" not in lowered
    assert not re.search(r"<[^>]*\son\w+=", lowered)
    assert "<img" not in lowered and "<svg" not in lowered and "<style" not in lowered


# --- parsing for lxml (images, pages) ---------------------------------------------------------


def test_lxml_keeps_what_follows_deep_nesting() -> None:
    # libxml2 stops at depth 256 and drops the rest of its input.
    root = parse_fragment("<div>" * 1_000 + "deep" + "</div>" * 1_000 + "<p>after</p>")
    text = root.text_content()
    assert "deep" in text and "after" in text


def test_a_web_page_with_deep_nesting_keeps_its_article() -> None:
    first = "<p>" + " ".join(f"first{i}" for i in range(150)) + "</p>"
    second = "<p>" + " ".join(f"second{i}" for i in range(150)) + "</p>"
    page = (f"<html><head><title>Deep</title></head><body><article><h1>Deep</h1>{first}"
            + "<div>" * 20_000 + "x" + "</div>" * 20_000 + f"{second}</article></body></html>")
    draft = extract_article(page.encode(), "https://example.org/deep")
    assert "second149" in draft.body_html and "first0" in draft.body_html
    assert re.search(rf"{NOTE}its markup was nested more than {budget.PAGE_MAX_DEPTH} levels "
                     r"deep; 19,[0-9]{3} deeper elements were flattened</em></p>\Z",
                     draft.body_html)


def test_add_page_of_a_deep_page_stores_the_article_with_its_note(
        archive_path: Path, server: FeedServer) -> None:
    second = "<p>" + " ".join(f"second{i}" for i in range(150)) + "</p>"
    page = (f"<html><head><title>Deep page</title></head><body><article><h1>Deep page</h1>"
            f"<p>{WORDS}</p>" + "<div>" * 10_000 + "x" + "</div>" * 10_000
            + f"{second}</article></body></html>")
    server.add("/deep", page.encode(), content_type="text/html; charset=utf-8")
    code, text = cli(archive_path, "add", "--page", server.url("/deep"))
    assert code == 0, text
    with Archive.open(archive_path) as archive:
        [body] = stored_bodies(archive).values()
        assert "second149" in body and "nested more than" in body
        assert [row.title for row in archive.headlines("second149").rows] == ["Deep page"]
        archive.check()


# --- feeds ------------------------------------------------------------------------------------


@pytest.fixture
def small_entry_cap(monkeypatch: pytest.MonkeyPatch) -> int:
    """The entry budget made small, so that a test feed needs hundreds of entries, not 200,000."""
    monkeypatch.setattr(feeds, "MAX_FEED_ENTRIES", 40)
    return 40


@pytest.mark.parametrize("newest_first", [True, False])
def test_a_feed_keeps_its_newest_entries_and_counts_the_rest(small_entry_cap: int,
                                                             newest_first: bool) -> None:
    items = [(f"g{n}", f"<p>Body {n}</p>") for n in range(500)]  # g0 is the newest
    document = rss(items)
    if not newest_first:  # the same entries, listed oldest first
        head, _, rest = document.partition(b"<item>")
        body, _, tail = ("<item>" + rest.decode()).rpartition("</item>")
        entries = [part + "</item>" for part in body.split("</item>") if part.strip()]
        document = head + "".join(reversed(entries)).encode() + b"\n" + tail.encode()
    feed = feeds.parse_feed(document)
    assert sorted(int(draft.guid[1:]) for draft in feed.entries) == list(range(small_entry_cap))
    assert feed.dropped == 500 - small_entry_cap
    assert feed.note == (f"the feed has 500 entries; the newest {small_entry_cap} were kept "
                         f"and {500 - small_entry_cap} older ones dropped")


def test_a_feed_read_by_feedparser_is_capped_too(small_entry_cap: int) -> None:
    document = rss([(f"g{n}", "<p>x</p>") for n in range(300)]).replace(
        b'version="2.0"', b'version="0.91"')
    feed = feeds.parse_feed(document)
    assert feed.format == "rss091" and len(feed.entries) == small_entry_cap
    assert feed.dropped == 300 - small_entry_cap


def test_a_json_feed_keeps_its_newest_items(small_entry_cap: int) -> None:
    start = datetime(2024, 11, 4, tzinfo=UTC)
    items = [{"id": f"j{n}", "content_html": "<p>x</p>",
              "date_published": (start + timedelta(hours=n)).isoformat()} for n in range(300)]
    document = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J",
                           "items": items}).encode()
    feed = feeds.parse_feed(document)
    assert {draft.guid for draft in feed.entries} == {f"j{n}" for n in range(260, 300)}
    assert feed.dropped == 260


def test_an_undated_feed_keeps_its_first_entries(small_entry_cap: int) -> None:
    document = b"".join(
        [b'<?xml version="1.0"?><rss version="2.0"><channel><title>U</title>',
         *(f"<item><guid>u{n}</guid><description>x</description></item>".encode()
           for n in range(100)), b"</channel></rss>"])
    feed = feeds.parse_feed(document)
    assert [draft.guid for draft in feed.entries] == [f"u{n}" for n in range(small_entry_cap)]


def test_a_huge_entry_body_is_cut_while_parsing(tmp_path: Path) -> None:
    body = "<p>" + "Words and more words. " * 150_000 + "</p>"  # 3.3 MB
    feed = feeds.parse_feed(rss([("big", body), ordinary(1)]))
    big = feed.entries[0].body_html
    assert len(big.encode()) < MAX_BODY_BYTES + 100
    cleaned = sanitize_html(big)
    assert "broadsheet-cut" not in cleaned
    assert cleaned.endswith(f"{NOTE}the original body was 3.3 MB; the first 2.0 MB are "
                            "kept</em></p>")
    assert feed.entries[1].body_html == ordinary(1)[1]


def test_an_entity_expanding_to_markup_stays_within_the_nesting_budget() -> None:
    # Each use is counted against xmlguard's expansion budget, and stays under it; whether a
    # parser expands it into markup or keeps it as text, the body stays within the budget.
    dtd = '<!DOCTYPE rss [<!ENTITY d "&#60;ul&#62;&#60;li&#62;">]>\n'
    for version in ("2.0", "0.91"):
        document = rss([("nest", "&d;" * 60_000 + "bottom"), ordinary(1)], dtd, escape=False)
        feed = feeds.parse_feed(document.replace(b'version="2.0"', f'version="{version}"'.encode()))
        cleaned = sanitize_html(feed.entries[0].body_html)
        assert depth(cleaned) <= MAX_DEPTH and "bottom" in cleaned


def test_a_short_entity_used_many_times_is_text_in_short_runs() -> None:
    dtd = '<!DOCTYPE rss [<!ENTITY s "abcdefgh">]>\n'
    feed = feeds.parse_feed(rss([("uses", "<p>" + "&s;" * 100_000 + "</p>")], dtd,
                                escape=False))
    cleaned = sanitize_html(feed.entries[0].body_html)
    assert max(run.count("&") for run in re.split(r"<[^>]*>", cleaned)) <= REFERENCES_PER_RUN


def test_many_entities_in_a_title_are_cut_to_the_title_budget(archive: Archive) -> None:
    title = "&amp;lt;" * 100_000
    document = rss([ordinary(1)]).replace(b"<title>Story ok1</title>",
                                          f"<title>{title}</title>".encode())
    [draft] = feeds.parse_feed(document).entries
    archive.store([draft])
    [row] = archive.headlines("").rows
    assert len(row.title) <= 1000
    archive.check()


# --- sync and import of hostile feeds ---------------------------------------------------------


def hostile_items() -> list[tuple[str, str]]:
    return [
        ("refs", "<p>" + "".join(f"&e{i};" for i in range(30_000)) + "</p>"),
        ("divs", "<div>" * 20_000 + "deepword" + "</div>" * 20_000),
        ("word", "<p>longword" + "z" * 300_000 + " tail</p>"),
        ("bold", "<p>" + "".join(f"<b title=t{i}>" for i in range(1_000)) + "</p>"
                 + "<p>x</p>" * 2_000),
        ordinary(1), ordinary(2),
    ]


def test_sync_of_a_hostile_feed_stores_every_entry(archive_path: Path,
                                                   server: FeedServer) -> None:
    server.add("/hostile.xml", rss(hostile_items()))
    server.add("/good.xml", rss([ordinary(3)]))
    with Archive.open(archive_path) as archive:
        for path in ("/hostile.xml", "/good.xml"):
            code, text = cli(archive_path, "add", server.url(path))
            assert code == 0, text
        reports = pipeline.sync(archive, processes=0)
        assert [(report.status, report.new) for report in reports] == [("ok", 6), ("ok", 1)]
        bodies = stored_bodies(archive)
        assert "nested more than" in bodies["Story divs"]
        assert "emphasis and link elements" in bodies["Story bold"]
        assert NOTE not in bodies["Story refs"] and NOTE not in bodies["Story word"]
        for word in ("deepword", "seawall1", "seawall3", "e29999", "tail"):
            assert len(archive.headlines(word).rows) == 1, word
        archive.check()


def test_sync_reports_the_entries_a_feed_lost_to_the_cap(archive_path: Path, server: FeedServer,
                                                         small_entry_cap: int) -> None:
    note = (f"the feed has 100 entries; the newest {small_entry_cap} were kept and "
            f"{100 - small_entry_cap} older ones dropped")
    server.add("/many.xml", rss([ordinary(n) for n in range(100)]))
    server.add("/more.xml", rss([ordinary(n) for n in range(100, 200)]))
    cli(archive_path, "add", server.url("/many.xml"))
    code, text = cli(archive_path, "sync")
    assert code == 0 and f"{small_entry_cap} new, 0 updated ({note})" in text
    with Archive.open(archive_path) as archive:
        cli(archive_path, "add", server.url("/more.xml"))
        [report] = pipeline.sync(archive, [2], processes=0)
        assert report.new == small_entry_cap and report.note == note
        assert archive.totals().articles == 2 * small_entry_cap
        archive.check()


def test_import_of_a_hostile_feed_file_stores_every_entry(archive_path: Path, tmp_path: Path,
                                                          small_entry_cap: int) -> None:
    path = tmp_path / "hostile.xml"
    path.write_bytes(rss(hostile_items() + [ordinary(n) for n in range(10, 60)]))
    with Archive.open(archive_path) as archive:
        [result] = importing.import_paths(archive, [path])
        assert result.status == "imported"
        assert len(result.article_ids) == small_entry_cap
        assert result.note == (f"the feed has 56 entries; the newest {small_entry_cap} were "
                               f"kept and {56 - small_entry_cap} older ones dropped")
        bodies = stored_bodies(archive)
        assert "nested more than" in bodies["Story divs"]
        assert len(archive.headlines("deepword").rows) == 1
        archive.check()


# --- text pages -------------------------------------------------------------------------------


def test_a_text_page_of_many_lines_is_read_to_its_line_budget() -> None:
    lines = ["A title", ""] + [f"Line {n} of the page." for n in range(MAX_TEXT_PAGE_LINES * 2)]
    draft = parse_text_page("\n".join(lines))
    assert f"Line {MAX_TEXT_PAGE_LINES - 3} of" in draft.body_html
    assert f"Line {MAX_TEXT_PAGE_LINES} of" not in draft.body_html
    assert draft.body_html.endswith(
        f"{NOTE}the page has {len(lines):,} lines; the first {MAX_TEXT_PAGE_LINES:,} are "
        "kept</em></p>")
    assert sanitize_html(draft.body_html) == draft.body_html


def test_a_text_page_of_few_long_lines_is_read_to_its_character_budget(
        archive_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("A title\n\n" + ("A long line of words. " * 5_000 + "\n\n") * 30)
    with Archive.open(archive_path) as archive:
        [result] = importing.import_paths(archive, [path])
        assert result.status == "imported"
        body = archive.article(result.article_ids[0]).body_html
        assert len(body) < 1_100_000 and "characters; the first" in body
        archive.check()
