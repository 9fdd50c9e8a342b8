"""Request ids, one structured access-log line per request, and security headers on every response.

The access line's fields: request_id, method, path, query, status, duration_ms, bytes, user_agent and
data_version (the data set the answer came from; null when the response did not depend on it)."""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import ProblemType, send_problem
from app.log_writer import log_access

logger = logging.getLogger("app.access")

_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")

JSON_CSP = b"default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    b"default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    b"frame-ancestors 'none'"
)
READER_CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    b"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""The reader page (``app/static/reader``): its own scripts and styles only, nothing inline; ``data:`` images
for its favicon; API calls to this origin."""
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"cross-origin"),
]


_SECURITY_AND_CSP = {
    csp: [*SECURITY_HEADERS, (b"content-security-policy", csp)] for csp in (JSON_CSP, DOCS_CSP, READER_CSP)
}


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        docs_paths: tuple[str, ...] = ("/docs", "/redoc"),
        reader_prefixes: tuple[str, ...] = ("/briefings/",),
    ) -> None:
        self.app = app
        self.docs_paths = docs_paths
        self.reader_prefixes = reader_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self.request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 0
        size = 0
        csp = self.csp_for(scope["path"])
        request_id_header = (b"x-request-id", request_id.encode())

        async def send_with_headers(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = secured(message.get("headers", []), csp)
                headers.append(request_id_header)
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Answer here, inside this layer, so that even an unexpected error keeps the request id and
            # security headers; the traceback goes to the log only.
            logger.exception("unhandled error", extra={"request_id": request_id, "path": scope["path"]})
            if status:
                raise
            await send_problem(
                send_with_headers,
                ProblemType.INTERNAL_ERROR,
                "an unexpected error occurred",
                instance=scope["path"],
            )
        finally:
            version = scope["state"].get("data_version")
            log_request(request_id, scope, status, started, size, version, _header(scope, b"user-agent"))

    def csp_for(self, path: str) -> bytes:
        if path.startswith(self.docs_paths):
            return DOCS_CSP
        if path == "/" or path.startswith(self.reader_prefixes):
            return READER_CSP
        return JSON_CSP

    @staticmethod
    def request_id(scope: Scope) -> str:
        for key, value in scope["headers"]:
            if key == b"x-request-id" and _VALID_REQUEST_ID.match(value):
                return bytes(value).decode("ascii")
        return RequestContextMiddleware.new_or_echoed(None)

    @staticmethod
    def new_or_echoed(sent: bytes | None) -> str:
        """``sent`` (the first ``X-Request-ID`` header) if it is a valid id, else a new one."""
        if sent is not None and _VALID_REQUEST_ID.match(sent):
            return bytes(sent).decode("ascii")
        # 128 random bits from the process's generator (reseeded in each forked worker): an id needs to be
        # unique, not unpredictable, and os.urandom is a system call per request.
        return random.getrandbits(128).to_bytes(16, "big").hex()  # 32 hex digits; a format spec costs 2x


def secured(headers: Iterable[tuple[bytes, bytes]], csp: bytes) -> list[tuple[bytes, bytes]]:
    """A response's headers as this layer sends them, but for the request id (added last): no ``Server``,
    the security headers and ``csp`` (``RequestContextMiddleware.csp_for`` the path) added."""
    return [(k, v) for k, v in headers if k.lower() != b"server"] + _SECURITY_AND_CSP[csp]


def log_request(
    request_id: str,
    scope: Scope,
    status: int,
    started: float,
    size: int,
    data_version: str | None,
    user_agent: bytes | None,
) -> None:
    """The access line of a request answered with ``status`` and ``size`` body bytes (``started``: its
    ``time.perf_counter()`` at arrival); ``user_agent``: the request's first ``User-Agent`` header."""
    if logger.isEnabledFor(logging.INFO):
        fields = {
            "request_id": request_id,
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode("latin-1"),
            "status": status,
            # Hundredths of a millisecond: round(x, 2) costs 1.5 µs, this 0.3 (it may differ in the last
            # digit where x is within a rounding error of a half).
            "duration_ms": round((time.perf_counter() - started) * 100_000) / 100,
            "bytes": size,
            "user_agent": None if user_agent is None else bytes(user_agent).decode("latin-1"),
            "data_version": data_version,
        }
        log_access(logger, fields)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None
