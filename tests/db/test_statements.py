"""The compiled-statement path (``app.db.statements``) as the database driver sees it, on SQLite and
PostgreSQL: an uncached list page, a filtered one and a page after a cursor each run one statement, on the
driver's cursor (SQLAlchemy executes nothing), and answer the same bytes as SQLAlchemy's own execution.

The query-plan and render-counting tests watch SQLAlchemy's executions, and a listener on those sends every
statement through SQLAlchemy instead (``statements._watched``): they never see this path. Here the
statements are recorded below SQLAlchemy: SQLite's trace callback (which also shows ``BEGIN``), and on
PostgreSQL a cursor class that notes what it executes (its driver begins transactions by itself).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, event

from app.main import create_app
from app.seed.load import seed
from tests.conftest import Database

pytestmark = pytest.mark.anyio

TRANSACTION = {"BEGIN", "ROLLBACK", "COMMIT"}


@contextlib.asynccontextmanager
async def uncached(database: Database) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    app = create_app(database.settings.model_copy(update={"response_cache_entries": 0}))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield client, app


def _recording_cursor(seen: list[str]) -> type:
    import psycopg

    class Recording(psycopg.Cursor[Any]):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            seen.append(str(query))
            return super().execute(query, params, **kwargs)

    return Recording


@contextlib.contextmanager
def driver_statements(engine: Engine) -> Iterator[list[str]]:
    """Each statement the request connections' driver runs, as it sees it (pool events only: no
    listener on executions)."""
    seen: list[str] = []
    sqlite = engine.dialect.name == "sqlite"

    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if sqlite:
            dbapi_connection.set_trace_callback(seen.append)
        else:
            dbapi_connection.cursor_factory = _recording_cursor(seen)

    def on_checkin(dbapi_connection: Any, _record: Any) -> None:
        if sqlite:
            dbapi_connection.set_trace_callback(None)
        else:
            import psycopg

            dbapi_connection.cursor_factory = psycopg.Cursor

    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "checkin", on_checkin)
    try:
        yield seen
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "checkin", on_checkin)


@contextlib.contextmanager
def sqlalchemy_executions(engine: Engine) -> Iterator[list[str]]:
    """Statements SQLAlchemy executes itself (``after_execute`` does not turn the compiled path off)."""
    seen: list[str] = []

    def record(_connection: Any, statement: Any, *_args: Any) -> None:
        seen.append(str(statement))

    event.listen(engine, "after_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "after_execute", record)


@contextlib.contextmanager
def through_sqlalchemy(engine: Engine) -> Iterator[None]:
    """A listener on cursor executions: ``app.db.statements`` then runs everything through SQLAlchemy."""

    def watch(*_args: Any) -> None:
        return None

    event.listen(engine, "before_cursor_execute", watch)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", watch)


async def test_list_pages_run_one_statement_on_the_driver(shared_db: Database) -> None:
    async with uncached(shared_db) as (client, app):
        engine: Engine = app.state.engine
        first = await client.get("/v1/positions?limit=2")
        cursor = first.json()["next_cursor"]
        assert cursor
        urls = [
            "/v1/positions?limit=2",
            "/v1/positions?kind=demand&limit=2&party=russia",  # two filters, one an IN on a link table
            f"/v1/positions?cursor={cursor}&limit=2",  # the keyset seek
        ]
        for url in urls:
            with through_sqlalchemy(engine):
                expected = await client.get(url)
            assert expected.status_code == 200, url
            assert len(expected.json()["items"]) == 2, url
            for _ in range(2):  # the first compiles the statement, the second reuses it
                with sqlalchemy_executions(engine) as executed, driver_statements(engine) as driven:
                    response = await client.get(url)
                assert response.status_code == 200, url
                assert response.content == expected.content, url
                assert response.headers.get("link") == expected.headers.get("link"), url
                assert executed == [], (url, executed)
                data = [sql for sql in driven if sql.strip().upper() not in TRANSACTION]
                assert len(data) == 1, (url, driven)
                assert data[0].lstrip().upper().startswith("SELECT"), (url, driven)
                assert "positions" in data[0], (url, driven)
                if engine.dialect.name == "sqlite":
                    assert [sql for sql in driven if sql.strip().upper() == "BEGIN"] == ["BEGIN"], driven
                    # the page folded into one row: one hand-over of the GIL, not one per item
                    assert "group_concat(" in data[0], data[0]
                    assert "json_group_array(" in data[0], data[0]


def test_a_folded_page_is_put_back_in_its_order() -> None:
    """SQLite may feed an aggregate its rows in any order: unfolding sorts them as the page's ORDER BY
    does (nulls first ascending, last descending; ties broken by id) and reads each key as its column's
    type."""
    import datetime as dt
    import random

    from sqlalchemy import Date, create_engine

    from app.db.listing import SortKey, _unfold

    rows = [(None, "b"), (None, "c"), ("2025-03-01", "a"), ("2025-03-01", "d"), ("2025-06-12", "a")]
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    bodies = [f'{{"id":"{item_id}","at":{key!r}}}'.encode() for key, item_id in shuffled]
    folded = (
        b",".join(bodies),
        ",".join(str(len(body)) for body in bodies),
        json.dumps([key for key, _ in shuffled]),
        json.dumps([item_id for _, item_id in shuffled]),
    )
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        for descending in (False, True):
            unfolded = _unfold(folded, SortKey("date", "date", descending), Date(), connection)
            expected = list(reversed(rows)) if descending else rows
            assert [(item_id) for _, _, item_id in unfolded] == [item_id for _, item_id in expected]
            assert [key for _, key, _ in unfolded] == [
                None if key is None else dt.date.fromisoformat(key) for key, _ in expected
            ]
            by_id = dict(zip([(k, i) for k, i in shuffled], bodies, strict=True))
            assert [body for body, _, _ in unfolded] == [by_id[position] for position in expected]
        assert _unfold((None, None, "[]", "[]"), SortKey("date", "date"), Date(), connection) == []
    engine.dispose()


async def test_counts_and_facets_join_the_pages_transaction(shared_db: Database) -> None:
    """``count=true`` and a filtered facet each add one statement, compiled once per filter values and
    run on the driver like the page's, in the transaction the page's statement began (on SQLite, one
    ``BEGIN``); a facet's labels are joined in, not read by a statement of their own."""
    async with uncached(shared_db) as (client, app):
        engine: Engine = app.state.engine
        url = "/v1/positions?count=true&facet=topic&limit=2&party=russia"
        with through_sqlalchemy(engine):
            expected = await client.get(url)
        assert expected.json()["total"] > 2
        assert expected.json()["facets"]["topic"][0]["label"]
        for _ in range(2):  # the first compiles the statements, the second reuses them
            with sqlalchemy_executions(engine) as executed, driver_statements(engine) as driven:
                response = await client.get(url)
            assert response.content == expected.content
            assert executed == [], executed
            data = [sql for sql in driven if sql.strip().upper() not in TRANSACTION]
            assert len(data) == 3, driven
            assert any("count(*)" in sql.lower() for sql in data), data
            if engine.dialect.name == "sqlite":
                assert [sql for sql in driven if sql.strip().upper() == "BEGIN"] == ["BEGIN"], driven


