"""Words inside text written without spaces (Chinese, Japanese, Korean, Thai) are found.

The articles are news-like sentences written for this test, each mixing its script with Latin
words and numbers the way real headlines do.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.archive import Archive
from reader.archive.bigrams import has_unspaced, index_text, query_parts
from reader.records import ArticleDraft

CHINESE = "泰山景区2024年游客突破500万人次，iPhone15成为最受欢迎的拍照手机"
JAPANESE = "東京スカイツリーで新しい展示が始まりました。入場料は2100円です"
THAI = "กรุงเทพมหานครเตรียมเปิดรถไฟฟ้าสายใหม่ในปี2025"
KOREAN = "서울시는 내년부터 지하철 요금을 150원 인상한다고 밝혔다"
LATIN = "Mountain tourism grows across the region"


def titles(archive: Archive, query: str) -> list[str]:
    return [row.title for row in archive.headlines(query, limit=100).rows]


@pytest.fixture
def news(archive: Archive) -> Iterator[Archive]:
    archive.store([
        ArticleDraft(title=CHINESE, body_html="<p>记者从泰安市获悉，五一假期客流创新高。</p>",
                     published=datetime(2024, 5, 1, tzinfo=UTC), guid="zh"),
        ArticleDraft(title=JAPANESE, body_html="<p>ｶﾀｶﾅの案内もあります。</p>",
                     published=datetime(2024, 5, 2, tzinfo=UTC), guid="ja",
                     author="山田太郎"),
        ArticleDraft(title=THAI, body_html="<p>ผู้โดยสารจะใช้บัตรเดียวได้ทุกสาย</p>",
                     published=datetime(2024, 5, 3, tzinfo=UTC), guid="th"),
        ArticleDraft(title=KOREAN, body_html="<p>시민들은 요금 인상에 반대했다.</p>",
                     published=datetime(2024, 5, 4, tzinfo=UTC), guid="ko"),
        ArticleDraft(title=LATIN, body_html="<p>Visitors climbed Mount Tai (泰山) in May.</p>",
                     published=datetime(2024, 5, 5, tzinfo=UTC), guid="en"),
    ])
    yield archive


def test_chinese_words_inside_a_sentence_are_found(news: Archive) -> None:
    assert titles(news, "泰山") == [LATIN, CHINESE]  # the English article has it in brackets
    assert titles(news, "游客") == [CHINESE]
    assert titles(news, "拍照手机") == [CHINESE]
    assert titles(news, "泰安") == [CHINESE]  # in the body
    assert titles(news, "泰山景区 游客") == [CHINESE]
    assert titles(news, "泰安山") == []  # its characters, but not together


def test_latin_and_digits_glued_to_chinese_are_found_with_it(news: Archive) -> None:
    assert titles(news, "iPhone15成为") == [CHINESE]
    assert titles(news, "年游客") == [CHINESE]
    assert titles(news, "万人次") == [CHINESE]


def test_japanese_kana_and_kanji(news: Archive) -> None:
    assert titles(news, "スカイツリー") == [JAPANESE]
    assert titles(news, "展示") == [JAPANESE]
    assert titles(news, "始まりました") == [JAPANESE]
    assert titles(news, "カタカナ") == [JAPANESE]  # half-width in the text
    assert titles(news, "author:山田太郎") == [JAPANESE]


def test_thai_words_with_their_vowel_and_tone_marks(news: Archive) -> None:
    assert titles(news, "รถไฟฟ้า") == [THAI]
    assert titles(news, "กรุงเทพ") == [THAI]
    assert titles(news, "ทุกสาย") == [THAI]


def test_korean_word_inside_a_word_with_its_particle(news: Archive) -> None:
    assert titles(news, "서울") == [KOREAN]
    assert titles(news, "지하철") == [KOREAN]
    assert titles(news, "인상") == [KOREAN]


def test_one_character_finds_it_anywhere_in_a_run(news: Archive) -> None:
    assert titles(news, "泰") == [LATIN, CHINESE]
    assert titles(news, "次") == [CHINESE]  # the last character of its run
    assert titles(news, "円") == [JAPANESE]


def test_unspaced_words_combine_with_the_rest_of_the_language(news: Archive) -> None:
    assert titles(news, "泰山 mount") == [LATIN]
    assert titles(news, "泰山 -mount") == [CHINESE]
    assert titles(news, "游客 OR 展示") == [JAPANESE, CHINESE]
    assert titles(news, "游客 OR tourism") == [LATIN, CHINESE]
    assert titles(news, '"泰山景区"') == [CHINESE]
    assert titles(news, "泰山 sort:oldest") == [CHINESE, LATIN]
    assert titles(news, "泰山 after:2024-05-03") == [LATIN]
    assert titles(news, "スカイ*") == [JAPANESE]
    assert set(titles(news, "泰山 sort:relevance")) == {LATIN, CHINESE}


def test_pages_of_an_unspaced_search_visit_every_match_once(archive: Archive) -> None:
    archive.store([ArticleDraft(title=f"第{n}号 地震速报", body_html="<p>x</p>", guid=f"n{n}",
                                published=datetime(2024, 1, 1 + n, tzinfo=UTC))
                   for n in range(12)])
    for sort in ("", " sort:oldest", " sort:relevance"):
        seen: list[int] = []
        cursor = None
        while True:
            page = archive.headlines("地震" + sort, cursor=cursor, limit=5)
            seen.extend(row.id for row in page.rows)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert sorted(seen) == list(range(1, 13)), sort


def test_edits_tags_and_deletes_keep_the_bigram_index_in_step(news: Archive) -> None:
    news.tag(1, ["旅游新闻"])
    assert titles(news, "旅游") == [CHINESE]
    news.untag(1, ["旅游新闻"])
    assert titles(news, "旅游") == []
    news.delete([1])
    assert titles(news, "游客") == []
    news.check()  # FTS5's integrity-check of both indexes, and the probe


def test_counts_and_mark_all_read_follow_the_bigram_index(news: Archive) -> None:
    assert news.search_totals("泰山").articles == 2
    assert sorted(news.set_read_matching("泰山")) == [1, 5]
    assert titles(news, "泰山 is:unread") == []


def test_a_rebuild_refills_the_bigram_index(news: Archive) -> None:
    with sqlite3.connect(news.path) as db:
        db.execute("INSERT INTO articles_fts_grams (articles_fts_grams) VALUES ('delete-all')")
    assert titles(news, "游客") == []
    news.repair(rebuild_index=True)
    assert titles(news, "游客") == [CHINESE]


def test_latin_text_gives_the_bigram_index_nothing() -> None:
    assert index_text("Plain English, déjà vu, 2024 numbers") == ""
    assert query_parts("plain")[0] == []  # the main index's word alone


_SCRIPTS = st.sampled_from(["泰山景区", "東京タワー", "กรุงเทพ", "서울시", "abc", "12", " ", "，"])


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(pieces=st.lists(_SCRIPTS, min_size=1, max_size=6), data=st.data())
def test_any_piece_of_unspaced_text_finds_its_text(pieces: list[str],
                                                   data: st.DataObject) -> None:
    """Whatever piece of a run of these scripts is searched for (with whole Latin words or
    numbers glued to it), the text holding it is found: a query's bigram phrase matches the
    terms of the text it came from."""
    text = "".join(pieces)
    starts = [i for i in range(len(text)) if _cuts(text, i, i - 1)]
    if not starts:
        return
    start = data.draw(st.sampled_from(starts))
    ends = [i for i in range(start + 1, len(text) + 1) if _cuts(text, i - 1, i)]
    end = data.draw(st.sampled_from(ends))
    needle = text[start:end]
    phrases, plain = query_parts(needle)
    if not phrases or plain or " " in needle or "，" in needle:
        return
    assert _matches(text, needle)


def _cuts(text: str, inside: int, outside: int) -> bool:
    """Whether a query may start (or end) at ``inside``: within a run of these scripts, or
    where a Latin word or number begins (ends)."""
    if not text[inside].isalnum():
        return False
    if has_unspaced(text[inside]):
        return True
    return not 0 <= outside < len(text) or not text[outside].isalnum() \
        or has_unspaced(text[outside])


def _matches(text: str, needle: str) -> bool:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE g USING fts5(t, content='', tokenize='ascii', prefix='1')")
    db.execute("INSERT INTO g (rowid, t) VALUES (1, ?)", (index_text(text),))
    [phrase], _ = query_parts(needle)
    return db.execute("SELECT count(*) FROM g WHERE g MATCH ?", (phrase,)).fetchone()[0] == 1
