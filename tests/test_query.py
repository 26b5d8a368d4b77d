"""Tests for the search language: one case per operator and per error, then properties."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.errors import QuerySyntaxError
from reader.query import (
    And,
    AuthorIs,
    DateBound,
    FlagIs,
    Node,
    Not,
    Or,
    Phrase,
    Query,
    SourceIs,
    TagIs,
    Word,
    format_query,
    parse_query,
)

a, b, c, d = Word("a"), Word("b"), Word("c"), Word("d")


def root(text: str) -> Node | None:
    return parse_query(text).root


def error_at(text: str) -> int:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(text)
    return caught.value.position


# --- words, phrases, prefixes -----------------------------------------------------------------


def test_empty_query_matches_everything() -> None:
    assert parse_query("") == Query(root=None, sort="newest")


def test_whitespace_only_query_matches_everything() -> None:
    assert parse_query(" \t\n ") == Query(root=None, sort="newest")


def test_single_word() -> None:
    assert root("hello") == Word("hello")


def test_words_are_anded() -> None:
    assert root("a  b\tc") == And((a, b, c))


def test_word_text_is_verbatim() -> None:
    assert root("C++ naïve l'été") == And((Word("C++"), Word("naïve"), Word("l'été")))


def test_phrase() -> None:
    assert root('"climate change" a') == And((Phrase("climate change"), a))


def test_phrase_backslash_escapes() -> None:
    assert root(r'"say \"hi\" \\ \n"') == Phrase('say "hi" \\ \\n')


def test_empty_phrase_is_dropped() -> None:
    assert root('a ""') == a


def test_phrase_without_letters_is_dropped() -> None:
    assert root('a "&&"') == a


def test_unterminated_phrase() -> None:
    assert error_at('a "open phrase') == 2


def test_unterminated_phrase_after_escaped_quote() -> None:
    assert error_at(r'"ends in \"') == 0


def test_prefix() -> None:
    assert root("climat*") == Word("climat", prefix=True)


def test_star_inside_word_is_text() -> None:
    assert root("a*b *x") == And((Word("a*b"), Word("*x")))


def test_only_the_last_star_makes_a_prefix() -> None:
    assert root("a**") == Word("a*", prefix=True)


def test_lone_star_is_an_error() -> None:
    assert error_at("a *") == 2


def test_double_star_is_an_error() -> None:
    assert error_at("a **") == 2


def test_prefix_of_punctuation_is_an_error() -> None:
    assert error_at("&*") == 0


def test_lowercase_or_is_a_word() -> None:
    assert root("a or b") == And((a, Word("or"), b))


def test_or_prefix_is_a_word() -> None:
    assert root("OR*") == Word("OR", prefix=True)


def test_punctuation_words_are_dropped() -> None:
    assert root("a & ... - b —") == And((a, b))


def test_only_punctuation_matches_everything() -> None:
    assert parse_query("& - ...") == Query(root=None)


# --- negation ---------------------------------------------------------------------------------


def test_negated_word() -> None:
    assert root("a -b") == And((a, Not(b)))


def test_negated_phrase() -> None:
    assert root('-"a b"') == Not(Phrase("a b"))


def test_negated_tag() -> None:
    assert root("-tag:x") == Not(TagIs("x"))


def test_negated_flag() -> None:
    assert root("-is:read") == Not(FlagIs("read"))


def test_negated_group() -> None:
    assert root("-(a b)") == Not(And((a, b)))


def test_double_negation_cancels() -> None:
    assert root("--a -(-b)") == And((a, b))


def test_lone_minus_is_dropped() -> None:
    assert root("a - b --") == And((a, b))


def test_minus_before_close_paren_is_dropped() -> None:
    assert root("(a -)") == a


def test_negated_punctuation_is_dropped() -> None:
    assert root('a -& -""') == a


def test_minus_inside_word_is_text() -> None:
    assert root("e-mail a-") == And((Word("e-mail"), Word("a-")))


def test_negated_or_is_an_error() -> None:
    assert error_at("a -OR b") == 3


def test_many_minuses_do_not_recurse() -> None:
    assert root("-" * 100_001 + "a") == Not(a)


# --- OR, precedence, grouping -----------------------------------------------------------------


def test_or() -> None:
    assert root("a OR b") == Or((a, b))


def test_or_chain() -> None:
    assert root("a OR b OR c") == Or((a, b, c))


def test_or_binds_tighter_than_and() -> None:
    assert root("a b OR c") == And((a, Or((b, c))))


def test_two_ors_side_by_side() -> None:
    assert root("a OR b c OR d") == And((Or((a, b)), Or((c, d))))


def test_negation_binds_tighter_than_or() -> None:
    assert root("-a OR b") == Or((Not(a), b))


def test_parentheses_group() -> None:
    assert root("(a OR b) c") == And((Or((a, b)), c))


def test_group_as_or_operand() -> None:
    assert root("(a b) OR c") == Or((And((a, b)), c))


def test_nested_and_flattens() -> None:
    assert root("a (b (c d))") == And((a, b, c, d))


def test_nested_or_flattens() -> None:
    assert root("(a OR b) OR (c OR d)") == Or((a, b, c, d))


def test_single_item_group_collapses() -> None:
    assert root("((a))") == a


def test_dropped_word_around_or_is_like_whitespace() -> None:
    assert root("a OR & b") == Or((a, b))


def test_groups_and_phrases_need_no_spaces() -> None:
    assert root('a(b)"c"-d') == And((a, b, Phrase("c"), Not(d)))


def test_or_at_start() -> None:
    assert error_at("OR a") == 0


def test_or_at_end() -> None:
    assert error_at("a OR") == 2


def test_or_or() -> None:
    assert error_at("a OR OR b") == 5


def test_or_after_open_paren() -> None:
    assert error_at("(OR a)") == 1


def test_or_before_close_paren() -> None:
    assert error_at("(a OR)") == 3


def test_or_before_dropped_word_only() -> None:
    assert error_at("a OR &") == 2


def test_unclosed_paren() -> None:
    assert error_at("a (b (c)") == 2


def test_unopened_paren() -> None:
    assert error_at("a b) c") == 3


def test_empty_group() -> None:
    assert error_at("a ()") == 2


def test_group_of_dropped_words_is_empty() -> None:
    assert error_at("a OR (& -)") == 5


def test_negated_empty_group() -> None:
    assert error_at("-()") == 1


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    assert error_at("(" * 5000 + "a" + ")" * 5000) == 64


def test_nesting_at_the_limit_works() -> None:
    assert root("(" * 64 + "a" + ")" * 64) == a


# --- fields -----------------------------------------------------------------------------------


def test_tag() -> None:
    assert root("tag:rust") == TagIs("rust")


def test_tag_quoted() -> None:
    assert root('tag:"machine learning"') == TagIs("machine learning")


def test_quoted_value_escapes() -> None:
    assert root(r'tag:"a\"b\\c"') == TagIs('a"b\\c')


def test_field_value_is_verbatim() -> None:
    assert root("tag:C++ author:a:b") == And((TagIs("C++"), AuthorIs("a:b")))


def test_field_value_stops_at_parenthesis() -> None:
    assert root("(tag:x OR tag:y)") == Or((TagIs("x"), TagIs("y")))


def test_field_names_are_case_insensitive() -> None:
    assert root("TAG:x Source:y") == And((TagIs("x"), SourceIs("y")))


def test_source() -> None:
    assert root('source:"The Guardian"') == SourceIs("The Guardian")


def test_author() -> None:
    assert root("author:Orwell") == AuthorIs("Orwell")


@pytest.mark.parametrize("flag", ["bookmarked", "unread", "read"])
def test_is(flag: str) -> None:
    assert root(f"is:{flag}") == FlagIs(flag)  # type: ignore[arg-type]


def test_is_value_is_case_insensitive() -> None:
    assert root("IS:Unread") == FlagIs("unread")


def test_is_unknown_value() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query("a is:starred")
    assert caught.value.position == 5
    assert "bookmarked, unread or read" in caught.value.reason


def test_before() -> None:
    assert root("before:2024-02-29") == DateBound("before", datetime.date(2024, 2, 29))


def test_after() -> None:
    assert root('after:"2023-12-31"') == DateBound("after", datetime.date(2023, 12, 31))


@pytest.mark.parametrize(
    "value", ["2023-02-29", "2024-13-01", "2024-00-10", "24-01-01", "2024-1-1", "2024/01/01", "x"]
)
def test_invalid_date(value: str) -> None:
    assert error_at(f"a before:{value}") == 9


def test_non_ascii_digits_are_not_a_date() -> None:
    assert error_at("after:２０２４-01-01") == 6


def test_empty_value_at_end() -> None:
    assert error_at("a tag:") == 6


def test_empty_value_before_space() -> None:
    assert error_at("author: x") == 7


def test_empty_quoted_value() -> None:
    assert error_at('source:"" x') == 7


def test_empty_value_before_parenthesis() -> None:
    assert error_at("tag:(x)") == 4


def test_unterminated_quoted_value() -> None:
    assert error_at('tag:"open') == 4


def test_unknown_field_is_a_word() -> None:
    assert root("foo:bar") == Word("foo:bar")


def test_url_is_a_word() -> None:
    assert root("http://example.com") == Word("http://example.com")


def test_unknown_field_with_quotes_is_word_then_phrase() -> None:
    assert root('foo:"a b"') == And((Word("foo:"), Phrase("a b")))


# --- sort -------------------------------------------------------------------------------------


def test_sort() -> None:
    assert parse_query("a sort:relevance b") == Query(And((a, b)), "relevance")


def test_sort_alone() -> None:
    assert parse_query("SORT:Newest") == Query(None, "newest")


def test_sort_last_wins() -> None:
    assert parse_query("sort:newest a sort:relevance").sort == "relevance"


def test_sort_unknown_value() -> None:
    assert error_at("sort:sideways") == 5


def test_sort_oldest() -> None:
    assert parse_query("sort:oldest a").sort == "oldest"


def test_sort_negated() -> None:
    assert error_at("a -sort:newest") == 3


def test_sort_inside_parentheses() -> None:
    assert error_at("(a sort:newest)") == 3


def test_sort_as_right_or_operand() -> None:
    assert error_at("a OR sort:newest") == 5


def test_sort_as_left_or_operand() -> None:
    assert error_at("sort:newest OR a") == 0


def test_error_message_is_one_line_with_human_position() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query("a OR")
    assert str(caught.value) == "OR needs something to search for after it (at character 3)"


# --- format_query -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("  a   b ", "a b"),
        ("(a OR b) c", "a OR b c"),
        ("(a b) OR c", "(a b) OR c"),
        ("-(a OR b)", "-(a OR b)"),
        ("TAG:x -Is:Read", "tag:x -is:read"),
        ('tag:"a b" source:"q\\"t"', 'tag:"a b" source:"q\\"t"'),
        ('author:"plain"', "author:plain"),
        ("after:2024-01-05 sort:relevance", "after:2024-01-05 sort:relevance"),
        ("sort:relevance sort:newest a", "a"),
        ("a**", "a**"),
    ],
)
def test_format_is_canonical(text: str, canonical: str) -> None:
    assert format_query(parse_query(text)) == canonical


@pytest.mark.parametrize(
    "word",
    [Word(t) for t in ("OR", "-a", "a b", 'a"', "(a", "tag:x", "a*", "&", "")],
)
def test_format_refuses_words_no_text_produces(word: Word) -> None:
    with pytest.raises(ValueError):
        format_query(Query(And((a, word))))


def test_format_refuses_empty_field_value() -> None:
    with pytest.raises(ValueError):
        format_query(Query(TagIs("")))


def test_and_and_or_need_two_children() -> None:
    with pytest.raises(ValueError):
        And((a,))
    with pytest.raises(ValueError):
        Or(())


# --- properties -------------------------------------------------------------------------------

FIELD_PIECES = ("tag:", "source:", "author:", "TAG:", "foo:", "http://", ":", "is:", "is:read")
VALUE_PIECES = ("is:unread", "is:bookmarked", "before:", "after:", "before:2024-01-0", "sort:")
MORE_VALUES = ("after:2024-02-29", "sort:newest", "sort:relevance")
SYNTAX_PIECES = ('"', '\\"', "\\", "(", ")", "OR", "or", "-", "--", "*", "**")
SPACE_PIECES = (" ", "  ", "\t", "\n")
TEXT_PIECES = ("a", "b", "word", "é", "ß", "日本", "Ω", "1", "&", "...")
FRAGMENTS = [
    *FIELD_PIECES,
    *VALUE_PIECES,
    *MORE_VALUES,
    *SYNTAX_PIECES,
    *SPACE_PIECES,
    *TEXT_PIECES,
]
query_like = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3), max_size=25).map("".join)
any_text = st.text() | query_like


def parse_or_none(text: str) -> Query | None:
    try:
        return parse_query(text)
    except QuerySyntaxError as error:
        assert 0 <= error.position <= len(text)
        return None


@settings(max_examples=500)
@given(st.text())
def test_any_text_parses_or_raises_a_syntax_error(text: str) -> None:
    parse_or_none(text)


@settings(max_examples=500)
@given(query_like)
def test_query_like_text_parses_or_raises_a_syntax_error(text: str) -> None:
    parse_or_none(text)


@settings(max_examples=500)
@given(any_text)
def test_format_round_trips_parsed_text(text: str) -> None:
    query = parse_or_none(text)
    if query is not None:
        assert parse_query(format_query(query)) == query


@settings(max_examples=500)
@given(query_like)
def test_format_round_trips_query_like_text(text: str) -> None:
    query = parse_or_none(text)
    if query is not None:
        assert parse_query(format_query(query)) == query


# Trees built directly reach names and phrases full of quotes and backslashes that random text
# rarely produces. They obey the parser's normal form so that equality is the right check.
searchable = st.text(min_size=1).filter(lambda s: any(ch.isalnum() for ch in s))
bare_word = st.text(
    st.characters(blacklist_categories=("Zs", "Zl", "Zp", "Cc"), blacklist_characters='()"-*:'),
    min_size=1,
).filter(lambda s: s != "OR" and any(ch.isalnum() for ch in s) and not any(map(str.isspace, s)))
leaves: st.SearchStrategy[Node] = st.one_of(
    st.builds(Word, bare_word, st.booleans()),
    st.builds(Phrase, searchable),
    st.builds(TagIs, st.text(min_size=1)),
    st.builds(SourceIs, st.text(min_size=1)),
    st.builds(AuthorIs, st.text(min_size=1)),
    st.sampled_from([FlagIs("bookmarked"), FlagIs("unread"), FlagIs("read")]),
    st.builds(DateBound, st.sampled_from(["before", "after"]), st.dates()),
)


def normal_and(children: list[Node]) -> Node:
    flat = [x for ch in children for x in (ch.children if isinstance(ch, And) else [ch])]
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def normal_or(children: list[Node]) -> Node:
    flat = [x for ch in children for x in (ch.children if isinstance(ch, Or) else [ch])]
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def normal_not(child: Node) -> Node:
    return child.child if isinstance(child, Not) else Not(child)


trees: st.SearchStrategy[Node] = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=4).map(normal_and),
        st.lists(inner, min_size=2, max_size=4).map(normal_or),
        inner.map(normal_not),
    ),
    max_leaves=12,
)


@settings(max_examples=500)
@given(st.builds(Query, st.none() | trees, st.sampled_from(["newest", "relevance"])))
def test_format_round_trips_built_trees(query: Query) -> None:
    assert parse_query(format_query(query)) == query
