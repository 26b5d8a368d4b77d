"""Article drafts for tests that need a few articles quickly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reader.records import ArticleDraft

BASE_TIME = datetime(2024, 11, 4, 12, 0, tzinfo=UTC)


def make_draft(n: int, *, tags: tuple[str, ...] = (), body: str | None = None,
               title: str | None = None, published: datetime | bool | None = True,
               author: str | None = None) -> ArticleDraft:
    """A small article; ``published=True`` means "n hours after BASE_TIME"."""
    when = BASE_TIME + timedelta(hours=n) if published is True else published
    return ArticleDraft(
        title=title or f"Article number {n}",
        body_html=body or f"<p>Body of article {n}. It has a few words in it.</p>",
        author=author,
        published=when if isinstance(when, datetime) else None,
        guid=f"test:{n}",
        tags=tags,
    )
