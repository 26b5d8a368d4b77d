"""A saved web page's title, byline and tags as a reader would write them down: the names of
the people who wrote it, the headline without the site's name, topics without CMS keys.

Each page below is written in the style of a kind of site (WordPress, a newspaper CMS with
JSON-LD, a wire story, a German or French page); the rules are general, so no test names a
real site's quirk.
"""

from __future__ import annotations

import html
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.authors import DATE_WORDS, NAME_MONTHS, clean_authors
from reader.sitenames import Site, strip_site_name
from reader.sync.extract import extract_article

BODY = "".join(
    f"<p>{sentence} The council met on the harbour front for the third time this month, and "
    f"residents filled the hall to hear the engineers explain the plans in detail.</p>"
    for sentence in ("The seawall will be raised by a metre.", "Work starts in spring.",
                     "Shops along the quay will stay open throughout.",
                     "The cost is shared between the town and the region."))


def page(*, title: str = "Seawall to be raised", head: str = "", byline: str = "",
         jsonld: dict[str, Any] | None = None, h1: str | None = None) -> str:
    script = (f'<script type="application/ld+json">{json.dumps(jsonld)}</script>'
              if jsonld else "")
    heading = h1 if h1 is not None else title
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{head}"
            f"{script}</head><body><header><nav><a href='/'>Home</a></nav></header>"
            f"<article><h1>{heading}</h1>{byline}{BODY}</article>"
            f"<footer>© 2024</footer></body></html>")


def meta(name: str, content: str, attribute: str = "name") -> str:
    return f'<meta {attribute}="{name}" content="{html.escape(content)}">'


def article(**fields: Any) -> dict[str, Any]:
    return {"@context": "https://schema.org", "@type": "NewsArticle",
            "headline": "Seawall to be raised", **fields}


# --- bylines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("markup", "url", "expected"), [
    # WordPress theme: the author link, then the date in the same byline block.
    (page(byline='<div class="byline">By <span class="author vcard"><a rel="author" '
                 'href="/author/jeff">Jeff Foust</a></span> Monday, November 18, 2024</div>'),
     "https://news.example.com/2024/11/seawall/", "Jeff Foust"),
    # A magazine's meta author with the date glued on.
    (page(head=meta("author", "Carrie Arnold November 15, 2024")),
     "https://magazine.example.org/seawall/", "Carrie Arnold"),
    # A newspaper CMS: JSON-LD authors, the second of them a role.
    (page(jsonld=article(author=[{"@type": "Person", "name": "Paul Takahashi"},
                                 {"@type": "Person", "name": "Staff writer"}])),
     "https://www.chronicle.example.com/business/seawall.php", "Paul Takahashi"),
    # A wire story: capitals, "and", the agency glued to the last name.
    (page(head=meta("author", "By LISA MASCARO, MARY CLARE JALONICK and ERIC TUCKER "
                              "Associated Press")),
     "https://hosted.example.com/eagle/article/seawall", "LISA MASCARO, MARY CLARE JALONICK, "
                                                         "ERIC TUCKER"),
    # A health blog: credentials after the name.
    (page(head=meta("author", "Ilana Muhlstein, MS, RDN")),
     "https://www.example-fitness.com/blog/seawall", "Ilana Muhlstein"),
    # A bio's first words taken for the name.
    (page(jsonld=article(author={"@type": "Person",
                                 "name": "Phil Helsel is a reporter for Example News."})),
     "https://www.examplenews.com/news/seawall-n1085406", "Phil Helsel"),
    # "Analysis by", and a role naming the outlet.
    (page(head=meta("author", "Analysis by Chris Cillizza, Herald Editor-at-large")),
     "https://www.herald.example/2024/11/18/politics/seawall/", "Chris Cillizza"),
    # German and French bylines with their dates.
    (page(head=meta("author", "Von Hans Müller | 12. März 2024, 09:30 Uhr")),
     "https://www.zeitung.example.de/lokales/seawall", "Hans Müller"),
    (page(head=meta("author", "Par Marie Dupont, publié le 3 mars 2024 à 08h15")),
     "https://www.journal.example.fr/region/seawall", "Marie Dupont"),
])
def test_bylines_are_names_only(markup: str, url: str, expected: str) -> None:
    assert extract_article(markup, url).author == expected


@pytest.mark.parametrize(("markup", "url"), [
    # The site's own name as the byline, in its domain spelling.
    (page(head=meta("author", "Cleveland.com") + meta("og:site_name", "cleveland", "property")),
     "https://www.cleveland.com/entertainment/2024/11/seawall.html"),
    # A CMS account no one renamed.
    (page(head=meta("author", "jdadmin")), "http://theatre.example.com/blog/seawall/"),
    # A profile address and an e-mail address.
    (page(head=meta("author", "https://www.example.org/people/jane-doe")),
     "https://www.example.org/news/seawall"),
    (page(head=meta("author", "newsdesk@example.org")), "https://www.example.org/news/seawall"),
])
def test_bylines_without_a_name_are_left_out(markup: str, url: str) -> None:
    assert extract_article(markup, url).author is None


