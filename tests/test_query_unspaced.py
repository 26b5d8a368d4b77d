"""The query language with text in scripts written without spaces (parsed, written back, and
compiled for the bigram index)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reader.archive.bigrams import query_parts
from reader.query import Phrase, Word, format_query, parse_query

_PIECES = st.sampled_from(["泰山", "東京タワー", "กรุงเทพ", "서울시", "iPhone15", "年", "2024",
                           "ｶﾀｶﾅ", "-", "・", " ", "OR", "tag:新闻", "*"])


def test_a_chinese_sentence_is_one_word_of_the_language() -> None:
    assert parse_query("泰山景区2024年").root == Word("泰山景区2024年")
    assert parse_query('"东京 大阪"').root == Phrase("东京 大阪")


@given(st.lists(_PIECES, max_size=8).map("".join))
def test_any_mixed_script_text_reads_back_as_the_same_query(text: str) -> None:
    try:
        query = parse_query(text)
    except Exception as error:  # a syntax error is an answer too; nothing else is
        assert type(error).__name__ == "QuerySyntaxError"
        return
    assert parse_query(format_query(query)) == query


@given(st.lists(_PIECES, min_size=1, max_size=8).map("".join), st.booleans())
def test_every_bigram_phrase_is_one_quoted_fts5_string(text: str, prefix: bool) -> None:
    """Whatever was typed, what reaches the bigram index is a quoted phrase (with at most a
    trailing ``*``): no typed character can be read as FTS5 syntax."""
    phrases, plain = query_parts(text, prefix)
    for phrase in phrases:
        body = phrase[:-1] if phrase.endswith("*") else phrase
        assert body.startswith('"') and body.endswith('"') and len(body) > 2
        assert '"' not in body[1:-1]
    assert all(text.strip() for text, _ in plain)
