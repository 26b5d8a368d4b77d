"""Markdown files and json export folders come back as the articles they were: title, body,
tags, read and bookmark state, source; other tools' Markdown comes in; bad files are named."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from reader.archive import Archive
from reader.cli import main
from reader.errors import DocumentError
from reader.importing import import_paths
from reader.markdown_import import MalformedFrontMatter, read_markdown, split_front_matter
from reader.render.scheme import ARCHIVE_IMAGE_SCHEME
from reader.textpage import MAX_TEXT_PAGE_BYTES


def run(archive: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--archive", str(archive), *argv], out)
    return code, out.getvalue()


def run_json(archive: Path, *argv: str) -> Any:
    code, text = run(archive, *argv, "--json")
    assert code == 0, text
    return json.loads(text)


def png(path: Path, colour: tuple[int, int, int]) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (40, 30), colour).save(path, "PNG")
    return path.read_bytes()


def articles(archive: Path) -> dict[str, dict[str, Any]]:
    """Every article of the archive as ``show --json`` gives it, by title."""
    shown = {}
    for row in run_json(archive, "list", "--limit", "1000"):
        article = run_json(archive, "show", str(row["id"]))
        shown[article["title"]] = article
    return shown


OWN_EXPORT = """\
---
title: The harbour at dawn
subtitle: A morning walk
author: Jane Roe
source: Coast News
source_url: https://coast.example/feed.xml
published: 2024-03-01T07:30:00+01:00
url: https://coast.example/harbour
tags:
- sea
- mornings
bookmarked: true
read: false
broadsheet_id: 12
---
Boats **rock** gently at the quay.

