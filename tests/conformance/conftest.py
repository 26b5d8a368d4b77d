"""Conformance tests read ../shared (beside the repository) and skip when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "conformance" in str(item.path):
            item.add_marker(pytest.mark.conformance)
            if not SHARED.is_dir():
                item.add_marker(pytest.mark.skip(reason=f"{SHARED} is not here"))
