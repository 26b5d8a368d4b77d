"""Character references left in text that should hold the characters: titles.

Publishers escape a title once too often: a WordPress feed's ``<title>Blog &amp;#8211;
InfluxData</title>``, a JSON Feed whose plain-text title is "Blog &#8211; InfluxData", an
OPML list written by a tool that escaped "&amp;" before its XML library escaped it again.
Shown as they come, the reader sees "&#8211;" where the publisher meant "–", and exporting
escapes the ampersand a second time. A title is plain text everywhere in Broadsheet, so every
title is decoded here until no reference is left ("&amp;amp;" is "&").

Only complete references, with their semicolon, are read: "AT&T", "R&D" and "Fish &chips"
stay as written, where ``html.unescape`` alone would turn "&not" into "¬".
"""

from __future__ import annotations

import html
import re

# &#8211; &#x2013; &ndash; &amp; — each with its closing semicolon.
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Escaped more times than this is not a mistake to repair but text about references.
_MAX_ROUNDS = 4


def decode_references(text: str) -> str:
    """``text`` with its character references decoded, repeatedly for double-escaped ones;
    unknown names ("&foo;") stay as written. Decoding the result again changes nothing unless
    the text was escaped more than four times over."""
    for _ in range(_MAX_ROUNDS):
        if "&" not in text:
            return text
        decoded = _REFERENCE.sub(_decode, text)
        if decoded == text:
            return text
        text = decoded
    return text


def _decode(match: re.Match[str]) -> str:
    reference = match.group(0)
    character = html.unescape(reference)
    # A reference to a control character or a non-character (&#0;, &#xFFFE;) is left out.
    if len(character) == 1 and ((ord(character) < 0x20 and character not in "\t\n\r")
                                or 0x7F <= ord(character) < 0xA0):
        return ""
    return character
