"""A read that SQLite holds up stalls only its own request: never the event loop, ``/healthz`` included.

Another process holding the WAL index's read-mark locks makes SQLite retry inside the read for about 10 s
(``make faults``, check b). A read run on the event loop (tried in issue 9 for short reads) then froze the
whole worker and escaped the request time limit; in the worker pool it costs one thread, and the time
limit answers the request with a 503."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from tests.conftest import Database, SeededTemplates

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
HOLD_LOCKS = """
import sys
from pathlib import Path
from scripts.faults.common import sqlite_lock
with sqlite_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def sqlite_db(tmp_path: Path, seeded_templates: SeededTemplates) -> Iterator[Database]:
    """A seeded SQLite database of this test's own (the locks are SQLite's)."""
    with seeded_templates.copy("sqlite", tmp_path) as database:
        yield database


async def test_a_read_held_up_by_sqlite_stalls_only_its_request(sqlite_db: Database) -> None:
    path = Path(sqlite_db.settings.resolved_database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode = WAL")  # as `briefing seed` leaves it
    connection.close()
    settings = sqlite_db.settings.model_copy(update={"request_timeout": 1.0, "response_cache_entries": 0})
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        assert (await client.get("/v1/positions?limit=2")).status_code == 200  # the -shm file exists now
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCKS, str(path)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "locked"

            async def timed(url: str, delay: float = 0.0) -> tuple[httpx.Response, float]:
                """The response, and how long after ``delay`` it came (a frozen loop delays the sleep too)."""
                began = time.monotonic()
                await asyncio.sleep(delay)
                response = await client.get(url)
                return response, time.monotonic() - began - delay

            (held, held_for), (health, health_for) = await asyncio.gather(
                timed("/v1/positions?kind=demand&limit=3"), timed("/healthz", delay=0.2)
            )
        finally:
            holder.communicate("", timeout=10)  # closing its stdin ends it, and its locks with it
    assert health.status_code == 200
    assert health_for < 0.5, f"/healthz waited {health_for:.2f}s behind a held-up read"
    assert held.status_code == 503, held.text
    assert held.headers["content-type"] == "application/problem+json"
    assert held.json()["type"].endswith(("/timeout", "/database-unavailable")), held.json()
    assert held_for < 3.0, f"the held-up read was answered after {held_for:.2f}s"
