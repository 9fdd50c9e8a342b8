"""The dispatch layer: a data request whose parameters the representation layer validated is answered by
calling its endpoint directly, with the same status, headers and bytes as FastAPI's own routing gives."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from app.api.middleware.dispatch import DispatchMiddleware, LoopBudget
from app.api.middleware.representation import make_etag
from app.db import filters
from app.db.collections import COLLECTIONS
from app.db.engine import MAX_OVERFLOW, POOL_SIZE
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
        # The in-process transport may run a whole request without the loop taking a turn, so the requests
        # of a test would share one turn's budget of loop time: unbounded here, tested on its own below.
        dispatch_of(app).budget = LoopBudget(float("inf"))
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


@contextlib.contextmanager
def statement_threads(engine: Any) -> Iterator[list[int]]:
    """The threads the engine's statements run in, while the block runs."""
    seen: list[int] = []

    def record(*_: Any) -> None:
        seen.append(threading.get_ident())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


SHORT_READS = [
    "/v1/positions?limit=3",
    "/v1/positions?limit=3&fields=id",
    f"/v1/briefings/{BRIEFING_ID}",
    "/v1/positions?limit=3&party=russia",  # one index range in article order, however many match
    "/v1/events?limit=3&kind=talks&sort=-date",
]
LONGER_READS = [
    "/v1/positions?limit=3&party=russia,ukraine",  # every match of both, then sorted
    "/v1/positions?limit=3&kind=demand&party=russia",  # every position of russia, sifted for demands
    "/v1/positions?limit=3&topic=territory",  # through the link table
    "/v1/events?limit=3&from=2022",  # a date range
    "/v1/positions?limit=3&q=ceasefire",
    "/v1/positions?limit=3&count=true",
    "/v1/positions?limit=3&facet=kind",
    "/v1/parties/russia",  # counts its references
]


async def test_short_reads_run_on_the_event_loop_on_sqlite_only(shared_db: Database) -> None:
    """An unfiltered page or a primary-key read runs on the loop on SQLite (no hop to a worker thread);
    filters, q, counts, facets, a party's reference counts and anything on PostgreSQL run in the pool."""
    async with clients(shared_db, response_cache_entries=0, response_cache_bytes=0) as (whole, _, app):
        first = (await whole.get("/v1/positions?limit=1")).json()["items"][0]["id"]
        loop_thread = threading.get_ident()
        for url in [*SHORT_READS, f"/v1/positions/{first}", *LONGER_READS]:
            with statement_threads(app.state.engine) as threads:
                response = await whole.get(url)
            assert response.status_code == 200, url
            assert threads, url
            short = url not in LONGER_READS and shared_db.backend == "sqlite"
            assert (set(threads) == {loop_thread}) is short, url
            assert loop_thread not in threads or short, url


async def test_a_short_read_waits_for_no_connection(seeded_db: Database) -> None:
    """When the pool could not give a connection at once, even a short read goes to a worker thread: the
    loop never waits for the pool (an export holds its connection across awaits)."""
    if seeded_db.backend != "sqlite":
        pytest.skip("short reads run on the loop on SQLite only")
    async with clients(seeded_db, response_cache_entries=0, response_cache_bytes=0) as (whole, _, app):
        engine, spare = app.state.engine, app.state.settings.db_threads
        held = [engine.connect() for _ in range(POOL_SIZE + MAX_OVERFLOW - spare)]
        try:
            with statement_threads(engine) as threads:
                assert (await whole.get("/v1/positions?limit=3")).status_code == 200
            assert threads
            assert threading.get_ident() not in threads
        finally:
            for connection in held:
                connection.close()
        with statement_threads(engine) as threads:
            assert (await whole.get("/v1/positions?limit=4")).status_code == 200
        assert set(threads) == {threading.get_ident()}


