"""One query mechanism for every collection: keyset-paginated lists and details, read from the read model.

A collection is a ``CollectionSpec``: its table, the columns it shows, the references and links it
embeds, whether it carries citations, its sort keys and its filters. A list page is one SQLAlchemy Core
select on the collection's own table (filters, keyset seek, order) that brings each row's stored JSON
along; a detail is one primary-key read of ``representations``. ``app.db.readmodel`` renders that JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Integer,
    LargeBinary,
    Select,
    Table,
    bindparam,
    cast,
    func,
    select,
    tuple_,
)
from sqlalchemy.types import TypeEngine

from app.db import statements
from app.db.models import Base, Briefing, Document, Representation, table_of

Row = dict[str, Any]
Clauses = Sequence[ColumnElement[bool]]
Where = Clauses | Callable[[], Clauses]
"""A statement's clauses, or a function making them: with a compile key, called only when the statement
is compiled (building the clauses was a filtered page's largest SQLAlchemy cost)."""


def clauses_of(where: Where) -> Clauses:
    return where() if callable(where) else where


LIST = "list"
DETAIL = "detail"
TOTAL = "total"
"""The variant of a collection's item count (``item_id`` ``""``), tallied at seed time."""
FACET = "facet"
"""The variant of one facet of a whole collection (``item_id``: the filter's name), tallied at seed time."""


class InvalidSortKeyError(ValueError):
    """A keyset position whose key cannot be a value of the sort column."""


@dataclass(frozen=True, slots=True)
class RefField:
    """An embedded ``{"id", "name"}`` for a foreign key column: the target's ``label`` column under each
    of ``keys`` (a document's ``title``, and ``name`` for older clients)."""

    name: str
    column: str
    target: type[Base]
    label: str = "name"
    keys: tuple[str, ...] = ("name",)


@dataclass(frozen=True, slots=True)
class ObjectField:
    """An object of the item's own columns: ``{key: row[column]}`` for each ``(key, column)``."""

    name: str
    columns: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class LinkField:
    """An embedded list of ``{"id", "name"}`` through a generic link table."""

    name: str
    link: type[Base]
    column: str
    target: type[Base]
    role: str | None = None


@dataclass(frozen=True, slots=True)
class SortKey:
    name: str
    column: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Filter:
    """A query parameter: its Python type (validated by FastAPI) and the WHERE clause it adds."""

    name: str
    annotation: Any
    description: str
    where: Callable[[Any], ColumnElement[bool]]
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    model: type[Base]
    schema: type[BaseModel]
    summary: str
    description: str
    sorts: tuple[SortKey, ...]
    refs: tuple[RefField, ...] = ()
    links: tuple[LinkField, ...] = ()
    filters: tuple[Filter, ...] = ()
    cited: bool = False
    detail_schema: type[BaseModel] | None = None
    list_fields: tuple[str, ...] = field(default=())
    label: str = "name"
    """The field shown as the item's ``label`` (a reference's name when it names a reference)."""
    objects: tuple[ObjectField, ...] = ()

    @property
    def table(self) -> Table:
        return table_of(self.model)

    @property
    def singular(self) -> str:
        irregular = {"people": "person", "parties": "party", "briefings": "briefing"}
        return irregular.get(self.name, self.name.removesuffix("s"))

    def output_fields(self, *, detail: bool) -> tuple[str, ...]:
        """The schema's fields with ``id`` first and ``citations`` last, whatever the class hierarchy."""
        schema = self.detail_schema if detail and self.detail_schema else self.schema
        middle = [f for f in schema.model_fields if f not in {"id", "citations"}]
        tail = ["citations"] if "citations" in schema.model_fields else []
        return ("id", *middle, *tail)

    def sort(self, name: str | None) -> SortKey:
        if name is None:
            return self.sorts[0]
        return next(s for s in self.sorts if s.name == name)


def cursor_key(spec: CollectionSpec, sort: SortKey, key: Any) -> Any:
    """The cursor's sort key, if it has the sort column's type; else ``InvalidSortKeyError``."""
    expected = spec.table.c[sort.column].type.python_type
    if isinstance(key, bool) or not isinstance(key, expected):
        raise InvalidSortKeyError("cursor is damaged or forged")
    return key


def _column(table: Table, name: str) -> Column[Any]:
    return table.c[name]


def body_of(spec: CollectionSpec) -> Any:
    """The item's stored list representation (``representations``), looked up by its primary key."""
    reps = table_of(Representation)
    return (
        select(reps.c.body)
        .where(
            reps.c.collection == spec.name,
            reps.c.variant == LIST,
            reps.c.item_id == _column(spec.table, "id"),
        )
        .scalar_subquery()
    )


_ORDERED_PAGES: dict[tuple[str, str], Select[Any]] = {}


def _ordered_page(spec: CollectionSpec, sort: SortKey) -> Select[Any]:
    """The collection's page statement before filters, seek and limit: built once per collection and sort
    (statements are immutable; rebuilding this one, with its subquery, was most of a page's SQLAlchemy
    time, and a reused subquery also keeps its memoised cache key)."""
    found = _ORDERED_PAGES.get((spec.name, sort.name))
    if found is None:
        key_column = _column(spec.table, sort.column)
        id_column = _column(spec.table, "id")
        found = select(body_of(spec), key_column, id_column)
        if sort.descending:
            found = found.order_by(key_column.desc(), id_column.desc())
        else:
            found = found.order_by(key_column, id_column)
        _ORDERED_PAGES[(spec.name, sort.name)] = found
    return found


def filtered_select(
    spec: CollectionSpec,
    *,
    where: Sequence[ColumnElement[bool]],
    sort: SortKey,
    after: tuple[Any, Any] | None = None,
) -> Select[Any]:
    """Every item ``where`` selects, in ``sort`` order after the keyset position ``after`` (the sort key
    and id, as values or bound parameters): each row's stored list JSON, its sort key and its id. The
    filters and the seek run on the collection's own table and indexes. ``list_page`` adds a limit; an
    export can stream it whole."""
    statement = _ordered_page(spec, sort).where(*where)
    if after is not None:
        position = tuple_(_column(spec.table, sort.column), _column(spec.table, "id"))
        bound = tuple_(*after)
        statement = statement.where(position < bound if sort.descending else position > bound)
    return statement


def list_page(
    connection: Connection,
    spec: CollectionSpec,
    *,
    where: Where,
    sort: SortKey,
    after: tuple[Any, str] | None,
    limit: int,
    where_key: Hashable | None = None,
) -> tuple[list[bytes], tuple[Any, str] | None]:
    """One page of items (their stored JSON) after the keyset position ``after``; also the position of
    the page's last item when there is a next page. One statement: ``filtered_select`` with a limit, the
    seek and the limit as bound parameters.

    ``where_key``: what the ``where`` clauses are a function of (the filters' values); given, the
    statement is compiled once per key and run on the driver's cursor (``app.db.statements``). ``where``
    may then be a function that makes the clauses: called only when the key's statement is compiled
    (building them was a filtered page's largest SQLAlchemy cost)."""

    def build() -> Select[Any]:
        seek = None
        if after is not None:
            seek = (
                bindparam("after_key", after[0], type_=_column(spec.table, sort.column).type),
                bindparam("after_id", after[1], type_=_column(spec.table, "id").type),
            )
        clauses = clauses_of(where)
        statement = filtered_select(spec, where=clauses, sort=sort, after=seek)
        return statement.limit(bindparam("page_limit", limit + 1, type_=Integer()))

    values: dict[str, Any] = {"page_limit": limit + 1}
    if after is not None:
        values |= {"after_key": after[0], "after_id": after[1]}
    key = None if where_key is None else (spec.name, sort.name, after is not None, where_key)
    if connection.dialect.name == "sqlite":
        folded_key = None if key is None else ("folded", key)
        folded = statements.fetch(connection, folded_key, lambda: _folded(build()), values)
        rows = _unfold(folded[0], sort, _column(spec.table, sort.column).type, connection)
    else:
        rows = statements.fetch(connection, key, build, values)
    next_position = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_position = (rows[-1][1], rows[-1][2])
    return [bytes(row[0]) for row in rows], next_position


def _folded(page: Select[Any]) -> Select[Any]:
    """SQLite: the page's rows folded into one row: the bodies joined by commas, their lengths, and the
    sort keys and ids as JSON arrays.

    Python's ``sqlite3`` lets go of the GIL for every row it steps to, and must take it back to build the
    row; with several worker threads reading, a 51-row page became 51 hand-overs of the GIL, which cost
    more than the query (4 threads: 1,540 pages/s against 3,800 for one thread, ``bench/README.md``). One
    row is one hand-over. An aggregate may see the rows in any order, so ``_unfold`` puts them back in
    the page's order."""
    rows = page.subquery("page")
    body, sort_key, item_id = rows.c
    return select(
        cast(func.group_concat(body, ","), LargeBinary),
        func.group_concat(func.length(body)),
        func.json_group_array(sort_key),
        func.json_group_array(item_id),
    )


def _unfold(
    folded: tuple[Any, ...], sort: SortKey, key_type: TypeEngine[Any], connection: Connection
) -> list[tuple[bytes, Any, str]]:
    """The rows ``_folded`` folded, in the page's order, each sort key as the column's type reads it."""
    joined, lengths, keys, ids = folded
    if joined is None:
        return []
    bodies: list[bytes] = []
    start = 0
    for length in map(int, lengths.split(",")):
        bodies.append(joined[start : start + length])
        start += length + 1
    rows = list(zip(bodies, orjson.loads(keys), orjson.loads(ids), strict=True))
    ordered = sorted(rows, key=_position, reverse=sort.descending)
    convert = key_type._cached_result_processor(connection.dialect, None)
    if convert is None:
        return ordered
    return [(body, convert(key), item_id) for body, key, item_id in ordered]


def _position(row: tuple[bytes, Any, str]) -> tuple[bool, Any, str]:
    """A row's place in SQLite's ascending order: nulls first, then by sort key, then by id."""
    return (row[1] is not None, row[1], row[2])


@cache
def _detail_statement() -> Select[Any]:
    reps = table_of(Representation)
    # "detail" sorts before "list": an item's detail row, when it has one, else its list row.
    return (
        select(reps.c.body)
        .where(reps.c.collection == bindparam("collection"), reps.c.item_id == bindparam("item_id"))
        .order_by(reps.c.variant)
        .limit(1)
    )


def get_body(connection: Connection, spec: CollectionSpec, item_id: str) -> bytes | None:
    """An item's detail as served (one primary-key read), or None."""
    rows = statements.fetch(
        connection, "detail", _detail_statement, {"collection": spec.name, "item_id": item_id}
    )
    return bytes(rows[0][0]) if rows else None


def briefing_with_text(connection: Connection, briefing_id: str) -> bytes | None:
    """The whole briefing with its document's text (``?include=text``): the stored briefing, in which the
    document's list representation (no text) is swapped for its detail (the same fields and ``text``).
    Two primary-key reads and a splice; no second copy of every briefing is stored."""
    reps, briefings = table_of(Representation), table_of(Briefing)
    found = connection.execute(
        select(reps.c.body, briefings.c.document_id)
        .join(briefings, briefings.c.id == reps.c.item_id)
        .where(reps.c.collection == "briefings", reps.c.item_id == briefing_id, reps.c.variant == DETAIL)
    ).first()
    if found is None:
        return None
    body, document_id = bytes(found[0]), found[1]
    variants = dict(
        connection.execute(
            select(reps.c.variant, reps.c.body).where(
                reps.c.collection == "documents", reps.c.item_id == document_id
            )
        ).all()
    )
    # Every field before ``document`` is a string or a date, so this key cannot occur earlier.
    listed = b',"document":' + bytes(variants[LIST])
    at = body.index(listed)
    return body[:at] + b',"document":' + bytes(variants[DETAIL]) + body[at + len(listed) :]


def document_text(connection: Connection, document_id: str) -> str | None:
    documents = table_of(Document)
    statement = select(documents.c.text).where(documents.c.id == document_id)
    text: str | None = connection.execute(statement).scalar_one_or_none()
    return text
