"""CSV columns of an item schema, derived from its fields (never listed by hand), and a row of an item.

The rules, applied to each field in the schema's order (``fields=`` keeps only the columns of the
fields it names):

- a value (string, number, date, enum; null is an empty cell) is one column of the field's name;
- a list of values (``aliases``, ``analogues``) is one column, the values joined with ``;``;
- an embedded object is flattened, its fields as ``<field>_<subfield>`` by the same rules
  (``party`` → ``party_id``, ``party_name``; an absent reference leaves them empty);
- a list of references (objects with an ``id``) is ``<singular>_ids``, the ids joined with ``;``
  (``topics`` → ``topic_ids``);
- a list of other objects is ``<singular>_count`` (``citations`` → ``citation_count``; the citations
  themselves are ``/v1/citations``).
"""

from __future__ import annotations

import itertools
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from app.api.fields import field_names
from app.domain.annotations import unwrap

SEPARATOR = ";"
Row = Callable[[dict[str, Any]], list[Any]]


@dataclass(frozen=True, slots=True)
class Column:
    """A CSV column: its name, the schema field it comes from, and how (``expression``: Python over the
    item, ``item``, with walrus names from ``names``)."""

    name: str
    field: str
    expression: str
    rule: str


def singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _unless_null(value: str, names: Iterator[str], then: str) -> str:
    """``then`` (over ``_``) applied to ``value``, or None when ``value`` is null."""
    name = next(names)
    return f"(None if ({name} := {value}) is None else {then.replace('_', name)})"


def _columns(name: str, annotation: Any, value: str, field: str, names: Iterator[str]) -> list[Column]:
    annotation, _ = unwrap(annotation)
    if _is_model(annotation):
        columns = []
        for sub in field_names(annotation):
            inner = _unless_null(value, names, f"_[{sub!r}]")
            columns += _columns(f"{name}_{sub}", annotation.model_fields[sub].annotation, inner, field, names)
        return columns
    if typing.get_origin(annotation) is list:
        (element,) = typing.get_args(annotation) or (Any,)
        element, _ = unwrap(element)
        if _is_model(element) and "id" in element.model_fields:
            joined = f"{SEPARATOR!r}.join([str(x['id']) for x in _])"
            return [Column(f"{singular(name)}_ids", field, _unless_null(value, names, joined), "ids")]
        if _is_model(element):
            return [Column(f"{singular(name)}_count", field, _unless_null(value, names, "len(_)"), "count")]
        joined = f"{SEPARATOR!r}.join(map(str, _))"
        return [Column(name, field, _unless_null(value, names, joined), "joined")]
    return [Column(name, field, value, "value")]


@cache
def columns_of(schema: type[BaseModel], fields: tuple[str, ...] | None = None) -> tuple[Column, ...]:
    """The CSV columns of ``schema``'s items (of ``fields`` only, when given)."""
    chosen = field_names(schema) if fields is None else fields
    names = (f"v{n}" for n in itertools.count())
    columns: list[Column] = []
    for name in chosen:
        columns += _columns(name, schema.model_fields[name].annotation, f"item[{name!r}]", name, names)
    return tuple(columns)


@cache
def row_function(columns: tuple[Column, ...]) -> Row:
    """One function that makes a row of an item: the columns' expressions compiled together, which is
    several times faster than a call per column (an export encodes 100k rows)."""
    source = "def row(item):\n    return [" + ", ".join(c.expression for c in columns) + "]\n"
    namespace: dict[str, Any] = {}
    # The expressions are built above from the schemas' field names (Python identifiers), never from input.
    exec(compile(source, "<csv row>", "exec"), namespace)  # noqa: S102
    function: Row = namespace["row"]
    return function


def describe(schema: type[BaseModel]) -> str:
    """The columns as one line of Markdown, for the OpenAPI description of a CSV response."""
    return ", ".join(f"`{column.name}`" for column in columns_of(schema))
