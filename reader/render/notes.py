"""The line an article carries when a limit cut something from it ("Shortened: …").

A hostile or absurd input is cut to its budget rather than refused whole (the module that
applies each budget documents it), and the reader is told, in the article itself, what was
left out: the note is part of the stored body (plain markup, so sanitizing it again keeps it
as it is), and the reading pane, ``show`` and any export see it. Every stage that cuts
calls ``with_notes``: one wording, one place.
"""

from __future__ import annotations

import html
from collections.abc import Sequence


def shortened_note(reason: str) -> str:
    """One note paragraph; ``reason`` is plain text ("the body was over 2 MB; …")."""
    return f"<p><em>Shortened: {html.escape(reason)}</em></p>"


def with_notes(body_html: str, reasons: Sequence[str]) -> str:
    """``body_html`` with one note per reason after it (already sanitized markup only)."""
    if not reasons:
        return body_html
    return body_html + "".join(shortened_note(reason) for reason in dict.fromkeys(reasons))
