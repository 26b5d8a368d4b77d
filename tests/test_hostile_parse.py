"""Hostile pages and bodies cost a bounded amount: each limit of the parse, clean and store
budget is applied before the expensive step, the article says what was cut, the rest of the
feed is stored as usual and the archive stays consistent.

Every case is generated here, small enough to run quickly: each test asserts the mechanism
(the limit was applied, the note is there, nothing else was lost), never a wall-clock time.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedserver import FeedServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from reader.sync.extract import extract_article

NOTE = "<p><em>Shortened: "
WORDS = " ".join(f"word{i}" for i in range(150))  # long enough not to be a summary


# --- helpers ----------------------------------------------------------------------------------


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


_PIECES = st.sampled_from([
    "<div>", "</div>", "<p>", "</p>", "<b>", "<i title=x>", "</b>", "<ul><li>", "<table><td>",
    "<a href='https://x.example/'>", "</a>", "&amp;", "&e1;", "&", "&#60;", "text ", "é",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg><p>", "<!--", "-->",
    "<a href='javascript:alert(1)'>", "<style>", "</style>", "<", ">", "\"", "<br/>",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_PIECES, st.integers(1, 400)), min_size=1, max_size=12))
def test_sanitized_output_stays_bounded_and_safe(runs: list[tuple[str, int]]) -> None:
    body = "".join(piece * count for piece, count in runs)
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
