"""The list filters every collection shares (issue 10): a comma list means OR within a parameter,
parameters AND together, and every evidence collection filters by party, topic and briefing.

A parameter's value arrives as a sorted tuple of distinct validated values (``slug_list``, ``enum_list``:
``kind=red_line,demand`` and ``kind=demand,red_line`` are one query, one cache entry and one cursor
scope); each filter turns it into one WHERE clause that an index serves (the link tables'
``(party_id | topic_id, collection, item_id)`` indexes, the citations' ``(document_id, collection,
item_id)``, the collections' own column indexes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError
from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    Table,
    column,
    distinct,
    false,
    func,
    select,
    text,
)

from app.db import models as m
from app.db import search
from app.domain import search_query
from app.seed.search_entries import id_range

Where = Callable[[Any], ColumnElement[bool]]

SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
MAX_VALUES = 20


def comma_pattern(alternative: str, at_most: int = MAX_VALUES) -> str:
    """The documented pattern of a comma list: 1 to ``at_most`` matches of ``alternative`` (a regex).

    The repetition bound is the list's whole length limit, so the schemas carry no ``maxLength`` beside
    it: generating a string of exactly the maximum length that also matches a pattern of alternatives is
    the costliest thing a schema-driven generator (Schemathesis's coverage phase) can be asked for.
    """
    return f"^(?:{alternative})(?:,(?:{alternative})){{0,{at_most - 1}}}$"


def split_at_most(value: str, at_most: int = MAX_VALUES) -> list[str]:
    """A comma list's parts; more than ``at_most`` is an error (the bound of ``comma_pattern``)."""
    parts = value.split(",")
    if len(parts) > at_most:
        raise ValueError(f"at most {at_most} comma-separated values")
    return parts


def _slugs(value: str) -> tuple[str, ...]:
    if len(value) > 800:
        raise ValueError("at most 800 characters")
    parts = split_at_most(value)
    for part in parts:
        if not re.fullmatch(SLUG, part):
            raise ValueError(
                f"{part!r} is not valid: use ids of lowercase letters, digits and single hyphens, "
                "comma-separated (e.g. 'ukraine,russia')"
            )
    return tuple(sorted(set(parts)))


def _members(enum: type[StrEnum]) -> Callable[[str], tuple[str, ...]]:
    allowed = [member.value for member in enum]

    def parse(value: str) -> tuple[str, ...]:
        parts = split_at_most(value)
        for part in parts:
            if part not in allowed:
                # An "enum" error: the parameter-error wording names the allowed values (``allowed``).
                expected = ", ".join(repr(v) for v in allowed[:-1]) + f" or {allowed[-1]!r}"
                raise PydanticCustomError("enum", "Input should be {expected}", {"expected": expected})
        return tuple(sorted(set(parts)))

    return parse


def slug_list() -> Any:
    """Ids, comma-separated (OR): ``party=russia,ukraine``."""
    pattern = comma_pattern(SLUG)
    return Annotated[
        str, AfterValidator(_slugs), WithJsonSchema({"type": "string", "pattern": pattern, "maxLength": 800})
    ]


def enum_list(enum: type[StrEnum]) -> Any:
    """Values of ``enum``, comma-separated (OR): ``kind=demand,red_line``."""
    alternatives = "|".join(member.value for member in enum)
    pattern = comma_pattern(alternatives)
    return Annotated[
        str, AfterValidator(_members(enum)), WithJsonSchema({"type": "string", "pattern": pattern})
    ]


def _table(model: type[m.Base]) -> Table:
    return m.table_of(model)


class AnyOf:
    """Items whose ``column`` holds any of the values (an enum, or a reference's id)."""

    def __init__(self, model: type[m.Base], column: str, enum: type[StrEnum] | None = None) -> None:
        self.table, self.column, self.enum = _table(model), column, enum

    def __call__(self, values: Sequence[str]) -> ColumnElement[bool]:
        return self.table.c[self.column].in_(values)


any_of = AnyOf


class LinkedTo:
    """Items of ``collection`` linked to any of the given ids through a generic link table; ``count``
    counts them from the link table's index alone (every link's item exists)."""

    def __init__(self, model: type[m.Base], link: type[m.Base], column: str, collection: str) -> None:
        self.table, self.link = _table(model), _table(link)
        self.column, self.collection = column, collection

    def _linked(self, values: Sequence[str]) -> Select[Any]:
        return select(self.link.c.item_id).where(
            self.link.c[self.column].in_(values), self.link.c.collection == self.collection
        )

    def __call__(self, values: Sequence[str]) -> ColumnElement[bool]:
        return self.table.c.id.in_(self._linked(values))

    def count(self, values: Sequence[str]) -> Select[Any]:
        return select(func.count(distinct(self.link.c.item_id))).where(
            self.link.c[self.column].in_(values), self.link.c.collection == self.collection
        )


linked_to = LinkedTo


def citing_briefing(model: type[m.Base], collection: str) -> Where:
    """Items that cite the document any of the given briefings is built from."""
    citations = _table(m.Citation)
    briefings = _table(m.Briefing)

    def where(values: Sequence[str]) -> ColumnElement[bool]:
        documents = select(briefings.c.document_id).where(briefings.c.id.in_(values))
        cited = select(citations.c.item_id).where(
            citations.c.document_id.in_(documents), citations.c.collection == collection
        )
        return _table(model).c.id.in_(cited)

    return where


class ThroughRound:
    """Items whose round is linked to any of the given ids (events have no topics of their own). Such
    items refer to the topic only through their round: ``referenced_by`` does not count them."""

    def __init__(self, model: type[m.Base], link: type[m.Base], column: str) -> None:
        self.table, self.link, self.column = _table(model), _table(link), column

    def __call__(self, values: Sequence[str]) -> ColumnElement[bool]:
        rounds = select(self.link.c.item_id).where(
            self.link.c[self.column].in_(values), self.link.c.collection == "rounds"
        )
        return self.table.c.round_id.in_(rounds)


round_linked_to = ThroughRound


def search_terms(connection: Connection, query: str) -> str | None:
    """What ``query`` asks of this database's search index (its aliases expanded from the data): the FTS5
    ``MATCH`` text or the tsquery; None when it can match nothing. It depends on the data, so a statement
    keyed on it (``app.db.statements``) follows a re-seed."""
    tree = search_query.parse(query)
    if tree is None:
        return None
    tree = search.with_aliases(connection, tree)
    return search_query.fts5(tree) if connection.dialect.name == "sqlite" else search_query.tsquery(tree)


def matching_terms(
    dialect: str, model: type[m.Base], collection: str, terms: str | None
) -> ColumnElement[bool]:
    """Items of ``collection`` that the index query ``terms`` (``search_terms``) finds."""
    if terms is None:
        return false()
    first, last = id_range(collection)
    if dialect == "sqlite":
        hits = text(
            "SELECT rowid AS id FROM search_fts WHERE search_fts MATCH :q AND rowid BETWEEN :first AND :last"
        ).bindparams(q=terms, first=first, last=last)
    else:
        hits = text(
            "SELECT id FROM search_tsv WHERE tsv @@ CAST(:q AS tsquery) AND id BETWEEN :first AND :last"
        ).bindparams(q=terms, first=first, last=last)
    entries = _table(m.SearchEntry)
    found = select(entries.c.item_id).where(
        entries.c.id.between(first, last),  # the collection's range: an index range, not the whole table
        entries.c.id.in_(hits.columns(column("id", Integer)).subquery().select()),
    )
    return _table(model).c.id.in_(found)


def matching(connection: Connection, model: type[m.Base], collection: str, query: str) -> ColumnElement[bool]:
    """Items of ``collection`` that ``/v1/search?q=…&type=collection`` finds (same syntax, same terms)."""
    terms = search_terms(connection, query)
    return matching_terms(connection.dialect.name, model, collection, terms)
