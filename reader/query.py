"""The search language people type: parsed here into a small tree that the archive compiles."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from typing import Literal, TypeAlias

from reader.errors import QuerySyntaxError

# The language, in one place (the docstrings below say why each rule is the way it is):
#
#   query        := sequence END                  -- a sort: option may sit anywhere at the top
#   sequence     := alternatives*                 -- implicit AND
#   alternatives := unary ( "OR" unary )*         -- OR binds tighter than the implicit AND
#   unary        := "-"* primary                  -- the "-" is glued to what it negates
#   primary      := word | word"*" | "phrase" | field:value | field:"value" | "(" sequence ")"
#
# Bare words and bare field values run up to whitespace, a parenthesis or a double quote. Inside
# double quotes a backslash escapes '"' and '\'; any other backslash is an ordinary character.

Flag: TypeAlias = Literal["bookmarked", "unread", "read"]
Sort: TypeAlias = Literal["newest", "oldest", "relevance"]

_FLAGS: tuple[Flag, ...] = ("bookmarked", "unread", "read")
_SORTS: tuple[Sort, ...] = ("newest", "oldest", "relevance")
_MAX_DEPTH = 64


# --- the tree ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    """Text to match; ``prefix`` means the user typed a trailing ``*``.

    Text is verbatim (no FTS escaping: the compiler quotes it). A parsed Word never contains
    whitespace, parentheses or double quotes, never starts with ``-`` (that is negation), is never
    a known ``field:value`` and, unless ``prefix``, is neither ``OR`` nor ends with ``*`` -- those
    would read back as something else, so ``format_query`` refuses such hand-built Words.
    """

    text: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words that must appear together; kept verbatim, surrounding spaces included."""

    text: str


@dataclass(frozen=True, slots=True)
class TagIs:
    name: str


@dataclass(frozen=True, slots=True)
class SourceIs:
    name: str


@dataclass(frozen=True, slots=True)
class AuthorIs:
    name: str


@dataclass(frozen=True, slots=True)
class SavedIs:
    """``saved:NAME``: whatever the saved search of that name matches (the archive expands it)."""

    name: str


@dataclass(frozen=True, slots=True)
class FlagIs:
    flag: Flag


@dataclass(frozen=True, slots=True)
class DateBound:
    op: Literal["before", "after"]
    day: datetime.date


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    """All children must match; the parser never builds one with fewer than two children."""

    children: tuple[Node, ...]

    def __post_init__(self) -> None:
        if len(self.children) < 2:
            raise ValueError("And needs at least two children")


@dataclass(frozen=True, slots=True)
class Or:
    """Any child may match; the parser never builds one with fewer than two children."""

    children: tuple[Node, ...]

    def __post_init__(self) -> None:
        if len(self.children) < 2:
            raise ValueError("Or needs at least two children")


