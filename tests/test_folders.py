"""Folders (a source's source tag shown as a folder) and deleting a tag: core and CLI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from drafts import make_draft

from reader import operations
from reader.archive import Archive, sources
from reader.cli import main
from reader.errors import NotFound, TagNotFound


def run(path: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--archive", str(path), *argv], out)
    return code, out.getvalue()


def add_feed(archive: Archive, title: str, first: int, n: int, *,
             folder: str | None = None) -> int:
    """A feed source with ``n`` articles carrying its folder tag, as a sync would leave it."""
    with archive.writing() as connection:
        source_id = sources.add_source(connection, kind="feed", title=title,
                                       url=f"https://example.org/{title}.xml",
                                       tags=[folder] if folder else [])
    archive.store([make_draft(i, tags=(folder,) if folder else ()) for i in
                   range(first, first + n)], source_id=source_id)
    return source_id


def hand_tag(archive: Archive, article_id: int, name: str) -> None:
    """Tag an article as a person would (by_user = 1), whatever the tagging code records."""
    archive.tag(article_id, [name])
    with archive.writing() as connection:
        connection.exec_driver_sql(
            "UPDATE article_tags SET by_user = 1 WHERE article_id = ? AND tag_id = "
            "(SELECT id FROM tags WHERE name = ?)", (article_id, name))


def folder_of(archive: Archive, source_id: int) -> str | None:
    return next(s.folder for s in archive.sources() if s.id == source_id)


def tag_of(archive: Archive, name: str) -> set[int]:
    return {row.id for row in archive.headlines(f'tag:"{name}"').rows}


@pytest.fixture
def two_feeds(archive: Archive) -> tuple[Archive, int, int]:
    herald = add_feed(archive, "Herald", 1, 3, folder="News")
    blog = add_feed(archive, "Blog", 10, 2)
    return archive, herald, blog


def test_sources_report_their_folder(two_feeds: tuple[Archive, int, int]) -> None:
    archive, herald, blog = two_feeds
    assert folder_of(archive, herald) == "News"
    assert folder_of(archive, blog) is None


def test_moving_a_source_retags_its_articles_but_keeps_hand_made_tags(
        two_feeds: tuple[Archive, int, int]) -> None:
    archive, herald, _blog = two_feeds
    ids = {row.id for row in archive.headlines(source_id=herald).rows}
    kept = min(ids)
    hand_tag(archive, kept, "News")  # a person tagged this one News themselves

    changes = operations.move_to_folder(archive, herald, "World")
    assert changes.articles == ids and changes.sources and changes.tags
    assert folder_of(archive, herald) == "World"
    assert tag_of(archive, "World") == ids
    assert tag_of(archive, "News") == {kept}
    assert {row.id for row in archive.headlines("world").rows} == ids  # re-indexed
    archive.check()

    # Out of any folder: the folder tag goes, and a tag nobody carries goes from the list.
    operations.move_to_folder(archive, herald, None)
    assert folder_of(archive, herald) is None
    assert "World" not in {t.name for t in archive.tag_counts()}
    assert operations.move_to_folder(archive, herald, "  ") == operations.NO_CHANGES
    archive.check()


def test_moving_into_the_same_folder_changes_nothing(two_feeds: tuple[Archive, int, int]) -> None:
    archive, herald, _blog = two_feeds
    assert not operations.move_to_folder(archive, herald, "News")
    with pytest.raises(NotFound):
        operations.move_to_folder(archive, 999, "News")


def test_rename_and_remove_a_folder(two_feeds: tuple[Archive, int, int]) -> None:
    archive, herald, blog = two_feeds
    operations.move_to_folder(archive, blog, "News")
    operations.rename_folder(archive, "News", "Daily")
    assert {folder_of(archive, herald), folder_of(archive, blog)} == {"Daily"}
    assert len(tag_of(archive, "Daily")) == 5
    operations.rename_folder(archive, "Daily", None)
    assert {folder_of(archive, herald), folder_of(archive, blog)} == {None}
    with pytest.raises(NotFound):
        operations.rename_folder(archive, "Daily", "x")
    archive.check()


def test_delete_tag_and_undo_it(two_feeds: tuple[Archive, int, int]) -> None:
    archive, herald, _blog = two_feeds
    hand_tag(archive, 4, "Keep")  # a Blog article... ids are store order
    hand_tag(archive, 1, "News")
    before = {t.name: (t.count, t.unread) for t in archive.tag_counts()}
    bodies = {i: archive.article(i).body_text for i in range(1, 6)}

    outcome = operations.delete_tag(archive, "news")
    assert sorted(a for a, _ in outcome.result) == [1, 2, 3]
    assert dict(outcome.result)[1] is True and dict(outcome.result)[2] is False
    assert outcome.changes.tags and outcome.changes.counts
    assert "News" not in {t.name for t in archive.tag_counts()}
    assert archive.headlines("news").rows == ()
    assert {i: archive.article(i).body_text for i in range(1, 6)} == bodies
    assert archive.article(4).tags == ("Keep",)
    archive.check()

    operations.restore_tag(archive, "News", outcome.result)
    assert {t.name: (t.count, t.unread) for t in archive.tag_counts()} == before
    assert archive.hand_made_tags() == {"Keep", "News"}
    assert {row.id for row in archive.headlines("news").rows} == {1, 2, 3}
    with pytest.raises(TagNotFound):
        operations.delete_tag(archive, "Nope")
    archive.check()
    assert herald


def test_cli_delete_tag(archive_path: Path) -> None:
    with Archive.open(archive_path) as archive:
        archive.store([make_draft(1, tags=("x",)), make_draft(2, tags=("x", "y"))])
    assert run(archive_path, "delete-tag", "x") == (0, "Removed tag “x” from 2 articles\n")
    code, text = run(archive_path, "delete-tag", "x")
    assert (code, text) == (1, "")
    _code, listed = run(archive_path, "tags")
    assert "y" in listed and "x " not in listed


def test_cli_delete_tag_unknown_says_so(archive_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    Archive.open(archive_path).close()
    assert run(archive_path, "delete-tag", "ghost")[0] == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "broadsheet: error: no tag named 'ghost'"]


def test_cli_move_source(archive_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Archive.open(archive_path) as archive:
        herald = add_feed(archive, "Herald", 1, 2)
    code, text = run(archive_path, "move-source", str(herald), "Morning papers")
    assert (code, text) == (0, f"Source #{herald} is now in folder “Morning papers” "
                               "(2 articles retagged)\n")
    assert run(archive_path, "move-source", str(herald), "Morning papers")[1] == \
        f"Source #{herald} is already in folder “Morning papers”\n"
    with Archive.open(archive_path) as archive:
        assert tag_of(archive, "Morning papers") == {1, 2}
    code, text = run(archive_path, "move-source", str(herald), "--none")
    assert (code, text) == (0, f"Source #{herald} is now in no folder (2 articles retagged)\n")
    capsys.readouterr()
    assert run(archive_path, "move-source", str(herald))[0] == 2
    assert run(archive_path, "move-source", "77", "X")[0] == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == \
        "broadsheet: error: no source with id 77"


def test_cli_delete_tag_with_a_blank_name_says_so(archive_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    Archive.open(archive_path).close()
    assert run(archive_path, "delete-tag", "   ")[0] == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "broadsheet: error: a tag name cannot be empty"]
