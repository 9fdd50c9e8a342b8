"""Refuse malformed requests before routing, each with a specific 4xx problem document: over-long URLs
(414), bodies on GET/HEAD (400), broken percent-encoding or invalid UTF-8 in the URL (400), WebSocket
upgrades (400: the API speaks plain HTTP; other ``Upgrade`` offers, such as h2c, are ignored as RFC 9110
allows)."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.problems import ProblemType, send_problem

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
        kind, detail = problem
        await send_problem(
            send,
            kind,
            detail,
            instance=scope["path"] if kind is not ProblemType.BAD_ENCODING else None,
            head=scope["method"] == "HEAD",
            headers=[(b"connection", b"close")],
        )

    def _problem(self, scope: Scope) -> tuple[ProblemType, str] | None:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        query: bytes = scope.get("query_string", b"")
        if len(raw_path) + len(query) > self.max_url_bytes:
            return ProblemType.URI_TOO_LONG, f"the URL is longer than {self.max_url_bytes} bytes"
        for part, name in ((raw_path, "path"), (query, "query string")):
            if b"%" not in part and part.isascii():
                continue  # nothing to decode: the common case, checked cheaply
            if _BAD_PERCENT.search(part):
                return ProblemType.BAD_ENCODING, f"the {name} has a malformed percent-escape"
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return ProblemType.BAD_ENCODING, f"the {name} is not valid UTF-8 once percent-decoded"
        if scope["method"] in {"GET", "HEAD"}:
            for key, value in scope["headers"]:
                if (
                    key == b"content-length" and value.strip() not in {b"", b"0"}
                ) or key == b"transfer-encoding":
                    return ProblemType.UNEXPECTED_BODY, f"a {scope['method']} request takes no body"
                if key == b"upgrade" and b"websocket" in value.lower():
                    return (
                        ProblemType.WEBSOCKET_UNSUPPORTED,
                        "this API speaks plain HTTP, not WebSocket: send the request without Upgrade",
                    )
        return None
