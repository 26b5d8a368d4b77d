"""Tests for reading scraped text pages (reader.textpage) against small hand-written pages."""

from __future__ import annotations

import contextlib
import re
import time
from datetime import UTC, datetime
from pathlib import Path

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
from reader.records import ArticleDraft, RelatedDraft
from reader.textpage import (
    MAX_TEXT_PAGE_BYTES,
    MAX_TEXT_PAGE_LINES,
    decode_text,
    parse_text_page,
    read_text_page,
)

PAGES = Path(__file__).resolve().parent / "fixtures" / "textpages"
SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed"
SEED_PAGE = SEED / "000_3bd8d772fca55231.txt"

# conftest.py's autouse fixture gives every test its own tmp_path; these properties never use
# it, so sharing it across examples is harmless.
PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def read_page(name: str) -> ArticleDraft:
    return read_text_page((PAGES / name).read_bytes())


def day(year: int, month: int, date: int) -> datetime:
    return datetime(year, month, date, tzinfo=UTC)


def elements(body_html: str) -> list[tuple[str, str]]:
    """(element name, text) for every element of a body, in order."""
    return re.findall(r"<(p|h2)>(.*?)</\1>", body_html)


def headings(body_html: str) -> list[str]:
    return [text for name, text in elements(body_html) if name == "h2"]


def paragraphs(body_html: str) -> list[str]:
    return [text for name, text in elements(body_html) if name == "p"]


# --- decoding ------------------------------------------------------------------------------------


def test_max_text_page_bytes_is_twenty_mebibytes() -> None:
    assert MAX_TEXT_PAGE_BYTES == 20 * 1024 * 1024


def test_utf8_page_keeps_curly_quotes_and_drops_no_break_spaces() -> None:
    text = decode_text((PAGES / "basic_blocks.txt").read_bytes())
    assert "“We kept every rivet we could,”" in text
    assert "\u00a0" not in text
    assert "tram cross.    \n" in text


def test_utf8_bom_is_not_part_of_the_title() -> None:
    data = (PAGES / "utf8_bom.txt").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert read_page("utf8_bom.txt").title == "Harvest Festival Draws Record Crowds"


def test_crlf_line_ends_become_lf() -> None:
    data = (PAGES / "byline_crlf.txt").read_bytes()
    assert b"\r\n" in data
    text = decode_text(data)
    assert "\r" not in text
    assert text.startswith("Night Buses Return to the Northern Districts\nBy Priya")


def test_cr_only_line_ends_become_lf() -> None:
    data = (PAGES / "cr_only.txt").read_bytes()
    assert b"\r" in data and b"\n" not in data
    text = decode_text(data)
    assert "\r" not in text
    assert text.splitlines()[:2] == ["Old Mill Converted Into a Village School",
                                     "Updated: 2024-03-15"]


def test_utf16_le_with_bom() -> None:
    data = (PAGES / "utf16_bom.txt").read_bytes()
    assert data.startswith(b"\xff\xfe")
    draft = read_text_page(data)
    assert draft.title == "Zürich Choir Wins the European Grand Prix"
    assert "“We rehearsed every evening for a year,”" in draft.body_html


def test_utf16_be_and_utf32_with_bom_read_like_utf8() -> None:
    text = (PAGES / "utf16_bom.txt").read_bytes().decode("utf-16")
    expected = decode_text(text.encode("utf-8"))
    for encoding in ("utf-16-be", "utf-32-le", "utf-32-be"):
        data = ("\ufeff" + text).encode(encoding)
        assert decode_text(data) == expected, encoding


def test_cp1252_curly_quotes_and_accents() -> None:
    data = (PAGES / "cp1252_quotes.txt").read_bytes()
    assert b"\x93" in data and b"\x94" in data and b"\xe9" in data
    draft = read_text_page(data)
    assert draft.title == "Café Owners Protest New Terrace Fees"
    assert paragraphs(draft.body_html)[0] == (
        "“It’s the third rise in two years,” said one owner – and the council’s answer was a "
        "shrug…"
    )


def test_bytes_undefined_in_cp1252_fall_back_to_latin1() -> None:
    # 0x81 has no character in Windows-1252; Latin-1 reads it (as a control, then dropped).
    text = decode_text(b"Caf\xe9 news\n\nThe caf\xe9 \x81opened.\n")
    assert text == "Café news\n\nThe café opened.\n"