![a gull](images/{sha}.png)
"""

OWN_EXPORT_READ = """\
---
title: Tide tables
author: null
source: Coast News
source_url: https://coast.example/feed.xml
published: null
url: https://coast.example/tides
tags: []
bookmarked: false
read: true
broadsheet_id: 13
---
High water at *noon*.
"""


@pytest.fixture
def md_export(tmp_path: Path) -> Path:
    """A folder as ``export --format md`` writes one, by hand (the contract's shape)."""
    folder = tmp_path / "md-export"
    data = png(folder / "images" / "tmp.png", (200, 30, 30))
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    (folder / "images" / "tmp.png").rename(folder / "images" / f"{sha}.png")
    (folder / "The harbour at dawn.md").write_text(OWN_EXPORT.format(sha=sha), "utf-8")
    (folder / "Tide tables.md").write_text(OWN_EXPORT_READ, "utf-8")
    return folder


def test_markdown_export_round_trip_restores_articles_tags_state_and_source(
        archive_path: Path, md_export: Path) -> None:
    results = run_json(archive_path, "import", str(md_export))
    assert [r["status"] for r in results] == ["imported", "imported"]
    shown = articles(archive_path)
    harbour, tides = shown["The harbour at dawn"], shown["Tide tables"]
    assert harbour["subtitle"] == "A morning walk"
    assert harbour["author"] == "Jane Roe"
    assert harbour["url"] == "https://coast.example/harbour"
    assert harbour["published"] == "2024-03-01T06:30:00+00:00"
    assert sorted(harbour["tags"]) == ["mornings", "sea"]
    assert (harbour["bookmarked"], harbour["read"]) == (True, False)
    assert "<strong>rock</strong>" in harbour["body_html"]
    assert f'src="{ARCHIVE_IMAGE_SCHEME}:' in harbour["body_html"]  # stored, not linked
    assert (tides["bookmarked"], tides["read"], tides["tags"]) == (False, True, [])
    assert harbour["source"] == tides["source"] == "Coast News"
    [coast] = [s for s in run_json(archive_path, "sources") if s["title"] == "Coast News"]
    assert coast["url"] == "https://coast.example/feed.xml"
    assert coast["unsubscribed"]  # kept, but nothing syncs it unasked

    again = run_json(archive_path, "import", str(md_export))
    assert [r["status"] for r in again] == ["unchanged", "unchanged"]
    assert articles(archive_path) == shown


def test_markdown_state_edited_in_the_file_is_applied_again(archive_path: Path,
                                                            md_export: Path) -> None:
    run_json(archive_path, "import", str(md_export))
    page = md_export / "Tide tables.md"
    page.write_text(OWN_EXPORT_READ.replace("bookmarked: false", "bookmarked: true"), "utf-8")
    [result] = run_json(archive_path, "import", str(page))
    assert result["status"] == "updated"
    assert articles(archive_path)["Tide tables"]["bookmarked"] is True


def export_entry(article: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**article, "source_url": None, "fetched": None, "images": [], **extra}


def test_json_export_round_trip_restores_every_field(tmp_path: Path, archive_path: Path,
                                                     md_export: Path) -> None:
    """An archive's own ``show --json`` objects, written as the export contract says (with
    its image file), restore into an empty archive as the same articles."""
    run_json(archive_path, "import", str(md_export))
    original = articles(archive_path)
    folder = tmp_path / "json-export"
    (folder / "images").mkdir(parents=True)
    entries = []
    for article in sorted(original.values(), key=lambda a: a["id"], reverse=True):
        body, listed = article["body_html"], []
        for image in (md_export / "images").iterdir():
            sha = image.stem
            if f"{ARCHIVE_IMAGE_SCHEME}:{sha}" in body:
                (folder / "images" / image.name).write_bytes(image.read_bytes())
                body = body.replace(f"{ARCHIVE_IMAGE_SCHEME}:{sha}", f"images/{image.name}")
                listed.append({"sha256": sha, "file": f"images/{image.name}",
                               "mime_type": "image/png"})
        entries.append(export_entry(article, body_html=body, images=listed,
                                    source_url="https://coast.example/feed.xml"))
    entries[0]["enclosures"] = [{"url": "https://coast.example/a.mp3", "type": "audio/mpeg",
                                 "length": 1234}]
    (folder / "articles.json").write_text(json.dumps(entries), "utf-8")

    restored_path = tmp_path / "restored.db"
    [result] = run_json(restored_path, "import", str(folder))
    assert result["status"] == "imported" and len(result["article_ids"]) == 2
    restored = articles(restored_path)
    fields = ("title", "subtitle", "author", "url", "published", "tags", "read", "bookmarked",
              "body_html", "body_text", "source")
    for title, article in original.items():
        assert {f: restored[title][f] for f in fields} == {f: article[f] for f in fields}
    newest = entries[0]["title"]
    assert restored[newest]["enclosures"] == [
        {"url": "https://coast.example/a.mp3", "type": "audio/mpeg", "length": 1234}]
    [again] = run_json(restored_path, "import", str(folder))
    assert again["status"] == "unchanged"
    assert articles(restored_path) == restored


def test_json_export_image_whose_bytes_do_not_match_its_name_is_not_stored(
        tmp_path: Path, archive_path: Path) -> None:
    folder = tmp_path / "export"
    png(folder / "images" / f"{'0' * 64}.png", (0, 90, 0))
    entry = {"title": "Swapped", "body_html": f'<p>Text</p><img src="images/{"0" * 64}.png" '
             f'alt="a hill">', "tags": ["x"], "read": False, "bookmarked": False,
             "source": "Imported files", "source_url": None,
             "images": [{"sha256": "0" * 64, "file": f"images/{'0' * 64}.png"}]}
    (folder / "articles.json").write_text(json.dumps([entry]), "utf-8")
    [result] = run_json(archive_path, "import", str(folder))
    assert result["status"] == "imported"
    article = articles(archive_path)["Swapped"]
    assert ARCHIVE_IMAGE_SCHEME not in article["body_html"]
    assert article["source"] == "Imported files"


def test_json_export_inside_a_folder_is_one_item_and_bad_entries_are_skipped(
        tmp_path: Path, archive_path: Path) -> None:
    folder = tmp_path / "everything" / "export"
    folder.mkdir(parents=True)
    (folder / "articles.json").write_text(json.dumps([
        {"title": "Kept", "body_html": "<p>Fine.</p>", "tags": [], "read": True},
        "not an article", {"title": 5, "body_html": None}]), "utf-8")
    (tmp_path / "everything" / "note.md").write_text("# A note\n\nWords.\n", "utf-8")
    results = run_json(archive_path, "import", str(tmp_path / "everything"))
    assert [(Path(r["path"]).name, r["status"]) for r in results] == [
        ("export", "imported"), ("note.md", "imported")]
    assert set(articles(archive_path)) == {"Kept", "A note"}


@pytest.mark.parametrize("text, error", [
    ("{not json", "is not valid JSON (line 1)"),
    ('{"title": "x"}', "holds a JSON dict, not a list of articles"),
])
def test_malformed_articles_json_is_one_clear_line(tmp_path: Path, archive_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  text: str, error: str) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "articles.json").write_text(text, "utf-8")
    code, _out = run(archive_path, "import", str(folder))
    assert code == 1
    assert f"{folder}: articles.json {error}" in capsys.readouterr().err


