"""Atomic output: an export is built under a temporary sibling name and renamed into place
only when complete, so a full disk or a cancel mid-way never leaves something that looks
finished. An existing non-empty output folder is refused, never merged into."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reader.export.errors import ExportError


def _refuse_existing(out: Path) -> None:
    if out.is_dir():
        if any(out.iterdir()):
            raise ExportError(f"{out} exists and is not empty; choose a new or empty folder")
    elif out.exists():
        raise ExportError(f"{out} exists and is not a folder")
    if not out.parent.is_dir():
        raise ExportError(f"no folder {out.parent} to write into")


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A temporary folder ``OUT.partial-XXXX`` beside ``out``, renamed to ``out`` on success
    and removed on any failure."""
    _refuse_existing(out)
    try:
        temporary = Path(tempfile.mkdtemp(prefix=f"{out.name}.partial-", dir=out.parent))
    except OSError as error:
        raise ExportError(f"cannot write in {out.parent}: {error.strerror}") from None
    try:
        yield temporary
        if out.is_dir():
            out.rmdir()  # empty, as checked
        os.replace(temporary, out)
    except OSError as error:
        shutil.rmtree(temporary, ignore_errors=True)
        raise ExportError(f"cannot write {out}: {error.strerror}") from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


@contextmanager
def staged_file(out: Path) -> Iterator[Path]:
    """``NAME.partial`` beside ``out``, renamed to ``out`` on success, removed on failure."""
    if out.is_dir():
        raise ExportError(f"{out} is a folder; give a file name")
    if out.exists():
        raise ExportError(f"{out} exists; choose a new file name")
    if not out.parent.is_dir():
        raise ExportError(f"no folder {out.parent} to write into")
    temporary = out.with_name(out.name + ".partial")
    try:
        yield temporary
        os.replace(temporary, out)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ExportError(f"cannot write {out}: {error.strerror}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def tree_size(path: Path) -> int:
    """Bytes written: a file's size, or every file's under a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
