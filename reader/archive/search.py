"""Turning a parsed search (``reader.query``) into one keyset-paginated SQL query.

Three drivers, chosen from the query's top level so each page reads one index in order and
stops after ``limit`` rows: the FTS5 index (its rowid is the order key, so newest-first
matches stream backwards), a tag's join rows (``tag_id, order_key``), or the articles'
order-key index. Every user string reaches SQLite as a bound parameter, and inside FTS5
expressions only as a double-quoted string, so no user text is ever read as FTS5 syntax.

A word or phrase in a script written without spaces (Chinese, Japanese, Korean, Thai, ...) is
looked up in the bigram index instead (``bigrams.py``), which drives a search of such words
alone the way the main index drives one of other words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from reader.archive import saved, sources, tags
from reader.archive.bigrams import query_parts
from reader.archive.database import Connection
from reader.archive.fts import GRAMS
from reader.archive.timestamps import from_micros, to_micros
from reader.errors import ReaderError
from reader.query import (
    And,
    AuthorIs,
    DateBound,
    FlagIs,
    Node,
    Not,
    Or,
    Phrase,
    Query,
    SourceIs,
    TagIs,
    Word,
)
from reader.records import Headline, Page

MAX_PAGE_SIZE = 1000
_SEARCHABLE = re.compile(r"\w")
_FALSE = "0"
_MAIN = "articles_fts"


class InvalidCursor(ReaderError):
    """A page cursor that this archive did not hand out."""


def quote(text: str) -> str:
    """An FTS5 string: user text inside double quotes can only ever be a phrase.

    NUL is dropped: FTS5 reads its query as a C string, so a NUL would end it mid-quote.
    """
    return '"' + text.replace("\x00", "").replace('"', '""') + '"'


def _parts(node: Word | Phrase) -> tuple[list[str], list[tuple[str, bool]]]:
    """What a word or phrase asks of the bigram index (phrases) and of the main one (texts,
    with whether each is a prefix), when it holds a script written without spaces."""
    return query_parts(node.text, isinstance(node, Word) and node.prefix)


def fts_expression(node: Node) -> str | None:
    """The main index's FTS5 expression for a purely textual node, or None if SQL (or the
    bigram index) must handle it."""
    if isinstance(node, Word | Phrase):
        if not _SEARCHABLE.search(node.text) or _parts(node)[0]:
            return None
        prefix = "*" if isinstance(node, Word) and node.prefix else ""
        return quote(node.text) + prefix
    if isinstance(node, AuthorIs):
        return f"author : {quote(node.name)}" if _SEARCHABLE.search(node.name) else None
    if isinstance(node, Or):
        parts = [fts_expression(child) for child in node.children]
        if any(part is None for part in parts):
            return None
        return " OR ".join(f"({part})" for part in parts)
    if isinstance(node, And):
        expression, rest = _conjunction(list(node.children))
        return expression if not rest else None  # a filter inside must not be dropped
    return None


def grams_expression(node: Node) -> str | None:
    """The bigram index's FTS5 expression for a node only it can answer (words in scripts
    written without spaces, and ANDs and ORs of them), or None."""
    if isinstance(node, Word | Phrase):
        phrases, plain = _parts(node)
        return " AND ".join(phrases) if phrases and not plain else None
    if isinstance(node, Or):
        parts = [grams_expression(child) for child in node.children]
        if any(part is None for part in parts):
            return None
        return " OR ".join(f"({part})" for part in parts)
    if isinstance(node, And):
        expression, rest = _conjunction(list(node.children), grams_expression)
        return expression if not rest else None
    return None


def _conjunction(children: list[Node],
                 express: Callable[[Node], str | None] = fts_expression,
                 ) -> tuple[str | None, list[Node]]:
    """Split an AND into one FTS5 expression (of the index ``express`` writes for) and the
    children it could not absorb."""
    positive: list[str] = []
    negative: list[str] = []
    rest: list[Node] = []
    for child in children:
        expression = express(child)
        if expression is not None:
            positive.append(expression)
            continue
        inner = express(child.child) if isinstance(child, Not) else None
        if inner is not None:
            negative.append(inner)
        else:
            rest.append(child)
    if not positive:
        return None, list(children)
    expression = " AND ".join(f"({part})" for part in positive)
    if negative:
        expression = f"({expression})" + "".join(f" NOT ({part})" for part in negative)
    return expression, rest


@dataclass
class _Sql:
    """WHERE terms over articles ``a`` and their parameters, built up node by node."""

    connection: Connection
    #: Test words row by row (few rows) rather than against the word's whole match list.
    probe_words: bool = False
    terms: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def condition(self, node: Node) -> str:
        if isinstance(node, FlagIs):
            return {"read": "a.read = 1", "unread": "a.read = 0",
                    "bookmarked": "a.bookmarked = 1"}[node.flag]
        if isinstance(node, DateBound):
            # An undated article's order key is when it was fetched: no date to compare.
            moment = to_micros(datetime.combine(node.day, time(), tzinfo=UTC))
            self.params.append(moment)
            compare = "a.order_key < ?" if node.op == "before" else "a.order_key >= ?"
            return f"({compare} AND a.published IS NOT NULL)"
        if isinstance(node, TagIs):
            tag_id = tag_id_named(self.connection, node.name)
            if tag_id is None:
                return _FALSE
            self.params.append(tag_id)
            # EXISTS is one probe of the tag's index per row; an IN list here would be turned
            # by the planner into a loop over every article of the tag for each candidate row.
            # By order key (the join rows copy it), not id: a count then needs no article row
            # (tag:common quillwort counted in 15 ms rather than 100 at a million articles).
            return ("EXISTS (SELECT 1 FROM article_tags t "
                    "WHERE t.tag_id = ? AND t.order_key = a.order_key)")
        if isinstance(node, SourceIs):
            if node.name.isascii() and node.name.isdigit():
                # A number names a source by its id alone ("1" is not every URL with a 1).
                number = int(node.name)
                if number > _LARGEST_ID:
                    return _FALSE
                self.params.append(number)
                return "a.source_id = ?"
            ids = sources.source_ids_matching(self.connection, node.name)
            if not ids:
                return _FALSE
            self.params.extend(ids)
            return f"a.source_id IN ({','.join('?' * len(ids))})"
        if isinstance(node, Not):
            return f"NOT ({self.condition(node.child)})"
        expression = fts_expression(node)
        if expression is not None:
            return self._match(_MAIN, expression)
        if isinstance(node, Word | Phrase):
            phrases, plain = _parts(node)
            if phrases:
                found = [self._match(GRAMS, phrase) for phrase in phrases]
                found.extend(self._match(_MAIN, quote(text) + ("*" if prefix else ""))
                             for text, prefix in plain)
                return "(" + " AND ".join(found) + ")"
        if isinstance(node, And | Or):
            joiner = " AND " if isinstance(node, And) else " OR "
            return "(" + joiner.join(self.condition(child) for child in node.children) + ")"
        if isinstance(node, Word | Phrase | AuthorIs):
            return _FALSE  # no searchable characters: matches nothing
        raise TypeError(f"unknown query node {node!r}")

    def _match(self, table: str, expression: str) -> str:
        self.params.append(expression)
        if self.probe_words:
            return (f"EXISTS (SELECT 1 FROM {table} p "
                    f"WHERE p.{table} MATCH ? AND p.rowid = a.order_key)")
        # The unary + keeps SQLite from looping over the match list as an index key.
        return f"+a.order_key IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)"

    def add(self, node: Node) -> None:
        self.terms.append(self.condition(node))


#: The largest id SQLite stores (a longer number names no source).
_LARGEST_ID = 2**63 - 1


def tag_id_named(connection: Connection, name: str) -> int | None:
    found = connection.exec_driver_sql("SELECT id FROM tags WHERE name = ?", (name,)).scalar()
    return None if found is None else int(found)


_HEADLINE_COLUMNS = (
    "a.id, a.title, a.source_id, a.published, a.author, a.read, a.bookmarked, a.excerpt, "
    "a.order_key"
)


def headline_page(connection: Connection, query: Query, *, source_id: int | None = None,
                  cursor: str | None = None, limit: int = 50) -> Page:
    """One page of headlines matching ``query``, newest first (or by relevance).

    Never loads bodies and never uses OFFSET: ``cursor`` is the previous page's
    ``next_cursor``. Raises InvalidCursor for a cursor it did not make.
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    query = saved.expand(connection, query)  # here too: the cursor follows the saved sort
    rows, expression = _matching_rows(connection, query, source_id, cursor, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(_headlines(connection, rows), _next_cursor(rows, query, expression) if more
                else None)


def headlines_after(connection: Connection, query: Query, *, source_id: int | None,
                    after_id: int, limit: int, among: Sequence[int] = ()) -> list[Headline]:
    """Matches stored after article ``after_id`` (ids only grow), newest first: what a list
    on screen lacks after a sync, whatever dates the new articles carry — and those of
    ``among`` (articles put back by an undo keep their old ids) that match."""
    sql_query = Query(query.root, "newest")
    rows, _expression = _matching_rows(connection, sql_query, source_id, None, limit,
                                       after_id=after_id, among=among[:MAX_AMONG])
    return list(_headlines(connection, rows))


#: At most this many ids in ``headlines_after``'s ``among`` (an IN list's parameters).
MAX_AMONG = 5000


def newest_id(connection: Connection) -> int:
    return int(connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM articles").scalar())


def matching_ids(connection: Connection, query: Query, limit: int, *,
                 source_id: int | None = None) -> list[int]:
    """Ids of the first ``limit`` matches, in headline order, without building headlines
    (no tag or source lookups): what counts that follow a search need."""
    return [int(row[0]) for row in _matching_rows(connection, query, source_id, None, limit)[0]]


def count_matching(connection: Connection, query: Query, limit: int, *,
                   source_id: int | None = None, bookmarked: bool = True
                   ) -> tuple[int, int, int]:
    """(matches, unread, bookmarked) among the first ``limit`` matches in headline order, in
    one statement: SQLite sums the rows the search's index yields, so nothing is carried into
    Python but three numbers.

    Without ``bookmarked`` (0 is returned for it: the sidebar's saved-search counts show
    unread and all only) the statement asks for the read flag alone, from the source and
    unread indexes that hold it (migration 0008), and a tag's count reads its two indexes
    (``_tag_count``): the count reads no article rows, ~1-4 ms rather than ~25-50 ms for
    10,000 matches at a million articles.
    """
    columns = _HEADLINE_COLUMNS if bookmarked else _COUNT_COLUMNS
    statement, params, _expression = _matching_statement(connection, query, source_id, None,
                                                         columns=columns, count_limit=limit)
    if statement is None:
        return 0, 0, 0
    row = connection.exec_driver_sql(statement, tuple(params)).one()
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)


def _counted(statement: str, params: list[Any], columns: str,
             limit: int) -> tuple[str, list[Any]]:
    """The three numbers of ``count_matching`` over the first ``limit`` rows of a search."""
    marked = "coalesce(sum(bookmarked), 0)" if columns == _HEADLINE_COLUMNS else "0"
    return (f"SELECT count(*), coalesce(sum(read = 0), 0), {marked} "
            f"FROM ({statement} LIMIT ?)", [*params, limit])


_OTHER_ARTICLE_COLUMN = re.compile(r"\ba\.(?!order_key\b|read\b)")


def _only_order_and_read(terms: Sequence[str]) -> bool:
    """Whether these conditions need no article column but the two the count indexes hold
    (otherwise the rows are read anyway, and the planner's own choice is the better one)."""
    return not any(_OTHER_ARTICLE_COLUMN.search(term) for term in terms)


#: What a count without bookmarks selects (see ``count_matching``): marks the statement
#: builders read the flag from their index rather than from the article.
_COUNT_COLUMNS = "read"


def set_read_matching(connection: Connection, query: Query, read: bool, *,
                      source_id: int | None = None, before: int | None = None) -> list[int]:
    """Mark every match of ``query`` read (or unread) in one statement; the ids that changed.
    No limit: "mark all read" means all, at any archive size (the search's own index picks
    the rows, the UPDATE touches only those whose state differs). ``before`` (an order key)
    keeps to older articles: "mark read older than N days"."""
    query = saved.expand(connection, query)
    statement, params, _expression = _matching_statement(connection, query, source_id, None,
                                                         before=before)
    if statement is None:
        return []
    rows = connection.exec_driver_sql(
        f"UPDATE articles SET read = ? WHERE read != ? AND id IN "
        f"(SELECT id FROM ({statement} LIMIT -1)) RETURNING id",
        (int(read), int(read), *params)).all()
    return sorted(int(row[0]) for row in rows)


def headlines_by_id(connection: Connection, article_ids: Sequence[int]) -> list[Headline]:
    """The rows of these articles as they are now, in the given order; deleted ones are left
    out. What a list on screen needs to show a change without re-running its search."""
    found: dict[int, Headline] = {}
    unique = list(dict.fromkeys(article_ids))
    for start in range(0, len(unique), 500):
        batch = unique[start : start + 500]
        rows = connection.exec_driver_sql(
            f"SELECT {_HEADLINE_COLUMNS} FROM articles a "
            f"WHERE a.id IN ({','.join('?' * len(batch))})", tuple(batch)).all()
        found.update((headline.id, headline) for headline in _headlines(connection, rows))
    return [found[article_id] for article_id in unique if article_id in found]


def _matching_rows(connection: Connection, query: Query, source_id: int | None,
                   cursor: str | None, limit: int, *, after_id: int | None = None,
                   among: Sequence[int] = ()) -> tuple[Sequence[Any], str | None]:
    """Headline rows (``_HEADLINE_COLUMNS``) of a search, and its FTS5 expression if any."""
    statement, params, expression = _matching_statement(connection, query, source_id, cursor,
                                                        after_id=after_id, among=among)
    if statement is None:
        return [], expression
    rows = connection.exec_driver_sql(f"{statement} LIMIT ?", (*params, limit)).all()
    return rows, expression


def _matching_statement(connection: Connection, query: Query, source_id: int | None,
                        cursor: str | None, *, after_id: int | None = None,
                        before: int | None = None, among: Sequence[int] = (),
                        columns: str = _HEADLINE_COLUMNS, count_limit: int | None = None,
                        ) -> tuple[str | None, list[Any], str | None]:
    """The SELECT (without its LIMIT) of a search's headline rows, its parameters and its FTS5
    expression; no statement when the search can match nothing (an unknown tag). With
    ``count_limit``, the statement is instead ``count_matching``'s count of that many."""
    query = saved.expand(connection, query)
    top = _top_level(query.root)
    expression, rest = _conjunction(top) if top else (None, [])
    table = _MAIN
    if expression is None and top:
        # No word for the main index: words in scripts without spaces drive through theirs.
        expression, rest = _conjunction(top, grams_expression)
        table = GRAMS
    narrow = _narrow_driver(connection, rest) if expression is not None and \
        query.sort != "relevance" else None
    if narrow is not None:
        # A tag or the bookmarks hold few articles: read them and test each against the
        # words, rather than read every match of a common word to find the few among them
        # (tag:rare quillwort: 450 ms through the FTS index at a million articles, 2 ms so).
        expression, rest = None, top
    tag: TagIs | None = None  # the tag whose rows drive the search, if one does
    if narrow is not None:
        tag = narrow[1]  # None for the bookmarks: their own index drives
    elif expression is None:
        tag = next((node for node in rest if isinstance(node, TagIs)), None)
    tag_id = None if tag is None else tag_id_named(connection, tag.name)
    if tag is not None and tag_id is None:
        return None, [], expression
    sql = _Sql(connection, probe_words=narrow is not None and narrow[0] <= PROBE_ROWS)
    for node in rest:
        if node is not tag:
            sql.add(node)
    if source_id is not None:
        sql.terms.append("a.source_id = ?")
        sql.params.append(source_id)
    if after_id is not None:
        known = f" OR a.id IN ({','.join('?' * len(among))})" if among else ""
        sql.terms.append(f"(a.id > ?{known})")
        sql.params.extend([after_id, *among])
    if before is not None:
        sql.terms.append("a.order_key < ?")
        sql.params.append(before)

    oldest = query.sort == "oldest"
    if count_limit is not None and expression is None and tag_id is not None \
            and columns == _COUNT_COLUMNS:
        counted = _tag_count(sql, tag_id, _has_unread(rest), count_limit, oldest=oldest)
        if counted is not None:
            return counted[0], counted[1], expression
    if expression is not None:
        statement, params = _fts_statement(expression, sql, query.sort, cursor, columns,
                                           table)
    else:
        statement, params = _ordered_statement(sql, tag_id, cursor, oldest=oldest,
                                               columns=columns, unread=_has_unread(rest))
    if count_limit is not None:
        statement, params = _counted(statement, params, columns, count_limit)
    return statement, params, expression


#: A tag (or the bookmarks) with at most this many articles drives a search that also has
#: words: a few thousand rows read in order cost less than a common word's whole match list.
NARROW_ROWS = 2_000
#: Up to this many rows, each is looked up in the FTS index on its own (about 30 µs each at a
#: million articles); above it the word's match list is read once (about 13 ms for a word in
#: one article of ten).
PROBE_ROWS = 300


def _narrow_driver(connection: Connection, nodes: list[Node]) -> tuple[int, TagIs | None] | None:
    """(rows, tag) of the narrowest tag or bookmarks filter among ``nodes`` when it holds at
    most NARROW_ROWS articles (the tag is None for the bookmarks), from the stored counters."""
    best: tuple[int, TagIs | None] | None = None
    for node in nodes:
        rows: int | None = None
        if isinstance(node, TagIs):
            found = connection.exec_driver_sql(
                "SELECT article_count FROM tags WHERE name = ?", (node.name,)).scalar()
            rows = 0 if found is None else int(found)
        elif isinstance(node, FlagIs) and node.flag == "bookmarked":
            rows = int(connection.exec_driver_sql(
                "SELECT bookmarked FROM archive_stats WHERE id = 1").scalar() or 0)
        if rows is not None and rows <= NARROW_ROWS and (best is None or rows < best[0]):
            best = (rows, node if isinstance(node, TagIs) else None)
    return best


def _top_level(root: Node | None) -> list[Node]:
    if root is None:
        return []
    return list(root.children) if isinstance(root, And) else [root]


def _has_unread(nodes: list[Node]) -> bool:
    return any(isinstance(node, FlagIs) and node.flag == "unread" for node in nodes)


def _where(terms: list[str]) -> str:
    return " AND ".join(terms) if terms else "1"


def _fts_statement(expression: str, sql: _Sql, sort: str, cursor: str | None,
                   columns: str = _HEADLINE_COLUMNS, table: str = _MAIN
                   ) -> tuple[str, list[Any]]:
    terms = [f"{table} MATCH ?", *sql.terms]
    params: list[Any] = [expression, *sql.params]
    if sort == "relevance":
        if cursor is not None:
            rank, key = _parse_cursor(cursor, "r")
            terms.append("(f.rank > ? OR (f.rank = ? AND f.rowid < ?))")
            params.extend([rank, rank, int(key)])
        order = "f.rank, f.rowid DESC"
        selected = f"{columns}, f.rank"
    else:
        oldest = sort == "oldest"
        if cursor is not None:
            terms.append("f.rowid > ?" if oldest else "f.rowid < ?")
            params.append(int(_parse_cursor(cursor, "o" if oldest else "k")[0]))
        order = "f.rowid" if oldest else "f.rowid DESC"
        selected = columns
    if columns == _COUNT_COLUMNS and _only_order_and_read(sql.terms):
        # The full-text index gives each match's order key; whether it is unread is one
        # probe of the unread index: a count reads no article rows.
        probed = [_probing_unread(term, "f.rowid") for term in terms]
        return (f"SELECT NOT {_unread_probe('f.rowid')} AS read FROM {table} f "
                f"WHERE {_where(probed)} ORDER BY {order}", params)
    # CROSS JOIN pins the FTS index as the outer loop (SQLite's documented planner override)
    return (f"SELECT {_qualified(selected)} FROM {table} f CROSS JOIN articles a "
            f"ON a.order_key = f.rowid WHERE {_where(terms)} ORDER BY {order}", params)


def _qualified(columns: str) -> str:
    return "a.read" if columns == _COUNT_COLUMNS else columns


def _unread_probe(key: str) -> str:
    """Whether the article of order key ``key`` is unread, from the partial unread index
    (which holds the flag: migration 0008) rather than from the article's row."""
    return (f"EXISTS (SELECT 1 FROM articles u INDEXED BY ix_articles_unread_order "
            f"WHERE u.order_key = {key} AND u.read = 0)")


def _probing_unread(term: str, key: str) -> str:
    """A condition on the order key and read flag (``_only_order_and_read``) asked of the
    indexes: the flag by ``_unread_probe``, the key as ``key``."""
    return (term.replace("a.read = 0", _unread_probe(key))
            .replace("a.read = 1", f"NOT {_unread_probe(key)}")
            .replace("a.order_key", key))


def _ordered_statement(sql: _Sql, tag_id: int | None, cursor: str | None, *,
                       oldest: bool = False, columns: str = _HEADLINE_COLUMNS,
                       unread: bool = False) -> tuple[str, list[Any]]:
    """Newest first by the order-key index (a tag's join rows for a tag), or oldest first
    reading the same index forwards."""
    terms = list(sql.terms)
    params = list(sql.params)
    after, direction, kind = (">", "", "o") if oldest else ("<", " DESC", "k")
    if tag_id is None:
        if cursor is not None:
            terms.insert(0, f"a.order_key {after} ?")
            params.insert(0, int(_parse_cursor(cursor, kind)[0]))
        selected = _qualified(columns)
        if columns == _COUNT_COLUMNS and "a.read = 0" not in terms \
                and _only_order_and_read(terms):
            # no is:unread to pick the unread index: the order key's own index gives the
            # rows, the unread index each one's flag
            terms = [_probing_unread(term, "a.order_key") for term in terms]
            selected = f"NOT {_unread_probe('a.order_key')} AS read"
        return (f"SELECT {selected} FROM articles a WHERE {_where(terms)} "
                f"ORDER BY a.order_key{direction}", params)
    head, head_params = _tag_head(tag_id, unread)
    if cursor is not None:
        head.append(f"x.order_key {after} ?")
        head_params.append(int(_parse_cursor(cursor, kind)[0]))
    return (f"SELECT {_qualified(columns)} FROM article_tags x CROSS JOIN articles a "
            f"ON a.id = x.article_id WHERE {_where(head + terms)} "
            f"ORDER BY x.order_key{direction}", head_params + params)


def _tag_head(tag_id: int, unread: bool) -> tuple[list[str], list[Any]]:
    """The conditions on a tag's join rows that pick its index: the partial unread one when
    only unread articles are wanted."""
    return (["x.tag_id = ?", "x.read = 0"] if unread else ["x.tag_id = ?"]), [tag_id]


def _tag_count(sql: _Sql, tag_id: int, unread: bool, limit: int, *,
               oldest: bool) -> tuple[str, list[Any]] | None:
    """``count_matching``'s count of a tag's first ``limit`` matches from its two indexes
    alone, when the other conditions ask only the order key (the join rows copy it): the
    matches' order keys from ``ix_article_tags_tag_order``, then the unread ones between the
    first and the last of them from the partial ``ix_article_tags_tag_unread_order``. The
    join rows' read flag is in no full index (it would make "mark all read" rewrite every
    tag's entries too), and reading it from the rows costs a lookup per match. None when the
    conditions need the article."""
    # is:unread is the head's own condition; any other test of the flag needs the rows
    terms = [term for term in sql.terms if not (unread and term == "a.read = 0")]
    if any("a.read" in term for term in terms):
        return None
    on_tag = [term.replace("a.order_key", "x.order_key") for term in terms]
    if not _only_order_and_read(on_tag):
        return None
    head, head_params = _tag_head(tag_id, unread)
    direction = "" if oldest else " DESC"
    where = _where(head + on_tag)
    # INDEXED BY: with stale statistics the planner takes the full index for unread rows
    # and reads each row's flag (2 ms against 90 ms for 10,000 at a million articles).
    unread_index = "INDEXED BY ix_article_tags_tag_unread_order"
    index = unread_index if unread else "INDEXED BY ix_article_tags_tag_order"
    keys = (f"SELECT x.order_key AS k FROM article_tags x {index} WHERE {where} "
            f"ORDER BY x.order_key{direction} LIMIT ?")
    conditions = [*head_params, *sql.params]
    if unread:  # every match is unread: the first pass is the whole count
        return f"SELECT count(*), count(*), 0 FROM ({keys})", [*conditions, limit]
    unread_where = _where(["x.tag_id = ?", "x.read = 0", *on_tag])
    return (f"WITH m AS MATERIALIZED ({keys}) "
            f"SELECT (SELECT count(*) FROM m), "
            f"(SELECT count(*) FROM article_tags x {unread_index} WHERE {unread_where} "
            f"AND x.order_key BETWEEN (SELECT min(k) FROM m) AND (SELECT max(k) FROM m)), 0",
            [*conditions, limit, tag_id, *sql.params])


def _parse_cursor(cursor: str, kind: str) -> list[str]:
    parts = cursor.split(":")
    if parts[0] != kind or len(parts) != (3 if kind == "r" else 2):
        raise InvalidCursor(f"this page cursor does not belong to this search: {cursor!r}")
    try:
        [float(part) for part in parts[1:]]
    except ValueError:
        raise InvalidCursor(f"malformed page cursor {cursor!r}") from None
    return parts[1:]


def _next_cursor(rows: Sequence[Any], query: Query, expression: str | None) -> str:
    last = rows[-1]
    if expression is not None and query.sort == "relevance":
        return f"r:{last[9]!r}:{last[8]}"
    return f"o:{last[8]}" if query.sort == "oldest" else f"k:{last[8]}"


def _headlines(connection: Connection, rows: Sequence[Any]) -> tuple[Headline, ...]:
    ids = [int(row[0]) for row in rows]
    names = tags.names_for(connection, ids)
    titles = source_titles(connection, {int(row[2]) for row in rows})
    return tuple(
        Headline(
            id=int(row[0]), title=str(row[1]), source=titles.get(int(row[2]), ""),
            source_id=int(row[2]),
            published=None if row[3] is None else from_micros(int(row[3])),
            author=row[4], tags=names.get(int(row[0]), ()), read=bool(row[5]),
            bookmarked=bool(row[6]), excerpt=str(row[7]), order_key=int(row[8]),
        )
        for row in rows
    )


def source_titles(connection: Connection, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    ordered = sorted(ids)
    rows = connection.exec_driver_sql(
        f"SELECT id, title FROM sources WHERE id IN ({','.join('?' * len(ordered))})",
        tuple(ordered),
    )
    return {int(row[0]): str(row[1]) for row in rows}