def test_utf16_without_bom_is_binary() -> None:
    with pytest.raises(BinaryDocument):
        decode_text("Headline\n\nSome text.\n".encode("utf-16-le"))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", id="png"),
        pytest.param(b"PK\x03\x04\x14\x00\x00\x00\x08\x00", id="zip"),
        pytest.param(b"SQLite format 3\x00\x10\x00\x01\x01\x00@  ", id="sqlite"),
        pytest.param(bytes(range(1, 32)) * 20 + b"some text", id="control-characters"),
    ],
)
def test_binary_files_are_refused(data: bytes) -> None:
    with pytest.raises(BinaryDocument):
        read_text_page(data)


@pytest.mark.parametrize(
    "data", [b"", b"   \n\t\r\n", "\u00a0\u202f\n".encode(), b"\xef\xbb\xbf\n", b"\xff\xfe"]
)
def test_blank_files_are_empty_documents(data: bytes) -> None:
    with pytest.raises(EmptyDocument):
        read_text_page(data)


def test_pages_over_the_cap_are_refused_before_decoding() -> None:
    with pytest.raises(DocumentTooLarge):
        read_text_page(b"x" * (MAX_TEXT_PAGE_BYTES + 1))


# --- a whole page --------------------------------------------------------------------------------


def test_basic_page_title_subtitle_and_headings() -> None:
    draft = read_page("basic_blocks.txt")
    assert draft.title == "Harbour Bridge Reopens After Two-Year Restoration"
    assert draft.subtitle == "City celebrates the return of its oldest crossing"
    assert headings(draft.body_html) == ["A Century of Crossings", "What Comes Next"]
    assert len(paragraphs(draft.body_html)) == 4
    assert draft.url is None and draft.guid is None


def test_basic_page_drops_furniture_tags_author_and_related_from_the_body() -> None:
    body = read_page("basic_blocks.txt").body_html
    for gone in ("Keep Reading", "TAGS", "Tags:", "Lena Marsh", "Recent Posts", "Ferry",
                 "November", "cookies", "City celebrates"):
        assert gone not in body


def test_basic_page_strips_no_break_spaces_and_keeps_curly_quotes() -> None:
    body = read_page("basic_blocks.txt").body_html
    assert "<p>The Harbour Bridge reopened" in body
    assert "watch the first tram cross.</p>" in body
    assert "<p>“We kept every rivet we could,” said Mara Quint" in body


def test_tag_block_gives_tags_and_the_name_line_under_it_the_author() -> None:
    draft = read_page("basic_blocks.txt")
    assert draft.tags == ("Harbour Bridge",)
    assert draft.author == "Lena Marsh"


def test_recent_posts_become_related_drafts_with_dates() -> None:
    assert read_page("basic_blocks.txt").related == (
        RelatedDraft(
            "Ferry timetable changes for the winter months",
            "The morning ferry to Gull Island will leave twenty minutes earlier from December, "
            "the operator…",
            day(2024, 11, 4),
        ),
        RelatedDraft(
            "Library extends opening hours during exam season",
            "Students asked for longer hours, and the central library listened. From next week "
            "the reading…",
            day(2024, 11, 3),
        ),
    )


def test_no_published_date_is_invented() -> None:
    assert read_page("basic_blocks.txt").published is None


def test_byline_and_published_line() -> None:
    draft = read_page("byline_crlf.txt")
    assert draft.author == "Priya Raman and Tomas Ekberg"
    assert draft.published == day(2024, 11, 4)
    assert draft.subtitle is None
    assert "By " not in draft.body_html and "Published" not in draft.body_html
    assert len(paragraphs(draft.body_html)) == 2


def test_updated_line_gives_the_date() -> None:
    draft = read_page("cr_only.txt")
    assert draft.published == day(2024, 3, 15)
    assert "Updated" not in draft.body_html


def test_lone_date_under_the_title_is_the_published_date() -> None:
    draft = read_page("utf16_bom.txt")
    assert draft.published == day(2024, 11, 4)
    assert "4 November 2024" not in draft.body_html


