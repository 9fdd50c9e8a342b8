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
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
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
        self.memo: dict[tuple[str, bytes], str | None] = {}

    def __call__(self, path: str, query: bytes) -> str | None:
        """The canonical query for ``path?query``, or None when it does not validate."""
        if not query or path.startswith(IGNORED_QUERY_PREFIXES):
            return ""
        memo_key = (path, query)
        if memo_key in self.memo:
            return self.memo[memo_key]
        canonical = self._canonical(path, query)
        if len(query) <= MEMO_MAX_QUERY:
            if len(self.memo) >= MEMO_ENTRIES:
                self.memo.clear()
            self.memo[memo_key] = canonical
        return canonical

    def _canonical(self, path: str, query: bytes) -> str | None:
        params = QueryParams(query)
        items = params.multi_items()
        if not items:
            return ""
        names = [name for name, _ in items]
        route = self._route(path)
        if route is None or len(set(names)) != len(names):
            return None
        fields = route.dependant.query_params
        if not set(names) <= {field.alias for field in fields}:
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
        return urlencode(pairs, quote_via=quote)

    def _route(self, path: str) -> APIRoute | None:
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
            return route
        return next((r for r in self.parameterised if r.path_regex.match(path)), None)
