"""source:N names a source by id alone; date filters skip undated articles; ``list -tag:x``."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from reader.archive import Archive, sources
from reader.cli import main
from reader.records import ArticleDraft


def titles(archive: Archive, query: str) -> list[str]:
    return [row.title for row in archive.headlines(query, limit=100).rows]


def _feeds(archive: Archive) -> tuple[int, int]:
    """Two feeds: one whose URL holds a 1 and the number of the other's id."""
    with archive.writing() as connection:
        first = sources.add_source(connection, kind="feed", url="https://one.example/rss",
                                   title="One")
        second = sources.add_source(connection, kind="feed",
                                    url=f"https://news{first}.example/feed{first}1",
                                    title=f"Channel {first}")
    archive.store([ArticleDraft(title="From the first", body_html="<p>a</p>", guid="a")],
                  source_id=first)
    archive.store([ArticleDraft(title="From the second", body_html="<p>b</p>", guid="b")],
                  source_id=second)
    return first, second


def test_a_number_names_the_source_with_that_id_only(archive: Archive) -> None:
    first, second = _feeds(archive)
    assert titles(archive, f"source:{first}") == ["From the first"]
    assert titles(archive, f"source:{second}") == ["From the second"]
    assert titles(archive, f"-source:{first}") == ["From the second"]
    assert titles(archive, "source:99999999999999999999999") == []


def test_a_name_still_matches_titles_and_urls(archive: Archive) -> None:
    _feeds(archive)
    assert titles(archive, "source:channel") == ["From the second"]
    assert titles(archive, "source:one.example") == ["From the first"]


def test_date_filters_never_match_undated_articles(archive: Archive) -> None:
    archive.store([
        ArticleDraft(title="Dated spring", body_html="<p>x</p>", guid="d1",
                     published=datetime(2024, 3, 1, tzinfo=UTC)),
        ArticleDraft(title="Dated autumn", body_html="<p>x</p>", guid="d2",
                     published=datetime(2024, 10, 1, tzinfo=UTC)),
        ArticleDraft(title="Undated note", body_html="<p>x</p>", guid="u"),
    ], fetched=datetime(2024, 6, 1, tzinfo=UTC))
    assert titles(archive, "after:2024-05-01") == ["Dated autumn"]
    assert titles(archive, "before:2024-07-01") == ["Dated spring"]
    assert titles(archive, "after:2024-01-01 before:2025-01-01") == ["Dated autumn",
                                                                    "Dated spring"]
    assert titles(archive, "-after:2024-05-01") == ["Undated note", "Dated spring"]
    assert archive.search_totals("after:2024-01-01").articles == 2


def _cli(path: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(["--archive", str(path), *argv], out), out.getvalue()


def test_list_takes_a_query_starting_with_a_minus(archive_path: Path) -> None:
    with Archive.open(archive_path) as archive:
        archive.store([ArticleDraft(title="Tagged ferry", body_html="<p>f</p>", guid="1",
                                    tags=("x",)),
                       ArticleDraft(title="Plain ferry", body_html="<p>f</p>", guid="2"),
                       ArticleDraft(title="Plain harbour", body_html="<p>h</p>", guid="3")])
        archive.set_read([3])

    def listed(*argv: str) -> list[str]:
        code, text = _cli(archive_path, "list", *argv)
        assert code == 0, text
        return sorted(row["title"] for row in json.loads(text))

    assert listed("-tag:x", "--json") == ["Plain ferry", "Plain harbour"]
    assert listed("--json", "-is:read", "ferry") == ["Plain ferry", "Tagged ferry"]
    assert len(listed("-is:read", "--limit", "1", "ferry", "--json")) == 1
    assert listed("--limit=5", "--json", "--", "-tag:x") == ["Plain ferry", "Plain harbour"]
    assert len(listed("--li", "1", "--json")) == 1
    code, text = _cli(archive_path, "list", "-tag:x")
    assert code == 0 and "Plain ferry" in text and "Tagged ferry" not in text
