"""Saved searches: a name for a query, listed in the window's sidebar and usable inside any
other query as ``saved:NAME``.

A saved search stores its text, not a result: it always means what its query means now.
``expand`` puts each ``saved:NAME`` back in as the saved query before the search is compiled,
so a saved search costs what its query costs (the FTS index still drives a word search).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from reader.archive.database import Connection
from reader.archive.timestamps import to_micros
from reader.errors import QuerySyntaxError, ReaderError, SavedSearchExists, SavedSearchNotFound
from reader.query import And, Node, Not, Or, Query, SavedIs, format_query, parse_query
from reader.records import SavedSearch

MAX_NAME_LENGTH = 100
#: saved:a inside b inside c…: deeper than this is a loop or a mistake.
MAX_NESTING = 8


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ReaderError("a saved search needs a name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ReaderError(f"a saved search's name is at most {MAX_NAME_LENGTH} characters")
    return cleaned


def _canonical(query: str) -> str:
    """The query as it will read back (a syntax error is raised here, with its position)."""
    parsed = parse_query(query)
    if parsed.root is None:
        raise ReaderError("a saved search needs a query: words, tag:, is:unread …")
    return format_query(parsed)


def all_saved(connection: Connection) -> list[SavedSearch]:
    return [SavedSearch(str(name), str(query)) for name, query in connection.exec_driver_sql(
        "SELECT name, query FROM saved_searches ORDER BY name COLLATE NOCASE")]


def query_of(connection: Connection, name: str) -> str:
    found = connection.exec_driver_sql(
        "SELECT query FROM saved_searches WHERE name = ?", (" ".join(name.split()),)).scalar()
    if found is None:
        raise SavedSearchNotFound(name)
    return str(found)


def add(connection: Connection, name: str, query: str) -> SavedSearch:
    cleaned, text = _clean_name(name), _canonical(query)
    if connection.exec_driver_sql("SELECT 1 FROM saved_searches WHERE name = ?",
                                  (cleaned,)).first():
        raise SavedSearchExists(cleaned)
    _check_no_loop(connection, cleaned, text)
    connection.exec_driver_sql(
        "INSERT INTO saved_searches (name, query, created_at) VALUES (?, ?, ?)",
        (cleaned, text, to_micros(datetime.now(UTC))))
    return SavedSearch(cleaned, text)


def change(connection: Connection, name: str, *, new_name: str | None = None,
           query: str | None = None) -> SavedSearch:
    """Rename a saved search and/or give it a new query."""
    current = query_of(connection, name)
    cleaned = _clean_name(new_name) if new_name is not None else " ".join(name.split())
    text = _canonical(query) if query is not None else current
    if cleaned.casefold() != " ".join(name.split()).casefold() and connection.exec_driver_sql(
            "SELECT 1 FROM saved_searches WHERE name = ?", (cleaned,)).first():
        raise SavedSearchExists(cleaned)
    _check_no_loop(connection, cleaned, text)
    connection.exec_driver_sql("UPDATE saved_searches SET name = ?, query = ? WHERE name = ?",
                               (cleaned, text, " ".join(name.split())))
    return SavedSearch(cleaned, text)


def remove(connection: Connection, name: str) -> None:
    if not connection.exec_driver_sql("DELETE FROM saved_searches WHERE name = ?",
                                      (" ".join(name.split()),)).rowcount:
        raise SavedSearchNotFound(name)


def _check_no_loop(connection: Connection, name: str, text: str) -> None:
    def visit(node: Node | None, seen: tuple[str, ...]) -> None:
        if isinstance(node, SavedIs):
            key = " ".join(node.name.split()).casefold()
            if key in seen:
                raise ReaderError(f"the saved search {name!r} would use itself "
                                  f"(through saved:{node.name})")
            if key == name.casefold():
                visit(parse_query(text).root, (*seen, key))
                return
            try:
                inner = query_of(connection, node.name)
            except SavedSearchNotFound:
                return  # allowed: it may be saved later
            visit(parse_query(inner).root, (*seen, key))
        elif isinstance(node, Not):
            visit(node.child, seen)
        elif isinstance(node, And | Or):
            for child in node.children:
                visit(child, seen)

    visit(parse_query(text).root, (name.casefold(),))


def expand(connection: Connection, query: Query) -> Query:
    """``query`` with every ``saved:NAME`` replaced by that saved query (raises
    SavedSearchNotFound for a name that is not saved). A query that is only ``saved:NAME``
    keeps the saved query's own sort."""

    def walk(node: Node | None, depth: int) -> Node | None:
        if isinstance(node, SavedIs):
            if depth >= MAX_NESTING:
                raise ReaderError(f"saved searches nest more than {MAX_NESTING} deep")
            try:
                inner = parse_query(query_of(connection, node.name))
            except QuerySyntaxError as error:  # saved by an older version, say
                raise ReaderError(f"the saved search {node.name!r} no longer parses: "
                                  f"{error}") from None
            return walk(inner.root, depth + 1)
        if isinstance(node, Not):
            child = walk(node.child, depth)
            return None if child is None else Not(child)
        if isinstance(node, And | Or):
            kind = type(node)
            children: tuple[Node, ...] = ()
            for child in node.children:
                walked = walk(child, depth)
                if isinstance(walked, kind):  # flat, as the parser builds them
                    children += walked.children
                elif walked is not None:
                    children += (walked,)
            if len(children) == 1:
                return children[0]
            return kind(children) if children else None
        return node

    if not _mentions_saved(query.root):
        return query
    if isinstance(query.root, SavedIs) and query.sort == "newest":
        inner = parse_query(query_of(connection, query.root.name))
        return replace(query, root=walk(query.root, 0), sort=inner.sort)
    return replace(query, root=walk(query.root, 0))


def _mentions_saved(node: Node | None) -> bool:
    if isinstance(node, SavedIs):
        return True
    if isinstance(node, Not):
        return _mentions_saved(node.child)
    if isinstance(node, And | Or):
        return any(_mentions_saved(child) for child in node.children)
    return False
