"""Parameter errors in words a person understands: a date says which forms it takes, an enum lists its
values, an id says what an id looks like; never a regular expression."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, get_args

from pydantic import StringConstraints

from app.db.collections import DateParam, SlugParam

_QUOTED = re.compile(r"'([^']*)'")
_MAX_ECHO = 40


def _pattern_of(annotated: object) -> str:
    return next(str(m.pattern) for m in get_args(annotated)[1:] if isinstance(m, StringConstraints))


_PATTERN_WORDS = {
    _pattern_of(DateParam): "use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2022, 2022-03, 2022-03-29)",
    _pattern_of(SlugParam): "use an id of lowercase letters, digits and single hyphens (e.g. 'ukraine')",
}


def _field_name(location: Sequence[Any]) -> str:
    parts = [str(p) for p in location[1:]] if location and location[0] in {"query", "path", "header"} else []
    return ".".join(parts) or ".".join(str(p) for p in location)


def _echo(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= _MAX_ECHO else text[:_MAX_ECHO] + "…")


def field_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``{"field", "message", "type"}`` per error (plus ``allowed`` for an enum)."""
    return [_field_error(error) for error in errors]


def _field_error(error: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    given = error.get("input")
    allowed: list[str] = []
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        words = _PATTERN_WORDS.get(str(context.get("pattern")), "it does not have the expected form")
        message = f"{_echo(given)} is not valid: {words}"
    elif kind == "enum":
        allowed = _QUOTED.findall(str(context.get("expected", "")))
        message = f"{_echo(given)} is not allowed: use one of {', '.join(allowed)}"
    elif kind in {"int_parsing", "int_from_float"}:
        message = f"{_echo(given)} is not a whole number"
    elif kind == "missing":
        message = "this parameter is required"
    entry: dict[str, Any] = {
        "field": _field_name(tuple(error.get("loc", ()))),
        "message": message,
        "type": kind,
    }
    if kind == "enum":
        entry["allowed"] = allowed
    return entry
