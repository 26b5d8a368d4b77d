"""File names for exported articles: from the title, unique, and safe on every OS.

Titles are hostile input (``/``, ``..``, NUL, 300 characters, ``CON``); a name made here is
never a path, never hidden, never a Windows device, and fits in 120 bytes before ``.md``."""

from __future__ import annotations

import re
import unicodedata

MAX_STEM_BYTES = 120
_FORBIDDEN = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]+')
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(10)),
                       *(f"LPT{n}" for n in range(10))})


def _fit(stem: str, limit: int) -> str:
    """``stem`` cut to ``limit`` UTF-8 bytes without splitting a character."""
    return stem.encode("utf-8")[:limit].decode("utf-8", "ignore").rstrip(" .")


def safe_stem(title: str, fallback: str) -> str:
    """A file name stem from ``title`` (``fallback`` when nothing usable is left)."""
    text = unicodedata.normalize("NFC", title)
    text = _FORBIDDEN.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip().lstrip(".").strip(" .")
    text = _fit(text, MAX_STEM_BYTES)
    if not text:
        text = fallback
    if text.split(".")[0].upper().rstrip() in _RESERVED:
        text = f"_{text}"
    return text


class UniqueNames:
    """Hands out stems not yet used in one folder (case-insensitively, as Windows and macOS
    compare): the second ``Report`` is ``Report (2)``."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def claim(self, title: str, fallback: str) -> str:
        stem = safe_stem(title, fallback)
        candidate, number = stem, 1
        while candidate.casefold() in self._used:
            number += 1
            suffix = f" ({number})"
            candidate = _fit(stem, MAX_STEM_BYTES - len(suffix)) + suffix
        self._used.add(candidate.casefold())
        return candidate
