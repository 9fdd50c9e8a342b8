"""The response cache as a hostile client meets it: canonical keys, single-flight under a burst of 256,
404s that cannot evict 200s, a byte budget, bodies too large to keep; and RFC 9110 preconditions on JSON.

Renders are counted as SQL statements on the serving engine (the data-version reader has a connection of
its own), on a fresh app per test with its lifespan run, as ``briefing serve`` runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, event

from app.api.middleware.representation import RepresentationMiddleware
from app.api.middleware.response_cache import LRUStore
from app.main import create_app
from tests.conftest import BRIEFING_ID, ONE_BACKEND, Database

pytestmark = pytest.mark.anyio

BURST = 256
MISSING = 300
COLD_URLS = [
    f"/v1/briefings/{BRIEFING_ID}",
    "/v1/positions?limit=20",
    "/v1/positions?party=russia&kind=demand",
    "/v1/parties/russia",
    "/v1/search?q=neutrality",
]


@contextlib.asynccontextmanager
async def serving(database: Database, **overrides: Any) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    app = create_app(database.settings.model_copy(update=overrides))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    async with app.router.lifespan_context(app), client:
        yield client, app


@contextlib.contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def cache_of(app: FastAPI) -> RepresentationMiddleware:
    layer: Any = app.middleware_stack
    while not isinstance(layer, RepresentationMiddleware):
        layer = layer.app
    return layer


@ONE_BACKEND
async def test_equivalent_queries_share_one_entry(shared_db: Database) -> None:
    async with serving(shared_db) as (client, app):
        first = await client.get("/v1/positions?limit=2&party=russia")
        assert first.status_code == 200
        variants = [
            "limit=2&party=russia",
            "party=russia&limit=2",
            "&limit=+2&&party=russia&",
            "limit=2.0&party=russia",
            "limit=%202&party=russia",
            "limit=02&party=%72ussia",
        ]
        with statements(app.state.engine) as seen:
            for query in variants:
                response = await client.get(f"/v1/positions?{query}")
                assert response.status_code == 200, query
                assert response.content == first.content, query
                assert response.headers["etag"] == first.headers["etag"]
                assert response.headers["link"] == first.headers["link"], query
        assert seen == []
        assert first.headers["link"].startswith("</v1/positions?limit=2&party=russia&cursor=")

        default = await client.get("/v1/positions")
        await client.get("/v1/parties/russia")  # its detail counts positions (referenced_by)
        with statements(app.state.engine) as seen:
            for url in ("/v1/positions?limit=50", "/v1/positions?&", "/v1/parties/russia?"):
                assert (await client.get(url)).status_code == 200
            assert (await client.get("/v1/positions?limit=50")).content == default.content
        assert [s for s in seen if "positions" in s] == []
        assert len(cache_of(app).cache.found.entries) == 3


@ONE_BACKEND
async def test_repadded_cursor_is_the_same_entry(shared_db: Database) -> None:
    async with serving(shared_db) as (client, app):
        cursor = (await client.get("/v1/positions?limit=2")).json()["next_cursor"]
        assert len(cursor) % 4, "this cursor needs padding to show the point"
        page = await client.get(f"/v1/positions?limit=2&cursor={cursor}")
        assert page.status_code == 200
        padded = cursor + "=" * (-len(cursor) % 4)
        with statements(app.state.engine) as seen:
            again = await client.get(f"/v1/positions?cursor={padded}&limit=2")
        assert again.status_code == 200
        assert again.content == page.content
        assert seen == []


@ONE_BACKEND
async def test_invalid_queries_are_answered_and_never_kept(shared_db: Database) -> None:
    async with serving(shared_db) as (client, app):
        for url in ("/v1/positions?limit=0", "/v1/positions?nope=1", "/v1/positions?limit=5&limit=6"):
            assert (await client.get(url)).status_code in {400, 422}, url
            assert (await client.get(url)).status_code in {400, 422}, url
        assert cache_of(app).cache.found.entries == {}


async def test_a_burst_on_a_cold_url_is_one_render(shared_db: Database) -> None:
    """Each cold URL in turn takes a burst of ``BURST`` on one app (each URL is an entry of its own, and a
    render runs the same statements whichever URLs were rendered before it): two apps per backend rather
    than two per URL, each of which costs more to build than its burst does to serve."""
    expected: dict[str, tuple[bytes, int]] = {}
    async with serving(shared_db, response_cache_entries=0) as (client, app):
        for url in COLD_URLS:
            with statements(app.state.engine) as one_render:
                response = await client.get(url)
            assert response.status_code == 200, url
            expected[url] = (response.content, len(one_render))
    # A concurrency limit of 2: the requests waiting for the one render do not count against it.
    async with serving(shared_db, max_concurrency=2) as (client, app):
        for url in COLD_URLS:
            with statements(app.state.engine) as seen:
                responses = await asyncio.gather(*(client.get(url) for _ in range(BURST)))
            assert [r.status_code for r in responses if r.status_code != 200] == [], url
            assert {r.content for r in responses} == {expected[url][0]}, url
            assert len(seen) == expected[url][1], url


@ONE_BACKEND
async def test_404s_cannot_evict_200s(shared_db: Database) -> None:
    async with serving(shared_db, response_cache_bytes=256 * 1024) as (client, app):
        hot = await client.get("/v1/parties/russia")
        # More 404s than the store of 404s holds by bytes (16 KiB: about 24) and by entries (256).
        for i in range(MISSING):
            assert (await client.get(f"/v1/parties/missing-{i}")).status_code == 404
        cache = cache_of(app).cache
        assert cache.missing.bytes <= cache.missing.max_bytes
        assert cache.missing.max_entries < MISSING
        assert len(cache.missing.entries) < MISSING  # 404s were evicted: the store was full
        with statements(app.state.engine) as seen:
            again = await client.get("/v1/parties/russia")
            missing = await client.get(f"/v1/parties/missing-{MISSING - 1}")
        assert again.content == hot.content
        assert missing.status_code == 404
        assert missing.headers["cache-control"] == "no-store"
        assert seen == []  # both served from memory


@ONE_BACKEND
async def test_the_byte_budget_holds_and_a_hot_url_stays(shared_db: Database) -> None:
    budget = 32 * 1024  # about 40 of these searches' entries: the loop overfills it three times
    searches = 120
    async with serving(shared_db, response_cache_bytes=budget) as (client, app):
        await client.get("/v1/parties/russia")
        cache = cache_of(app).cache
        for i in range(searches):
            for url in (f"/v1/search?q=talks{i}", "/v1/parties/russia"):
                assert (await client.get(url, headers={"Accept-Encoding": "gzip"})).status_code == 200
            assert cache.bytes <= budget
        assert len(cache.found.entries) < searches // 2  # searches were evicted: the budget was reached
        with statements(app.state.engine) as seen:
            await client.get("/v1/parties/russia")
        assert seen == []


@ONE_BACKEND
async def test_a_body_over_the_threshold_is_not_kept(shared_db: Database) -> None:
    async with serving(shared_db, response_cache_bytes=64 * 1024) as (client, app):
        url = f"/v1/briefings/{BRIEFING_ID}"
        first = await client.get(url)
        assert len(first.content) > 64 * 1024 // 16
        with statements(app.state.engine) as seen:
            second = await client.get(url)
        assert second.content == first.content
        assert seen != []
        assert cache_of(app).cache.found.entries == {}


def test_lru_store_counts_bytes_and_entries() -> None:
    class Body:
        def __init__(self, size: int) -> None:
            self.size = size

        def cost(self) -> int:
            return self.size

    store: LRUStore[Body] = LRUStore(max_bytes=3 * 1512, max_entries=10)
    for name in "abc":
        assert store.put((name, "", "v"), Body(1000))
    assert store.get(("a", "", "v")) is not None  # a is now the most recent
    assert store.put(("d", "", "v"), Body(1000))
    assert [k[0] for k in store.entries] == ["c", "a", "d"]
    assert store.bytes == 3 * 1512
    assert not store.put(("huge", "", "v"), Body(10_000))


@pytest.mark.parametrize("cached", [False, True])
@ONE_BACKEND
async def test_preconditions_on_json(shared_db: Database, cached: bool) -> None:
    url = f"/v1/briefings/{BRIEFING_ID}"
    async with serving(shared_db, response_cache_entries=2048 if cached else 0) as (client, _):
        full = await client.get(url)
        etag = full.headers["etag"]
        for _ in range(2):  # cold and warm alike
            refused = await client.get(url, headers={"If-Match": '"nope"'})
            assert refused.status_code == 412
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["type"].endswith("/precondition-failed")
            # A weak ETag never passes the strong comparison If-Match requires (RFC 9110 §13.1.1).
            assert (await client.get(url, headers={"If-Match": etag})).status_code == 412
            assert (await client.get(url, headers={"If-Match": "*"})).content == full.content
            ranged = await client.get(url, headers={"Range": "bytes=0-9"})
            assert ranged.status_code == 200
            assert ranged.content == full.content
            stale = await client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
            assert stale.status_code == 200
            assert stale.content == full.content
        missing = await client.get("/v1/parties/atlantis", headers={"If-Match": '"nope"'})
        assert missing.status_code == 404  # preconditions only apply to what would be a 2xx


async def test_readiness_is_checked_at_most_once_a_second(shared_db: Database) -> None:
    async with serving(shared_db) as (client, app):
        with statements(app.state.engine) as seen:
            answers = await asyncio.gather(*(client.get("/readyz") for _ in range(20)))
        assert {r.status_code for r in answers} == {200}
        checked = len(seen)
        assert checked > 0
        with statements(app.state.engine) as seen:
            assert (await client.get("/readyz")).json()["status"] == "ready"
        assert seen == []  # reused: the data version has not changed
        app.state.readiness.last = (0.0, app.state.readiness.last[1])  # as if a second had passed
        with statements(app.state.engine) as seen:
            assert (await client.get("/readyz")).status_code == 200
        assert len(seen) == checked
