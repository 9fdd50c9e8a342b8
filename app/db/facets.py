"""Totals and facets of a filtered list (issue 10): ``count=true`` adds the exact ``total``; ``facet=``
adds, per named filter, each value's count under the *other* filters, most frequent first.

A facet of an enum or a reference column groups the collection's rows; a facet of a link (party, topic)
groups the link table's rows of the matching items, counting each item once per value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, distinct, func, select

from app.db import filters as f
from app.db import models as m
from app.db.listing import CollectionSpec, Filter
from app.domain.vocab import TERMS

_TARGETS = {"party_id": m.Party, "topic_id": m.Topic, "round_id": m.Round}


def facetable(spec: CollectionSpec) -> list[str]:
    """The filters of ``spec`` that can be faceted: enums, references and links."""
    return [flt.name for flt in spec.filters if isinstance(flt.where, f.LinkedTo | f.AnyOf)]


def total(connection: Connection, spec: CollectionSpec, where: Sequence[ColumnElement[bool]]) -> int:
    statement = select(func.count()).select_from(spec.table).where(*where)
    return int(connection.execute(statement).scalar_one())


def facet(
    connection: Connection, spec: CollectionSpec, item_filter: Filter, where: Sequence[ColumnElement[bool]]
) -> list[dict[str, Any]]:
    """``[{value, label, count}]`` of one filter's values among the items ``where`` selects."""
    how = item_filter.where
    if isinstance(how, f.LinkedTo):
        value = how.link.c[how.column]
        statement = (
            select(value, func.count(distinct(how.link.c.item_id)))
            .where(how.link.c.collection == how.collection)
            .group_by(value)
        )
        if where:
            statement = statement.where(how.link.c.item_id.in_(select(spec.table.c.id).where(*where)))
        column, enum = how.column, None
    elif isinstance(how, f.AnyOf):
        value = how.table.c[how.column]
        statement = select(value, func.count()).where(value.is_not(None)).group_by(value)
        if where:
            statement = statement.where(*where)
        column, enum = how.column, how.enum
    else:
        raise ValueError(f"{item_filter.name} cannot be faceted")
    counts = [(str(v), int(n)) for v, n in connection.execute(statement).all()]
    labels = _labels(connection, column, enum, [v for v, _ in counts])
    counts.sort(key=lambda pair: (-pair[1], pair[0]))
    return [{"value": v, "label": labels.get(v, v), "count": n} for v, n in counts]


def _labels(connection: Connection, column: str, enum: Any, values: list[str]) -> Mapping[str, str]:
    if enum is not None:
        return {member.value: term.label for member, term in TERMS[enum].items()}
    target = _TARGETS.get(column)
    if target is None or not values:
        return {}
    table = m.table_of(target)
    return dict(connection.execute(select(table.c.id, table.c.name).where(table.c.id.in_(values))).all())
