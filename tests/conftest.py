"""Shared fixtures: each test gets its own archive in a temporary folder, never the user's;
and the run fails if it leaves a process running."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from processes import adopt_orphans, children_left

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from reader.archive import Archive


def pytest_configure(config: pytest.Config) -> None:
    adopt_orphans()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when any process it started (or adopted, see ``processes``) is still
    running: a worker left behind keeps memory and the archive's files open for good."""
    left = children_left()
    if not left:
        return
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_sep("=", "processes left running by the test run", red=True)
        for pid, command in left:
            reporter.write_line(f"{pid}: {command}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "qtbot" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def _no_user_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch the real user data folder: point the default somewhere harmless."""
    monkeypatch.setenv("BROADSHEET_ARCHIVE", str(tmp_path / "default-archive.db"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


@pytest.fixture
def archive(archive_path: Path) -> Iterator[Archive]:
    with Archive.open(archive_path) as opened:
        yield opened