def test_share_row_newsletter_adverts_cookies_and_copyright_are_dropped() -> None:
    draft = read_page("share_newsletter_ads.txt")
    assert draft.title == "Farmers Count the Cost of a Wet Summer"
    assert draft.author == "Owen Pryce"
    assert [text[:20] for text in paragraphs(draft.body_html)] == [
        "Three months of rain", "At the Saturday mark", "The farmers’ union w",
    ]
    assert headings(draft.body_html) == []


def test_a_sentence_that_mentions_cookies_survives() -> None:
    body = read_page("share_newsletter_ads.txt").body_html
    assert "still sold out of its oat cookies by noon" in body


def test_hard_wrapped_paragraphs_are_joined_with_spaces() -> None:
    draft = read_page("hard_wrapped.txt")
    assert elements(draft.body_html) == [
        ("p", "Marguerite Vell climbed the 212 steps of the Cape Sorrow light for the last time "
              "on Friday, ending a career that began when the lamp still burned paraffin and "
              "the fog signal was wound by hand."),
        ("h2", "Automation Arrives"),
        ("p", "The lighthouse board says the station will be run from the mainland from next "
              "month. A technician will visit twice a year to check the lamp and the batteries, "
              "and the keeper's cottage will be let to holidaymakers."),
        ("p", "Vell plans to stay on the island. \"I know every rock out there,\" she said. "
              "\"I am not going anywhere.\""),
    ]


def test_page_without_blank_lines_treats_each_line_as_a_block() -> None:
    draft = read_page("no_blank_lines.txt")
    assert draft.title == "Tram Line Extension Approved After Marathon Council Session"
    assert draft.subtitle == "Work to start in the spring"
    assert draft.author == "Jane Okafor"
    assert draft.tags == ("Transport", "City Council")
    assert headings(draft.body_html) == ["Who Pays for It"]
    assert len(paragraphs(draft.body_html)) == 4
    assert [(entry.title, entry.published) for entry in draft.related] == [
        ("Bus fares frozen for another year", day(2024, 11, 4)),
        ("New cycle lanes open on the river road", day(2024, 11, 2)),
    ]
    assert all(entry.excerpt and entry.excerpt.endswith("…") for entry in draft.related)


def test_tag_lines_without_header_are_deduplicated_in_order() -> None:
    draft = read_page("tag_lines.txt")
    assert draft.tags == ("Rail", "Transport", "Budget", "Trains")
    assert draft.author == "Sam O’Neill"
    assert "Tags" not in draft.body_html and "Sam" not in draft.body_html


def test_related_block_without_excerpts_under_more_from_header() -> None:
    draft = read_page("related_no_excerpts.txt")
    assert draft.related == (
        RelatedDraft("Flood barrier passes its first winter test", None, day(2024, 11, 4)),
        RelatedDraft("School meals to include more local produce", None, day(2024, 11, 4)),
        RelatedDraft("Old cinema reopens as a community hall", None, day(2024, 11, 2)),
        RelatedDraft("Night market returns to the harbour", None, day(2024, 11, 1)),
    )
    assert len(elements(draft.body_html)) == 1
    assert "Daily Planet" not in draft.body_html


# --- rules, one case each ------------------------------------------------------------------------


def test_bare_tags_header_takes_the_next_line_as_values() -> None:
    draft = parse_text_page(
        "Headline\n\nA paragraph of news.\n\nTAGS:\nRail, Budget\nLena Marsh\n"
    )
    assert draft.tags == ("Rail", "Budget")
    assert draft.author == "Lena Marsh"
    assert paragraphs(draft.body_html) == ["A paragraph of news."]


def test_byline_is_preferred_to_the_name_under_the_tags() -> None:
    draft = parse_text_page(
        "Headline\nBy Ann Lee\n\nA paragraph of news.\n\nTags: Rail\nDexter Moss\n"
    )
    assert draft.author == "Ann Lee"
    assert "Dexter" not in draft.body_html


def test_written_by_byline_with_a_date_after_a_bar() -> None:
    draft = parse_text_page("Headline\nWritten by Ann Lee | Nov 4, 2024\n\nNews text here.\n")
    assert draft.author == "Ann Lee"
    assert draft.published == day(2024, 11, 4)


def test_by_starting_a_sentence_is_not_a_byline() -> None:
    draft = parse_text_page("Headline\n\nBy the time the troops left, the base was empty.\n")
    assert draft.author is None
    assert paragraphs(draft.body_html) == ["By the time the troops left, the base was empty."]