Node: TypeAlias = (Word | Phrase | TagIs | SourceIs | AuthorIs | SavedIs | FlagIs | DateBound
                   | Not | And | Or)


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search; ``root`` is None when nothing searchable was typed (list everything)."""

    root: Node | None
    sort: Sort = "newest"


# --- fields -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _SortOption:
    """What ``sort:`` yields: not a Node, because it orders the results rather than filters them."""

    order: Sort


_FieldBuilder = Callable[[str, int], Node | _SortOption]


def _flag(value: str, position: int) -> Node:
    lowered = value.lower()
    for flag in _FLAGS:
        if flag == lowered:
            return FlagIs(flag)
    raise QuerySyntaxError(f"is: must be bookmarked, unread or read, not {value!r}", position)


def _sort(value: str, position: int) -> _SortOption:
    lowered = value.lower()
    for order in _SORTS:
        if order == lowered:
            return _SortOption(order)
    raise QuerySyntaxError(f"sort: must be newest, oldest or relevance, not {value!r}",
                           position)


def _day(value: str, position: int, field: str) -> datetime.date:
    """Read exactly YYYY-MM-DD with ASCII digits: ``int()`` alone would take '²' or ' 1'."""
    shaped = (
        len(value) == 10
        and value[4] == "-"
        and value[7] == "-"
        and all(c in "0123456789" for c in value[:4] + value[5:7] + value[8:])
    )
    if not shaped:
        raise QuerySyntaxError(f"{field}: needs a date written YYYY-MM-DD, not {value!r}", position)
    try:
        return datetime.date(int(value[:4]), int(value[5:7]), int(value[8:]))
    except ValueError:
        raise QuerySyntaxError(f"{field}: {value!r} is not a calendar date", position) from None


def _before(value: str, position: int) -> Node:
    return DateBound("before", _day(value, position, "before"))


def _after(value: str, position: int) -> Node:
    return DateBound("after", _day(value, position, "after"))


# Field names are matched lower-cased. Anything else before a colon is plain text, so that URLs
# and times ("http://x", "10:30") stay searchable instead of becoming errors.
_FIELDS: dict[str, _FieldBuilder] = {
    "tag": lambda value, _: TagIs(value),
    "source": lambda value, _: SourceIs(value),
    "author": lambda value, _: AuthorIs(value),
    "saved": lambda value, _: SavedIs(value),
    "is": _flag,
    "before": _before,
    "after": _after,
    "sort": _sort,
}

_NAME_FIELDS: dict[type[TagIs | SourceIs | AuthorIs | SavedIs], str] = {
    TagIs: "tag",
    SourceIs: "source",
    AuthorIs: "author",
    SavedIs: "saved",
}


def _is_field(text: str) -> bool:
    name, colon, _ = text.partition(":")
    return bool(colon) and name.lower() in _FIELDS


def _has_text(text: str) -> bool:
    """Whether FTS would find anything to index: punctuation-only input would match nothing."""
    return any(c.isalnum() for c in text)


def _ends_bare(c: str) -> bool:
    return c.isspace() or c in '()"'


# --- tokens -----------------------------------------------------------------------------------


class _Kind(Enum):
    TERM = auto()
    NOT = auto()
    OR = auto()
    OPEN = auto()
    CLOSE = auto()
    SORT = auto()
    END = auto()


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    position: int
    node: Node | None = None
    order: Sort = "newest"


class _Lexer:
    """Splits the text into tokens in one pass; words with nothing searchable never become tokens.

    Dropping them here (rather than in the parser) makes them behave exactly like whitespace, so
    ``a OR & b`` is ``a OR b`` and ``a OR &`` is an OR with nothing after it.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.tokens: list[_Token] = []

    def run(self) -> list[_Token]:
        text = self.text
        while self.i < len(text):
            c = text[self.i]
            if c.isspace():
                self.i += 1
            elif c in "()":
                self.tokens.append(_Token(_Kind.OPEN if c == "(" else _Kind.CLOSE, self.i))
                self.i += 1
            elif c == "-":
                self._negation()
            else:
                self._append(self._term())
        self.tokens.append(_Token(_Kind.END, len(text)))
        return self.tokens

    def _append(self, token: _Token | None) -> None:
        if token is not None:
            self.tokens.append(token)

    def _negation(self) -> None:
        """A '-' negates only what is glued to it; with nothing searchable there, it goes too."""
        text = self.text
        start = self.i
        while self.i < len(text) and text[self.i] == "-":
            self.i += 1
        if self.i == len(text) or text[self.i].isspace() or text[self.i] == ")":
            return
        nots = [_Token(_Kind.NOT, p) for p in range(start, self.i)]
        if text[self.i] == "(":
            self.tokens.extend(nots)
            return
        term = self._term()
        if term is not None:
            self.tokens.extend(nots)
            self.tokens.append(term)

    def _quoted(self) -> str:
        """Read the quoted string at ``self.i``, undoing the two escapes format_query writes."""
        text = self.text
        opening = self.i
        j = opening + 1
        out: list[str] = []
        while j < len(text):
            c = text[j]
            if c == "\\" and j + 1 < len(text) and text[j + 1] in '"\\':
                out.append(text[j + 1])
                j += 2
            elif c == '"':
                self.i = j + 1
                return "".join(out)
            else:
                out.append(c)
                j += 1
        raise QuerySyntaxError("this quote is never closed", opening)

    def _term(self) -> _Token | None:
        text = self.text
        start = self.i
        if text[start] == '"':
            phrase = self._quoted()
            return _Token(_Kind.TERM, start, Phrase(phrase)) if _has_text(phrase) else None
        while self.i < len(text) and not _ends_bare(text[self.i]):
            self.i += 1
        run = text[start : self.i]
        if _is_field(run):
            return self._field(run, start)
        if run == "OR":
            return _Token(_Kind.OR, start)
        if run.endswith("*"):
            stem = run[:-1]
            if not _has_text(stem):
                raise QuerySyntaxError("a prefix search needs letters or digits before '*'", start)
            return _Token(_Kind.TERM, start, Word(stem, prefix=True))
        return _Token(_Kind.TERM, start, Word(run)) if _has_text(run) else None

    def _field(self, run: str, start: int) -> _Token:
        name, _, value = run.partition(":")
        value_at = start + len(name) + 1
        if not value and self.i < len(self.text) and self.text[self.i] == '"':
            value = self._quoted()
        if not value:
            raise QuerySyntaxError(f"{name.lower()}: needs a value after the colon", value_at)
        built = _FIELDS[name.lower()](value, value_at)
        if isinstance(built, _SortOption):
            return _Token(_Kind.SORT, start, order=built.order)
        return _Token(_Kind.TERM, start, built)


