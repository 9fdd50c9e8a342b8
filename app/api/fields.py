"""``fields=``: field selection on lists, details, search and exports, declared from the item schemas.

``fields=id,summary,party`` keeps only those keys of each item, in the schema's order. A partial item
does not match its schema (its required fields may be missing), so a partial response has a media type
of its own, ``application/vnd.peacetalks.partial+json``, documented with a partial schema (the item's
properties, none required) next to the exact ``application/json`` schema of the ordinary response.
Tools that check responses against the contract (Schemathesis) check each against the schema of its
media type, and a typed client created for ``application/json`` keeps exact item types.

The parameter's OpenAPI schema is a pattern over the schema's field names, so every value a generator
draws from the contract is accepted; an unknown name is a 422 whose error lists the valid ones.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any

import orjson
from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, WithJsonSchema, create_model
from pydantic.json_schema import models_json_schema
from pydantic_core import PydanticCustomError
from starlette.responses import Response

from app.db import filters

PARTIAL_JSON = "application/vnd.peacetalks.partial+json"
FIELDS_DESCRIPTION = (
    "Only these fields of each item, comma-separated (`fields=id,summary`), in the schema's order. "
    f"The response is then `{PARTIAL_JSON}`: the same document with partial items."
)


def field_names(schema: type[BaseModel]) -> tuple[str, ...]:
    """The keys an item of ``schema`` has, ``id`` first and ``citations`` last, as items are rendered."""
    names = list(schema.model_fields)
    middle = [name for name in names if name not in {"id", "citations"}]
    head = ["id"] if "id" in names else []
    tail = ["citations"] if "citations" in names else []
    return (*head, *middle, *tail)


def _parser(allowed: tuple[str, ...]) -> Any:
    def parse(value: str) -> tuple[str, ...]:
        asked = filters.split_at_most(value, len(allowed))
        unknown = [name for name in asked if name not in allowed]
        if unknown:
            # An "enum" error: the parameter-error wording lists the allowed values (``allowed``).
            expected = ", ".join(repr(v) for v in allowed[:-1]) + f" or {allowed[-1]!r}"
            raise PydanticCustomError("enum", "Input should be {expected}", {"expected": expected})
        chosen = set(asked)
        return tuple(name for name in allowed if name in chosen)

    return parse


def fields_annotation(schema: type[BaseModel]) -> Any:
    """``fields``: a comma list of ``schema``'s field names (at most as many as there are), parsed into a
    tuple in the schema's order."""
    allowed = field_names(schema)
    pattern = filters.comma_pattern("|".join(re.escape(n) for n in allowed), len(allowed))
    return Annotated[
        str,
        AfterValidator(_parser(allowed)),
        WithJsonSchema({"type": "string", "pattern": pattern}),
    ]


def fields_param(schema: type[BaseModel]) -> Any:
    """The optional ``fields`` query parameter of a route whose items are ``schema``'s (with its
    OpenAPI description and example): ``fields: fields_param(Schema) = None``."""
    allowed = field_names(schema)
    query = Query(
        description=FIELDS_DESCRIPTION + " One or more of: " + ", ".join(f"`{n}`" for n in allowed) + ".",
        examples=[",".join(allowed[:2])],
    )
    return Annotated[fields_annotation(schema) | None, query]


def select(body: bytes, fields: tuple[str, ...]) -> bytes:
    """The item's JSON with only ``fields`` (already in the schema's order)."""
    item = orjson.loads(body)
    return orjson.dumps({name: item[name] for name in fields if name in item})


def item_response(body: bytes, fields: tuple[str, ...] | None) -> Response:
    """An item's stored JSON as served: whole (``application/json``), or only ``fields`` (partial)."""
    if fields is None:
        return Response(body, media_type="application/json")
    return Response(select(body, fields), media_type=PARTIAL_JSON)


def select_item(item: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: item[name] for name in fields if name in item}


@cache
def partial_schema(schema: type[BaseModel]) -> type[BaseModel]:
    """``schema`` with every field optional: the item of a ``fields=`` response (``<Name>Fields``)."""

    def drop_required(json_schema: dict[str, Any]) -> None:
        json_schema.pop("required", None)
        for prop in json_schema.get("properties", {}).values():
            prop.pop("default", None)
        json_schema["description"] = (
            f"Some fields of a {schema.__name__} (those `fields` names); each as in {schema.__name__}."
        )

    definitions: dict[str, Any] = {
        name: (info.annotation, None) for name, info in schema.model_fields.items()
    }
    model: type[BaseModel] = create_model(
        f"{schema.__name__}Fields",
        __config__=ConfigDict(extra="forbid", json_schema_extra=drop_required),
        **definitions,
    )
    return model


@cache
def partial_page(page: type[BaseModel], item: type[BaseModel]) -> type[BaseModel]:
    """``page`` (an ``items`` envelope) with partial items: ``<Item>FieldsPage``."""
    partial = partial_schema(item)
    model: type[BaseModel] = create_model(
        f"{partial.__name__}Page",
        __base__=page,
        items=(list[partial], ...),  # type: ignore[valid-type]
    )
    return model


_DOCUMENTED: dict[str, type[BaseModel]] = {}


def partial_content(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI ``content`` entry of a partial response whose body is ``model`` (which
    ``app.api.openapi`` adds to the components: FastAPI documents one model per status)."""
    _DOCUMENTED[model.__name__] = model
    return {PARTIAL_JSON: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}


def documented_schemas() -> dict[str, Any]:
    """The JSON schemas of every partial model a route documents, and of the models they refer to."""
    if not _DOCUMENTED:
        return {}
    _, document = models_json_schema(
        [(model, "serialization") for model in _DOCUMENTED.values()],
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = document.get("$defs", {})
    return schemas