def test_a_fuller_spelling_of_the_same_person_wins_and_the_site_goes() -> None:
    markup = page(jsonld=article(author=[{"@type": "Person", "name": "Troy Smith"},
                                         {"@type": "Person", "name": "Troy L. Smith"},
                                         {"@type": "Organization", "name": "Cleveland.com"}]),
                  head=meta("og:site_name", "cleveland", "property"))
    # (trafilatura reads the initial without its full stop)
    assert extract_article(markup, "https://www.cleveland.com/music/seawall.html").author == (
        "Troy L Smith")


@pytest.mark.parametrize(("byline", "expected"), [
    ("Jeff Foust Monday; November", "Jeff Foust"),
    ("Detroit News wire services Published", "Detroit News wire services"),
    ("David Jeans; Kevin Rebong; Kevin-R", "David Jeans, Kevin Rebong"),
    ("Jo Smith; John Smith", "Jo Smith, John Smith"),  # two people
    ("Meg Kinnard; Errin Haines; Associated Press", "Meg Kinnard, Errin Haines"),
    ("Associated Press", "Associated Press"),  # a desk's byline, when it is the only one
    ("By Jane Doe, Staff Writer · 12 June 2024 09:30 GMT", "Jane Doe"),
    ("Posted on May 3, 2024 by John Roe", "John Roe"),
    ("Published: May 14, 2024 at 8:15 a.m. EDT", None),
    ("Sarah Smith Senior Editor", "Sarah Smith"),
    ("Jane Doe (@janedoe)", "Jane Doe"),
    ("Theresa May", "Theresa May"),  # a month only beside a number
    ("June Carter and Bruno Mars", "June Carter, Bruno Mars"),
    ("Martin Luther King, Jr.", "Martin Luther King, Jr."),
    ("Staff Writer", None),
    ("Senior Staff Writer Jane Doe", "Jane Doe"),
    ("Jane Doe | Theresa May | Jane Doe Theresa May", "Jane Doe Theresa May"),
    ("Jane Doe for The Guardian", "Jane Doe"),
    ("By Jane Doe and John Roe, The Washington Post", "Jane Doe, John Roe"),
    ("Jane Doe, Special to The Times", "Jane Doe"),
    ("Author: Jane Doe", "Jane Doe"),
    ("More from Jane Doe", "Jane Doe"),
    ("Jane Doe Follow on Twitter", "Jane Doe"),
    ("The Conversation", "The Conversation"),  # the outlet, when no one else is named
    ("Marcus De Guzman; Le Minh", "Marcus De Guzman, Le Minh"),
    ("Ursula von der Leyen", "Ursula von der Leyen"),
    ("Practical Horseman Editorial Staff", "Practical Horseman Editorial Staff"),
    ("This is a long sentence from the article that is not anyone's name", None),
])
def test_byline_rule(byline: str, expected: str | None) -> None:
    assert clean_authors(byline) == expected


FRINGE = st.sampled_from([
    "By", "by", "Updated", "Published:", "Posted on", "|", ";", ",", "·", "and", "Staff Writer",
    "Senior Editor", "Contributor", "PhD", "Associated Press", "9:30", "a.m.", "GMT", "2024",
    "12", "November", "Monday", "Dienstag", "juillet", "miércoles", "May", "June", "–",
    "https://example.org/x", "jane@example.org", "(@jane)", "is a reporter for the paper",
    "for", "The Times", "Author:", "Follow", "More from", "Special to", "Jr.",
])
NAMES = st.sampled_from(["Jane Doe", "Jeff Foust", "Marie-Claire Dupont", "Hans Müller",
                         "O'Brien", "Theresa May", "Sun Yang", "LISA MASCARO", "Kevin Rebong"])
BYLINES = st.lists(st.one_of(FRINGE, NAMES), max_size=12).map(" ".join) | st.text(max_size=80)
# Words that are never a name, so never at a name's edge (NAME_MONTHS may be one).
DATE_ONLY = DATE_WORDS - NAME_MONTHS


@settings(max_examples=500)
@given(BYLINES)
def test_cleaning_any_byline_is_safe_and_settled(byline: str) -> None:
    cleaned = clean_authors(byline)
    if cleaned is None:
        return
    assert cleaned == clean_authors(cleaned)
    for name in cleaned.split(", "):
        words = name.split()
        assert words, cleaned
        for edge in (words[0], words[-1]):
            assert edge.casefold().strip(".,") not in DATE_ONLY, cleaned
        assert not any(char.isdigit() for char in (words[0] + words[-1])), cleaned
        assert "://" not in name and "@" not in name


