"""The application factory: ``create_app(settings)`` wires routers, error handlers and middleware."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from starlette.types import ASGIApp

from app.api.errors import install_error_handlers
from app.api.export import ExportNegotiation
from app.api.middleware.context import RequestContextMiddleware
from app.api.middleware.dispatch import DispatchMiddleware
from app.api.middleware.guard import RequestGuardMiddleware
from app.api.middleware.hits import CacheHitMiddleware
from app.api.middleware.hosts import ProblemCORSMiddleware, TrustedHostsMiddleware
from app.api.middleware.limits import LimitsMiddleware
from app.api.middleware.representation import RepresentationMiddleware
from app.api.openapi import build_openapi, openapi_tags
from app.api.routers import briefings, citations, collections, docs, export, health, meta, reader, search
from app.api.static import StaticAssets
from app.db.engine import is_sqlite, make_engine
from app.db.sqlite_allocator import turn_off_memory_statistics
from app.db.version import make_version_reader, settled_version
from app.logs import configure_logging
from app.settings import Settings, get_settings

STATIC_DIR = Path(__file__).with_name("static")

DESCRIPTION = """
A structured, source-faithful briefing on why the Ukraine–Russia peace talks keep failing, built from one
news analysis published on June 12, 2025.

Every factual item carries **citations**: verbatim quotes of the document with `start`/`end` offsets in
Unicode code points (`text[start:end] == quote`; in JavaScript use `Array.from(text)` to slice).
Summaries are the curators' words; quotes are the article's.

Lists are paginated with opaque keyset cursors. Responses carry ETags (`If-None-Match` gives 304),
errors are RFC 9457 `application/problem+json`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if is_sqlite(settings.resolved_database_url):
        turn_off_memory_statistics()  # first: before any thread starts or any connection opens
    configure_logging(settings.log_level, as_json=settings.log_json)
    engine = make_engine(settings, read_only=True)
    static = StaticAssets(STATIC_DIR, cache_control=f"public, max-age={settings.cache_max_age}")
    data_version = make_version_reader(settings, engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Database work runs in worker threads; a few keep the cores busy, more only fight for the GIL.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.db_threads
        if STATIC_DIR.is_dir():  # index and gzip the static files off the event loop, without waiting
            threading.Thread(target=static.prepare, name="static-assets", daemon=True).start()
        # Know the data version before the first request, so that a burst right after start is served
        # by one render per URL (single-flight needs the version to key on).
        await settled_version(data_version)
        yield
        engine.dispose()

    data_routers = [
        briefings.router,
        search.router,
        meta.router,
        collections.build_router(),
        citations.router,
        export.build_router(),
    ]
    routers = [health.router, *data_routers, docs.router, reader.router]  # each built once per process
    app = FastAPI(
        # The routers' own routes, not included copies: FastAPI analyses an included route again for each
        # app (on the first request that reaches its router); these were analysed once, when built.
        routes=[route for router in routers for route in router.routes],
        title="Peacetalks Briefing API",
        version="1.0.0",
        summary="Why the Ukraine–Russia peace talks keep failing: a cited, structured briefing.",
        description=DESCRIPTION,
        license_info={"name": "MIT", "identifier": "MIT"},
        contact={"name": "Peacetalks Briefing team", "url": "https://peacetalks.example/"},
        servers=[{"url": "/", "description": "This server"}],
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # No OpenTelemetry here: with it off, FastAPI skips a provider lookup on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        openapi_tags=openapi_tags(),
        redirect_slashes=False,  # app.api.errors redirects, with a relative Location
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.readiness = health.ReadinessCheck(engine, data_version)

    install_error_handlers(app)
    app.openapi = lambda: build_openapi(app, routers)  # type: ignore[method-assign]
    if STATIC_DIR.is_dir():
        app.mount("/static", static, name="static")

    # Innermost first: dispatch calls a resolved request's endpoint directly; limits guard the app; the
    # representation layer serves cached bytes before them.
    app.add_middleware(DispatchMiddleware)
    app.add_middleware(
        LimitsMiddleware, max_concurrency=settings.max_concurrency, timeout=settings.request_timeout
    )
    app.add_middleware(
        RepresentationMiddleware,
        data_version=data_version,
        loaded_at=data_version.loaded_at,
        cache_control=f"public, max-age={settings.cache_max_age}",
        cache_bytes=settings.response_cache_bytes,
        cache_entries=settings.response_cache_entries,
        routes=[route for router in data_routers for route in router.routes],
    )
    # Outside the representation layer: an export chosen by Accept is routed to its (uncached) path.
    app.add_middleware(ExportNegotiation, paths=export.negotiated_paths())
    app.add_middleware(
        ProblemCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=False,
        allow_methods=["GET", "HEAD"],
        allow_headers=["If-None-Match", "If-Modified-Since", "X-Request-ID"],
        expose_headers=[
            "ETag",
            "Link",
            "X-Request-ID",
            "Retry-After",
            "X-Data-Version",
            "Content-Disposition",
        ],
        max_age=600,
    )
    if "*" not in settings.trusted_hosts:
        app.add_middleware(TrustedHostsMiddleware, allowed_hosts=settings.trusted_hosts)
    app.add_middleware(RequestGuardMiddleware)
    app.add_middleware(RequestContextMiddleware)
    app.build_middleware_stack = lambda: _ours_outermost(app)  # type: ignore[method-assign]
    return app


def _ours_outermost(app: FastAPI) -> ASGIApp:
    """FastAPI's stack with our pure-ASGI layers outside its own wrappers (server errors, telemetry, body
    limit) rather than inside them: a cache hit then passes through nothing but our layers, and those
    wrappers still run for every request that reaches the app. Our request-context layer answers any
    unhandled error with a 500 problem document itself."""
    ours = app.user_middleware
    app.user_middleware = []
    try:
        stack = FastAPI.build_middleware_stack(app)
    finally:
        app.user_middleware = ours
    layers: dict[type, Any] = {}
    for cls, args, kwargs in reversed(ours):
        stack = layers[cls] = cls(stack, *args, **kwargs)
    # Outermost: cache hits answered at once, by what the layers above would do (app.api.middleware.hits).
    return CacheHitMiddleware(
        stack,
        context=layers[RequestContextMiddleware],
        guard=layers[RequestGuardMiddleware],
        hosts=layers.get(TrustedHostsMiddleware),
        negotiation=layers[ExportNegotiation],
        representation=layers[RepresentationMiddleware],
    )
