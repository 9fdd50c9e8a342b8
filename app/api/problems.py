"""Every problem the service answers, declared once (``ProblemType``), and the one way to answer one.

A problem is an RFC 9457 ``application/problem+json`` document whose ``type`` is
``https://peacetalks.example/problems/<slug>``. Raise ``ProblemError`` in a route; pure-ASGI layers call
``send_problem``; the HTTP protocol (``app.protocol``), which answers before any ASGI app runs, uses
``problem_bytes``. The README's "Problem types" list is checked against this catalogue.
"""

from __future__ import annotations

from enum import Enum
from http import HTTPStatus
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Send

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://peacetalks.example/problems/"


class ProblemType(Enum):
    """The catalogue: slug, HTTP status, and when it happens (the README lists the same)."""

    def __init__(self, slug: str, status: int, summary: str) -> None:
        self.slug = slug
        self.status = status
        self.summary = summary

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.slug

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase

    MALFORMED_REQUEST = ("malformed-request", 400, "The request is not valid HTTP/1.1.")
    BAD_ENCODING = (
        "bad-encoding",
        400,
        "The path or query string has a broken percent-escape or is not UTF-8.",
    )
    UNEXPECTED_BODY = ("unexpected-body", 400, "A GET or HEAD request carries a body.")
    UNTRUSTED_HOST = ("untrusted-host", 400, "The `Host` header is not in `BRIEFING_TRUSTED_HOSTS`.")
    CORS_REFUSED = ("cors-refused", 400, "A CORS preflight asks for an origin, method or header not allowed.")
    WEBSOCKET_UNSUPPORTED = ("websocket-unsupported", 400, "A WebSocket upgrade: the API speaks plain HTTP.")
    UNKNOWN_PARAMETER = ("unknown-parameter", 400, "A query parameter the endpoint does not take.")
    REPEATED_PARAMETER = ("repeated-parameter", 400, "A query parameter given more than once.")
    INVALID_CURSOR = ("invalid-cursor", 400, "A `cursor` that is damaged, forged or from another list.")
    NOT_FOUND = ("not-found", 404, "No route at this URL, or no item with this id.")
    METHOD_NOT_ALLOWED = ("method-not-allowed", 405, "A method other than GET or HEAD (see `Allow`).")
    REQUEST_TIMEOUT = (
        "request-timeout",
        408,
        "The request head did not arrive within `BRIEFING_HEADER_TIMEOUT` seconds.",
    )
    PRECONDITION_FAILED = (
        "precondition-failed",
        412,
        "An `If-Match` that no current ETag satisfies (JSON ETags are weak: only `*` can match).",
    )
    URI_TOO_LONG = ("uri-too-long", 414, "The URL is longer than 16 KiB.")
    RANGE_NOT_SATISFIABLE = ("range-not-satisfiable", 416, "A `Range` past the end of a static file.")
    VALIDATION = ("validation", 422, "A parameter has an invalid value; `errors` names each field.")
    HEADERS_TOO_LARGE = (
        "headers-too-large",
        431,
        "The request head is larger than 16 KiB or has more than 100 header lines.",
    )
    INTERNAL_ERROR = ("internal-error", 500, "An unexpected error (logged with the request id).")
    OVERLOADED = ("overloaded", 503, "Too many requests in flight; retry after `Retry-After`.")
    TIMEOUT = ("timeout", 503, "The request took longer than `BRIEFING_REQUEST_TIMEOUT`.")
    DATABASE_UNAVAILABLE = ("database-unavailable", 503, "The database cannot be reached; retry shortly.")


class ProblemError(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        kind: ProblemType,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra or {}


def problem_body(kind: ProblemType, detail: str, *, instance: str | None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": kind.uri,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        "instance": instance,
    }
    body.update(extra)
    return body


def problem_bytes(kind: ProblemType, detail: str, *, instance: str | None, **extra: Any) -> bytes:
    return orjson.dumps(problem_body(kind, detail, instance=instance, **extra))


def problem_response(
    kind: ProblemType,
    detail: str,
    *,
    instance: str | None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A Starlette response, for exception handlers and middlewares built on Starlette's classes."""
    body = problem_bytes(kind, detail, instance=instance, **extra)
    return Response(body, status_code=kind.status, media_type=PROBLEM_JSON, headers=headers)


async def send_problem(
    send: Send,
    kind: ProblemType,
    detail: str,
    *,
    instance: str | None,
    head: bool = False,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer from a pure-ASGI layer (never cached: ``no-store``); ``head`` sends the headers only."""
    body = problem_bytes(kind, detail, instance=instance)
    start_headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *(headers or []),
    ]
    await send({"type": "http.response.start", "status": kind.status, "headers": start_headers})
    await send({"type": "http.response.body", "body": b"" if head else body})
