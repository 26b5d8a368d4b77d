"""The "Shortened: …" note survives being sanitized again and escapes its reason."""

from __future__ import annotations

from reader.render.notes import shortened_note, with_notes
from reader.render.sanitize import sanitize_html


def test_a_note_is_kept_through_sanitizing_and_escapes_its_reason() -> None:
    body = with_notes("<p>Text.</p>", ["the body had <script> in it", "x", "x"])
    assert body.count("Shortened:") == 2
    assert "&lt;script&gt;" in body
    assert sanitize_html(body) == body
    assert shortened_note("y") in with_notes("", ["y"])