# --- titles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "head", "url", "expected"), [
    ("NASA adds five lunar landers - SpaceNews.com", meta("og:site_name", "SpaceNews",
                                                          "property"),
     "https://spacenews.com/nasa-adds-five/", "NASA adds five lunar landers"),
    ("Tennis final ends in an upset | The Guardian", meta("og:site_name", "The Guardian",
                                                          "property"),
     "https://www.theguardian.com/sport/2024/jun/01/final", "Tennis final ends in an upset"),
    ("Inside the new chips — Ars Technica", "", "https://arstechnica.com/gadgets/chips/",
     "Inside the new chips"),
    ("SpaceNews.com: Launch delayed again", "", "https://spacenews.com/launch-delayed/",
     "Launch delayed again"),
    ("Black Friday per nostalgici - Remember 80/90 - Memorabilia anni 80/90", "",
     "http://www.remember8090.it/black-friday/", "Black Friday per nostalgici"),
    ("Drag the inspector to court - The Paradigm", "",
     "http://www.theparadigmng.com/2024/10/09/court/", "Drag the inspector to court"),
    ("Weekend weather :: BBC News", "", "https://www.bbc.co.uk/news/weather-1",
     "Weekend weather"),
])
def test_the_sites_name_leaves_the_title(title: str, head: str, url: str,
                                         expected: str) -> None:
    markup = page(title=title, head=meta("og:title", title, "property") + head, h1="")
    assert extract_article(markup, url).title == expected


@pytest.mark.parametrize(("title", "url"), [
    ("Why Ars Technica readers still run Linux", "https://arstechnica.com/linux/"),
    ("Opinion | Republicans are following the leader", "https://www.nytimes.com/2024/opinion"),
    ("The Guardian", "https://www.theguardian.com/about"),
    ("Auto News - All-new Sentra reviewed", "https://www.autoindustriya.com/news/sentra"),
    ("Apple and the art of the keynote - a history", "https://www.example.com/apple"),
])
def test_a_title_keeps_what_is_not_the_sites_name(title: str, url: str) -> None:
    markup = page(title=title, head=meta("og:title", title, "property"), h1="")
    assert extract_article(markup, url).title == title


def test_a_title_escaped_twice_reads_as_text() -> None:
    markup = page(title="Blog &amp;#8211; Harbour &amp;amp; Quay",
                  head='<meta property="og:title" content="Blog &amp;#8211; Harbour &amp;amp; '
                       'Quay">', h1="")
    assert extract_article(markup, "https://example.org/post").title == "Blog – Harbour & Quay"


@given(st.text(max_size=60), st.sampled_from([" - ", " | ", " — ", ": ", " :: "]),
       st.sampled_from(["SpaceNews", "SpaceNews.com", "The Guardian", "Ars Technica"]))
def test_stripping_never_empties_a_title(headline: str, separator: str, name: str) -> None:
    site = Site.of([name], "https://www.spacenews.com/")
    for title in (f"{headline}{separator}{name}", f"{name}{separator}{headline}", headline):
        stripped = strip_site_name(title, site)
        assert stripped.strip() or not title.strip()
        assert stripped in title


# --- tags -------------------------------------------------------------------------------------


def test_cms_keywords_in_json_ld_are_not_tags() -> None:
    # A WordPress newsroom: no keyword meta, JSON-LD keywords with the post id and the
    # site's default category (its initials).
    markup = page(head=meta("og:site_name", "TechCrunch", "property"),
                  jsonld=article(keywords=["@post-id:1913719", "tc", "wework", "softbank"]))
    tags = extract_article(markup, "https://techcrunch.com/2024/11/18/wework/").tags
    assert tags == ("wework", "softbank")


def test_meta_keywords_win_over_the_cms_list_in_json_ld() -> None:
    markup = page(head=meta("parsely-tags", "lung illnesses,case study")
                  + meta("keywords", "lung illnesses,case study"),
                  jsonld=article(keywords=["lung illnesses", "case study", "channel_other",
                                           "type_news", "serversidehawk"]))
    tags = extract_article(markup, "https://www.livescience.example/lung.html").tags
    assert tags == ("lung illnesses", "case study")


def test_placeholders_and_the_sites_own_name_are_not_tags() -> None:
    markup = page(head=meta("og:site_name", "SpaceNews", "property")
                  + meta("article:tag", "Uncategorized", "property")
                  + meta("article:tag", "SpaceNews", "property")
                  + meta("article:tag", "Lunar landers", "property")
                  + meta("article:tag", "NASA", "property"))
    tags = extract_article(markup, "https://spacenews.com/landers/").tags
    assert tags == ("Lunar landers", "NASA")
