"""Byte-order marks: the one table every decoder (text pages, web pages, feeds) consults."""

from __future__ import annotations

import codecs

# UTF-32 LE must be tried before UTF-16 LE: its BOM begins with the UTF-16 LE BOM.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