def test_by_line_far_down_the_page_is_body_text() -> None:
    text = "Headline\n\n" + "".join(f"Paragraph number {n}.\n\n" for n in range(8))
    draft = parse_text_page(text + "By Land and Sea\n")
    assert draft.author is None
    assert paragraphs(draft.body_html)[-1] == "By Land and Sea"


def test_published_beats_updated_whatever_the_order() -> None:
    draft = parse_text_page(
        "Headline\nUpdated: 2024-11-05\nPublished: 2024-11-04\n\nThe news in one line.\n"
    )
    assert draft.published == day(2024, 11, 4)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Published November 4, 2024", day(2024, 11, 4)),
        ("Posted on Nov. 4th, 2024", day(2024, 11, 4)),
        ("Monday, 4 November 2024", day(2024, 11, 4)),
        ("Published: 2024-11-04T14:30:00+02:00", datetime(2024, 11, 4, 12, 30, tzinfo=UTC)),
        ("Published November 4, 2024 at 3:15 pm GMT", datetime(2024, 11, 4, 15, 15, tzinfo=UTC)),
        ("Published November 4, 2024 10:00 EST", day(2024, 11, 4)),
        ("Updated 4 Sept 2024", day(2024, 9, 4)),
    ],
)
def test_date_lines_under_the_title(line: str, expected: datetime) -> None:
    draft = parse_text_page(f"Headline\n{line}\n\nThe news in one line.\n")
    assert draft.published == expected
    assert draft.published.tzinfo is not None


def test_impossible_date_is_not_a_date() -> None:
    draft = parse_text_page("Headline\n\nFebruary 30, 2024\n\nThe news in one line.\n")
    assert draft.published is None


def test_date_line_after_the_article_is_not_the_published_date() -> None:
    text = "Headline\n\nFirst paragraph.\n\nSecond paragraph.\n\nPublished November 4, 2024\n"
    draft = parse_text_page(text)
    assert draft.published is None
    assert "Published" not in draft.body_html


def test_short_line_without_a_paragraph_after_it_is_a_paragraph() -> None:
    draft = parse_text_page("Headline\n\nThe news in one line.\n\nThe End\n")
    assert elements(draft.body_html) == [("p", "The news in one line."), ("p", "The End")]


def test_heading_needs_a_paragraph_right_under_it() -> None:
    draft = parse_text_page(
        "Headline\n\nOpening paragraph.\n\nPart One\n\nThe Beginning\n\nA paragraph.\n"
    )
    assert elements(draft.body_html) == [
        ("p", "Opening paragraph."), ("p", "Part One"), ("h2", "The Beginning"),
        ("p", "A paragraph."),
    ]


def test_furniture_between_a_heading_and_its_paragraph_does_not_matter() -> None:
    draft = parse_text_page(
        "Headline\n\nOpening paragraph.\n\nThe Verdict\n\nAdvertisement\n\nA paragraph.\n"
    )
    assert headings(draft.body_html) == ["The Verdict"]


def test_punctuated_or_bulleted_short_lines_are_not_headings() -> None:
    draft = parse_text_page(
        "Headline\n\nOpening paragraph.\n\nIt rained.\n\nNext.\n\n- apples\n\nA paragraph.\n"
    )
    assert headings(draft.body_html) == []


def test_divider_lines_are_dropped() -> None:
    draft = parse_text_page("Headline\n\nFirst part.\n\n***\n\n- - -\n\nSecond part.\n")
    assert elements(draft.body_html) == [("p", "First part."), ("p", "Second part.")]


def test_full_width_sentence_end_is_not_a_heading() -> None:
    draft = parse_text_page("Headline\n\nOpening.\n\n会议今天结束。\n\nA paragraph.\n")
    assert headings(draft.body_html) == []


def test_subtitle_needs_a_paragraph_somewhere_after_it() -> None:
    draft = parse_text_page("Headline\n\nA short line\n")
    assert draft.subtitle is None
    assert paragraphs(draft.body_html) == ["A short line"]


def test_long_or_punctuated_line_under_the_title_is_not_a_subtitle() -> None:
    draft = parse_text_page("Headline\n\nThe council met today.\n\nMore news follows.\n")
    assert draft.subtitle is None


def test_text_is_html_escaped_and_spaces_collapsed() -> None:
    draft = parse_text_page("Headline\n\n  Fish &\tchips <b>cost</b>   more  now.  \n")
    assert draft.body_html == "<p>Fish &amp; chips &lt;b&gt;cost&lt;/b&gt; more now.</p>"


