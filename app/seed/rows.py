"""Row shapes shared by the seed loader and the synthetic data generator, so both write what the
database and the read API expect."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from enum import Enum
from typing import Any

from app.db.listing import CollectionSpec
from app.db.models import table_of
from app.domain.dates import PartialDate

Row = dict[str, Any]

UNDATED_SORT_KEY = "9999"
SORT_ORDINAL_WIDTH = 6


def date_columns(partial: PartialDate | None, ordinal: int, *, width: int = SORT_ORDINAL_WIDTH) -> Row:
    """Date columns. ``date_sort`` orders by date, then seed order; a space sorts before ``-``, so a
    year comes before its months and a month before its days; undated items sort last."""
    tiebreak = f" {ordinal:0{width}d}"
    if partial is None:
        return {
            "date": None,
            "date_precision": None,
            "date_earliest": None,
            "date_latest": None,
            "date_sort": UNDATED_SORT_KEY + tiebreak,
        }
    return {
        "date": partial.text,
        "date_precision": partial.precision.value,
        "date_earliest": partial.earliest,
        "date_latest": partial.latest,
        "date_sort": partial.text + tiebreak,
    }


def link_rows(collection: str, item_id: str, column: str, values: Sequence[str], **extra: Any) -> list[Row]:
    """Rows of a generic link table (``topic_links``, ``party_links``, …) for one item, in order."""
    return [
        {"collection": collection, "item_id": item_id, column: value, "ordinal": ordinal, **extra}
        for ordinal, value in enumerate(values)
    ]


def search_row(collection: str, item_id: str, title: str, *parts: str | None) -> Row:
    """The searchable text of one item (``app.seed.search_entries`` adds its id, labels and names)."""
    return {"collection": collection, "item_id": item_id, "title": title, "body": entry_body(parts)}


def entry_body(parts: Sequence[str | None]) -> str:
    """A search entry's body: its non-empty parts, one per line."""
    return "\n".join(p for p in parts if p)


_SOURCES: dict[tuple[str, type], tuple[tuple[tuple[str, str], ...], bool]] = {}


def _row_sources(spec: CollectionSpec, model: type) -> tuple[tuple[tuple[str, str], ...], bool]:
    """``(column, item attribute)`` for every column of the collection's table that an item of the seed
    model fills (a reference's column from the reference field, other columns from the field of their
    name), and whether the table has date columns."""
    key = (spec.name, model)
    found = _SOURCES.get(key)
    if found is None:
        refs = {ref.column: ref.name for ref in spec.refs}
        fields = model.model_fields  # type: ignore[attr-defined]
        sources = tuple(
            (column.name, refs.get(column.name, column.name))
            for column in spec.table.columns
            if column.name in refs or (column.name not in ("id", "ordinal") and column.name in fields)
        )
        found = _SOURCES[key] = (sources, "date_sort" in spec.table.c)
    return found


def item_row(
    spec: CollectionSpec,
    item: Any,
    ordinal: int,
    *,
    model: type | None = None,
    width: int = SORT_ORDINAL_WIDTH,
) -> Row:
    """The table row of a seed item of ``spec``, derived from its declaration: the columns its seed model
    names (enum members as their values, tuples as lists), its references in their columns, its dates
    (``item.partial_date``). ``model``: the item's seed model, when the item only has its attributes."""
    row: Row = {"id": item.id, "ordinal": ordinal}
    sources, dated = _row_sources(spec, model or type(item))
    for column, attribute in sources:
        row[column] = _column_value(getattr(item, attribute))
    if dated:
        row.update(date_columns(item.partial_date, ordinal, width=width))
    return row


_PLAIN = frozenset({str, int, float, bool})

_LINKS: dict[str, tuple[tuple[str, str, str, Row], ...]] = {}


def item_links(spec: CollectionSpec, item: Any) -> Iterator[tuple[str, list[Row]]]:
    """``(link table, rows)`` of each of the item's link fields (``spec.links``)."""
    links = _LINKS.get(spec.name)
    if links is None:
        links = _LINKS[spec.name] = tuple(
            (
                link.name,
                str(table_of(link.link).name),
                link.column,
                {} if link.role is None else {"role": link.role},
            )
            for link in spec.links
        )
    for name, table, column, extra in links:
        yield table, link_rows(spec.name, item.id, column, getattr(item, name), **extra)


def _column_value(value: Any) -> Any:
    if value is None or value.__class__ in _PLAIN:  # most values: no isinstance walk
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return list(value)
    return value