async def test_short_reads_share_a_budget_of_loop_time_per_turn(seeded_db: Database) -> None:
    """A short read runs on the loop only while the loop's turn has budget left: with none, it runs in the
    pool; the next turn has the whole budget again (a flood of short reads cannot hold up the loop)."""
    if seeded_db.backend != "sqlite":
        pytest.skip("short reads run on the loop on SQLite only")
    async with clients(seeded_db, response_cache_entries=0, response_cache_bytes=0) as (whole, _, app):
        layer = dispatch_of(app)
        for budget, on_loop in [(LoopBudget(0.0), False), (LoopBudget(), True)]:
            layer.budget = budget
            with statement_threads(app.state.engine) as threads:
                assert (await whole.get("/v1/positions?limit=3&party=russia")).status_code == 200
            assert threads
            assert (set(threads) == {threading.get_ident()}) is on_loop

    budget = LoopBudget(0.001)
    assert budget.allows()
    budget.charge(0.0006)
    assert budget.allows()
    budget.charge(0.0006)  # the same turn: spent
    assert not budget.allows()
    await asyncio.sleep(0)  # the next turn resets it
    assert budget.allows()
    assert budget.spent == 0.0
    budget.charge(0.002)
    assert not budget.allows()
    await asyncio.sleep(0)
    assert budget.allows()


def seekable() -> list[tuple[str, str, str, str, str]]:
    """Every (collection, sort, filter, its column, example value) that a short read may take with one
    value (the sort empty when it is the collection's default)."""
    return [
        (
            spec.name,
            "" if sort is spec.sorts[0] else sort.name,
            item_filter.name,
            item_filter.where.column,
            item_filter.examples[0],
        )
        for spec in COLLECTIONS
        for sort in spec.sorts
        for item_filter in spec.filters
        if isinstance(item_filter.where, filters.AnyOf) and item_filter.where.seeks(sort.column)
    ]


async def test_a_filtered_short_read_is_one_index_range(shared_db: Database) -> None:
    """What makes a filtered page short on SQLite: its statement, first page and next, reads one index range
    in the sort's order (no temporary sort, no scan), so its work is bounded by the page's limit however many
    items match. The same filter with two values, or beside another filter, must read every match: those
    run in the pool, so a page of the busiest party's positions runs on the loop and its positions about a
    topic do not."""
    if shared_db.backend != "sqlite":
        pytest.skip("short reads run on the loop on SQLite only")
    cases = seekable()
    assert {("positions", "party"), ("events", "kind"), ("people", "party")} <= {
        (c, f) for c, _, f, _, _ in cases
    }
    async with clients(shared_db, response_cache_entries=0, response_cache_bytes=0) as (whole, _, app):
        engine = app.state.engine
        loop_thread = threading.get_ident()
        for collection, sort, name, column, value in cases:
            url = f"/v1/{collection}?limit=1&{name}={value}" + (f"&sort={sort}" if sort else "")
            page = await whole.get(url)
            assert page.status_code == 200, url
            urls = [url]
            if page.json()["next_cursor"]:
                urls.append(f"{url}&cursor={page.json()['next_cursor']}")
            for checked in urls:
                with statements(engine) as seen:
                    assert (await whole.get(checked)).status_code == 200, checked
                assert {thread for thread, _, _ in seen} == {loop_thread}, checked
                [(_, statement, parameters)] = [s for s in seen if "LIMIT" in s[1]]
                with engine.connect() as connection:
                    plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
                steps = [row[3] for row in plan]
                unbounded = [step for step in steps if "TEMP B-TREE" in step or step.startswith("SCAN")]
                assert not unbounded, (checked, steps)
                assert steps[0].startswith(f"SEARCH {collection} USING COVERING INDEX"), (checked, steps)
                assert f"({column}=?" in steps[0], (checked, steps)


@contextlib.contextmanager
def statements(engine: Any) -> Iterator[list[tuple[int, str, Any]]]:
    """The engine's statements (thread, SQL, parameters), while the block runs."""
    seen: list[tuple[int, str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((threading.get_ident(), statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
