"""The dispatch layer: a data request whose parameters the representation layer validated is answered by
calling its endpoint directly, with the same status, headers and bytes as FastAPI's own routing gives."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.api.middleware.dispatch import DispatchMiddleware
from app.api.middleware.representation import make_etag
from app.db.collections import COLLECTIONS
from app.main import create_app
from tests.conftest import BRIEFING_ID, Database

pytestmark = pytest.mark.anyio


@contextlib.asynccontextmanager
async def clients(
    database: Database, **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, FastAPI]]:
    """A client on the whole app, one on the stack the dispatch layer passes over (FastAPI's own: routing,
    validation, exception handlers), and the app."""
    app = create_app(database.settings.model_copy(update=overrides))

    async def router(scope: Any, receive: Any, send: Any) -> None:
        await dispatch_of(app).app({**scope, "app": app}, receive, send)

    whole = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://testserver"
    )
    routed = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=router, raise_app_exceptions=True),
        base_url="http://testserver",
    )
    async with app.router.lifespan_context(app), whole, routed:
        await whole.get("/healthz")  # builds the middleware stack
        yield whole, routed, app


def dispatch_of(app: FastAPI) -> DispatchMiddleware:
    layer: Any = app.middleware_stack
    while not isinstance(layer, DispatchMiddleware):
        layer = layer.app
    return layer


async def urls(client: httpx.AsyncClient) -> list[str]:
    # Queries in canonical order: the whole app hands the endpoint the canonical form (its Link header
    # says so), the router alone the URL as sent.
    found = [
        f"/v1/briefings/{BRIEFING_ID}",
        "/v1/positions?limit=2&party=russia",
        "/v1/positions?limit=2&cursor=broken",  # a 400 raised by the endpoint
        "/v1/positions/no-such-position",  # a 404 raised by the endpoint
        "/v1/search?limit=3&q=neutrality",
    ]
    for spec in COLLECTIONS:
        page = await client.get(f"/v1/{spec.name}?limit=2")
        found.append(f"/v1/{spec.name}?limit=2")
        if page.json()["next_cursor"]:
            found.append(f"/v1/{spec.name}?limit=2&cursor={page.json()['next_cursor']}")
        if spec.name != "briefings":
            found.append(f"/v1/{spec.name}/{page.json()['items'][0]['id']}")
    return found


@pytest.mark.parametrize("cache_entries", [0, 2048])
async def test_dispatched_answers_equal_routed_ones(shared_db: Database, cache_entries: int) -> None:
    async with clients(shared_db, response_cache_entries=cache_entries) as (whole, routed, app):
        checked = await urls(whole)
        for url in checked:
            mine, theirs = await whole.get(url), await routed.get(url)
            assert (mine.status_code, mine.content) == (theirs.status_code, theirs.content), url
            assert mine.headers["content-type"] == theirs.headers["content-type"], url
            assert mine.headers.get("link") == theirs.headers.get("link"), url
            if mine.status_code == 200:
                assert mine.headers["etag"] == make_etag(mine.content).decode(), url
            else:
                assert mine.headers["content-type"] == "application/problem+json", url
        plans = dispatch_of(app).plans
        # Every data route that was asked for went through the dispatch layer, and could be called directly.
        assert len(plans) >= 2 * len(COLLECTIONS)
        assert all(plan is not None for plan in plans.values())


async def test_a_request_that_does_not_validate_goes_through_the_app(shared_db: Database) -> None:
    async with clients(shared_db) as (whole, _routed, app):
        response = await whole.get("/v1/positions?limit=0")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "limit"
        assert dispatch_of(app).plans == {}
