"""Validating seed items one at a time, so every invalid item is reported and the valid ones still checked.

Pydantic's errors are reworded for a person editing YAML: the bad value and its closest allowed one
("unknown kind 'demnd' (did you mean 'demand'?)"), the closest field name for an unknown field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from app.seed.schema import SeedFiles
from app.seed.suggest import did_you_mean

Location = tuple[str | int, ...]

_QUOTED = re.compile(r"'([^']*)'")


def item_model(collection: str) -> type[BaseModel]:
    """The model of one item of a collection (``positions`` → ``PositionSeed``)."""
    model = _inner_model(SeedFiles.model_fields[collection].annotation)
    if model is None:
        raise TypeError(f"SeedFiles.{collection} is not a list of models")
    return model


def validate_item(model: type[BaseModel], raw: Any) -> tuple[BaseModel | None, list[tuple[Location, str]]]:
    """The validated item, or None and each problem as (location inside the item, reason)."""
    try:
        return model.model_validate(raw), []
    except ValidationError as exc:
        return None, [(tuple(error["loc"]), reason(error, model)) for error in exc.errors()]


def stand_in(
    model: type[BaseModel], raw: Any, locations: Sequence[Location], donor: Any
) -> tuple[BaseModel, set[str]] | None:
    """An invalid item made valid for the reference and quote checks of its other fields.

    Each field with a problem is dropped, or replaced by the donor's (a valid item of the same
    collection) when it is required. Returns the stand-in and the replaced fields, whose later
    problems would be the donor's, not the item's; None when the item cannot be stood in for (it is
    not a mapping, or a problem concerns the item as a whole).
    """
    if not isinstance(raw, dict) or not isinstance(donor, dict) or not all(locations):
        return None
    fields = {str(location[0]) for location in locations}
    patched = {key: value for key, value in raw.items() if key not in fields}
    patched.update({key: donor[key] for key in fields if key in donor})
    try:
        return model.model_validate(patched), fields
    except ValidationError:
        return None


def reason(error: ErrorDetails, model: type[BaseModel]) -> str:
    kind = error["type"]
    location = tuple(error["loc"])
    if kind == "extra_forbidden":
        parent = _model_at(model, location[:-1])
        fields = parent.model_fields if parent is not None else {}
        return "unknown field" + did_you_mean(str(location[-1]), fields)
    if kind == "missing":
        return "required field is missing"
    if kind in {"enum", "literal_error"}:
        expected = str((error.get("ctx") or {}).get("expected", ""))
        name = next((str(p) for p in reversed(location) if isinstance(p, str)), "value")
        value = error["input"]
        shown = f"'{value}'" if isinstance(value, str) else repr(value)
        suggestion = did_you_mean(value, _QUOTED.findall(expected)) if isinstance(value, str) else ""
        return f"unknown {name} {shown}{suggestion}; expected {expected}"
    return str(error["msg"]).removeprefix("Value error, ")


def _model_at(model: type[BaseModel], location: Sequence[str | int]) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model
    for part in location:
        if isinstance(part, int):
            continue
        if current is None or part not in current.model_fields:
            return None
        current = _inner_model(current.model_fields[part].annotation)
    return current


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``list[X]``, ``X | None`` or ``Annotated[X, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _inner_model(argument)
        if found is not None:
            return found
    return None
