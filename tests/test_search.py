"""Every search operator against a small archive whose answers are known by construction."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from drafts import make_draft
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.archive import Archive
from reader.errors import QuerySyntaxError
from reader.records import ArticleDraft


def titles(archive: Archive, query: str, limit: int = 100) -> list[str]:
    return [row.title for row in archive.headlines(query, limit=limit).rows]


DOCS = [
    # title, body, tags, author, published
    ("Niger junta seeks Russian ties", "<p>The troops withdraw from Niger.</p>",
     ("ECOWAS", "Sahel"), "Dexter", datetime(2024, 4, 1, tzinfo=UTC)),
    ("Botswana election shift", "<p>A historic setback for the ruling party.</p>",
     ("Elections",), "Ada Lovelace", datetime(2024, 11, 4, tzinfo=UTC)),
    ("Lightning strike in Uganda", "<p>A refugee camp mourns; fourteen killed.</p>",
     ("Weather", "East Africa"), "Dexter", datetime(2024, 11, 4, 9, tzinfo=UTC)),
    ("Kenya's first female coach", "<p>Jackline Juma makes history in football.</p>",
     ("Sport", "East Africa"), None, datetime(2024, 11, 3, tzinfo=UTC)),
    ("Undated note on counterterrorism", "<p>Counterterrorism strategy in the Sahel.</p>",
     ("Sahel",), None, None),
]


@pytest.fixture
def library(archive: Archive) -> Iterator[Archive]:
    archive.store([
        ArticleDraft(title=title, body_html=body, tags=tags, author=author, published=when,
                     guid=f"doc:{index}")
        for index, (title, body, tags, author, when) in enumerate(DOCS)
    ], fetched=datetime(2024, 11, 5, tzinfo=UTC))
    archive.set_bookmarked([2])
    archive.set_read([1, 5])
    yield archive


def test_empty_query_lists_everything_newest_first(library: Archive) -> None:
    assert titles(library, "") == [
        "Undated note on counterterrorism",  # undated: sorted at its fetch time
        "Lightning strike in Uganda",
        "Botswana election shift",
        "Kenya's first female coach",
        "Niger junta seeks Russian ties",
    ]


def test_words_must_all_match(library: Archive) -> None:
    assert titles(library, "historic setback") == ["Botswana election shift"]
    assert titles(library, "historic niger") == []


def test_words_match_title_body_author_and_tags(library: Archive) -> None:
    assert titles(library, "lovelace") == ["Botswana election shift"]
    assert titles(library, "ecowas") == ["Niger junta seeks Russian ties"]
    assert titles(library, "fourteen") == ["Lightning strike in Uganda"]


def test_exact_phrase(library: Archive) -> None:
    assert titles(library, '"refugee camp"') == ["Lightning strike in Uganda"]
    assert titles(library, '"camp refugee"') == []


def test_prefix(library: Archive) -> None:
    assert titles(library, "counterterror*") == ["Undated note on counterterrorism"]
    assert titles(library, "ug*") == ["Lightning strike in Uganda"]


def test_negated_word(library: Archive) -> None:
    assert titles(library, "sahel -niger") == ["Undated note on counterterrorism"]
    assert "Niger junta seeks Russian ties" not in titles(library, "-niger")
    assert len(titles(library, "-niger")) == 4


def test_or(library: Archive) -> None:
    assert sorted(titles(library, "botswana OR uganda")) == [
        "Botswana election shift", "Lightning strike in Uganda"]


def test_tag_and_negated_tag(library: Archive) -> None:
    assert titles(library, "tag:Sahel") == [
        "Undated note on counterterrorism", "Niger junta seeks Russian ties"]
    assert titles(library, 'tag:"east africa"') == [
        "Lightning strike in Uganda", "Kenya's first female coach"]
    assert titles(library, "-tag:sahel -tag:weather") == [
        "Botswana election shift", "Kenya's first female coach"]
    assert titles(library, "tag:nonexistent") == []


def test_tag_combined_with_word(library: Archive) -> None:
    assert titles(library, "tag:sahel troops") == ["Niger junta seeks Russian ties"]


def test_source(library: Archive) -> None:
    assert len(titles(library, "source:imported")) == 5
    assert titles(library, "source:nowhere") == []


def test_author(library: Archive) -> None:
    assert titles(library, "author:dexter") == [
        "Lightning strike in Uganda", "Niger junta seeks Russian ties"]
    assert titles(library, 'author:"ada lovelace"') == ["Botswana election shift"]


def test_flags(library: Archive) -> None:
    assert titles(library, "is:bookmarked") == ["Botswana election shift"]
    assert titles(library, "is:read") == ["Undated note on counterterrorism",
                                          "Niger junta seeks Russian ties"]
    assert len(titles(library, "is:unread")) == 3
    assert titles(library, "tag:sahel is:unread") == []
    assert titles(library, "tag:sahel -is:unread") == [
        "Undated note on counterterrorism", "Niger junta seeks Russian ties"]


def test_dates(library: Archive) -> None:
    assert titles(library, "before:2024-11-04") == [
        "Kenya's first female coach", "Niger junta seeks Russian ties"]
    assert titles(library, "after:2024-11-04 before:2024-11-05") == [
        "Lightning strike in Uganda", "Botswana election shift"]


def test_sort_relevance_ranks_title_matches_first(archive: Archive) -> None:
    archive.store([
        make_draft(1, title="Weather report", body="<p>Rain all day, weather grim.</p>"),
        make_draft(2, title="Cricket scores", body="<p>Play stopped; the weather won.</p>"),
        make_draft(3, title="Markets", body="<p>Nothing about the sky.</p>"),
    ])
    assert titles(archive, "weather") == ["Cricket scores", "Weather report"]
    assert titles(archive, "weather sort:relevance") == ["Weather report", "Cricket scores"]


def test_syntax_error_has_a_position(library: Archive) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        library.headlines('niger "unfinished')
    assert caught.value.position == 6


def test_fts_syntax_in_user_words_is_literal(library: Archive) -> None:
    for query in ["0\x00", "a\x00b*", '"\x00"', "NEAR(niger russia)", "niger AND",
                  "title:niger", "niger^", "{title}",
                  "a:b:c", "NOT niger", "niger +", "'niger'", '"niger" OR "']:
        with contextlib.suppress(QuerySyntaxError):
            library.headlines(query)


def test_keyset_paging_visits_every_article_once(archive: Archive) -> None:
    same_time = datetime(2024, 1, 1, tzinfo=UTC)
    archive.store([make_draft(n, published=same_time if n % 3 == 0 else True,
                              tags=("even",) if n % 2 == 0 else ())
                   for n in range(137)])
    for query in ["", "article", "tag:even", "tag:even is:unread", "article sort:relevance",
                  "sort:oldest", "article sort:oldest", "tag:even sort:oldest"]:
        seen: list[int] = []
        cursor = None
        while True:
            page = archive.headlines(query, cursor=cursor, limit=10)
            seen.extend(row.id for row in page.rows)
            cursor = page.next_cursor
            if cursor is None:
                break
        expected = 69 if "even" in query else 137
        assert len(seen) == len(set(seen)) == expected, query
        if "relevance" not in query:
            keys = [row.order_key for row in archive.headlines(query, limit=1000).rows]
            assert keys == sorted(keys, reverse="oldest" not in query)


def test_headline_pages_never_read_bodies(archive: Archive) -> None:
    archive.store([make_draft(n) for n in range(5)])
    statements: list[str] = []
    archive._database.tracer = statements.append
    try:
        for query in ["", "article", "tag:x", "is:unread", "article sort:relevance"]:
            archive.headlines(query)
    finally:
        archive._database.tracer = None
    assert statements
    assert not [s for s in statements if "article_bodies" in s or "OFFSET" in s.upper()]


QUERYISH = st.lists(st.sampled_from([
    "niger", "sahel", "tag:", "tag:Sahel", '"', "(", ")", "OR", "-", "*", "is:", "is:read",
    "before:2024-01-0", "after:2024-11-04", "sort:relevance", "author:", "source:", " ",
    "NEAR", "AND", "NOT", "^", ":", "{", "}", "é", "🙂", "\\", "'", "+", "\x00", "0\x00",
]), max_size=12).map("".join)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=40), QUERYISH))
def test_any_string_either_searches_or_raises_a_syntax_error(library: Archive,
                                                             text: str) -> None:
    try:
        library.headlines(text, limit=5)
    except QuerySyntaxError as error:
        assert 0 <= error.position <= len(text)


def test_search_index_stays_consistent(library: Archive, tmp_path: Path) -> None:
    library.tag(1, ["Fresh tag"])
    library.untag(1, ["ECOWAS"])
    library.delete([3])
    library.check()
    assert titles(library, "fresh") == ["Niger junta seeks Russian ties"]
    assert titles(library, "ecowas") == []


def test_a_filter_inside_a_group_is_never_dropped(archive: Archive) -> None:
    """``(ferry tag:x) OR y`` once lost its tag: the group's words went to the full-text
    index and the filter beside them was forgotten."""
    archive.store([make_draft(1, title="Ferry one", tags=("x",)),
                   make_draft(2, title="Ferry two"), make_draft(3, title="Harbour three")])
    found = {row.title for row in archive.headlines("(ferry tag:x) OR harbour").rows}
    assert found == {"Ferry one", "Harbour three"}


def test_mark_all_read_marks_every_match_and_only_those(archive: Archive) -> None:
    from reader import operations

    archive.store([make_draft(n, tags=("even",) if n % 2 == 0 else ()) for n in range(30)])
    changes = operations.mark_read_matching(archive, "tag:even")
    assert len(changes.articles) == 15 and changes.counts
    assert archive.search_totals("tag:even").unread == 0
    assert archive.totals().unread == 15
    assert not operations.mark_read_matching(archive, "tag:even")  # nothing left to change
    again = operations.mark_read_matching(archive, "article sort:oldest", read=False)
    assert again.articles == changes.articles  # only those that were read
    assert archive.totals().unread == 30
    assert not operations.mark_read_matching(archive, "tag:nowhere")
