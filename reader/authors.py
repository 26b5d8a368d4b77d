"""A byline as the names of the people who wrote the piece, and nothing else.

Pages state their authors for many readers at once (the reader, search engines, the CMS's own
templates), and what an extractor reads back mixes the names with what stood next to them:
the date ("Carrie Arnold November", "Jeff Foust Monday; November"), a role ("Paul Takahashi;
Staff writer", "CNN Editor-at-large"), credentials ("Ilana Muhlstein; MS; RDN"), the wire
agency or the site itself ("ERIC TUCKER Associated Press", "Cleveland com"), a bio's first
words ("Phil Helsel is a reporter"), or a CMS account ("jdadmin").

``clean_authors`` splits a byline into its names (at ";", "|", ",", "/", " and ", " & "),
cleans each, drops what is not a person's or a desk's name, drops an outlet (a wire agency,
"The …") named beside a person, keeps one spelling of each person, and joins what is left
with ", ", the separator feed authors are joined with. Each rule removes words at a name's
edges or a whole piece, never rewrites one, so a name is spelled as the page spelled it and
cleaning a cleaned byline changes nothing.

Month names that are also given names and surnames (April, May, June, August) are taken for a
date only next to a number ("June 5", "May 2024"): "Theresa May" keeps her name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reader.sitenames import Site

# A byline longer than this is the page's text, not its byline.
_MAX_CHARS = 300
# A name of more words than this is a sentence.
_MAX_NAME_WORDS = 6

def _folded(words: str) -> frozenset[str]:
    return frozenset(word.casefold() for word in words.split())


# Between names: ; | / • · and commas (but see _SUFFIX), and "and" in the languages
# of the date words below.
_SPLIT = re.compile(r"\s*(?:[;|/\n•·,]|\s(?:and|und|et|y|e|en|og|och|&)\s)\s*",
                    re.IGNORECASE)
# A generational suffix, which a comma parts from its name without making it another name.
_SUFFIX = re.compile(r"^\s*(?:Jr|Sr|II|III|IV)\.?\s*$")

#: Months and weekdays in English, German, French, Spanish, Italian, Portuguese, Dutch and
#: the Scandinavian languages, with their usual abbreviations (those in NAME_MONTHS count
#: only beside a number).
DATE_WORDS = _folded("""
    January February March September October November December Monday Tuesday Wednesday
    Thursday Friday Saturday Sunday Jan Feb Sep Sept Oct Nov Dec Mon Tue Tues Wed Thu
    Thur Thurs Fri Sat Sun Januar Februar März Maerz Juni Juli Oktober Dezember Montag
    Dienstag Mittwoch Donnerstag Freitag Samstag Sonnabend Sonntag janvier février
    fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre
    decembre lundi mardi mercredi jeudi vendredi samedi dimanche enero febrero marzo
    abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre lunes
    martes miércoles miercoles jueves viernes sábado sabado domingo gennaio febbraio
    aprile maggio giugno luglio settembre ottobre dicembre lunedì martedì mercoledì
    giovedì venerdì janeiro fevereiro março maio junho julho setembro outubro novembro
    dezembro segunda-feira terça-feira quarta-feira quinta-feira sexta-feira januari
    februari maart mei augustus oktober maandag dinsdag woensdag donderdag vrijdag
    zaterdag zondag måndag tisdag onsdag torsdag fredag lördag söndag mandag tirsdag
    lørdag søndag
""")
#: Date words that are also given names or surnames ("Theresa May", "Jan Novak", "Bruno
#: Mars", "Sun Yang", "Plácido Domingo"): a date only beside a number.
NAME_MONTHS = _folded("""
    April May June August Apr Aug Jun Jan Mar Mars Mai Mei Juli Julio Mayo Domingo Sun Mon
    Sat Thu
""")
# Words after which the rest of a piece is a timestamp: "Published", "Updated 9:30 GMT".
_STAMP_WORDS = _folded("""
    published updated posted modified last-updated aktualisiert veröffentlicht publié
    publiée actualisé mis publicado actualizado pubblicato aggiornato atualizado
    gepubliceerd bijgewerkt publicerad uppdaterad
