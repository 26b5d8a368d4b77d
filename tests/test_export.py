"""Exporting: each format carries the archive's fields and images; hostile titles make safe
unique file names; a taken or unwritable destination is refused; nothing half-written is
left looking complete; EPUB passes epubcheck."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reader import cli
from reader.archive import Archive
from reader.archive import images as archive_images
from reader.errors import QuerySyntaxError
from reader.export import ExportCancelled, ExportError, export
from reader.export.filenames import MAX_STEM_BYTES, UniqueNames, safe_stem
from reader.records import ArticleDraft

# A 1×1 PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
                       "DwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
PNG_SHA = hashlib.sha256(PNG).hexdigest()
GONE_SHA = "0" * 64
WHEN = datetime(2024, 5, 6, 7, 8, tzinfo=UTC)


def _fill(archive: Archive) -> None:
    drafts = [
        ArticleDraft(title="Older piece", body_html="<p>Plain <b>bold</b> text.</p>",
                     author="Ann Writer", published=WHEN, url="https://example.org/older",
                     guid="g1", tags=("science",)),
        ArticleDraft(title="Newer: with/slash & picture",
                     subtitle="A subtitle",
                     body_html=(f'<p>See <img src="archive-image:{PNG_SHA}" alt="a dot"> and '
                                f'<img src="archive-image:{GONE_SHA}" alt="lost one">.</p>'),
                     published=WHEN.replace(day=7), url="https://example.org/newer",
                     guid="g2", tags=("art", "news")),
    ]
    archive.store(drafts)
    with archive.writing() as connection:
        archive_images.store_one(connection, PNG_SHA, "image/png", 1, 1, PNG)
        newer = archive.headlines("picture").rows[0].id
        archive_images.link(connection, newer, [PNG_SHA])


@pytest.fixture
def filled(archive: Archive) -> Archive:
    _fill(archive)
    return archive


def test_json_folder_holds_show_json_objects_newest_first_and_images(filled: Archive,
                                                                      tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = export(filled, "json", out)
    assert (result.articles, result.images) == (2, 1)
    documents = json.loads((out / "articles.json").read_text(encoding="utf-8"))
    assert [d["title"] for d in documents] == ["Newer: with/slash & picture", "Older piece"]
    for document in documents:
        shown = cli.article_json(filled.article(document["id"]))
        for key in ("title", "subtitle", "author", "url", "published", "tags", "read",
                    "bookmarked", "source", "body_text"):
            assert document[key] == shown[key]
    newer = documents[0]
    assert newer["images"] == [{"sha256": PNG_SHA, "file": f"images/{PNG_SHA}.png",
                                "mime_type": "image/png"}]
    assert f'src="images/{PNG_SHA}.png"' in newer["body_html"]
    assert "archive-image:" not in newer["body_html"]
    assert "[image: lost one]" in newer["body_html"]
    assert (out / "images" / f"{PNG_SHA}.png").read_bytes() == PNG
    assert not list(tmp_path.glob("out.partial-*"))


def _front_matter(text: str) -> tuple[dict[str, object], str]:
    _, head, body = text.split("---\n", 2)
    return yaml.safe_load(head), body


def test_markdown_files_carry_front_matter_and_relative_images(filled: Archive,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "md"
    export(filled, "md", out)
    files = sorted(p.name for p in out.glob("*.md"))
    assert files == ["Newer with slash & picture.md", "Older piece.md"]
    fields, body = _front_matter((out / "Older piece.md").read_text(encoding="utf-8"))
    assert list(fields) == ["title", "author", "source", "source_url", "published", "url",
                            "tags", "bookmarked", "read", "broadsheet_id"]
    assert fields["author"] == "Ann Writer"
    assert fields["published"] == WHEN.isoformat()
    assert fields["tags"] == ["science"]
    assert "**bold**" in body
    fields, body = _front_matter(
        (out / "Newer with slash & picture.md").read_text(encoding="utf-8"))
    assert fields["subtitle"] == "A subtitle"
    assert "author" not in fields
    assert f"![a dot](images/{PNG_SHA}.png)" in body
    assert "[image: lost one]" in body
    for link in (f"images/{PNG_SHA}.png",):
        assert (out / link).is_file()


def test_html_is_one_self_contained_page_with_contents(filled: Archive,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "all.html"
    export(filled, "html", out)
    page = out.read_text(encoding="utf-8")
    assert "<title>Broadsheet: all articles</title>" in page
    assert page.index('href="#a') < page.index("<article")
    assert f"data:image/png;base64,{base64.b64encode(PNG).decode()}" in page
    assert "archive-image:" not in page and "[image: lost one]" in page
    assert "Ann Writer" in page and "https://example.org/older" in page
    assert not (tmp_path / "all.html.partial").exists()


def test_epub_has_a_chapter_per_article_images_and_navigation(filled: Archive,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "book.epub"
    export(filled, "epub", out, "tag:art OR tag:science")
    with zipfile.ZipFile(out) as book:
        names = book.namelist()
        opf = book.read("EPUB/content.opf").decode()
        assert "Broadsheet: tag:art OR tag:science" in opf
        assert f"EPUB/images/{PNG_SHA}.png" in names
        assert book.read(f"EPUB/images/{PNG_SHA}.png") == PNG
        chapters = [n for n in names if n.startswith("EPUB/article-")]
        assert len(chapters) == 2
        assert "EPUB/nav.xhtml" in names


def _shown_fields(archive: Archive, article_id: int) -> list[str]:
    """What a reader of any format must find of an article: each field, as text."""
    article = archive.article(article_id)
    fields = [article.title, article.source, *article.tags]
    fields += [value for value in (article.subtitle, article.author, article.url) if value]
    if article.published is not None:
        fields.append(article.published.date().isoformat())
    return fields


def test_every_format_carries_every_field_and_every_image(filled: Archive,
                                                          tmp_path: Path) -> None:
    from html import escape

    ids = [row.id for row in filled.headlines("").rows]
    export(filled, "md", tmp_path / "md")
    for path in (tmp_path / "md").glob("*.md"):
        fields, body = _front_matter(path.read_text(encoding="utf-8"))
        article = filled.article(int(str(fields["broadsheet_id"])))
        assert fields["title"] == article.title and fields["source"] == article.source
        assert fields.get("subtitle") == (article.subtitle or None)
        assert fields.get("author") == article.author and fields["url"] == article.url
        assert fields["tags"] == list(article.tags)
        assert fields["published"] == (article.published.isoformat() if article.published
                                       else None)
        assert (fields["read"], fields["bookmarked"]) == (article.read, article.bookmarked)
        for link in re.findall(r"\]\((images/[^)]+)\)", body):
            assert (tmp_path / "md" / link).is_file()
    export(filled, "json", tmp_path / "json")
    for document in json.loads((tmp_path / "json" / "articles.json").read_text("utf-8")):
        for src in re.findall(r'src="([^"]+)"', document["body_html"]):
            assert (tmp_path / "json" / src).is_file()
    export(filled, "html", tmp_path / "all.html")
    page = (tmp_path / "all.html").read_text(encoding="utf-8")
    sections = page.split("<article")[1:]
    assert len(sections) == len(ids)
    for article_id, section in zip(ids, sections, strict=True):
        for field in _shown_fields(filled, article_id):
            assert escape(field) in section, field
        assert all(src.startswith("data:") for src in re.findall(r'src="([^"]+)"', section))
    export(filled, "epub", tmp_path / "all.epub")
    with zipfile.ZipFile(tmp_path / "all.epub") as book:
        names = set(book.namelist())
        for article_id in ids:
            chapter = book.read(f"EPUB/article-{article_id}.xhtml").decode()
            for field in _shown_fields(filled, article_id):
                assert escape(field, quote=False) in chapter, field
            for src in re.findall(r'src="([^"]+)"', chapter):
                assert f"EPUB/{src}" in names


def _epubcheck() -> list[str] | None:
    """How to run epubcheck: Debian's /usr/bin/epubcheck is a link to a jar, run by java."""
    found = shutil.which("epubcheck")
    if found is None:
        return None
    real = os.path.realpath(found)
    if real.endswith(".jar"):
        java = shutil.which("java")
        return None if java is None else [java, "-jar", real]
    return [found]