# --- the parser -------------------------------------------------------------------------------


def _negate(node: Node) -> Node:
    return node.child if isinstance(node, Not) else Not(node)


def _all_of(nodes: list[Node]) -> Node:
    flat: list[Node] = []
    for node in nodes:
        flat.extend(node.children if isinstance(node, And) else (node,))
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _any_of(nodes: list[Node]) -> Node:
    flat: list[Node] = []
    for node in nodes:
        flat.extend(node.children if isinstance(node, Or) else (node,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


class _Parser:
    """Recursive descent over the token list; nesting is capped so recursion cannot overflow."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.sort: Sort = "newest"

    def _peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def _take(self) -> _Token:
        token = self._peek()
        self.i += 1
        return token

    def parse(self) -> Query:
        root = self._sequence(0)
        stray = self._peek()
        if stray.kind is _Kind.CLOSE:
            raise QuerySyntaxError("this ')' closes nothing", stray.position)
        return Query(root, self.sort)

    def _sequence(self, depth: int) -> Node | None:
        items: list[Node] = []
        while self._peek().kind not in (_Kind.END, _Kind.CLOSE):
            token = self._peek()
            if token.kind is _Kind.SORT and depth == 0 and self._peek(1).kind is not _Kind.OR:
                self.sort = token.order  # an option, not a filter: the last one wins
                self.i += 1
                continue
            items.append(self._alternatives(depth))
        return _all_of(items) if items else None

    def _alternatives(self, depth: int) -> Node:
        first = self._peek()
        if first.kind is _Kind.OR:
            raise QuerySyntaxError("OR needs something to search for before it", first.position)
        operands = [self._unary(depth)]
        while self._peek().kind is _Kind.OR:
            operator = self._take()
            after = self._peek()
            if after.kind is _Kind.OR:
                raise QuerySyntaxError("OR needs something to search for before it", after.position)
            if after.kind in (_Kind.END, _Kind.CLOSE):
                raise QuerySyntaxError(
                    "OR needs something to search for after it", operator.position
                )
            operands.append(self._unary(depth))
        return _any_of(operands)

    def _unary(self, depth: int) -> Node:
        negations = 0
        while self._peek().kind is _Kind.NOT:
            negations += 1
            self.i += 1
        node = self._primary(depth, negated=negations > 0)
        return _negate(node) if negations % 2 else node

    def _primary(self, depth: int, *, negated: bool) -> Node:
        token = self._take()
        if token.kind is _Kind.TERM and token.node is not None:
            return token.node
        if token.kind is _Kind.OPEN:
            return self._group(token, depth)
        if token.kind is _Kind.SORT:
            if negated:
                reason = "sort: cannot be negated"
            elif depth > 0:
                reason = "sort: applies to the whole search and cannot go inside parentheses"
            else:
                reason = "sort: applies to the whole search and cannot be combined with OR"
            raise QuerySyntaxError(reason, token.position)
        # Only OR can get here (the lexer glues '-' to a term, a '(' or an OR).
        raise QuerySyntaxError("'-' must be followed by something to search for", token.position)

    def _group(self, opening: _Token, depth: int) -> Node:
        if depth >= _MAX_DEPTH:
            raise QuerySyntaxError(
                f"parentheses nest more than {_MAX_DEPTH} deep", opening.position
            )
        inner = self._sequence(depth + 1)
        if self._peek().kind is not _Kind.CLOSE:
            raise QuerySyntaxError("this '(' is never closed", opening.position)
        self.i += 1
        if inner is None:
            raise QuerySyntaxError("these parentheses hold nothing to search for", opening.position)
        return inner


def parse_query(text: str) -> Query:
    """Parse what a person typed; every problem is a QuerySyntaxError pointing into ``text``."""
    return _Parser(_Lexer(text).run()).parse()


# --- writing queries back ---------------------------------------------------------------------


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value(text: str) -> str:
    """Bare when the lexer would read the same characters back, quoted otherwise."""
    if not text:
        raise ValueError("a field value cannot be empty")
    return text if not any(_ends_bare(c) for c in text) else _quote(text)


def _word(word: Word) -> str:
    text = word.text
    writable = (
        _has_text(text)
        and not text.startswith("-")
        and not any(_ends_bare(c) for c in text)
        and not _is_field(text)
        and (word.prefix or (text != "OR" and not text.endswith("*")))
    )
    if not writable:
        raise ValueError(f"no query text parses to {word!r}")
    return text + "*" if word.prefix else text


def _format(node: Node) -> str:
    match node:
        case Word():
            return _word(node)
        case Phrase(text):
            if not _has_text(text):
                raise ValueError(f"no query text parses to {node!r}")
            return _quote(text)
        case TagIs(name) | SourceIs(name) | AuthorIs(name) | SavedIs(name):
            return f"{_NAME_FIELDS[type(node)]}:{_value(name)}"
        case FlagIs(flag):
            return f"is:{flag}"
        case DateBound(op, day):
            return f"{op}:{day.isoformat()}"
        case Not(child):
            inner = _format(child)
            return f"-({inner})" if isinstance(child, And | Or | Not) else f"-{inner}"
        case And(children):
            return " ".join(
                f"({_format(c)})" if isinstance(c, And) else _format(c) for c in children
            )
        case Or(children):
            return " OR ".join(
                f"({_format(c)})" if isinstance(c, And | Or) else _format(c) for c in children
            )


def format_query(query: Query) -> str:
    """Canonical text for a query, so a saved or shared search reads back as the same Query.

    Holds for every Query that parse_query returns. For hand-built trees, leaves that no text can
    produce (see Word) raise ValueError; non-normal shapes (nested And, Not(Not(x))) are written
    but read back normalised.
    """
    parts: list[str] = []
    if query.root is not None:
        parts.append(_format(query.root))
    if query.sort != "newest":
        parts.append(f"sort:{query.sort}")
    return " ".join(parts)
