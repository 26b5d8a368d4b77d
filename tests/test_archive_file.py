"""Opening archives: creation, WAL, foreign files, newer schemas, migration with a backup."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from drafts import make_draft

from reader.archive import Archive, default_archive_path
from reader.archive.engine import (
    APPLICATION_ID,
    HEAD_REVISION,
    _alembic_config,
    create_archive_file,
    known_revisions,
    migration_engine,
)
from reader.errors import ArchiveCorrupt, ArchiveTooNew, NotAnArchive


def test_new_archive_is_wal_with_our_application_id(archive_path: Path) -> None:
    Archive.open(archive_path).close()
    connection = sqlite3.connect(archive_path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    connection.close()


def test_connections_have_foreign_keys_and_busy_timeout(archive: Archive) -> None:
    with archive.reading() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0


def test_head_revision_matches_the_migration_scripts() -> None:
    assert known_revisions()[-1] == HEAD_REVISION


def test_migrated_schema_matches_the_models(archive: Archive) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from reader.archive.schema import Base

    engine = migration_engine(archive.path)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            differences = [
                diff for diff in compare_metadata(context, Base.metadata)
                if not (diff[0] == "remove_table" and diff[1].name.startswith("articles_fts"))
            ]
    finally:
        engine.dispose()
    assert differences == []


def test_text_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("my shopping list\n")
    with pytest.raises(NotAnArchive, match="not an SQLite database"):
        Archive.open(path)
    assert path.read_text() == "my shopping list\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_other_sqlite_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE contacts (name TEXT)")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    with pytest.raises(NotAnArchive, match="not a Broadsheet archive"):
        Archive.open(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite"]


def test_folder_given_as_archive_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotAnArchive, match="folder"):
        Archive.open(tmp_path)


def test_corrupt_archive_gives_a_clear_error(archive_path: Path) -> None:
    with Archive.open(archive_path) as archive:
        archive.store([make_draft(n) for n in range(200)])
    with sqlite3.connect(archive_path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(archive_path.read_bytes())
    page = 4096
    for offset in range(page * 2, len(data), 7):  # keep the header, scramble the rest
        data[offset] = (data[offset] * 31 + 7) % 256
    archive_path.write_bytes(bytes(data))
    with pytest.raises(ArchiveCorrupt, match="damaged"), Archive.open(archive_path) as archive:
        archive.headlines("")
        archive.check()


def test_archive_from_a_newer_broadsheet_is_refused(archive_path: Path) -> None:
    Archive.open(archive_path).close()
    with sqlite3.connect(archive_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(ArchiveTooNew, match="newer Broadsheet"):
        Archive.open(archive_path)


def test_older_archive_is_backed_up_then_migrated(archive_path: Path) -> None:
    create_archive_file(archive_path)
    engine = migration_engine(archive_path)
    with engine.connect() as connection:
        with connection.begin():
            command.upgrade(_alembic_config(connection), "0001")
        with connection.begin():
            connection.exec_driver_sql(
                "INSERT INTO sources (id, kind, title, created_at) VALUES (1, 'local', 'x', 0)")
            connection.exec_driver_sql(
                "INSERT INTO articles (id, source_id, guid, title, title_key, fetched, order_key,"
                " excerpt, word_count, content_hash, bookmarked) "
                "VALUES (1, 1, 'g', 'Saved before the upgrade', 'k', 0, 5, '', 0, 'h', 1)")
            connection.exec_driver_sql(
                "INSERT INTO article_bodies VALUES (1, '<p>marrowgate</p>', 'marrowgate')")
    engine.dispose()

    with Archive.open(archive_path) as archive:
        assert archive.backup_path is not None
        assert archive.backup_path.name.startswith("archive.db.backup-")
        assert [row.title for row in archive.headlines("marrowgate").rows] == [
            "Saved before the upgrade"]
        assert archive.article(1).bookmarked
        archive.check()
    backup = sqlite3.connect(archive.backup_path)
    assert backup.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    backup.close()


def test_archive_location_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADSHEET_ARCHIVE", str(tmp_path / "env.db"))
    assert default_archive_path(tmp_path / "flag.db") == tmp_path / "flag.db"
    assert default_archive_path(None) == tmp_path / "env.db"
    monkeypatch.delenv("BROADSHEET_ARCHIVE")
    assert default_archive_path(None) == tmp_path / "xdg-data" / "broadsheet" / "archive.db"


def test_archive_in_a_missing_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "archive.db"
    with Archive.open(path) as archive:
        assert archive.totals().articles == 0
    assert path.exists()


def test_reading_and_writing_an_archive_never_loads_sqlalchemy(archive_path: Path) -> None:
    """SQLAlchemy's import alone was 250 ms of the window's start-up: only creating or
    migrating an archive may load it."""
    import subprocess
    import sys

    with Archive.open(archive_path) as archive:  # created (and migrated) here
        archive.store([make_draft(1)])
    script = (
        "import sys\n"
        "from reader.archive import Archive\n"
        f"with Archive.open({str(archive_path)!r}) as archive:\n"
        "    [row] = archive.headlines('').rows\n"
        "    archive.article(row.id)\n"
        "    archive.set_read([row.id], True)\n"
        "    archive.tag_counts()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'alembic'))))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"