def test_title_is_not_escaped() -> None:
    assert parse_text_page("Fish & Chips <Now>\n\nText.\n").title == "Fish & Chips <Now>"


def test_leading_furniture_is_skipped_to_find_the_title() -> None:
    draft = parse_text_page("Skip to content\nAdvertisement\n\nHeadline\n\nText.\n")
    assert draft.title == "Headline"


def test_one_line_share_row_and_copyright_variants_are_furniture() -> None:
    draft = parse_text_page(
        "Headline\n\nText.\n\nShare on: Facebook, X, WhatsApp\nShare\nPrint\n"
        "Copyright © 2024 Planet Media\nThe Daily Planet. All rights reserved.\n"
        "Continue reading\nRead More\nFollow us on X\n"
    )
    assert elements(draft.body_html) == [("p", "Text.")]


def test_dateless_related_list_takes_every_title() -> None:
    draft = parse_text_page(
        "Headline\n\nText.\n\nYou may also like\n\nTitle One\nTitle Two\nTitle Three\n"
    )
    assert [entry.title for entry in draft.related] == ["Title One", "Title Two", "Title Three"]
    assert all(entry.excerpt is None and entry.published is None for entry in draft.related)


def test_text_after_a_dated_related_list_goes_back_to_the_body() -> None:
    draft = parse_text_page(
        "Headline\n\nText.\n\nRead Next\n\nOther story\nNov 4, 2024\n\n"
        "About the Author\n\nAnn Lee has covered the city for ten years.\n"
    )
    assert draft.related == (RelatedDraft("Other story", None, day(2024, 11, 4)),)
    assert elements(draft.body_html)[1:] == [
        ("h2", "About the Author"), ("p", "Ann Lee has covered the city for ten years."),
    ]


def test_read_more_link_inside_a_related_entry_is_dropped() -> None:
    draft = parse_text_page(
        "Headline\n\nText.\n\nRelated Articles\n\nOther story\nIts excerpt…\nRead More\n"
        "November 4, 2024\n"
    )
    assert draft.related == (RelatedDraft("Other story", "Its excerpt…", day(2024, 11, 4)),)


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "  \n\n\t", "\u00a0\n\u200b\n"])
def test_blank_text_is_an_empty_document(text: str) -> None:
    with pytest.raises(EmptyDocument):
        parse_text_page(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Headline only\n", id="title-only"),
        pytest.param("Headline\n\nAdvertisement\n\nShare\n", id="furniture-after-title"),
        pytest.param("Advertisement\nAccept all cookies\n", id="furniture-only"),
        pytest.param("Headline\nNovember 4, 2024\n\nTags: Rail\n", id="metadata-only"),
        pytest.param("word " * 100 + "\n\nMore text.\n", id="first-line-a-paragraph"),
    ],
)
def test_pages_without_title_and_paragraph_are_not_text_pages(text: str) -> None:
    with pytest.raises(NotATextPage):
        parse_text_page(text)


# --- properties ----------------------------------------------------------------------------------

_PAGE_LINES = st.sampled_from([
    "", "", "Headline of the day", "A short heading", "A full sentence of news text.",
    "Keep Reading", "Advertisement", "Share", "Facebook", "This website uses cookies.",
    "TAGS:", "Tags: a, b, A", "Topics: x; y", "Dexter", "By Ann Lee", "By Ann Lee | Nov 4, 2024",
    "Published November 4, 2024", "Updated: 2024-02-30", "November 4, 2024", "2024-11-04",
    "Recent Posts", "More from The Daily Planet", "You may also like", "An excerpt that ends…",
    "<script>alert(1)</script>", "Fish & chips", "“Quoted,” she said.", "- a bullet",
    "© 2024 The Planet", "x" * 300, "the wrapped line of a paragraph that goes on a while",
])


@PROPERTY_SETTINGS
@given(st.text(max_size=400) | st.lists(_PAGE_LINES, max_size=40).map("\n".join))
def test_parse_returns_a_draft_or_a_known_refusal(text: str) -> None:
    try:
        draft = parse_text_page(text)
    except (EmptyDocument, NotATextPage):
        return
    assert draft.title.strip() == draft.title and draft.title
    assert re.sub(r"</?(?:p|h2)>", "", draft.body_html).count("<") == 0
    assert "<p>" in draft.body_html
    assert len({tag.casefold() for tag in draft.tags}) == len(draft.tags)
    assert draft.published is None or draft.published.tzinfo is not None


