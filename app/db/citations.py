"""``/v1/citations``: every citation of every item as one flat collection, keyset-paginated by its id.

A citation row is shown with the fields of ``CitationEntry`` (its collection and item, then the fields of
an embedded citation); filters are declared here once, like a collection's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, select

from app.db.collections import SlugParam
from app.db.listing import Filter
from app.db.models import Citation, Document, table_of
from app.domain.schemas import CitationEntry
from app.domain.utf16 import Utf16Offsets
from app.domain.vocab import CollectionName

Row = dict[str, Any]

_TABLE = table_of(Citation)


def _equals(column: str) -> Any:
    return lambda value: _TABLE.c[column] == value


FILTERS: tuple[Filter, ...] = (
    Filter(
        "collection",
        CollectionName,
        "Only citations of items of this collection.",
        _equals("collection"),
        ("positions",),
    ),
    Filter(
        "item", SlugParam, "Only citations of the item with this id.", _equals("item_id"), ("russia-nato",)
    ),
    Filter("source", SlugParam, "Only citations attributed to this source id.", _equals("source_id"), ()),
    Filter("document", SlugParam, "Only citations of this document id.", _equals("document_id"), ()),
)


def _statement() -> Select[Any]:
    shown = [_TABLE.c[name] for name in CitationEntry.model_fields if name in _TABLE.c]
    return select(_TABLE.c.id, *shown)


def citations_page(
    connection: Connection, *, where: Sequence[ColumnElement[bool]], after: int | None, limit: int
) -> tuple[list[Row], int | None]:
    """One page of citations (as dicts of ``CitationEntry``'s fields) in id order after ``after``; also
    the id of the page's last row when there is a next page."""
    statement = _statement().where(*where)
    if after is not None:
        statement = statement.where(_TABLE.c.id > after)
    rows = connection.execute(statement.order_by(_TABLE.c.id).limit(limit + 1)).mappings().all()
    next_position = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_position = int(rows[-1]["id"])
    offsets = _utf16_offsets(connection, {row["document_id"] for row in rows})
    items = []
    for row in rows:
        item = dict(row)
        utf16 = offsets[row["document_id"]]
        item["start_utf16"], item["end_utf16"] = utf16(row["start"]), utf16(row["end"])
        items.append({name: item[name] for name in CitationEntry.model_fields})
    return items, next_position


def _utf16_offsets(connection: Connection, document_ids: set[str]) -> dict[str, Utf16Offsets]:
    """The UTF-16 conversion of each document a page cites (its text read once per page)."""
    if not document_ids:
        return {}
    documents = table_of(Document)
    statement = select(documents.c.id, documents.c.text).where(documents.c.id.in_(sorted(document_ids)))
    return {row.id: Utf16Offsets(row.text) for row in connection.execute(statement)}
