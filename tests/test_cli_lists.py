"""The command line for living with a big archive: saved searches, marking every match
read or unread, and a list that says how much more there is."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from drafts import make_draft

from reader.archive import Archive
from reader.cli import main


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    with Archive.open(path) as archive:
        archive.store([make_draft(n, tags=("harbour",) if n % 2 else (),
                                  title=f"Ferry {n}" if n % 3 == 0 else None)
                       for n in range(60)])
    return path


def run(path: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--archive", str(path), *argv], out)
    return code, out.getvalue()


def test_saved_add_list_use_and_remove(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(filled, "saved", "add", "Harbour ferries", "ferry", "tag:harbour") == (
        0, "saved the search 'Harbour ferries': ferry tag:harbour\n")
    code, listed = run(filled, "saved", "list", "--json")
    assert code == 0
    assert json.loads(listed) == [{"name": "Harbour ferries", "query": "ferry tag:harbour",
                                   "count": 10, "unread": 10}]
    code, text = run(filled, "list", 'saved:"harbour ferries"', "--json")
    assert code == 0 and len(json.loads(text)) == 10
    assert run(filled, "saved", "add", "harbour FERRIES", "x")[0] == 1
    assert "exists already" in capsys.readouterr().err
    assert run(filled, "saved", "add", "bad", 'tag:"open')[0] == 1
    assert "never closed" in capsys.readouterr().err
    assert run(filled, "saved", "remove", "Harbour ferries")[0] == 0
    assert run(filled, "saved", "remove", "Harbour ferries")[0] == 1
    assert "no saved search named" in capsys.readouterr().err
    assert json.loads(run(filled, "saved", "list", "--json")[1]) == []


def test_read_and_unread_every_match_of_a_query(filled: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run(filled, "read", "--query", "tag:harbour") == (0, "marked read 30 articles\n")
    assert run(filled, "read", "--query", "tag:harbour") == (0, "marked read 0 articles\n")
    with Archive.open(filled) as archive:
        assert archive.totals().unread == 30
    assert run(filled, "unread", "--query", "ferry tag:harbour") == (
        0, "marked unread 10 articles\n")
    assert run(filled, "read", "1", "2") == (0, "marked read #1, #2\n")
    for wrong in (["read"], ["read", "3", "--query", "x"]):
        with pytest.raises(SystemExit) as stopped:
            main(["--archive", str(filled), *wrong])
        assert stopped.value.code == 2
    assert run(filled, "read", "--query", 'tag:"open')[0] == 1
    assert "never closed" in capsys.readouterr().err


def test_list_says_how_many_more_there_are(filled: Path) -> None:
    code, text = run(filled, "list", "--limit", "5")
    assert code == 0 and text.splitlines()[-1] == "… and 55 more (--limit N shows more)"
    code, text = run(filled, "list", "--limit", "100")
    assert "more" not in text.splitlines()[-1]
    code, text = run(filled, "list", "--limit", "5", "--json")
    assert len(json.loads(text)) == 5  # the JSON shape is unchanged
