"""The command line, used the way its help text suggests; JSON shapes are a contract."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from pages import news_page

from reader.cli import main

LIST_KEYS = {"id", "title", "source", "source_id", "published", "author", "tags", "read",
             "bookmarked", "excerpt"}
SHOW_KEYS = LIST_KEYS | {"subtitle", "url", "body_html", "body_text", "related", "enclosures"}


def run(archive: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--archive", str(archive), *argv], out)
    return code, out.getvalue()


def run_json(archive: Path, *argv: str) -> Any:
    code, text = run(archive, *argv, "--json")
    assert code == 0, text
    return json.loads(text)


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(3):
        (folder / f"story-{n}.txt").write_text(news_page(n, tag=["Markets", "Weather",
                                                                 "Markets"][n]))
    return folder


def test_import_then_list_show_and_tags(archive_path: Path, pages: Path) -> None:
    results = run_json(archive_path, "import", str(pages))
    assert [r["status"] for r in results] == ["imported"] * 3
    assert all(set(r) == {"path", "status", "article_ids", "error"} for r in results)
    assert all(r["error"] is None and len(r["article_ids"]) == 1 for r in results)

    rows = run_json(archive_path, "list")
    assert len(rows) == 3 and all(set(row) == LIST_KEYS for row in rows)
    assert rows[0]["source"] == "Imported files" and rows[0]["published"] is None
    assert rows[0]["tags"] == ["Coastal Towns", "Markets"]
    assert rows[0]["author"] == "Priya Raman"

    article = run_json(archive_path, "show", str(rows[0]["id"]))
    assert set(article) == SHOW_KEYS
    assert article["subtitle"] == "Council Approves Funding After Storm"
    assert article["body_html"].count("<h2>") == 2
    assert "Keep Reading" not in article["body_text"]
    assert "Advertisement" not in article["body_text"]
    assert "cookies" not in article["body_html"]
    assert [r["published"] for r in article["related"]] == [
        "2024-11-04T00:00:00+00:00", "2024-11-03T00:00:00+00:00"]
    assert all(set(r) == {"title", "excerpt", "published", "article_id"}
               for r in article["related"])

    assert run_json(archive_path, "tags") == [
        {"name": "Coastal Towns", "count": 3, "unread": 3, "mine": False},
        {"name": "Markets", "count": 2, "unread": 2, "mine": False},
        {"name": "Weather", "count": 1, "unread": 1, "mine": False},
    ]


def test_reimport_is_unchanged_and_edit_is_updated_keeping_state(archive_path: Path,
                                                                 pages: Path) -> None:
    run_json(archive_path, "import", str(pages))
    first = pages / "story-0.txt"
    [before] = run_json(archive_path, "import", str(first))
    assert before["status"] == "unchanged"
    article_id = before["article_ids"][0]
    assert run(archive_path, "bookmark", str(article_id))[0] == 0
    assert run(archive_path, "read", str(article_id))[0] == 0
    first.write_text(news_page(0, extra=" A correction was added later."))
    [after] = run_json(archive_path, "import", str(first))
    assert after == {**before, "status": "updated"}
    article = run_json(archive_path, "show", str(article_id))
    assert article["bookmarked"] and article["read"]
    assert "correction was added" in article["body_text"]


def test_list_with_query_source_and_limit(archive_path: Path, pages: Path) -> None:
    run_json(archive_path, "import", str(pages))
    assert len(run_json(archive_path, "list", "tag:weather")) == 1
    assert len(run_json(archive_path, "list", "story", "OR", "seawall", "--limit", "2")) == 2
    assert run_json(archive_path, "list", "--source", "999") == []
    source_id = run_json(archive_path, "list")[0]["source_id"]
    assert len(run_json(archive_path, "list", "--source", str(source_id))) == 3


def test_flags_tags_and_delete(archive_path: Path, pages: Path) -> None:
    run_json(archive_path, "import", str(pages))
    ids = [row["id"] for row in run_json(archive_path, "list")]
    assert run(archive_path, "bookmark", *map(str, ids[:2]))[0] == 0
    assert {row["id"] for row in run_json(archive_path, "list", "is:bookmarked")} == set(ids[:2])
    assert run(archive_path, "unbookmark", str(ids[0]))[0] == 0
    assert run(archive_path, "read", str(ids[2]))[0] == 0
    assert run(archive_path, "unread", str(ids[2]))[0] == 0
    assert run(archive_path, "tag", str(ids[0]), "Long Reads")[0] == 0
    assert run_json(archive_path, "show", str(ids[0]))["tags"] == [
        "Coastal Towns", "Long Reads", "Markets"]
    assert run(archive_path, "untag", str(ids[0]), "long reads")[0] == 0
    assert "Long Reads" not in [t["name"] for t in run_json(archive_path, "tags")]
    assert run(archive_path, "delete", str(ids[1]))[0] == 0
    assert len(run_json(archive_path, "list")) == 2
    results = run_json(archive_path, "import", str(pages))
    assert len(run_json(archive_path, "list")) == 2  # the deleted page stays deleted
    assert all(r["status"] == "unchanged" for r in results)


def test_unknown_article_is_one_line_error_and_changes_nothing(
        archive_path: Path, pages: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_json(archive_path, "import", str(pages))
    ids = [row["id"] for row in run_json(archive_path, "list")]
    capsys.readouterr()
    code, _ = run(archive_path, "bookmark", str(ids[0]), "424242")
    assert code == 1
    assert capsys.readouterr().err == "broadsheet: error: no article with id 424242\n"
    assert run_json(archive_path, "list", "is:bookmarked") == []
    assert run(archive_path, "show", "424242")[0] == 1


def test_search_syntax_error_is_one_line_with_position(
        archive_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(archive_path, "list", 'tag:"unfinished')
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("broadsheet: error: ") and "character 5" in err
    assert err.count("\n") == 1


def test_people_output_is_aligned_and_humanised(archive_path: Path, pages: Path) -> None:
    run_json(archive_path, "import", str(pages))
    code, text = run(archive_path, "list")
    assert code == 0
    lines = text.splitlines()
    assert len(lines) == 3 and all("undated" in line for line in lines)
    assert len({line.index("undated") for line in lines}) == 1
    code, text = run(archive_path, "tags")
    assert text.splitlines()[0].split() == ["TAG", "ARTICLES", "UNREAD"]
    code, text = run(archive_path, "show", "1")
    assert text.startswith("Harbour Town Votes")
    assert "Related" in text and "Ferry Timetable Changes for Winter" in text


def test_archive_flag_after_the_command_and_env_var(
        tmp_path: Path, pages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "elsewhere.db"
    out = io.StringIO()
    assert main(["import", str(pages), "--archive", str(path)], out) == 0
    monkeypatch.setenv("BROADSHEET_ARCHIVE", str(path))
    out = io.StringIO()
    assert main(["list", "--json"], out) == 0
    assert len(json.loads(out.getvalue())) == 3


def test_help_mentions_every_command_and_the_search_language(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for word in ["import", "list", "show", "tags", "bookmark", "unbookmark", "read", "unread",
                 "tag", "untag", "delete", "is:bookmarked", "sort:relevance", "before:"]:
        assert word in text
