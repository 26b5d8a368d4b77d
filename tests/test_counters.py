"""Stored counts (per tag, per source, archive totals) always equal a recount.

A hypothesis state machine drives random imports, re-imports, tagging, read/bookmark changes
and deletions, and after every step compares each stored counter with a GROUP BY recount and
checks the full-text index against its content.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from drafts import make_draft
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from reader.archive import Archive
from reader.archive.database import Connection

TAG_NAMES = st.sampled_from(["News", "news", "Sport", "Sahel", "East Africa", "x"])


def recount_mismatches(connection: Connection) -> list[str]:
    checks = {
        "tag counts": """
            SELECT t.name FROM tags t WHERE t.article_count !=
                (SELECT count(*) FROM article_tags x WHERE x.tag_id = t.id)
            OR t.unread_count != (SELECT count(*) FROM article_tags x JOIN articles a
                ON a.id = x.article_id WHERE x.tag_id = t.id AND a.read = 0)""",
        "empty tags": "SELECT name FROM tags WHERE article_count = 0",
        "join copies": """
            SELECT x.article_id FROM article_tags x JOIN articles a ON a.id = x.article_id
            WHERE x.read != a.read OR x.order_key != a.order_key""",
        "source counts": """
            SELECT s.id FROM sources s WHERE s.article_count !=
                (SELECT count(*) FROM articles a WHERE a.source_id = s.id)
            OR s.unread_count != (SELECT count(*) FROM articles a
                WHERE a.source_id = s.id AND a.read = 0)""",
        "totals": """
            SELECT 1 FROM archive_stats WHERE articles != (SELECT count(*) FROM articles)
            OR unread != (SELECT count(*) FROM articles WHERE read = 0)
            OR bookmarked != (SELECT count(*) FROM articles WHERE bookmarked = 1)""",
        "bodies": "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM article_bodies)",
    }
    return [name for name, sql in checks.items() if connection.exec_driver_sql(sql).first()]


class ArchiveCounters(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp())
        self.archive = Archive.open(self.folder / "archive.db")
        self.versions: dict[int, int] = {}

    def teardown(self) -> None:
        self.archive.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _ids(self) -> list[int]:
        return [row.id for row in self.archive.headlines("", limit=1000).rows]

    @rule(n=st.integers(0, 30), tags=st.lists(TAG_NAMES, max_size=3),
          edit=st.booleans())
    def store(self, n: int, tags: list[str], edit: bool) -> None:
        version = self.versions.get(n, 0) + int(edit)
        self.versions[n] = version
        self.archive.store([make_draft(n, tags=tuple(tags),
                                       body=f"<p>Body {n}, version {version}.</p>")])

    @rule(pick=st.integers(0, 1000), tag=TAG_NAMES)
    def tag(self, pick: int, tag: str) -> None:
        ids = self._ids()
        if ids:
            self.archive.tag(ids[pick % len(ids)], [tag])

    @rule(pick=st.integers(0, 1000), tag=TAG_NAMES)
    def untag(self, pick: int, tag: str) -> None:
        ids = self._ids()
        if ids:
            self.archive.untag(ids[pick % len(ids)], [tag])

    @rule(pick=st.integers(0, 1000), read=st.booleans())
    def mark_read(self, pick: int, read: bool) -> None:
        ids = self._ids()
        if ids:
            self.archive.set_read([ids[pick % len(ids)]], read)

    @rule(pick=st.integers(0, 1000), bookmarked=st.booleans())
    def bookmark(self, pick: int, bookmarked: bool) -> None:
        ids = self._ids()
        if ids:
            self.archive.set_bookmarked([ids[pick % len(ids)]], bookmarked)

    @rule(pick=st.integers(0, 1000))
    def delete(self, pick: int) -> None:
        ids = self._ids()
        if ids:
            self.archive.delete([ids[pick % len(ids)]])

    @invariant()
    def counters_equal_a_recount(self) -> None:
        with self.archive.reading() as connection:
            assert recount_mismatches(connection) == []
        self.archive.check()


ArchiveCounters.TestCase.settings = settings(max_examples=40, stateful_step_count=25,
                                             deadline=None)
test_counters_equal_a_recount = ArchiveCounters.TestCase


def test_deleted_article_is_not_imported_again(archive: Archive) -> None:
    [outcome] = archive.store([make_draft(1)])
    assert outcome.article_id is not None
    archive.delete([outcome.article_id])
    assert archive.store([make_draft(1)])[0].status == "tombstoned"
    assert archive.totals().articles == 0


def test_update_keeps_read_bookmark_and_added_tags(archive: Archive) -> None:
    [first] = archive.store([make_draft(1, tags=("Feed tag",))])
    assert first.article_id is not None
    archive.set_read([first.article_id])
    archive.set_bookmarked([first.article_id])
    archive.tag(first.article_id, ["Mine"])
    assert archive.store([make_draft(1, tags=("Feed tag",))])[0].status == "unchanged"
    [second] = archive.store([make_draft(1, tags=("Feed tag",), body="<p>Corrected.</p>")])
    assert second.status == "updated" and second.article_id == first.article_id
    article = archive.article(first.article_id)
    assert article.read and article.bookmarked
    assert article.tags == ("Feed tag", "Mine")
    assert article.body_text == "Corrected."