@PROPERTY_SETTINGS
@given(st.binary(max_size=2000) | st.lists(_PAGE_LINES, max_size=40).map(
    lambda lines: "\r\n".join(lines).encode("utf-8")))
def test_read_returns_a_draft_or_a_document_error(data: bytes) -> None:
    try:
        draft = read_text_page(data)
    except DocumentError:
        return
    assert re.sub(r"</?(?:p|h2)>", "", draft.body_html).count("<") == 0


@PROPERTY_SETTINGS
@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1))
def test_every_unicode_encoding_with_bom_decodes_alike(text: str) -> None:
    try:
        expected = decode_text(text.encode("utf-8"))
    except EmptyDocument:
        return
    for encoding in ("utf-8-sig", "utf-16", "utf-32"):
        assert decode_text(text.encode(encoding)) == expected


# --- speed ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_page_near_the_size_cap_parses_in_linear_time() -> None:
    section = (
        "A Heading for This Part\n\n"
        + "The council met on Tuesday to discuss the budget for next year, and the debate "
        "ran late into the night. " * 3 + "\n\n"
        + "a hard-wrapped paragraph line that is about as long as the others\n" * 5 + "\n"
        + "One line per paragraph here.\nAnd another line of text.\nShare\nNovember 4, 2024\n\n"
    )
    sections = MAX_TEXT_PAGE_BYTES // len(section) - 1
    data = ("Headline\n\nAn opening paragraph.\n\n" + section * sections).encode()
    assert len(data) <= MAX_TEXT_PAGE_BYTES
    started = time.perf_counter()
    draft = read_text_page(data)
    assert time.perf_counter() - started < 15
    # The page is read up to its line budget, every section in it kept whole, and says so.
    lines_per_section = section.count("\n")
    kept_sections = (MAX_TEXT_PAGE_LINES - 4) // lines_per_section
    assert kept_sections <= draft.body_html.count("<h2>") <= kept_sections + 1 < sections
    total_lines = data.count(b"\n") + 1
    assert draft.body_html.endswith(
        f"<p><em>Shortened: the page has {total_lines:,} lines; "
        f"the first {MAX_TEXT_PAGE_LINES:,} are kept</em></p>")


@pytest.mark.parametrize(
    "line",
    [
        "a" * 249 + "!",
        "by " + "Ann " * 60,
        "Published " + "4 " * 100,
        "Share " + "Facebook " * 27,
        "(c)" + " " * 200 + "x",
        "Tags:" + " a," * 80,
        "More from " + "x" * 200,
    ],
)
def test_long_lines_of_near_miss_text_are_quick(line: str) -> None:
    started = time.perf_counter()
    for _ in range(200):
        with contextlib.suppress(NotATextPage):
            parse_text_page(f"Headline\n\n{line}\n\n{line}\n")
    assert time.perf_counter() - started < 2


# --- the shared seed page (skipped when ../shared is absent) -------------------------------------


@pytest.mark.conformance
@pytest.mark.skipif(not SEED_PAGE.is_file(), reason="no ../shared/seed next to the repo")
def test_seed_page() -> None:
    draft = read_text_page(SEED_PAGE.read_bytes())
    assert draft.title == (
        "US Troops Leave Niger After Military Junta Seeks Closer Ties with Russia"
    )
    assert draft.subtitle == "US to Withdraw Troops From Niger"
    assert headings(draft.body_html) == [
        "Shifting Alliances in the Sahel",
        "Blow to US Counterterrorism Strategy",
        "Uncertain Future for Sahel Security",
    ]
    assert draft.tags == ("ECOWAS",)
    assert draft.author == "Dexter"
    assert draft.published is None
    assert [entry.published for entry in draft.related] == (
        [day(2024, 11, 4)] * 3 + [day(2024, 11, 3)] * 3
    )
    assert all(entry.excerpt and entry.excerpt.endswith("…") for entry in draft.related)
    for gone in ("Keep Reading", "cookies", "Recent Posts", "TAGS", "Dexter", "\u00a0"):
        assert gone not in draft.body_html
