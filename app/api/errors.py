"""The exception handlers: every error becomes a problem document (``app.api.problems``); no traceback,
SQL or path ever reaches a client. A URL that differs from a route only by a trailing slash is
redirected with a relative ``Location`` (never built from the client's ``Host``)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match

from app.api.params import field_errors
from app.api.problems import ProblemError, ProblemType, problem_response

logger = logging.getLogger("app.errors")


def _instance(request: Request) -> str:
    return request.url.path


def slash_redirect(request: Request) -> Response | None:
    """A 307 to the same URL with its trailing slash added or removed, when that names a route.

    Starlette's own redirect (``redirect_slashes``) builds an absolute URL from the ``Host`` header; this
    one is a relative reference, so a forged ``Host`` can never steer a client elsewhere.
    """
    path: str = request.scope["path"]
    if path == "/" or request.method not in {"GET", "HEAD"}:
        return None
    twin = path.rstrip("/") if path.endswith("/") else path + "/"
    if not twin:
        return None
    twin_scope = {**request.scope, "path": twin}
    if not any(route.matches(twin_scope)[0] is Match.FULL for route in request.app.router.routes):
        return None
    raw = request.scope.get("raw_path") or path.encode()
    raw_twin = raw.rstrip(b"/") if raw.endswith(b"/") else raw + b"/"
    location = "/" + raw_twin.decode("latin-1").lstrip("/")  # never "//host": a path, not an authority
    query = request.scope.get("query_string", b"")
    if query:
        location += "?" + query.decode("latin-1")
    return RedirectResponse(location, status_code=307)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        return problem_response(
            exc.kind, exc.detail, instance=_instance(request), headers=exc.headers, **exc.extra
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            redirect = slash_redirect(request)
            if redirect is not None:
                return redirect
            kind, detail = ProblemType.NOT_FOUND, f"no resource at {request.url.path}"
            if isinstance(exc.detail, str) and exc.detail != "Not Found":
                detail = exc.detail
        elif exc.status_code == 405:
            kind, detail = ProblemType.METHOD_NOT_ALLOWED, f"{request.method} is not allowed here; see Allow"
            allowed = [m.strip() for m in headers.get("Allow", "GET").split(",")]
            headers["Allow"] = ", ".join(
                allowed + (["HEAD"] if "GET" in allowed and "HEAD" not in allowed else [])
            )
        else:  # the framework raises no other status; answer it as a malformed request
            kind, detail = ProblemType.MALFORMED_REQUEST, str(exc.detail)
        return problem_response(kind, detail, instance=_instance(request), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = field_errors(exc.errors())
        fields = ", ".join(sorted({e["field"] for e in errors}))
        return problem_response(
            ProblemType.VALIDATION,
            f"invalid value for {fields}",
            instance=_instance(request),
            errors=errors,
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeoutError)
    async def _unavailable(request: Request, exc: Exception) -> Response:
        logger.warning("database unavailable: %s", type(exc).__name__, exc_info=exc)
        return problem_response(
            ProblemType.DATABASE_UNAVAILABLE,
            "the database is unavailable; try again shortly",
            instance=_instance(request),
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> Response:
        if (
            exc.connection_invalidated
            or "timeout" in str(exc.orig).lower()
            or "cancel" in str(exc.orig).lower()
        ):
            return await _unavailable(request, exc)
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(
            ProblemType.INTERNAL_ERROR, "an unexpected error occurred", instance=_instance(request)
        )
