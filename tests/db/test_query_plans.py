"""The API's queries use indexes at scale: ``EXPLAIN QUERY PLAN`` of the SQL each endpoint really runs.

A 5,000-row synthetic SQLite data set is built once for the module (about 1 s). SQLite's planner has no
statistics here (the data set is never ANALYZEd), so its plans do not change with the row count: every one
of the 53 distinct statements these URLs run (IN lists of any length counted as one) was compared at 5,000
and at 100,000 rows, the size these tests used before, and all 53 plans were identical. Below 5,000 rows the
deep-page URLs run out of pages. Requests go through the app (response cache off); a
``before_cursor_execute`` listener captures every SELECT with its parameters, and SQLite explains each one.
A plan may ``SEARCH`` or ``SCAN ... USING [COVERING] INDEX`` (an ordered index walk) but must never ``SCAN``
a table bare.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from app.db.models import Base
from app.main import create_app
from app.seed.synth import write_synthetic
from app.settings import Settings

ROWS = 5_000
PARTY = "party-2"
"""A party with positions, rounds, mediators and people at ``ROWS`` (party-7 has no mediators at 5,000)."""
TABLES = frozenset(Base.metadata.tables)


def get_ok(app: Any, url: str) -> httpx.Response:
    """GET ``url`` from the app in-process; it must answer 200 (shared with the PostgreSQL half)."""

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get(url)

    response = asyncio.run(fetch())
    assert response.status_code == 200, (url, response.text[:300])
    return response


@dataclass
class Probe:
    """The app on the synthetic database, and the statements its last request ran."""

    database: Path
    app: Any
    captured: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def get(self, url: str) -> httpx.Response:
        self.captured.clear()
        return get_ok(self.app, url)

    def plans(self, url: str) -> list[tuple[str, list[str]]]:
        """Every data SELECT the request for ``url`` ran, with its query plan's lines."""
        self.get(url)
        statements = [
            (sql, params)
            for sql, params in self.captured
            if sql.lstrip().upper().startswith(("SELECT", "WITH")) and "FROM dataset" not in sql
        ]
        assert statements, f"{url} ran no SELECT"
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
        try:
            return [
                (sql, [row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql, params)])
                for sql, params in statements
            ]
        finally:
            connection.close()


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    database = tmp_path_factory.mktemp("plans") / "synthetic.sqlite3"
    write_synthetic(rows=ROWS, out=database, random_seed=20250612)
    settings = Settings(
        database_url=f"sqlite:///{database}", response_cache_entries=0, log_json=False, log_level="WARNING"
    )
    app = create_app(settings)
    probe = Probe(database, app)

    @event.listens_for(app.state.engine, "before_cursor_execute")
    def _capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        probe.captured.append((statement, tuple(parameters or ())))

    yield probe
    app.state.engine.dispose()


_BARE_SCAN = re.compile(r"^SCAN (\w+)(?: AS \w+)?$")


def bare_scans(plan: list[str]) -> list[str]:
    """Plan lines that read a whole stored table without an index (not FTS, not a materialised subquery)."""
    return [line for line in plan if (m := _BARE_SCAN.match(line.strip())) and m.group(1) in TABLES]


def _next(probe: Probe, url: str, pages: int) -> str:
    """The URL of the page ``pages`` pages after ``url``'s first page."""
    for _ in range(pages):
        cursor = probe.get(url).json()["next_cursor"]
        assert cursor, url
        base = url.split("&cursor=")[0]
        url = f"{base}{'&' if '?' in base else '?'}cursor={cursor}"
    return url


def api_urls(*, rows: int, topic: str, party: str = "party-7", position: int = 4242) -> tuple[str, ...]:
    """The URLs whose queries the plan tests examine (shared with the PostgreSQL half)."""
    urls = (
        "/v1/positions?party=party-7&limit=50",
        "/v1/positions?topic=territory&limit=50",
        f"/v1/positions?topic={topic}",
        "/v1/positions?round=round-3",
        "/v1/positions?kind=demand",
        "/v1/positions",
        "/v1/rounds?status=collapsed",
        "/v1/rounds?party=party-7",
        "/v1/rounds?format=direct&sort=-date",
        "/v1/rounds?from=2020&to=2021",
        "/v1/events",
        "/v1/events?sort=-date",
        "/v1/events?kind=talks",
        "/v1/events?from=2022-03&to=2022-04",
        "/v1/barriers?category=structural",
        "/v1/barriers?topic=sanctions",
        "/v1/mediators?party=party-7",
        "/v1/mediators?role=mediator",
        "/v1/people?party=party-7",
        "/v1/parties?kind=state",
        "/v1/documents",
        "/v1/briefings",
        "/v1/sources",
        "/v1/topics",
        "/v1/implications",
        "/v1/search?q=ceasefire&limit=20",
        "/v1/search?q=neutrality%20guarantees&type=positions&limit=20",
        "/v1/briefings/synthetic-briefing-3",
        f"/v1/positions/position-{position}",
        f"/v1/events/event-{rows - 1}",
        "/v1/documents/synthetic-document-5",
        # Issue 10: the same filters everywhere, comma lists, q within a collection, referenced_by,
        # totals and facets under a filter.
        *FILTER_URLS,
    )
    return tuple(url.replace("party-7", party) for url in urls)


