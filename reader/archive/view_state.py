"""What a reader window last showed in this archive: its last article, filter and search.

Kept in the archive, not in the user's settings, because it only means something in the
archive it was made in (article 365 of one archive is an unrelated article, or none, in
another), and it should follow the file when it moves.
"""

from __future__ import annotations

from collections.abc import Mapping

from reader.archive.database import Connection

MAX_KEY_LENGTH = 40
MAX_VALUE_LENGTH = 4000


def load(connection: Connection) -> dict[str, str]:
    return {str(key): str(value) for key, value in
            connection.exec_driver_sql("SELECT key, value FROM view_state")}


def save(connection: Connection, values: Mapping[str, str | None]) -> None:
    """Set each key to its value; None removes it. Over-long values are not kept."""
    for key, value in values.items():
        if len(key) > MAX_KEY_LENGTH:
            raise ValueError(f"view state key too long: {key!r}")
        if value is None or len(value) > MAX_VALUE_LENGTH:
            connection.exec_driver_sql("DELETE FROM view_state WHERE key = ?", (key,))
        else:
            connection.exec_driver_sql(
                "INSERT INTO view_state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))
