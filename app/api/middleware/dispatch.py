"""Run a request that the representation layer has already resolved: call its route's endpoint with the
validated values, without routing and validating the request a second time.

``app.api.canonical`` parses and validates a data request's parameters to build its cache key, and keeps
what it found (``Resolved``: the route, and its parameters' values). This layer, the innermost of ours,
calls the endpoint with those values, its request-only dependencies (the engine) and the ``Request``; a
sync endpoint runs in the worker-thread pool as FastAPI would run it, and the ETag of a 200 is computed in
the same thread, off the event loop. Errors raised by the endpoint are answered by the app's own exception
handlers (anything unhandled propagates to the request-context layer, which answers 500).

A short read runs on the event loop instead (``SHORT_READ``): on SQLite, an endpoint that declares the
request short (a primary-key read, or a keyset page of stored rows read from one index range of at most its
limit: unfiltered, or one value of a filter an index serves in the sort's order; a few hundred microseconds)
and a connection the pool gives without waiting. The hop to a worker thread cost more than the read itself,
about 1 ms of CPU a page (``bench/README.md``); everything else (other filters, ``q``, counts, PostgreSQL's
network round trips) stays in the pool, where a long read cannot hold up the loop. Short reads share a
budget of loop time per turn of the event loop (``LoopBudget``): under a flood of them, the rest of a turn's
short reads go to the pool too, so that a turn stays short and whatever waits on the loop (a health check,
a cache hit, a thread's result) keeps its turn.

A request without a resolution (a query that did not validate, a path no data route serves, anything not
GET) and a route this layer cannot call directly (see ``plan_for``) go through the whole app as before.
"""

from __future__ import annotations

import asyncio
import inspect
import time
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
from app.db.engine import connects_at_once

SHORT_READ = "short_read"
"""An endpoint's attribute: a predicate on the request's validated values, true when the request is a
short read (see the module's docstring); set with ``short_read``."""

Dependency = Callable[[Request], Awaitable[Any]]


def short_read(endpoint: Callable[..., Any], when: Callable[[dict[str, Any]], bool] = lambda _: True) -> None:
    """Declare the requests ``when`` accepts (by their validated values) short reads of ``endpoint``."""
    setattr(endpoint, SHORT_READ, when)


LOOP_BUDGET_SECONDS = 0.002
"""Event-loop time that short reads may take in one turn of the loop (about two pages of 50; at 5 ms, a
flood of distinct filtered pages held `/readyz` up to 1 s, at 2 ms under 0.1 s at p99: `bench/README.md`)."""


class LoopBudget:
    """Time spent on short reads in the event loop's current turn.

    The loop runs, in one turn, every callback that was ready when the turn began. With a hundred
    clients sending short reads, a turn would run a hundred of them (about 100 ms here), and a request
    that waits on a worker thread (``/readyz``, a miss) waits whole turns for each of its hops: under a
    flood of distinct filtered pages, ``/readyz`` took 5-9 s (``bench.cache flood``). Charged with each
    short read, reset by a callback the first charge of a turn schedules (it runs in the next turn)."""

    __slots__ = ("loop", "pending", "seconds", "spent")

    def __init__(self, seconds: float = LOOP_BUDGET_SECONDS) -> None:
        self.seconds = seconds
        self.spent = 0.0
        self.pending = False
        self.loop: asyncio.AbstractEventLoop | None = None

    def allows(self) -> bool:
        loop = asyncio.get_running_loop()
        if loop is not self.loop:  # the first turn on this loop (tests run one loop after another)
            self.loop, self.spent, self.pending = loop, 0.0, False
        return self.spent < self.seconds

    def charge(self, seconds: float) -> None:
        self.spent += seconds
        if not self.pending and self.loop is not None:
            self.pending = True
            self.loop.call_soon(self._reset)

    def _reset(self) -> None:
        self.spent, self.pending = 0.0, False


@dataclass(frozen=True, slots=True)
class Plan:
    """How to call a route's endpoint without FastAPI's request handling."""

    call: Callable[..., Any]
    is_coroutine: bool
    request_name: str | None
    dependencies: tuple[tuple[str, Dependency], ...]
    short: Callable[[dict[str, Any]], bool] | None


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
    return Plan(
        call,
        inspect.iscoroutinefunction(call),
        dependant.request_param_name,
        tuple(dependencies),
        getattr(call, SHORT_READ, None),
    )


def _by_request(call: Callable[..., Awaitable[Any]], name: str) -> Dependency:
    return lambda request: call(**{name: request})


def _rendered(call: Callable[..., Any], kwargs: dict[str, Any]) -> tuple[Response, bytes | None]:
    """Run a sync endpoint and hash its body (in a worker thread, or on the loop for a short read)."""
    response = call(**kwargs)
    if not isinstance(response, Response):
        raise TypeError(f"{call.__name__} must return a Response to be dispatched")
    return response, make_etag(bytes(response.body)) if response.status_code == 200 else None


class DispatchMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.plans: dict[int, Plan | None] = {}
        """By ``id(route)``: routes are not hashable, and this app's routes live as long as it does."""
        self.budget = LoopBudget()

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
            elif self.budget.allows() and _on_loop(scope, plan, resolved.values):
                started = time.perf_counter()
                try:
                    response, etag = _rendered(plan.call, kwargs)
                finally:
                    self.budget.charge(time.perf_counter() - started)
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


def _on_loop(scope: Scope, plan: Plan, values: dict[str, Any]) -> bool:
    """Whether to run the endpoint on the event loop: a short read, on SQLite, with a connection at once
    (one left for each worker thread that may take one meanwhile)."""
    if plan.short is None or not plan.short(values):
        return False
    state = scope["app"].state
    engine = state.engine
    return bool(engine.dialect.name == "sqlite" and connects_at_once(engine, spare=state.settings.db_threads))


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
