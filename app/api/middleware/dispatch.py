"""Run a request that the representation layer has already resolved: call its route's endpoint with the
validated values, without routing and validating the request a second time.

``app.api.canonical`` parses and validates a data request's parameters to build its cache key, and keeps
what it found (``Resolved``: the route, and its parameters' values). This layer, the innermost of ours,
calls the endpoint with those values, its request-only dependencies (the engine) and the ``Request``; a
sync endpoint runs in the worker-thread pool as FastAPI would run it, and the ETag of a 200 is computed in
the same thread, off the event loop. Errors raised by the endpoint are answered by the app's own exception
handlers (anything unhandled propagates to the request-context layer, which answers 500).

Every sync endpoint runs in the pool, even a primary-key read of a few hundred microseconds, though the hop
costs about 1 ms of CPU. Run on the event loop (tried in issue 9), a read that SQLite holds up, such as a
process holding the WAL's read locks (SQLite retries inside the call for about 10 s), stalls every request of
the worker, ``/healthz`` included, and no time limit can end it (``make faults``, checks b and f).

A request without a resolution (a query that did not validate, a path no data route serves, anything not
GET) and a route this layer cannot call directly (see ``plan_for``) go through the whole app as before.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.canonical import RESOLVED, Resolved
from app.api.deps import reject_unknown_query
from app.api.middleware.representation import make_etag

Dependency = Callable[[Request], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Plan:
    """How to call a route's endpoint without FastAPI's request handling."""

    call: Callable[..., Any]
    is_coroutine: bool
    request_name: str | None
    dependencies: tuple[tuple[str, Dependency], ...]


def plan_for(route: APIRoute) -> Plan | None:
    """The route's plan, or None unless every value the endpoint takes is known without the request's
    body, headers or cookies: path and query parameters, the ``Request``, and dependencies that take only
    the ``Request`` (async, not generators). ``reject_unknown_query`` is left out: a resolved query has
    no unknown or repeated parameter. The endpoint must answer with a ``Response`` of its own."""
    dependant = route.dependant
    call = dependant.call
    if call is None or route.response_model is not None:
        return None
    if dependant.header_params or dependant.cookie_params or dependant.body_params:
        return None
    if dependant.background_tasks_param_name or dependant.response_param_name:
        return None
    if dependant.http_connection_param_name or dependant.websocket_param_name:
        return None
    if dependant.security_scopes_param_name:
        return None
    dependencies: list[tuple[str, Dependency]] = []
    for sub in dependant.dependencies:
        if sub.call is reject_unknown_query:
            continue
        simple = (
            sub.name is not None
            and sub.call is not None
            and inspect.iscoroutinefunction(sub.call)
            and sub.request_param_name is not None
            and not (sub.path_params or sub.query_params or sub.header_params or sub.cookie_params)
            and not (sub.body_params or sub.dependencies)
        )
        if not simple:
            return None
        dependencies.append((sub.name, _by_request(sub.call, sub.request_param_name)))  # type: ignore[arg-type]
    return Plan(call, inspect.iscoroutinefunction(call), dependant.request_param_name, tuple(dependencies))


def _by_request(call: Callable[..., Awaitable[Any]], name: str) -> Dependency:
    return lambda request: call(**{name: request})


def _rendered(call: Callable[..., Any], kwargs: dict[str, Any]) -> tuple[Response, bytes | None]:
    """Run a sync endpoint and hash its body (in a worker thread: the ETag costs the loop nothing)."""
    response = call(**kwargs)
    if not isinstance(response, Response):
        raise TypeError(f"{call.__name__} must return a Response to be dispatched")
    return response, make_etag(bytes(response.body)) if response.status_code == 200 else None


class DispatchMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.plans: dict[int, Plan | None] = {}
        """By ``id(route)``: routes are not hashable, and this app's routes live as long as it does."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        resolved: Resolved | None = scope.get(RESOLVED)
        if resolved is None or resolved.route is None or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        route = resolved.route
        plan = self.plans.get(id(route), ...)
        if plan is ...:
            plan = self.plans[id(route)] = plan_for(route)
        if plan is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = route
        request = Request(scope, receive)
        etag = None
        try:
            kwargs = dict(resolved.values)
            if plan.request_name is not None:
                kwargs[plan.request_name] = request
            for name, dependency in plan.dependencies:
                kwargs[name] = await dependency(request)
            if plan.is_coroutine:
                response = await plan.call(**kwargs)
            else:
                response, etag = await run_in_threadpool(_rendered, plan.call, kwargs)
        except Exception as exc:
            handler = _handler_for(scope, exc)
            if handler is None:
                raise
            response = (
                await handler(request, exc)
                if inspect.iscoroutinefunction(handler)
                else await run_in_threadpool(handler, request, exc)
            )
        headers = response.raw_headers if etag is None else [*response.raw_headers, (b"etag", etag)]
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": bytes(response.body)})
        if response.background is not None:
            await response.background()


def _handler_for(scope: Scope, exc: Exception) -> Callable[[Request, Exception], Awaitable[Response]] | None:
    """The app's handler for ``exc``, as Starlette's exception middleware picks it (the most specific
    class first); the catch-all ``Exception`` handler is left to the layers outside, as in the app."""
    handlers: dict[Any, Any] = scope["app"].exception_handlers
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            handler: Callable[[Request, Exception], Awaitable[Response]] = handlers[cls]
            return handler
    return None
