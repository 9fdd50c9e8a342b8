"""Reliability: SIGKILL during seed, re-seed while reading, overload and time-limit 503s, database outage.

The long-running versions are ``python -m scripts.kill_seed``, ``scripts.faults`` and ``scripts.soak``.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event
from starlette.types import Receive, Scope, Send

from app.api.middleware.limits import LimitsMiddleware
from app.seed.load import seed
from scripts.harness.seed_versions import (
    expected_version,
    make_b_seeds,
    position_summaries,
    version_of_summaries,
)
from scripts.kill_seed import run_all
from tests.conftest import BRIEFING_ID, SEEDS_DIR, Database, make_client

pytestmark = pytest.mark.anyio


@pytest.mark.slow
def test_sigkill_during_seed_leaves_old_or_new_version(seeded_db: Database, tmp_path: Path) -> None:
    """One ``briefing seed`` killed inside its write transaction (0.1 s at most after its BEGIN; the
    transaction takes 0.2 to 0.6 s here), then a complete one. Kills timed from launch landed before the
    transaction: the process spends its first second starting and checking the seed files."""
    rng = random.Random(20250612)
    results = run_all(
        runs=1,
        data_dir=seeded_db.settings.data_dir,
        database_url=seeded_db.settings.database_url or None,
        rng=rng,
        max_delay=0.1,
        after_begin=True,
        log=False,
        prepare=False,
    )
    assert [r.phase for r in results] == ["during"], results
    assert [r.after_kill for r in results if r.after_kill not in {"old", "new"}] == []
    assert all(r.completed for r in results), [r.completion_problems for r in results]


@pytest.mark.slow
async def test_reseed_while_reading_never_mixes_versions(seeded_db: Database, tmp_path: Path) -> None:
    b_dir = make_b_seeds(tmp_path / "seeds-b")
    position_ids = set(expected_version("A", SEEDS_DIR).summaries)
    seen: Counter[str] = Counter()
    done = threading.Event()

    def reseed() -> None:
        engine = seeded_db.engine()
        try:
            for i in range(4):
                seed(engine, b_dir if i % 2 == 0 else SEEDS_DIR)
                time.sleep(0.05)
        finally:
            engine.dispose()
            done.set()

    writer = threading.Thread(target=reseed)
    async with make_client(seeded_db.settings) as client:
        writer.start()
        while not done.is_set():
            for path in ("/v1/positions?limit=200", f"/v1/briefings/{BRIEFING_ID}"):
                response = await client.get(path)
                assert response.status_code == 200, response.text
                seen[version_of_summaries(position_summaries(response.json(), position_ids))] += 1
            await asyncio.sleep(0)
        writer.join(30)
        final = await client.get("/v1/positions?limit=200")
    assert seen["mixed"] == 0, seen
    assert seen["empty"] == 0, seen
    assert version_of_summaries(position_summaries(final.json(), position_ids)) == "A"


class SlowApp:
    """An inner ASGI app that takes ``delay`` seconds to answer 200."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(self.delay)
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})


def _client(app: LimitsMiddleware) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_overload_answers_503_with_retry_after_promptly() -> None:
    app = LimitsMiddleware(SlowApp(0.5), max_concurrency=1, timeout=5)
    async with _client(app) as client:
        slow = asyncio.create_task(client.get("/v1/search?q=a"))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        rejected = await client.get("/v1/search?q=b")
        elapsed = time.monotonic() - started
        healthz = await client.get("/healthz")  # exempt from the cap
        readyz = await client.get("/readyz")  # so is readiness: "overloaded" is not "not ready"
        assert (await slow).status_code == 200
    assert rejected.status_code == 503
    assert rejected.headers["retry-after"] == "1"
    assert rejected.headers["content-type"] == "application/problem+json"
    assert rejected.json()["type"].endswith("/overloaded")
    assert elapsed < 0.3
    assert healthz.status_code == 200
    assert readyz.status_code == 200
    assert app.in_flight == 0


async def test_time_limit_answers_503_timeout_problem() -> None:
    app = LimitsMiddleware(SlowApp(2), max_concurrency=10, timeout=0.05)
    async with _client(app) as client:
        started = time.monotonic()
        response = await client.get(f"/v1/briefings/{BRIEFING_ID}")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["type"].endswith("timeout")
    assert response.headers["retry-after"] == "1"
    assert elapsed < 1
    assert app.in_flight == 0


async def test_database_outage_503_healthz_200_and_recovery(seeded_db: Database) -> None:
    """New connections fail (as when the server is down or the file cannot be opened), then come back."""
    async with make_client(seeded_db.settings) as client:
        assert (await client.get("/v1/positions?kind=demand")).status_code == 200
        engine = client._transport.app.state.engine  # type: ignore[attr-defined]
        error = engine.dialect.loaded_dbapi.OperationalError

        def refuse(*args: object, **kwargs: object) -> None:
            raise error("simulated outage: connection refused")

        event.listen(engine, "do_connect", refuse)
        engine.dispose()  # drop pooled connections: the next checkout must connect
        try:
            ready = await client.get("/readyz")
            data = await client.get("/v1/positions?kind=stance")
            health = await client.get("/healthz")
        finally:
            event.remove(engine, "do_connect", refuse)
        recovered_ready = await client.get("/readyz")
        recovered = await client.get("/v1/positions?kind=stance")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("unavailable")
    assert data.status_code == 503
    assert data.headers["content-type"] == "application/problem+json"
    assert data.json()["type"].endswith("database-unavailable")
    assert "Traceback" not in data.text
    assert "simulated" not in data.text
    assert health.status_code == 200
    assert recovered_ready.status_code == 200
    assert recovered.status_code == 200
