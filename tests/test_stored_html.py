"""Whatever HTML arrives, what the archive stores is safe to show offline."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.archive import Archive
from reader.records import ArticleDraft

SCHEMES = ["javascript:", "JaVaScRiPt:", " javascript:", "java\tscript:", "jav&#x61;script:",
           "&#106;avascript:", "vbscript:", "data:text/html,", "data:image/png;base64,AAAA",
           "http://tracker.example/", "https://cdn.example/", "//cdn.example/", "/relative/",
           "archive-image:" + "ab" * 32]
TAGS = ["p", "div", "span", "a", "img", "script", "style", "iframe", "svg", "math", "object",
        "embed", "form", "input", "button", "table", "td", "video", "audio", "source",
        "picture", "noscript", "template", "b", "h2", "blockquote", "link", "meta", "base"]
ATTRIBUTES = ["onclick", "onerror", "onload", "ONMOUSEOVER", "href", "src", "srcset", "style",
              "xlink:href", "formaction", "action", "data", "poster", "background", "width",
              "height", "hidden", "class"]


@st.composite
def hostile_fragment(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    attributes = " ".join(
        f'{draw(st.sampled_from(ATTRIBUTES))}="{draw(st.sampled_from(SCHEMES))}'
        f'{draw(st.sampled_from(["alert(1)", "x.png", "1", ""]))}"'
        for _ in range(draw(st.integers(0, 3))))
    inner = draw(st.lists(
        st.one_of(st.sampled_from(["text", "alert(1)", "<!-- c -->", "&lt;script&gt;", "<",
                                   "</p>", "<![CDATA[x]]>", "<script>alert(1)</script>"]),
                  hostile_fragment(depth + 1) if depth < 3 else st.just("leaf")),
        max_size=3))
    closing = draw(st.booleans())
    return f"<{tag} {attributes}>{''.join(inner)}" + (f"</{tag}>" if closing else "")


FORBIDDEN_TAGS = {"script", "style", "iframe", "object", "embed", "form", "svg", "math",
                  "base", "meta", "link"}


class _Inspector(HTMLParser):
    """Collects what a browser engine would see: tags and their (unescaped) attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def assert_safe(stored: str) -> None:
    inspector = _Inspector()
    inspector.feed(stored)
    inspector.close()
    for tag, attributes in inspector.elements:
        assert tag not in FORBIDDEN_TAGS, stored
        for name, value in attributes.items():
            assert not name.startswith("on"), stored
            compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            assert not compact.startswith(("javascript:", "vbscript:", "data:")), stored
        if tag == "img":
            assert attributes.get("src", "").startswith("archive-image:"), stored


@pytest.fixture(scope="module")
def shared_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    with Archive.open(tmp_path_factory.mktemp("stored") / "a.db") as archive:
        yield archive


_GUIDS = itertools.count()


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(body=st.lists(hostile_fragment(), min_size=1, max_size=4).map("".join))
def test_stored_body_is_never_unsafe(shared_archive: Archive, body: str) -> None:
    [outcome] = shared_archive.store([ArticleDraft(
        title="t", body_html=body, guid=f"g{next(_GUIDS)}", url="http://example.invalid/a/")])
    assert outcome.article_id is not None
    assert_safe(shared_archive.article(outcome.article_id).body_html)
