"""Refuse malformed requests before routing, each with a specific 4xx problem document: over-long URLs
(414), bodies on GET/HEAD (400), broken percent-encoding or invalid UTF-8 in the URL (400)."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.errors import PROBLEM_JSON, problem_body

MAX_URL_BYTES = 16 * 1024
"""Room for every schema-valid request: a 1,000-character query of 4-byte characters, percent-encoded,
is 12 KB."""
_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


class RequestGuardMiddleware:
    def __init__(self, app: ASGIApp, *, max_url_bytes: int = MAX_URL_BYTES) -> None:
        self.app = app
        self.max_url_bytes = max_url_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._problem(scope)
        if problem is None:
            await self.app(scope, receive, send)
            return
        status, slug, detail = problem
        instance = scope["path"] if slug != "bad-encoding" else None
        body = orjson.dumps(problem_body(status, detail, instance=instance, slug=slug))
        headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body if scope["method"] != "HEAD" else b""})

    def _problem(self, scope: Scope) -> tuple[int, str, str] | None:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        query: bytes = scope.get("query_string", b"")
        if len(raw_path) + len(query) > self.max_url_bytes:
            return 414, "uri-too-long", f"the URL is longer than {self.max_url_bytes} bytes"
        for part, name in ((raw_path, "path"), (query, "query string")):
            if b"%" not in part and part.isascii():
                continue  # nothing to decode: the common case, checked cheaply
            if _BAD_PERCENT.search(part):
                return 400, "bad-encoding", f"the {name} has a malformed percent-escape"
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return 400, "bad-encoding", f"the {name} is not valid UTF-8 once percent-decoded"
        if scope["method"] in {"GET", "HEAD"}:
            for key, value in scope["headers"]:
                if (
                    key == b"content-length" and value.strip() not in {b"", b"0"}
                ) or key == b"transfer-encoding":
                    return 400, "unexpected-body", f"a {scope['method']} request takes no body"
        return None
