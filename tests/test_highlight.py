"""The words a search highlights, and where."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reader.highlight import pattern, spans
from reader.query import parse_query


def marked(query: str, text: str) -> list[str]:
    return [text[a:b] for a, b in spans(text, pattern(parse_query(query)))]


def test_words_phrases_and_prefixes_are_found_case_insensitively() -> None:
    text = "The Harbour master said harbours and the harbour-front are busy. Ferry, ferries."
    assert marked("harbour", text) == ["Harbour", "harbour"]
    assert marked("harbour*", text) == ["Harbour", "harbours", "harbour"]
    assert marked('"harbour master"', text) == ["Harbour master"]
    assert marked("ferr* -busy tag:x is:unread", text) == ["Ferry", "ferries"]


def test_filters_alone_highlight_nothing() -> None:
    assert pattern(parse_query("tag:x is:unread -harbour")) is None
    assert spans("anything", None) == []


@given(st.text(max_size=40), st.text(max_size=200))
def test_any_search_text_gives_a_pattern_that_runs(query: str, text: str) -> None:
    try:
        parsed = parse_query(query)
    except Exception:
        return
    for start, end in spans(text, pattern(parsed)):
        assert 0 <= start < end <= len(text)