""")
_LEAD_INS = frozenset({"at", "on", "am", "um", "le", "el", "il", "den", "de", "du", "del", "op"})
# Words said with a time rather than in a name.
_TIME_WORDS = frozenset({"a.m.", "p.m.", "a.m", "p.m", "am", "pm", "gmt", "utc", "bst", "cet",
                         "cest", "edt", "est", "cdt", "cst", "mdt", "mst", "pdt", "pst", "ist",
                         "aest", "aedt", "jst", "ago", "today", "yesterday", "uhr"})
# "By", and "Analysis by", "Written by", "Story by", "Words and pictures by".
_BY = re.compile(r"^(?:(?:[\w-]+\s+){0,6})?(?:by|par|por|door|av)\s+(?=\S)", re.IGNORECASE)
_BY_WORDS = frozenset({"by", "par", "por", "door", "av", "von"})
# A label before the names: "Author:", "Autor:", "Auteur :", "Words:".
_LABEL = re.compile(r"^(?:authors?|autor(?:in|en)?|auteur|autore|text|texto|texte|words|"
                    r"reporting|written)\s*:\s*", re.IGNORECASE)
# Where the name ends and the outlet or the profile links begin: "Jane Doe for The
# Guardian", "Special to The Times", "Jane Doe Follow on Twitter", "More from Jane Doe".
_AFTER_NAME = re.compile(r"\s+(?:for|für|pour|para|per|special\s+to|follow|twitter|email|"
                         r"e-mail|facebook|instagram|linkedin|contact|view\s+all|all\s+posts|"
                         r"read\s+more|more\s+(?:from|by)|bio)\b.*$", re.IGNORECASE)
_SPECIAL_TO = re.compile(r"special\s+to\s", re.IGNORECASE)
_MORE_FROM = re.compile(r"^(?:more\s+(?:from|by|stories\s+by)|view\s+(?:all\s+)?posts\s+by|"
                        r"articles\s+by|follow)\s+", re.IGNORECASE)
# Where a bio starts: "Phil Helsel is a reporter for NBC News".
_BIO = re.compile(r"^((?:[A-ZÀ-Þ][\w'.-]*\s+){1,3}[A-ZÀ-Þ][\w'.-]*)\s+(?:is|was|has|writes|covers|"
                  r"reports)\s.*$")
# German bylines start "Von": taken off only before a name of capitalised words, so "Von
# Miller" and "Von der Leyen" stay.
_VON = re.compile(r"^Von\s+(?=(?:[A-ZÀ-Þ][\w'.-]*\s+)+[A-ZÀ-Þ][\w'.-]*$)")
# Addresses inside a byline: a profile URL, an e-mail address.
_ADDRESS = re.compile(r"\S*(?:://|www\.)\S*|\S+@\S+\.\w+|\(?@[\w.]+\)?")
_EDGE_PUNCTUATION = " \t-–—:,.;|/()[]{}«»\"'“”‘’*•·"

#: What people are to a publication, not who they are: a byline's role.
ROLE_NOUNS = frozenset({
    "writer", "writers", "reporter", "reporters", "editor", "editors", "correspondent",
    "correspondents", "contributor", "contributors", "columnist", "producer", "photographer",
    "editor-at-large", "analyst", "critic", "intern", "fellow", "author", "blogger",
    "journalist", "redakteur", "redakteurin", "autor", "autorin", "rédacteur", "rédactrice",
    "journaliste", "periodista", "redactor", "redactora", "giornalista", "redattore",
})
_ROLE_MODIFIERS = frozenset({
    "staff", "senior", "chief", "contributing", "associate", "assistant", "managing",
    "deputy", "executive", "special", "freelance", "guest", "political", "foreign",
    "national", "business", "sports", "sport", "science", "technology", "tech", "health",
    "news", "digital", "features", "feature", "investigative", "white", "house", "data",
    "world", "culture", "opinion", "travel", "food", "music", "film", "arts", "legal",
    "economics", "finance", "markets", "education", "environment", "climate", "at", "large",
    "at-large", "of", "for", "the", "and", "&", "a", "an",
})
#: Letters after a name that say what the person is qualified as.
CREDENTIALS = _folded("""
    PhD Ph.D. Ph.D MD M.D. MS M.S. MA M.A. MSc BSc BA B.A. MBA MPH RD RDN RN CPA CFA JD
    J.D. DVM DO Esq Esq. LCSW NP PA-C CSCS FACS FRCP
