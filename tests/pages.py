"""Small scraped-text pages in the shape of real news sites, written for these tests."""

from __future__ import annotations


def news_page(n: int, *, tag: str = "Markets", author: str = "Priya Raman",
              extra: str = "") -> str:
    return f"""Harbour Town Votes to Rebuild Its Seawall, Story {n}

Council Approves Funding After Storm

The council of Harbour Town voted on Tuesday to rebuild the seawall that failed in last \
winter's storm. Story number {n} covers the vote, which passed by seven votes to two.{extra}

Advertisement

Why the Wall Failed

Engineers said the old wall was built in 1962 and had not been inspected for a decade. \
Residents on the front had asked for repairs since 2019.

Keep Reading

What Happens Next

Work starts in spring and should take two years. The town will borrow most of the cost.

TAGS:
Tags: {tag}, Coastal Towns
{author}

Recent Posts

Ferry Timetable Changes for Winter

The ferry company will run fewer crossings from November, it said on Monday…

November 4, 2024

Lifeboat Crew Honoured

The volunteer crew was given an award for a rescue in heavy seas…

November 3, 2024

This website uses cookies.
"""
