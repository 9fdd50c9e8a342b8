"""One query mechanism for every collection: keyset-paginated lists, details, and batch enrichment.

A collection is a ``CollectionSpec``: its table, the columns it shows, the references and links it
embeds, whether it carries citations, its sort keys and its filters. Queries are SQLAlchemy Core selects
of the needed columns; rows come back as plain dicts in the schema's field order, ready for orjson.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    BindParameter,
    Column,
    ColumnElement,
    Connection,
    Select,
    Table,
    bindparam,
    select,
    tuple_,
)

from app.db.models import Base, Citation, table_of

Row = dict[str, Any]


class InvalidSortKeyError(ValueError):
    """A keyset position whose key cannot be a value of the sort column."""


@dataclass(frozen=True, slots=True)
class RefField:
    """An embedded ``{"id", "name"}`` for a foreign key column."""

    name: str
    column: str
    target: type[Base]
    label: str = "name"


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

    @property
    def table(self) -> Table:
        return table_of(self.model)

    @property
    def singular(self) -> str:
        return {"people": "person", "briefings": "briefing"}.get(self.name, self.name.removesuffix("s"))

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


def _stored_columns(spec: CollectionSpec, fields: Iterable[str]) -> list[Column[Any]]:
    table = spec.table
    names = [f for f in fields if f in table.c]
    names += [r.column for r in spec.refs if r.column not in names]
    return [_column(table, n) for n in names]


def list_page(
    connection: Connection,
    spec: CollectionSpec,
    *,
    where: Sequence[ColumnElement[bool]],
    sort: SortKey,
    after: tuple[Any, str] | None,
    limit: int,
) -> tuple[list[Row], tuple[Any, str] | None]:
    """One page of items after the keyset position ``after``; also the position of the page's last item
    when there is a next page."""
    table = spec.table
    key_column = _column(table, sort.column)
    id_column = _column(table, "id")
    fields = spec.output_fields(detail=False)
    columns = _stored_columns(spec, fields)
    if key_column not in columns:
        columns.append(key_column)
    statement: Select[Any] = select(*columns).where(*where)
    if after is not None:
        position = tuple_(key_column, id_column)
        bound = tuple_(*after)
        statement = statement.where(position < bound if sort.descending else position > bound)
    if sort.descending:
        statement = statement.order_by(key_column.desc(), id_column.desc())
    else:
        statement = statement.order_by(key_column, id_column)
    rows = [dict(r) for r in connection.execute(statement.limit(limit + 1)).mappings().all()]
    next_position = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_position = (last[sort.column], last["id"])
    return enrich(connection, spec, rows, detail=False), next_position


def get_item(connection: Connection, spec: CollectionSpec, item_id: str) -> Row | None:
    fields = spec.output_fields(detail=True)
    columns = _stored_columns(spec, fields)
    statement = select(*columns).where(_column(spec.table, "id") == item_id)
    row = connection.execute(statement).mappings().first()
    if row is None:
        return None
    return enrich(connection, spec, [dict(row)], detail=True)[0]


def all_items(
    connection: Connection, spec: CollectionSpec, *, where: Sequence[ColumnElement[bool]] = ()
) -> list[Row]:
    """Every matching item in the collection's default order (for the whole-briefing view)."""
    sort = spec.sorts[0]
    table = spec.table
    columns = _stored_columns(spec, spec.output_fields(detail=False))
    statement = select(*columns).where(*where).order_by(_column(table, sort.column), _column(table, "id"))
    rows = [dict(r) for r in connection.execute(statement).mappings().all()]
    return enrich(connection, spec, rows, detail=False)


def enrich(connection: Connection, spec: CollectionSpec, rows: list[Row], *, detail: bool) -> list[Row]:
    """Attach references, links and citations with one query each, and order keys as the schema does."""
    if not rows:
        return rows
    ids = [row["id"] for row in rows]
    for ref in spec.refs:
        names = _names(
            connection, ref.target, {row[ref.column] for row in rows if row[ref.column]}, ref.label
        )
        for row in rows:
            value = row[ref.column]
            row[ref.name] = {"id": value, "name": names[value]} if value is not None else None
    for link in spec.links:
        linked = _linked(connection, spec.name, link, ids)
        for row in rows:
            row[link.name] = linked.get(row["id"], [])
    if spec.cited:
        cited = citations_for(connection, spec.name, ids)
        for row in rows:
            row["citations"] = cited.get(row["id"], [])
    fields = spec.output_fields(detail=detail)
    return [{name: row[name] for name in fields} for row in rows]


# The enrichment statements are built once; ids are bound per call through expanding IN parameters.
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)


@cache
def _names_statement(target: type[Base], label: str) -> Select[Any]:
    table = table_of(target)
    return select(table.c.id, table.c[label]).where(table.c.id.in_(_IDS))


def _names(connection: Connection, target: type[Base], ids: set[str], label: str) -> dict[str, str]:
    if not ids:
        return {}
    rows = connection.execute(_names_statement(target, label), {"ids": sorted(ids)}).all()
    return {row[0]: row[1] for row in rows}


@cache
def _linked_statement(collection: str, link: LinkField) -> Select[Any]:
    link_table = table_of(link.link)
    target = table_of(link.target)
    statement = (
        select(link_table.c.item_id, target.c.id, target.c.name)
        .join(target, target.c.id == link_table.c[link.column])
        .where(link_table.c.collection == collection, link_table.c.item_id.in_(_IDS))
        .order_by(link_table.c.item_id, link_table.c.ordinal)
    )
    if link.role is not None:
        statement = statement.where(link_table.c.role == link.role)
    return statement


def _linked(
    connection: Connection, collection: str, link: LinkField, ids: Sequence[str]
) -> Mapping[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for item_id, target_id, name in connection.execute(
        _linked_statement(collection, link), {"ids": ids}
    ).all():
        out[item_id].append({"id": target_id, "name": name})
    return out


@cache
def _citations_statement(collection: str) -> Select[Any]:
    table = table_of(Citation)
    return (
        select(
            table.c.item_id, table.c.document_id, table.c.start, table.c.end, table.c.quote, table.c.source_id
        )
        .where(table.c.collection == collection, table.c.item_id.in_(_IDS))
        .order_by(table.c.item_id, table.c.ordinal)
    )


def citations_for(connection: Connection, collection: str, ids: Sequence[str]) -> Mapping[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for item_id, document_id, start, end, quote, source_id in connection.execute(
        _citations_statement(collection), {"ids": list(ids)}
    ).all():
        out[item_id].append(
            {"document_id": document_id, "start": start, "end": end, "quote": quote, "source_id": source_id}
        )
    return out
