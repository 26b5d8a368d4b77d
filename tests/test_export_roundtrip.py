"""What leaves comes back: an md or json export imported into another archive gives the same
articles — title, subtitle, author, address, date, tags, read and bookmark state, and a body
with the same structure (nested lists stay nested, code stays code) and the same words."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest

from reader.archive import Archive
from reader.export import export
from reader.importing import import_paths
from reader.records import Article, ArticleDraft

WHEN = datetime(2024, 5, 14, 8, 15, tzinfo=UTC)
BODY = ("<p>Intro <em>stress</em>, and <strong>bold</strong>.</p>"
        "<ul><li>one<ul><li>nested a<ul><li>deeper</li></ul></li><li>nested b</li></ul></li>"
        "<li>two</li></ul>"
        "<ol><li>first<p>its second paragraph</p></li><li>second</li></ol>"
        "<pre><code>x = 1\ny = 2</code></pre>"
        "<blockquote><p>Quoted words.</p></blockquote>"
        "<table><tr><th>head</th></tr><tr><td>cell</td></tr></table>"
        '<p>End with a <a href="https://example.org/link">link</a>.</p>')


def _fill(archive: Archive) -> None:
    archive.store([
        ArticleDraft(title="Lists and code", subtitle="A standfirst", author="Ann Writer",
                     body_html=BODY, published=WHEN, url="https://example.org/a1",
                     guid="a1", tags=("science",)),
        ArticleDraft(title="A plain one", body_html="<p>Only words here.</p>",
                     published=WHEN.replace(day=15), url="https://example.org/a2",
                     guid="a2"),
    ])
    first, second = (row.id for row in reversed(archive.headlines("").rows))
    archive.tag(first, ["kept"])
    archive.set_bookmarked([first])
    archive.set_read([second])


def _structure(html: str) -> list[tuple[str, int]]:
    """Each block element with how deep in lists it sits, in document order."""
    tree = lxml.html.fragment_fromstring(html, create_parent="div")
    return [(element.tag, sum(1 for parent in element.iterancestors() if parent.tag in
                              ("ul", "ol")))
            for element in tree.iter("ul", "ol", "li", "pre", "blockquote", "table", "td",
                                     "th")]


def _words(article: Article) -> list[str]:
    return article.body_text.split()


@pytest.mark.parametrize("format", ["md", "json"])
def test_an_export_imports_back_as_the_same_articles(format: str, archive: Archive,
                                                     tmp_path: Path) -> None:
    _fill(archive)
    out = tmp_path / "out"
    assert export(archive, format, out).articles == 2
    with Archive.open(tmp_path / "other.db") as other:
        results = import_paths(other, [out])
        assert all(result.status == "imported" for result in results), results
        originals = {row.title: archive.article(row.id) for row in archive.headlines("").rows}
        copies = {row.title: other.article(row.id) for row in other.headlines("").rows}
        assert copies.keys() == originals.keys()
        for title, original in originals.items():
            copy = copies[title]
            assert (copy.subtitle, copy.author, copy.url, copy.published) == \
                (original.subtitle, original.author, original.url, original.published)
            assert set(copy.tags) == set(original.tags)
            assert (copy.read, copy.bookmarked) == (original.read, original.bookmarked)
            assert _words(copy) == _words(original)
            assert _structure(copy.body_html) == _structure(original.body_html)
        assert "kept" in other.hand_made_tags()