@pytest.mark.skipif(_epubcheck() is None, reason="epubcheck is not installed")
def test_epub_passes_epubcheck(filled: Archive, tmp_path: Path) -> None:
    filled.store([ArticleDraft(title="", body_html="<p>No title <br> odd &amp; markup"
                               "<table><tr><td>x</table>", guid="g3"),
                  ArticleDraft(title="No body", body_html="", guid="g4")])
    out = tmp_path / "book.epub"
    export(filled, "epub", out)
    run = subprocess.run([*(_epubcheck() or []), str(out)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("format", ["md", "json"])
def test_an_existing_non_empty_folder_is_refused(filled: Archive, tmp_path: Path,
                                                 format: str) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(ExportError, match="not empty"):
        export(filled, format, out)  # type: ignore[arg-type]
    assert [p.name for p in out.iterdir()] == ["mine.txt"]


def test_an_empty_existing_folder_is_used(filled: Archive, tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert export(filled, "json", out).articles == 2
    assert (out / "articles.json").is_file()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_place_is_refused(filled: Archive, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="cannot write"):
            export(filled, "md", locked / "out")
    finally:
        locked.chmod(0o700)


def test_a_missing_parent_folder_is_refused(filled: Archive, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    for format in ("md", "epub"):
        with pytest.raises(ExportError, match="no folder"):
            export(filled, format, tmp_path / "file" / "out")  # type: ignore[arg-type]


@pytest.mark.parametrize("format", ["md", "html", "epub", "json"])
def test_a_full_disk_midway_leaves_nothing_complete_looking(filled: Archive, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            format: str) -> None:
    from reader.export import progress

    written = progress.Tally.article_done

    def disk_fills(self: progress.Tally) -> None:
        written(self)
        if self.articles == 1:  # after the first article is on disk
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(progress.Tally, "article_done", disk_fills)
    out = tmp_path / f"out.{format}"
    with pytest.raises(ExportError, match="No space left on device"):
        export(filled, format, out)  # type: ignore[arg-type]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("out")] == []


@pytest.mark.parametrize("format", ["md", "html"])
def test_a_refused_write_is_one_clear_error(filled: Archive, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           format: str) -> None:
    """As test_an_unwritable_place_is_refused, but also when the tests run as root (for whom
    a read-only folder is writable): the operating system's refusal itself."""
    import tempfile

    def refused(*_args: object, **_kwargs: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", refused)
    monkeypatch.setattr(Path, "open", refused)
    with pytest.raises(ExportError, match=r"cannot write.*Permission denied"):
        export(filled, format, tmp_path / "out")  # type: ignore[arg-type]
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("out")] == []


@pytest.mark.parametrize("format", ["md", "html"])
def test_cancel_leaves_nothing(filled: Archive, tmp_path: Path, format: str) -> None:
    with pytest.raises(ExportCancelled):
        export(filled, format, tmp_path / "out", cancelled=lambda: True)  # type: ignore[arg-type]
    assert not any(p.name.startswith("out") for p in tmp_path.iterdir())


def test_cancel_midway_leaves_nothing(filled: Archive, tmp_path: Path) -> None:
    written: list[int] = []
    with pytest.raises(ExportCancelled):
        export(filled, "json", tmp_path / "out", progress=written.append,
               cancelled=lambda: bool(written))
    assert written == [1]  # stopped after the first article, before the second
    assert not any(p.name.startswith("out") for p in tmp_path.iterdir())


def test_selected_articles_only(filled: Archive, tmp_path: Path) -> None:
    older = filled.headlines("Older").rows[0].id
    export(filled, "json", tmp_path / "one", article_ids=[older])
    documents = json.loads((tmp_path / "one" / "articles.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in documents] == [older]


@pytest.mark.parametrize("format", ["md", "html", "epub", "json"])
def test_cli_export_json_line_and_empty_result(filled: Archive, archive_path: Path,
                                               tmp_path: Path, format: str) -> None:
    filled.close()
    out = io.StringIO()
    assert cli.main(["--archive", str(archive_path), "export", "tag:science", "--format",
                     "html", "--out", str(tmp_path / "s.html"), "--json"], out) == 0
    document = json.loads(out.getvalue())
    assert document == {"format": "html", "out": str(tmp_path / "s.html"), "articles": 1,
                        "images": 0, "bytes": (tmp_path / "s.html").stat().st_size}
    out = io.StringIO()
    assert cli.main(["--archive", str(archive_path), "export", "nomatchword", "--format",
                     format, "--out", str(tmp_path / "none")], out) == 0
    assert out.getvalue() == "no articles match; nothing exported\n"
    assert not any(p.name.startswith("none") for p in tmp_path.iterdir())  # no empty book


def test_cli_refuses_a_taken_folder_in_one_line(filled: Archive, archive_path: Path,
                                                tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    filled.close()
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x")
    code = cli.main(["--archive", str(archive_path), "export", "--format", "md", "--out",
                     str(tmp_path / "taken")], io.StringIO())
    assert code == 1
    assert capsys.readouterr().err.count("\n") == 1


HOSTILE_TITLES = ["a/b", "..", "../../etc/passwd", "nul\x00byte", "CON", "x" * 300,
                  "Same", "same"]


def test_hostile_titles_stay_inside_the_folder_one_file_each(archive: Archive,
                                                             tmp_path: Path) -> None:
    archive.store([ArticleDraft(title=title, body_html=f"<p>Body {n}</p>", guid=f"h{n}")
                   for n, title in enumerate(HOSTILE_TITLES)])
    out = tmp_path / "md"
    export(archive, "md", out)
    files = list(out.iterdir())
    assert len(files) == len(HOSTILE_TITLES)
    assert all(f.parent == out and f.suffix == ".md" for f in files)
    names = {f.name for f in files}
    assert {"a b.md", "etc passwd.md", "nul byte.md", "_CON.md"} <= names
    assert len({name.casefold() for name in names}) == len(names)
    bodies = {yaml.safe_load(f.read_text(encoding="utf-8").split("---\n")[1])["title"]
              for f in files}
    assert bodies == set(HOSTILE_TITLES)  # each article's own title, in full, inside


@pytest.mark.parametrize("format", ["md", "html", "epub", "json"])
def test_untitled_and_bodiless_articles_export(archive: Archive, tmp_path: Path,
                                               format: str) -> None:
    archive.store([ArticleDraft(title="", body_html="<p>The opening line. More.</p>",
                                guid="u1"),
                   ArticleDraft(title="Nothing inside", body_html="", guid="u2")])
    out = tmp_path / f"out.{format}"
    assert export(archive, format, out).articles == 2  # type: ignore[arg-type]
    if format == "md":
        assert sorted(p.name for p in out.iterdir()) == ["Nothing inside.md",
                                                         "The opening line.md"]
    elif format == "json":
        documents = json.loads((out / "articles.json").read_text(encoding="utf-8"))
        assert {d["title"]: d["body_html"] for d in documents} == {
            "Nothing inside": "", "The opening line": "<p>The opening line. More.</p>"}
    elif format == "html":
        page = out.read_text(encoding="utf-8")
        assert "Nothing inside" in page and "The opening line. More." in page
    else:
        with zipfile.ZipFile(out) as book:
            text = " ".join(book.read(n).decode() for n in book.namelist()
                            if n.startswith("EPUB/article-"))
        assert "Nothing inside" in text and "The opening line. More." in text


def test_missing_images_become_placeholders_in_the_book_never_addresses(filled: Archive,
                                                                        tmp_path: Path
                                                                        ) -> None:
    out = tmp_path / "book.epub"
    export(filled, "epub", out, "picture")
    with zipfile.ZipFile(out) as book:
        chapter = next(book.read(n).decode() for n in book.namelist()
                       if n.startswith("EPUB/article-"))
    assert "[image: lost one]" in chapter
    assert GONE_SHA not in chapter and "archive-image:" not in chapter
    assert f'src="images/{PNG_SHA}.png"' in chapter


def test_alt_text_of_a_missing_image_stays_text(archive: Archive, tmp_path: Path) -> None:
    archive.store([ArticleDraft(title="Alt", guid="alt", body_html=(
        f'<p><img src="archive-image:{GONE_SHA}" alt="&lt;script&gt; &amp; co"></p>'))])
    export(archive, "html", tmp_path / "a.html")
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert "[image: &lt;script&gt; &amp; co]" in page and "<script>" not in page
    export(archive, "md", tmp_path / "md")
    assert "[image: <script> & co]" in (tmp_path / "md" / "Alt.md").read_text(encoding="utf-8")


def test_an_image_from_elsewhere_is_never_linked() -> None:
    from reader.export.articles import rewrite_images

    body = ('<p><img src="https://tracker.example/p.gif" alt="pixel">'
            '<img alt="no source"></p>')
    rewritten = rewrite_images(body, {}, lambda _image, tag: tag, lambda alt: f"[{alt}]")
    assert rewritten == "<p>[pixel][no source]</p>"


def test_bad_query_is_a_syntax_error(filled: Archive, tmp_path: Path) -> None:
    with pytest.raises(QuerySyntaxError):
        export(filled, "md", tmp_path / "x", '"unclosed')


@pytest.mark.parametrize("title", ["a/b", "..", "../../etc/passwd", "nul\x00byte", "CON",
                                   "con.txt", "x" * 300, "é" * 300, "", "...", " . "])
def test_hostile_titles_make_safe_names(title: str) -> None:
    stem = safe_stem(title, "article-7")
    assert stem and not stem.startswith(".")
    assert not set(stem) & set('/\\:*?"<>|\x00')
    assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES
    assert stem.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=200), min_size=1, max_size=8))
def test_names_are_always_safe_and_unique(titles: list[str]) -> None:
    names = UniqueNames()
    stems = [names.claim(title, "article") for title in titles]
    assert len({s.casefold() for s in stems}) == len(stems)
    for stem in stems:
        assert stem and not stem.startswith(".") and not stem.endswith((" ", "."))
        assert not any(ord(c) < 32 or c in '/\\:*?"<>|' for c in stem)
        assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES


def test_duplicate_titles_are_numbered() -> None:
    names = UniqueNames()
    assert [names.claim("Report", "x") for _ in range(3)] == ["Report", "Report (2)",
                                                              "Report (3)"]