OBSIDIAN = """\
---
title: "How rivers bend"
source: "https://rivers.example/bend"
author:
  - "[[Ann Example]]"
  - "[[Bo Test]]"
published: 2023-11-02
created: 2024-01-05
description: "Meanders, explained"
tags:
  - "clippings"
  - "#geography"
---
# How rivers bend

Water takes the **outside** of a curve.
"""

OMNIVORE = """\
---
id: 2b7e1c3a-1111-4c1e-9a7e-000000000000
title: Slow bread
author: Kay Baker
date_saved: 2024-02-10T08:00:00.000Z
date_published: 2024-02-09T18:30:00.000Z
url: https://bread.example/slow
omnivore_url: https://omnivore.app/me/slow-bread-18d
labels:
  - name: cooking
  - name: weekend
---
Let the dough rest overnight.
"""


def test_other_tools_markdown_imports_cleanly(tmp_path: Path, archive_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "obsidian.md").write_text(OBSIDIAN, "utf-8")
    (folder / "omnivore.md").write_text(OMNIVORE, "utf-8")
    (folder / "plain.md").write_text("# Shopping list\n\n- eggs\n- flour\n", "utf-8")
    (folder / "just words.markdown").write_text("No heading, only a line.\n", "utf-8")
    results = run_json(archive_path, "import", str(folder))
    assert [r["status"] for r in results] == ["imported"] * 4
    shown = articles(archive_path)
    rivers = shown["How rivers bend"]
    assert rivers["url"] == "https://rivers.example/bend"
    assert rivers["author"] == "Ann Example, Bo Test"
    assert rivers["subtitle"] == "Meanders, explained"
    assert rivers["published"] == "2023-11-02T00:00:00+00:00"
    assert sorted(rivers["tags"]) == ["clippings", "geography"]
    assert "<h1>" not in rivers["body_html"]  # the title heading is the title, not the body
    assert "<strong>outside</strong>" in rivers["body_html"]
    bread = shown["Slow bread"]
    assert bread["url"] == "https://bread.example/slow"
    assert bread["author"] == "Kay Baker"
    assert bread["published"] == "2024-02-09T18:30:00+00:00"
    assert sorted(bread["tags"]) == ["cooking", "weekend"]
    assert "<li>eggs</li>" in shown["Shopping list"]["body_html"]
    assert "only a line" in shown["just words"]["body_text"]
    assert {a["source"] for a in shown.values()} == {"Imported files"}


