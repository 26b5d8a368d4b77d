"""Feeds that name an external DTD are read with it ignored: never fetched, nothing expanded
from outside, the HTML entity names such a DTD defines resolved to their characters, and both
parsing tiers agree. Entity tricks stay refused, whatever DTD they come with.

The fixtures in ``fixtures/doctype`` are shaped like real feeds: W3C-tooling RDF with the
XHTML entity sets as external parameter entities, Netscape's RSS 0.91 DTD (ISO-8859-1, CRLF),
a single-line SYSTEM variant in UTF-16, internal subsets of small literal entities, and each
hostile variant alongside the entity sets.
"""

from __future__ import annotations

import builtins
import contextlib
import html
import io
import os
import re
import socket
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from feedserver import FeedServer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reader import importing
from reader.archive import Archive
from reader.cli import main
from reader.errors import HostileDocument
from reader.sync import fastfeed, pipeline, xmlguard
from reader.sync.feeds import ParsedFeed, parse_feed

FIXTURES = Path(__file__).parent / "fixtures" / "doctype"
W3C_DTDS = b"http://www.w3.org/TR/xhtml1/DTD/"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def slow_parse(data: bytes) -> ParsedFeed:
    """parse_feed with the fast tier switched off: feedparser alone."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fastfeed, "parse", lambda _text: None)
        return parse_feed(data)


def facts(feed: ParsedFeed) -> list[tuple[str | None, ...]]:
    return [(feed.format, feed.title, feed.site_url), *(
        (entry.title, entry.body_html, entry.author, entry.guid, entry.url, *entry.tags)
        for entry in feed.entries)]


class OutsideTouched(AssertionError):
    """A parser tried to open a file or a network connection."""


@contextlib.contextmanager
def sealed() -> Iterator[list[str]]:
    """Every way out of the process (sockets, name lookups, urllib, opening a file) records
    the attempt and fails, inside the block; the test asserts the record is empty, since a
    parser may swallow the error (the fast tier falls back on any exception)."""
    touched: list[str] = []

    def refuse(what: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            touched.append(f"{what}{args[:2]!r}")
            raise OutsideTouched(what)
        return refused

    with pytest.MonkeyPatch.context() as patch:
        for owner, name in ((socket.socket, "connect"), (socket, "create_connection"),
                            (socket, "getaddrinfo"), (urllib.request, "urlopen"),
                            (urllib.request.OpenerDirector, "open"), (builtins, "open"),
                            (io, "open"), (os, "open")):
            patch.setattr(owner, name, refuse(f"{getattr(owner, '__name__', owner)}.{name}"))
        yield touched


def cli(archive: Path, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--archive", str(archive), *argv], out)
    return code, out.getvalue()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as started:
        yield started


# --- feeds that name an external DTD are read ---------------------------------------------------


def test_rdf_with_the_xhtml_entity_sets_is_read_with_its_characters() -> None:
    feed = parse_feed(fixture("w3c-xhtml-entities.rdf"))
    assert (feed.format, feed.title, feed.warnings) == ("rss10", "W3C News — Café edition", ())
    first, second = feed.entries
    assert first.title == "Résumé of the «Working Group» meeting"
    assert first.author == "Françoise Dupré"
    # An escaped body's own references are the body's: "&amp;eacute;" stays HTML for "é".
    assert first.body_html == ("<p>Naïve &amp; caf&eacute; – the group met in Zürich.</p>")
    assert second.title == "Prices in € and £ – 2×3 ≠ 5"
    # CDATA is text, not references: the body gets "&eacute;" as written.
    assert second.body_html == ("<p>Kept as written: &eacute; inside CDATA is markup for the "
                                "body.</p>")


def test_netscape_rss091_with_its_dtd_is_read_in_latin1() -> None:
    feed = parse_feed(fixture("netscape-rss091.xml"))
    assert (feed.format, feed.title, feed.warnings) == (
        "rss091n", "Le Monde diplomatique édition", ())
    assert [(entry.title, entry.body_html) for entry in feed.entries] == [
        ("L'été à Genève : bilan", "Un récit, «\u00a0sans fin\u00a0»."),
        ("Noël", "Café crème."),
    ]


def test_one_line_system_entity_sets_in_utf16_are_read() -> None:
    feed = parse_feed(fixture("xhtml-entities-system.rdf"))
    assert (feed.format, feed.title, feed.warnings) == ("rss10", "Tooling – Århus", ())
    [entry] = feed.entries
    assert (entry.title, entry.body_html) == ("Œuvre complète…", "<p>“Quoted”</p>")


def test_rss20_with_the_entity_sets_is_read_by_the_fast_tier() -> None:
    data = fixture("rss20-xhtml-entities.xml")  # windows-1252
    feed = parse_feed(data)
    assert (feed.format, feed.title, feed.language, feed.warnings) == (
        "rss20", "Gazette de Québec", "fr-ca", ())
    first, second = feed.entries
    assert (first.title, first.author, first.tags) == (
        "Élections : le débat – « enfin »", "Renée Côté", ("Société",))
    assert first.body_html == "<p>Le d&eacute;bat a eu lieu &agrave; Montr&eacute;al.</p>"
    assert (second.title, second.body_html) == (
        "Météo — 30°", "<p>Chaleur &amp; orages&nbsp;!</p> ’")
    # With the DTD ignored the document is plain RSS 2.0, which feedparser-rs answers for.
    text = data.decode("cp1252")
    assert fastfeed.parse(xmlguard.ignore_external_dtd(text, xmlguard.check_text(text)))


def test_internal_entities_work_as_xml_says() -> None:
    feed = parse_feed(fixture("atom-internal-entities.atom"))
    assert (feed.format, feed.title, feed.warnings) == ("atom10", "Harbour Herald", ())
    [entry] = feed.entries
    assert entry.guid == "tag:harbour.example,2024:tides"
    assert (entry.title, entry.author) == ("Tides at Harbour Herald", "Harbour Herald desk")
    assert entry.body_html == "<p>The Harbour Herald reports © 2024.</p>"


def test_an_internal_declaration_wins_over_the_html_name_and_unknown_names_stay_text() -> None:
    feed = parse_feed(fixture("rss20-external-and-internal.xml"))
    assert (feed.format, feed.title, feed.warnings) == ("rss20", "Harbour Herald — weekly", ())
    [entry] = feed.entries
    # The internal subset binds first (XML 1.0 §4.2): this feed's "&eacute;" is "e". A name
    # no DTD here defines is shown as written rather than dropped or failing the feed.
    assert entry.title == "Cafe & — Harbour Herald &foo;"
    assert (entry.body_html, entry.tags) == ("<p>Body …</p>", ("München",))


@pytest.mark.parametrize("name", [
    "w3c-xhtml-entities.rdf", "netscape-rss091.xml", "xhtml-entities-system.rdf",
    "rss20-xhtml-entities.xml", "atom-internal-entities.atom",
    "rss20-external-and-internal.xml"])
def test_both_tiers_read_the_same_and_nothing_outside_is_opened(
        name: str) -> None:
    data = fixture(name)
    with sealed() as touched:
        fast, slow = parse_feed(data), slow_parse(data)
    assert touched == []
    assert facts(fast) == facts(slow) and fast.warnings == slow.warnings == ()


def test_an_atom_attribute_with_an_html_name_is_resolved() -> None:
    data = (b'<?xml version="1.0"?>\n<!DOCTYPE feed PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"'
            b' "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
            b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Caf&eacute;s</title><id>f</id>'
            b'<updated>2024-06-12T09:30:00Z</updated><entry><id>e1</id><title>One</title>'
            b'<updated>2024-06-12T09:30:00Z</updated><category term="M&uuml;nchen"/>'
            b'<link href="https://cafe.example/a?b=1&amp;c=2"/></entry></feed>')
    feed = parse_feed(data)
    assert (feed.format, feed.title, feed.warnings) == ("atom10", "Cafés", ())
    assert facts(slow_parse(data)) == facts(feed)
    [entry] = feed.entries
    assert (entry.tags, entry.url) == (("München",), "https://cafe.example/a?b=1&c=2")


def test_a_feed_without_a_dtd_is_read_exactly_as_before() -> None:
    # Undeclared names with no DTD at all are not well-formed: still feedparser's lenient
    # reading, with its warning, as before.
    data = b'<rss version="2.0"><channel><title>Caf&eacute;</title></channel></rss>'
    text = data.decode()
    assert xmlguard.ignore_external_dtd(text, xmlguard.check_text(text)) is text
    feed = parse_feed(data)
    assert feed.title == "Café" and feed.warnings and "malformed" in feed.warnings[0]


def test_ignoring_the_dtd_keeps_every_line_where_it_was() -> None:
    text = fixture("w3c-xhtml-entities.rdf").decode()
    read = xmlguard.ignore_external_dtd(text, xmlguard.check_text(text))
    assert read.count("\n") == text.count("\n")  # parse errors still name the right line
    assert read.startswith('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE rdf:RDF>\n')
    assert "%HTML" not in read and "xhtml-lat1.ent" not in read


@pytest.mark.parametrize("subset", [
    '<!ENTITY id "tag:harbour.example,">',  # on the DOCTYPE's own line
    '\n  <!-- the entities of this feed -->\n  <!ENTITY id "tag:harbour.example,">\n',
    '<!ELEMENT rss ANY><!ATTLIST rss version CDATA #REQUIRED>\n<!ENTITY id '
    "'tag:harbour.example,'>",
])
def test_an_internal_subset_in_any_layout_works_as_xml_says(subset: str) -> None:
    data = (f'<?xml version="1.0"?>\n<!DOCTYPE rss [{subset}]>\n<rss version="2.0"><channel>'
            "<title>Harbour</title><item><guid>&id;2024:tides</guid><title>Tides</title>"
            "</item></channel></rss>").encode()
    feed = parse_feed(data)
    assert (feed.entries[0].guid, feed.warnings) == ("tag:harbour.example,2024:tides", ())


# --- any text between the names -----------------------------------------------------------------

_NAMES = sorted(name[:-1] for name in html.entities.html5 if name.endswith(";")
                and name[:-1] not in ("amp", "lt", "gt", "quot", "apos"))
_PIECES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
    st.sampled_from(_NAMES).map(lambda name: ("name", name)),
    # A name that begins with one of HTML's legacy entities ("lt0" reads as "<0" in a browser
    # too) is not unknown to an HTML title, so only names no decoder knows stand for "unknown".
    st.from_regex(r"\A[a-z]{2,6}[0-9]\Z").filter(
        lambda name: html.unescape(f"&{name};") == f"&{name};").map(lambda name: ("unknown", name)),
)
_DTDS = [
    '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
    '"http://my.netscape.com/publish/formats/rss-0.91.dtd">',
    '<!DOCTYPE rss [<!ENTITY % HTMLlat1 PUBLIC "-//W3C//ENTITIES Latin 1 for XHTML//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml-lat1.ent">%HTMLlat1;]>',
]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=12), st.sampled_from(_DTDS), st.sampled_from(["0.91", "2.0"]))
@example([("name", "eacute"), ("unknown", "zz1"), "<x>&"], _DTDS[1], "2.0")
def test_any_names_in_a_title_come_out_as_their_characters(
        pieces: list[str | tuple[str, str]], dtd: str, version: str) -> None:
    written = expected = ""
    for piece in pieces:
        if isinstance(piece, str):
            written += html.escape(piece, quote=False)
            expected += piece
        else:
            kind, name = piece
            written += f"&{name};"
            expected += html.entities.html5[name + ";"] if kind == "name" else f"&{name};"
    data = (f'<?xml version="1.0" encoding="utf-8"?>\n{dtd}\n<rss version="{version}">'
            f"<channel><title>Feed</title><item><guid>g</guid><title>{written} end</title>"
            "</item></channel></rss>").encode()
    feed = parse_feed(data)
    assert feed.warnings == ()
    assert feed.entries[0].title == " ".join(f"{expected} end".split())


# --- entity tricks stay refused, with or without the entity sets --------------------------------


@pytest.mark.parametrize(("name", "reason"), [
    ("hostile-xhtml-and-billion-laughs.rdf", "refers to other entities"),
    ("hostile-xhtml-and-quadratic.rdf", "would expand to more than"),
    ("hostile-xhtml-and-passwd.rdf", "external entity (passwd)"),
    ("hostile-xhtml-and-public-general.rdf", "external entity (remote)"),
    ("hostile-remote-dtd.rdf", "parameter entity (%remote) that names no entity set"),
    ("hostile-internal-parameter.rdf", "parameter entity (%p)"),
])
def test_entity_tricks_beside_the_entity_sets_are_refused_without_reading_anything(
        name: str, reason: str) -> None:
    data = fixture(name)
    with sealed() as touched, pytest.raises(HostileDocument, match=re.escape(reason)):
        parse_feed(data)
    assert touched == []


def test_an_external_entity_beside_an_external_subset_is_refused() -> None:
    data = (b'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "http://feeds.example/rss.dtd" '
            b'[<!ENTITY passwd SYSTEM "file:///etc/passwd">]>\n'
            b'<rss version="2.0"><channel><title>&passwd;</title></channel></rss>')
    with pytest.raises(HostileDocument, match="external entity"):
        parse_feed(data)


def test_a_parameter_entity_naming_an_entity_set_must_say_where() -> None:
    with pytest.raises(HostileDocument, match="parameter"):
        xmlguard.check_prolog(b'<!DOCTYPE r [<!ENTITY % p PUBLIC "-//W3C//ENTITIES x//EN">'
                              b"%p;]><r/>")


# --- through sync and import --------------------------------------------------------------------


def served(server: FeedServer, name: str) -> bytes:
    """A fixture whose DTD addresses point at the test server, which records any request."""
    return fixture(name).replace(W3C_DTDS, server.url("/dtd/").encode())


@pytest.mark.parametrize("processes", [0, 1])
def test_sync_reads_the_feed_and_never_asks_for_its_dtd(
        archive_path: Path, server: FeedServer, processes: int) -> None:
    for dtd in ("xhtml-lat1.ent", "xhtml-symbol.ent", "xhtml-special.ent"):
        server.add(f"/dtd/{dtd}", b'<!ENTITY eacute "WRONG">', content_type="text/plain")
    server.add("/news.rss", served(server, "w3c-xhtml-entities.rdf"),
               content_type="application/rdf+xml")
    code, text = cli(archive_path, "add", server.url("/news.rss"))
    assert code == 0, text
    with Archive.open(archive_path) as archive:
        [report] = pipeline.sync(archive, processes=processes)
        assert (report.status, report.new) == ("ok", 2), report
        titles = sorted(row.title for row in archive.headlines("").rows)
        assert titles == ["Prices in € and £ – 2×3 ≠ 5", "Résumé of the «Working Group» meeting"]
        assert [source.title for source in archive.sources()] == ["W3C News — Café edition"]
        archive.check()
    assert {request.path for request in server.requests} == {"/news.rss"}


def test_sync_refuses_a_hostile_feed_beside_the_entity_sets_and_fetches_nothing(
        archive_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.add("/dtd/xhtml-lat1.ent", b"", content_type="text/plain")
    server.add("/dtd/evil.dtd", b"", content_type="text/plain")
    hostile = {"/hostile.rdf": served(server, "hostile-xhtml-and-passwd.rdf"),
               "/remote.rdf": fixture("hostile-remote-dtd.rdf").replace(
                   b"http://attacker.example/", server.url("/dtd/").encode())}
    for path, document in hostile.items():
        server.add(path, document)
        code, _ = cli(archive_path, "add", server.url(path))
        assert code != 0 and "refused hostile XML" in capsys.readouterr().err
    # Subscribed while harmless, hostile at the next sync: refused there, nothing stored.
    for path in hostile:
        server.add(path, served(server, "w3c-xhtml-entities.rdf"))
        assert cli(archive_path, "add", server.url(path))[0] == 0
        server.add(path, hostile[path])
    with Archive.open(archive_path) as archive:
        before = archive.totals().articles
        reports = pipeline.sync(archive, processes=0)
        assert [report.status for report in reports] == ["failed", "failed"], reports
        assert all("refused hostile XML" in (report.error or "") for report in reports)
        assert archive.totals().articles == before
        archive.check()
    assert server.hits("/dtd/xhtml-lat1.ent") == 0 and server.hits("/dtd/evil.dtd") == 0


def test_import_of_a_feed_file_with_the_entity_sets(archive_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "news.rdf"
    path.write_bytes(fixture("w3c-xhtml-entities.rdf"))
    with Archive.open(archive_path) as archive:
        [result] = importing.import_paths(archive, [path])
        assert result.status == "imported" and len(result.article_ids) == 2
        assert archive.article(result.article_ids[0]).title == (
            "Résumé of the «Working Group» meeting")
        archive.check()