async def test_a_searched_page_follows_a_reseed_of_its_aliases(seeded_db: Database, seeds_copy: Path) -> None:
    """A ``q`` page's statement holds the search terms its aliases expand to, which come from the data:
    after a re-seed that drops an alias, the same URL runs the new terms, not the compiled statement of the
    old ones."""
    async with uncached(seeded_db) as (client, _app):
        url = "/v1/positions?count=true&q=kiev"
        before = (await client.get(url)).json()
        assert before["total"] > 0  # "kiev" is an alias of Ukraine: it finds what "ukraine" finds
        path = seeds_copy / "parties.yaml"
        text = path.read_text(encoding="utf-8")
        assert '    search_aliases: ["Kiev"]\n' in text
        path.write_text(text.replace('    search_aliases: ["Kiev"]\n', ""), encoding="utf-8")
        engine = seeded_db.engine()
        try:
            assert seed(engine, seeds_copy).changed
        finally:
            engine.dispose()
        after = (await client.get(url)).json()
        assert after["total"] == len(after["items"]) == 0, after  # no text of these items says "Kiev"
        assert (await client.get(url.replace("q=kiev", "q=ukraine"))).json()["total"] == before["total"]


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(shared_db: Database) -> None:
    """An error from the driver's cursor comes out as SQLAlchemy's own class for it (OperationalError for
    a locked or missing table, answered 503 ``database-unavailable``), not as the driver's exception, which
    no handler knows (a 500): ``make faults`` (b) locks the database against readers."""
    from sqlalchemy import column, select, table
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from app.db import statements
    from app.db.engine import make_engine

    engine = make_engine(shared_db.settings, read_only=True)
    missing = select(column("id")).select_from(table("no_such_table"))
    try:
        with engine.connect() as connection, pytest.raises((OperationalError, ProgrammingError)) as raised:
            statements.fetch(connection, ("test", "missing table"), lambda: missing, {})
        assert raised.value.orig is not None
        assert "no_such_table" in str(raised.value.orig)
    finally:
        engine.dispose()
