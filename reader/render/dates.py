"""Dates as people read them, in local time: one wording for the command line and the pane."""

from __future__ import annotations

from datetime import UTC, datetime


def humanize_date(moment: datetime | None, now: datetime | None = None) -> str:
    """"today 14:02", "yesterday 09:15", "Nov 4" (this year) or "Nov 4, 2023", in local time;
    "undated" for None (the archive never invents a date).

    A naive ``moment`` is taken as UTC, which is what the archive stores.
    """
    if moment is None:
        return "undated"
    now = (now or datetime.now(UTC)).astimezone()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(now.tzinfo)
    days = (now.date() - local.date()).days
    if days == 0:
        return f"today {local:%H:%M}"
    if days == 1:
        return f"yesterday {local:%H:%M}"
    if local.year == now.year:
        return f"{local:%b} {local.day}"
    return f"{local:%b} {local.day}, {local.year}"