FILTER_URLS = (
    "/v1/rounds?topic=territory",
    "/v1/rounds?briefing=synthetic-briefing-3",
    "/v1/positions?briefing=synthetic-briefing-3",
    "/v1/positions?kind=demand,red_line&party=party-7,party-8",
    "/v1/positions?holder=leaders",
    "/v1/positions?q=ceasefire",
    "/v1/mediators?topic=territory",
    "/v1/mediators?briefing=synthetic-briefing-3",
    "/v1/barriers?party=party-7",
    "/v1/barriers?briefing=synthetic-briefing-3",
    "/v1/implications?party=party-7",
    "/v1/implications?topic=territory",
    "/v1/events?party=party-7",
    "/v1/events?briefing=synthetic-briefing-3",
    "/v1/events?kind=talks,war&from=2022",
    "/v1/events?date_precision=month",
    "/v1/rounds?date_precision=month",
    "/v1/parties/party-7",
    "/v1/topics/territory",
    "/v1/positions?party=party-7&count=true",
    "/v1/positions?party=party-7&facet=kind,topic,round&count=true",
    "/v1/events?party=party-7&facet=kind,party,date_precision&count=true",
    "/v1/rounds?topic=territory&facet=status,party&count=true",
)


LIST_URLS = api_urls(rows=ROWS, topic="accountability", party=PARTY, position=ROWS // 2)


@pytest.mark.parametrize("url", LIST_URLS)
def test_no_bare_table_scan(probe: Probe, url: str) -> None:
    for sql, plan in probe.plans(url):
        assert not bare_scans(plan), f"{url}: full table scan\n{sql}\n" + "\n".join(plan)


@pytest.mark.parametrize(
    ("url", "pages"),
    [
        ("/v1/events?limit=50", 40),
        ("/v1/events?sort=-date&limit=50", 40),
        (f"/v1/positions?party={PARTY}&limit=20", 3),
        ("/v1/positions?limit=200", 20),
        ("/v1/search?q=ceasefire&limit=20", 5),
    ],
)
def test_cursor_pages_seek_with_an_index(probe: Probe, url: str, pages: int) -> None:
    deep = _next(probe, url, pages)
    assert "cursor=" in deep
    plans = probe.plans(deep)
    for sql, plan in plans:
        assert not bare_scans(plan), f"{deep}: full table scan\n{sql}\n" + "\n".join(plan)
    if "/search" not in url:
        # The page query seeks to the cursor's key in the sort index instead of walking from the start.
        page_plan = plans[0][1]
        assert any(line.startswith("SEARCH") for line in page_plan), "\n".join(page_plan)


@pytest.mark.parametrize("url", ["/v1/events?from=2022-03&to=2022-04", "/v1/rounds?from=2020&to=2021"])
def test_date_range_filters_seek(probe: Probe, url: str) -> None:
    page_plan = probe.plans(url)[0][1]
    table = url.split("/")[2].split("?")[0]
    assert not any(line.startswith(f"SCAN {table}") for line in page_plan), "\n".join(page_plan)


@pytest.mark.parametrize(
    "url",
    [
        "/v1/positions?limit=50",
        "/v1/positions?party=party-7&limit=50",
        "/v1/events?kind=talks&sort=-date",
        "/v1/positions/position-4242",
        "/v1/documents/synthetic-document-5",
        "/v1/briefings/synthetic-briefing-3",
    ],
)
def test_a_read_is_one_statement_on_the_read_model(probe: Probe, url: str) -> None:
    """A list page is one keyset statement that brings each row's stored JSON along (a primary-key
    lookup in ``representations``); a detail or a whole briefing is one primary-key read."""
    plans = probe.plans(url)
    assert len(plans) == 1, [sql for sql, _ in plans]
    sql, plan = plans[0]
    assert "representations" in sql
    assert any(line.startswith("SEARCH representations USING PRIMARY KEY") for line in plan), "\n".join(plan)
    assert not bare_scans(plan), "\n".join(plan)