""")
#: News agencies: a desk's name when alone, but glued after a person's name it is not theirs.
AGENCIES = frozenset(word.casefold() for word in (
    "Associated Press", "AP", "The Associated Press", "Reuters", "Thomson Reuters", "AFP",
    "Agence France-Presse", "Bloomberg", "Bloomberg News", "dpa", "PA", "PA Media",
    "Press Association", "UPI", "EFE", "ANSA", "Xinhua", "Kyodo", "Kyodo News", "Yonhap",
    "CNN", "CNN Business", "CNN Wire", "Tribune News Service", "TNS", "Bloomberg Wire",
))
# (Not "Le", "La", "De", "El": they begin surnames too — Le Minh, De Luca.)
_ARTICLES = frozenset({"the", "die", "der", "das", "les", "het"})
# Account names a CMS shows when no one set a byline.
_ACCOUNTS = frozenset({"admin", "administrator", "webmaster", "root", "user", "guest",
                       "anonymous", "unknown", "author", "editor", "null", "none", "undefined",
                       "wordpress", "site admin", "staff"})
_WEB = re.compile(r"://|^www\.|@|\.(?:com|org|net|html?|php)\b", re.IGNORECASE)


def clean_authors(value: str | None, site: Site | None = None) -> str | None:
    """The names in ``value``, joined with ", "; None when no name is left.

    ``site`` (the page's own name and host) lets a byline that only names the site, or a
    piece that does, be recognised as no one's name.
    """
    if not value:
        return None
    text = " ".join(_ADDRESS.sub(" ", value).split())
    if not text or len(text) > _MAX_CHARS:
        return None
    names: list[str] = []
    for piece in _SPLIT.split(text):
        if _SUFFIX.match(piece) and names:
            names[-1] = f"{names[-1]}, {piece.strip()}"  # "Martin Luther King, Jr."
            continue
        name = _clean_piece(piece, site)
        if name:
            names.append(name)
    people = [name for name in names if not _is_organisation(name)] or names
    return ", ".join(_without_repeats(people)) or None


def _clean_piece(piece: str, site: Site | None) -> str | None:
    """One name from one piece of a byline, or None; cleaning the result again keeps it."""
    previous = None
    text: str | None = piece
    while text is not None and text != previous:
        previous = text
        text = _clean_once(text, site)
    return text


def _clean_once(piece: str, site: Site | None) -> str | None:
    text = _MORE_FROM.sub("", _LABEL.sub("", piece.strip(_EDGE_PUNCTUATION)))
    text = _VON.sub("", _BY.sub("", text))
    text = _AFTER_NAME.sub("", _BIO.sub(r"\1", text))
    words = text.split()
    if words and words[0].strip(_EDGE_PUNCTUATION).casefold() in _STAMP_WORDS:
        return None  # "Published: …", "Updated 9:30 GMT": a timestamp, whatever follows
    words = _strip_leading_dates(words)
    words = _cut_at_stamp(words)
    words = _strip_trailing(words, site)
    if not words:
        return None
    name = " ".join(words).strip(_EDGE_PUNCTUATION)
    if not _is_name(name, site):
        return None
    return name


def _is_date_word(words: list[str], index: int) -> bool:
    word = words[index].strip(_EDGE_PUNCTUATION).casefold()
    if not word:
        return True
    if word.rstrip(".") in NAME_MONTHS:
        beside = [words[i] for i in (index - 1, index + 1) if 0 <= i < len(words)]
        return any(any(char.isdigit() for char in other) for other in beside)
    return (word in DATE_WORDS or word.rstrip(".") in DATE_WORDS or word in _TIME_WORDS
            or any(char.isdigit() for char in word))


def _strip_leading_dates(words: list[str]) -> list[str]:
    """Without a date before the name ("12 June 2024 Jane Doe"), or one's last words
    ("at 9:30") where a comma cut the date in two."""
    while words and (_is_date_word(words, 0) or (
            words[0].casefold() in _LEAD_INS and (len(words) == 1 or _is_date_word(words, 1)))):
        words = words[1:]
    return words


def _cut_at_stamp(words: list[str]) -> list[str]:
    """The words before the first date, time or "Published"/"Updated": what follows them is
    the timestamp, never more of the name. A short word that may lead into a date ("on",
    "am", "le") counts only before one."""
    for index in range(1, len(words)):
        word = words[index].strip(_EDGE_PUNCTUATION).casefold()
        if (_is_date_word(words, index) or word in _STAMP_WORDS
                or (word in _LEAD_INS and index + 1 < len(words)
                    and _is_date_word(words, index + 1))):
            return words[:index]
    return words


def _strip_trailing(words: list[str], site: Site | None) -> list[str]:
    """Drop a role ("Staff Writer") from either end, and credentials ("PhD"), a dangling "by",
    a wire agency or the site's name from the end, of a name that has words left without
    them."""
    changed = True
    while changed and words:
        changed = False
        role = _role_length(words)
        if role and role < len(words):
            words, changed = words[:-role], True
            continue
        role = _leading_role_length(words)
        if role and role < len(words):
            words, changed = words[role:], True
            continue
        last = words[-1].strip(_EDGE_PUNCTUATION).casefold()
        if len(words) > 1 and (last in CREDENTIALS or last.rstrip(".") in CREDENTIALS
                               or last in _BY_WORDS):
            words, changed = words[:-1], True
            continue
        for length in (3, 2, 1):
            if len(words) > length + 1:
                tail = " ".join(words[-length:])
                if _is_agency(tail) or (site is not None and site.named_by(tail)):
                    words, changed = words[:-length], True
                    break
    return words


def _role_length(words: list[str]) -> int:
    """How many words at the end of ``words`` are a role ("Senior Staff Writer"), 0 if none."""
    if not words or words[-1].strip(_EDGE_PUNCTUATION).casefold() not in ROLE_NOUNS:
        return 0
    length = 1
    while length < len(words):
        word = words[-length - 1].strip(_EDGE_PUNCTUATION).casefold()
        if word not in _ROLE_MODIFIERS and word not in ROLE_NOUNS:
            break
        length += 1
    return length


def _leading_role_length(words: list[str]) -> int:
    """How many words at the start are a role ("Staff Writer Jane Doe"), 0 if none."""
    length = 0
    for index, word in enumerate(words):
        folded = word.strip(_EDGE_PUNCTUATION).casefold()
        if folded in ROLE_NOUNS:
            length = index + 1
        elif folded not in _ROLE_MODIFIERS:
            break
    return length


def _is_name(name: str, site: Site | None) -> bool:
    words = name.split()
    if not words or len(words) > _MAX_NAME_WORDS or not any(c.isalpha() for c in name):
        return False
    folded = name.casefold()
    if _WEB.search(name) or folded in _ACCOUNTS or "admin" in folded.replace(" ", ""):
        return False
    if folded in CREDENTIALS or _role_length(words) == len(words):
        return False
    if any(char in name for char in "!?<>{}[]=#"):
        return False
    return not (site is not None and site.named_by(name))


def _is_agency(name: str) -> bool:
    return name.casefold().strip(_EDGE_PUNCTUATION) in AGENCIES


def _is_organisation(name: str) -> bool:
    """A wire agency, a name starting with an article ("The Washington Post", "Die Zeit"), or
    "Special to …": beside a person's name in a byline, the outlet rather than an author."""
    first = name.split()[0].casefold()
    return _is_agency(name) or (first in _ARTICLES and len(name.split()) > 1) or bool(
        _SPECIAL_TO.match(name))


def _without_repeats(names: Iterable[str]) -> list[str]:
    """Each person once: exact repeats (ignoring case) go, and a shorter spelling covered by a
    fuller one ("Troy Smith" by "Troy L Smith", "Kevin-R" by "Kevin Rebong") gives way to it,
    which takes the first covered one's place. No name left covers another, so a second pass
    keeps them all."""
    kept: list[str] = []
    for name in names:
        if any(_covers(other, name) for other in kept):
            continue
        covered = [index for index, other in enumerate(kept) if _covers(name, other)]
        if covered:
            kept[covered[0]] = name
            kept = [other for index, other in enumerate(kept) if index not in covered[1:]]
        else:
            kept.append(name)
    return kept


def _name_words(name: str) -> list[str]:
    return [word for word in re.split(r"[\s.-]+", name.casefold()) if word]


def _covers(full: str, short: str) -> bool:
    """Whether every word of ``short`` is a word of ``full`` or its initial, in order ("Jo
    Smith" and "John Smith" are two people)."""
    long_words, short_words = _name_words(full), _name_words(short)
    if not short_words or len(short_words) > len(long_words):
        return False
    position = 0
    for word in short_words:
        while position < len(long_words) and not (
                long_words[position] == word
                or (len(word) == 1 and long_words[position].startswith(word))):
            position += 1
        if position == len(long_words):
            return False
        position += 1
    return True
