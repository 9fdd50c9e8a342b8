"""Request dependencies: a read-only database connection and strict query strings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import Connection, Engine

from app.api.errors import ProblemError


def get_connection(request: Request) -> Iterator[Connection]:
    """A connection in one read transaction: every query of a request sees the same data set."""
    engine: Engine = request.app.state.engine
    with engine.connect() as connection:
        yield connection


ConnectionDep = Annotated[Connection, Depends(get_connection)]

_allowed_by_route: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def reject_unknown_query(request: Request) -> None:
    """Refuse query parameters a route does not declare, and repeated ones, naming the parameter."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = _allowed_by_route.get(id(route))
    if allowed is None:
        allowed = frozenset(_query_names(route.dependant))
        _allowed_by_route[id(route)] = allowed
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise ProblemError(
                400,
                f"unknown query parameter '{name}' (this endpoint takes: {known})",
                slug="unknown-parameter",
            )
        if name in seen:
            raise ProblemError(
                400, f"query parameter '{name}' is given more than once", slug="repeated-parameter"
            )
        seen.add(name)
