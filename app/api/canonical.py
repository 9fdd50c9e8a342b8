"""Canonical query strings, so that equivalent URLs share one cache entry.

The parameters are parsed and validated by the routes' own declarations (FastAPI's
``request_params_to_args`` on each route's query fields, which the collection declarations generate), then
re-serialised in a fixed order: sorted by name, defaults left out, integers and enums in their plain form,
cursors re-encoded without padding. ``?&``, ``limit=+5``, ``limit=5.0``, ``limit=%205`` and ``limit=5``
are one key; so are a cursor and its re-padded form. Nothing of the app runs but that validation.

The representation layer also hands the canonical query to the app in place of the raw one, so the
response cached under a key is exactly the response to its canonical URL (the ``Link`` header included).
A query that does not validate (unknown or repeated parameters, bad values) has no canonical form: it goes
to the app as sent, which answers its 4xx, and nothing is cached.

What the validation found is kept with the canonical query (``Resolved``: the route, and its path and query
parameters' values), so the request is parsed once: ``app.api.middleware.dispatch`` calls the route's
endpoint with these values instead of routing and validating the request again.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from enum import Enum
from typing import Any
from urllib.parse import quote, urlencode

from fastapi.dependencies.utils import request_params_to_args
from fastapi.routing import APIRoute
from starlette.datastructures import QueryParams
from starlette.routing import BaseRoute

IGNORED_QUERY_PREFIXES = ("/static/", "/openapi.json")
"""Paths whose query string never changes the response: it is ignored, never a new entry."""
MEMO_ENTRIES = 4096
MEMO_MAX_QUERY = 256
RESOLVED = "app.resolved"
"""The scope key under which the representation layer hands a ``Resolved`` request to the dispatch layer."""


@dataclass(frozen=True, slots=True)
class Resolved:
    """A request's canonical query and, when its route is known and its parameters valid, the route and the
    validated values of its path and query parameters (by parameter name, defaults included)."""

    query: str
    route: APIRoute | None = None
    values: dict[str, Any] = dataclass_field(default_factory=dict)


def canonical_cursor(token: str) -> str:
    """The cursor's bytes re-encoded as unpadded base64url; the token itself if it does not decode
    (the app then answers 400 for it)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return token
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _text(value: Any) -> str:
    if isinstance(value, tuple):  # a comma list (``app.db.filters``), parsed into sorted distinct values
        return ",".join(_text(v) for v in value)
    return str(value.value) if isinstance(value, Enum) else str(value)


class QueryCanonicaliser:
    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes = routes
        self.by_path: dict[str, APIRoute] | None = None
        self.parameterised: list[APIRoute] = []
        self.memo: dict[tuple[str, bytes], Resolved | None] = {}

    def __call__(self, path: str, query: bytes) -> Resolved | None:
        """``path?query`` resolved, or None when its query does not validate."""
        memo_key = (path, query)
        if memo_key in self.memo:
            return self.memo[memo_key]
        resolved = self._resolve(path, query)
        if len(query) <= MEMO_MAX_QUERY:
            if len(self.memo) >= MEMO_ENTRIES:
                self.memo.clear()
            self.memo[memo_key] = resolved
        return resolved

    def _resolve(self, path: str, query: bytes) -> Resolved | None:
        if path.startswith(IGNORED_QUERY_PREFIXES):
            return Resolved("")
        params = QueryParams(query)
        items = params.multi_items()
        route, path_values = self._route(path)
        if route is None:
            return None if items else Resolved("")
        names = [name for name, _ in items]
        fields = route.dependant.query_params
        if len(set(names)) != len(names) or not set(names) <= {field.alias for field in fields}:
            return None
        values, errors = request_params_to_args(fields, params)
        if errors:
            return None
        pairs = []
        for field in sorted(fields, key=lambda f: f.alias):
            value = values.get(field.name)
            if value is None or value == field.default:
                continue
            text = _text(value)
            pairs.append((field.alias, canonical_cursor(text) if field.alias == "cursor" else text))
        canonical = urlencode(pairs, quote_via=quote)
        path_params, errors = request_params_to_args(route.dependant.path_params, path_values)
        if errors:  # the app answers the path's 4xx; the query alone decides the key
            return Resolved(canonical)
        return Resolved(canonical, route, {**values, **path_params})

    def _route(self, path: str) -> tuple[APIRoute | None, dict[str, Any]]:
        """The GET route for ``path`` and its path parameters' raw values."""
        if self.by_path is None:
            self.by_path = {}
            for candidate in self.routes:
                if isinstance(candidate, APIRoute) and "GET" in (candidate.methods or ()):
                    if candidate.param_convertors:
                        self.parameterised.append(candidate)
                    else:
                        self.by_path[candidate.path] = candidate
        route = self.by_path.get(path)
        if route is not None:
            return route, {}
        for route in self.parameterised:
            match = route.path_regex.match(path)
            if match is not None:
                convertors = route.param_convertors
                return route, {k: convertors[k].convert(v) for k, v in match.groupdict().items()}
        return None, {}