def test_bad_markdown_files_are_named_and_the_rest_still_import(
        tmp_path: Path, archive_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a-bad-yaml.md").write_text("---\ntitle: [unclosed\n---\nBody.\n", "utf-8")
    (folder / "b-list.md").write_text("---\n- one\n- two\n---\nBody.\n", "utf-8")
    (folder / "c-binary.md").write_bytes(bytes(range(256)) * 40)
    (folder / "d-cp1252.md").write_bytes(
        "---\ntitle: Caf\u00e9 \u201cnotes\u201d\n---\nA na\u00efve body.\n".encode("cp1252"))
    (folder / "e-good.md").write_text("---\ntitle: Good\nread: true\n---\nFine.\n", "utf-8")
    huge = folder / "f-huge.md"
    with huge.open("wb") as handle:
        handle.truncate(MAX_TEXT_PAGE_BYTES + 1)
    code, _out = run(archive_path, "import", str(folder))
    assert code == 1
    err = capsys.readouterr().err.splitlines()
    assert any(f"{folder / 'a-bad-yaml.md'}: the front matter is not valid YAML (line 2)"
               in line for line in err)
    assert any(f"{folder / 'b-list.md'}: the front matter is a YAML list, not a mapping"
               in line for line in err)
    assert any(f"{folder / 'c-binary.md'}: " in line and "binary" in line for line in err)
    assert any(f"{folder / 'f-huge.md'}: " in line and "limit" in line for line in err)
    shown = articles(archive_path)
    assert set(shown) == {"Caf\u00e9 \u201cnotes\u201d", "Good"}
    assert "na\u00efve" in shown["Caf\u00e9 \u201cnotes\u201d"]["body_text"]
    assert shown["Good"]["read"] is True


def test_markdown_with_no_front_matter_keeps_a_leading_rule_as_markdown() -> None:
    article, note = read_markdown(b"---\n\nAfter a rule.\n", Path("rule.md"))
    assert note is None
    assert article.draft.title == "rule"
    assert "<hr" in article.draft.body_html and article.source is None


def test_an_import_touches_no_network_for_remote_images(tmp_path: Path,
                                                        archive: Archive) -> None:
    page = tmp_path / "remote.md"
    page.write_text("# Remote\n\n![tracker](https://tracker.example/pixel.png)\n", "utf-8")
    [result] = import_paths(archive, [page])
    article = archive.article(result.article_ids[0])
    assert "tracker.example" not in article.body_html


@pytest.mark.parametrize("matter, says", [
    ("published: 2024-13-01", "a value YAML cannot read: month must be in 1..12"),
    ("n: !!int abc", "a value YAML cannot read"),
    ("x: !!python/object:os.system {}", "not valid YAML"),
    ("just a string", "a YAML string, not a mapping"),
])
def test_front_matter_yaml_cannot_read_is_one_clear_error(matter: str, says: str) -> None:
    with pytest.raises(MalformedFrontMatter, match=says):
        split_front_matter(f"---\n{matter}\n---\nBody.\n")


_YAML_LINE = st.one_of(
    st.text(alphabet=st.sampled_from("-.:#[]{}&*!|>'\"%@` \tabc01"), max_size=30),
    st.builds(lambda key, y, m, d: f"{key}: {y:04d}-{m:02d}-{d:02d}",
              st.sampled_from(["published", "date", "created"]), st.integers(0, 9999),
              st.integers(0, 99), st.integers(0, 99)),
    st.sampled_from(["a: &x [*x]", "tags: [a, [b, {c: d}]]", "? [k]\n: v", "!!binary zz",
                     "author: !!str 5", "read: maybe", "title: [[Wiki]]"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_YAML_LINE, max_size=8), st.booleans())
def test_front_matter_parser_raises_only_its_own_error(lines: list[str], closed: bool) -> None:
    text = "---\n" + "\n".join(lines) + ("\n---\nBody.\n" if closed else "\n")
    try:
        matter, body = split_front_matter(text)
        article, _note = read_markdown(text.encode(), Path("any.md"))
    except MalformedFrontMatter:
        return
    assert isinstance(matter, dict) and isinstance(body, str) and article.draft.title


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: ("---\n" + t).encode()))
def test_any_bytes_become_a_draft_or_a_document_error(data: bytes) -> None:
    try:
        article, _note = read_markdown(data, Path("any.md"))
    except DocumentError:
        return
    assert article.draft.title


def test_reading_markdown_leaves_the_file_alone(tmp_path: Path, archive: Archive) -> None:
    page = tmp_path / "keep.md"
    page.write_text(OMNIVORE, "utf-8")
    before = page.stat().st_mtime_ns, page.read_bytes()
    import_paths(archive, [page])
    assert (page.stat().st_mtime_ns, page.read_bytes()) == before
    assert not [name for name in os.listdir(tmp_path) if name.startswith("keep.md.")]


def test_an_undated_exported_article_keeps_its_place_by_when_it_was_fetched(
        tmp_path: Path, archive_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "articles.json").write_text(json.dumps([
        {"title": "Dated", "body_html": "<p>One.</p>", "published": "2024-01-01T00:00:00Z"},
        {"title": "Undated", "body_html": "<p>Two.</p>", "published": None,
         "fetched": "2020-01-01T00:00:00+00:00"}]), "utf-8")
    run_json(archive_path, "import", str(folder))
    assert [row["title"] for row in run_json(archive_path, "list")] == ["Dated", "Undated"]
