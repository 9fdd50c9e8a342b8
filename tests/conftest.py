"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``TEST_DATABASE_URL`` (default: the local role ``briefing`` that ``.ci/run``
creates). Locally the PostgreSQL half is skipped, loudly, when no server answers; with
``REQUIRE_POSTGRES=1`` (set by ``.ci/run``) an unreachable server is an error, never a skip.

Databases: ``empty_db`` is a fresh, unmigrated database per test; ``seeded_db`` a fresh migrated and seeded
one per test (a test may change it); ``shared_db`` one seeded database per backend for the session (tests
must not change it), with ``client`` on it. Migrating and seeding happen once per backend and session, into
a template: every seeded database is a copy of it (PostgreSQL: ``CREATE DATABASE ... TEMPLATE``; SQLite:
the SQLite backup API), which is the same database as a migration and a seed would make.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.db import migrate
from app.db.collections import COLLECTIONS as COLLECTION_SPECS
from app.db.engine import make_engine
from app.main import create_app
from app.seed.load import seed
from app.settings import PROJECT_ROOT, Settings

DEFAULT_PG_URL = "postgresql+psycopg://briefing:briefing@127.0.0.1:5432/briefing_test"
SEEDS_DIR = PROJECT_ROOT / "seeds"
BRIEFING_ID = "why-peace-talks-fail"
COLLECTIONS = [spec.name for spec in COLLECTION_SPECS]
"""The twelve collections of the API, in their declaration order."""
DOCUMENT_ID = "peace-talks-analysis-2025-06-12"


def _postgres_admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL)


def _postgres_available() -> str | None:
    """None when reachable, else the reason. Under ``REQUIRE_POSTGRES=1`` a server that is down is waited
    for (15 s): the machine's server is shared, and one restart must not turn half the suite into errors."""
    deadline = time.monotonic() + (15 if os.environ.get("REQUIRE_POSTGRES") == "1" else 0)
    while True:
        try:
            engine = create_engine(_postgres_admin_url(), connect_args={"connect_timeout": 2})
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
            return None
        except Exception as exc:
            if time.monotonic() > deadline:
                return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            time.sleep(1)


@pytest.fixture(scope="session")
def postgres_status() -> str | None:
    return _postgres_available()


def pytest_report_header(config: pytest.Config) -> str:
    reason = _postgres_available()
    if reason is None:
        return f"PostgreSQL: {make_url(_postgres_admin_url()).render_as_string(hide_password=True)}"
    return f"PostgreSQL: NOT AVAILABLE, its half of the suite is skipped ({reason})"


SLOWEST_FIRST = (
    "tests/api/test_schemathesis.py",
    "tests/db/test_query_plans_postgres.py",
    "tests/api/test_cache.py",
    "tests/frontend/test_reader_browser.py",
    "tests/seed/test_seed_defects.py",
    "tests/frontend/test_typescript_client.py",
    "tests/test_reliability.py",
    "tests/test_protocol.py",
    "tests/test_cli.py",
    "tests/api/test_export.py",
    "tests/api/test_pagination.py",
    "tests/api/test_collections.py",
    "tests/seed/test_synth.py",
    "tests/db/test_migrations.py",
    "tests/api/test_search.py",
    "tests/db/test_query_plans.py",
    "tests/api/test_search_parity.py",
)
"""The modules that take longest (measured with ``--durations``), longest first. ``make pytest`` deals whole
modules to its two workers in collection order (``--no-loadscope-reorder``): dealing the longest first lets
the many short ones fill in around them, so both workers finish together instead of one running a long
module alone at the end (xdist's own order, most tests first, put the one-test Schemathesis runs last).
The first nine keep the order in which ``tests/test_protocol.py`` (its ``/healthz`` latency under a flood
is timed) runs beside the light CLI tests, never beside Schemathesis; the 4-9 s modules follow them, so that
what is left at the end takes 4 s or less."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    missing = [path for path in SLOWEST_FIRST if not (PROJECT_ROOT / path).is_file()]
    if missing:
        raise pytest.UsageError(f"SLOWEST_FIRST names modules that do not exist: {missing}")
    rank = {path: i for i, path in enumerate(SLOWEST_FIRST)}
    # A stable sort: the order within a module and among the other modules is kept.
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


@dataclass
class Database:
    """A fresh, migrated database on one backend."""

    backend: str
    settings: Settings

    def engine(self, *, read_only: bool = False) -> Engine:
        return make_engine(self.settings, read_only=read_only)


def _pg_database_url(name: str) -> str:
    return make_url(_postgres_admin_url()).set(database=name).render_as_string(hide_password=False)


QUIET = {"log_json": False, "log_level": "WARNING"}
"""The tests' log settings: an access line per request costs more than a cached request does, and the suite
makes tens of thousands; the tests of the log lines ask for ``INFO`` themselves."""


def _settings(backend: str, tmp: Path, name: str | None = None) -> Settings:
    if backend == "sqlite":
        return Settings(data_dir=tmp, seeds_dir=SEEDS_DIR, **QUIET)
    assert name is not None
    return Settings(database_url=_pg_database_url(name), data_dir=tmp, seeds_dir=SEEDS_DIR, **QUIET)


class _Dropper:
    """Drops scratch databases in a thread of its own, off the tests' clock: a ``DROP DATABASE`` waits for
    the server to sync (0.5 to 2 s each on this machine), and no test needs to wait for it. Whatever is
    still queued at the end of the session is dropped then (``pytest_sessionfinish``); a failure is
    reported there, as a synchronous drop's would have failed its test."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []

    def drop(self, admin_url: str, name: str) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-database")
        self._pending.append(self._pool.submit(self._drop, admin_url, name))

    @staticmethod
    def _drop(admin_url: str, name: str) -> None:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            drop_database(admin, name)
        finally:
            admin.dispose()

    def finish(self) -> list[str]:
        """Wait for every queued drop; the errors of those that failed."""
        errors = [f"{type(exc).__name__}: {exc}" for f in self._pending if (exc := f.exception()) is not None]
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        return errors


_DROPPER = _Dropper()
drop_in_background = _DROPPER.drop


def pytest_sessionfinish(session: pytest.Session) -> None:
    errors = _DROPPER.finish()
    if errors:
        session.config.get_terminal_writer().line(f"scratch databases not dropped: {errors}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@contextlib.contextmanager
def _scratch_postgres(postgres_status: str | None, *, template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (empty, or a copy of ``template``), dropped afterwards (in the background,
    ``_Dropper``); yields its name."""
    admin_url = postgres_url_or_skip(postgres_status)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"briefing_t_{uuid.uuid4().hex[:10]}"
    try:
        create = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        for attempt in range(5):  # a template must have no other session: an autovacuum worker may
            try:
                with admin.connect() as connection:
                    connection.execute(text(create))
                break
            except Exception:
                if attempt == 4:
                    raise
                time.sleep(0.5)
    finally:
        admin.dispose()
    try:
        yield name
    finally:
        drop_in_background(admin_url, name)


def _new_database(backend: str, tmp: Path, postgres_status: str | None) -> Iterator[Database]:
    if backend == "sqlite":
        yield Database("sqlite", _settings("sqlite", tmp))
        return
    with _scratch_postgres(postgres_status) as name:
        yield Database("postgresql", _settings("postgresql", tmp, name))


def _migrate_and_seed(database: Database) -> None:
    migrate.upgrade(database.settings)
    engine = database.engine()
    seed(engine, SEEDS_DIR)
    engine.dispose()


class SeededTemplates:
    """One migrated and seeded database per backend, made on first use and kept for the session."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, postgres_status: str | None) -> None:
        self._tmp_path_factory = tmp_path_factory
        self._postgres_status = postgres_status
        self._templates: dict[str, Database] = {}
        self._stack = contextlib.ExitStack()

    def template(self, backend: str) -> Database:
        if backend not in self._templates:
            tmp = self._tmp_path_factory.mktemp(f"template-{backend}")
            if backend == "sqlite":
                database = Database("sqlite", _settings("sqlite", tmp))
            else:
                name = self._stack.enter_context(_scratch_postgres(self._postgres_status))
                database = Database("postgresql", _settings("postgresql", tmp, name))
            _migrate_and_seed(database)
            self._templates[backend] = database
        return self._templates[backend]

    @contextlib.contextmanager
    def copy(self, backend: str, tmp: Path) -> Iterator[Database]:
        """A new database holding exactly what the template holds, dropped (PostgreSQL) afterwards."""
        template = self.template(backend)
        if backend == "sqlite":
            source = sqlite3.connect(template.settings.resolved_database_url.removeprefix("sqlite:///"))
            target = sqlite3.connect(tmp / "briefing.sqlite3")
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
            yield Database("sqlite", _settings("sqlite", tmp))
            return
        template_name = make_url(template.settings.resolved_database_url).database
        with _scratch_postgres(self._postgres_status, template=template_name) as name:
            yield Database("postgresql", _settings("postgresql", tmp, name))

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="session")
def seeded_templates(
    tmp_path_factory: pytest.TempPathFactory, postgres_status: str | None
) -> Iterator[SeededTemplates]:
    templates = SeededTemplates(tmp_path_factory, postgres_status)
    yield templates
    templates.close()


def drop_database(admin: Engine, name: str, attempts: int = 5) -> None:
    """Drop a scratch database; retried because an autovacuum worker may briefly hold it."""
    for attempt in range(attempts):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def empty_db(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_status: str | None
) -> Iterator[Database]:
    """A fresh, unmigrated database (per test)."""
    yield from _new_database(request.param, tmp_path, postgres_status)


@pytest.fixture(params=BACKENDS)
def seeded_db(
    request: pytest.FixtureRequest, tmp_path: Path, seeded_templates: SeededTemplates
) -> Iterator[Database]:
    """A fresh database, migrated and seeded (per test: for tests that change it)."""
    with seeded_templates.copy(request.param, tmp_path) as database:
        yield database


class SharedDatabases:
    """The session's one seeded database per backend (tests must not change it), each with one app and
    client on it, made on first use and kept to the end of the session.

    Kept here rather than in the parametrized ``shared_db`` fixture itself: pytest keeps one parameter of a
    session fixture alive at a time, and tears it down when the next test needs the other one, which the
    modules (each SQLite then PostgreSQL) did about twice per module: a database copied and an app built
    (FastAPI analyses every route again) each time, about 40 s of a run."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, templates: SeededTemplates) -> None:
        self._tmp_path_factory = tmp_path_factory
        self._templates = templates
        self._databases: dict[str, Database] = {}
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._stack = contextlib.ExitStack()

    def database(self, backend: str) -> Database:
        if backend not in self._databases:
            tmp = self._tmp_path_factory.mktemp(backend)
            self._databases[backend] = self._stack.enter_context(self._templates.copy(backend, tmp))
        return self._databases[backend]

    def client(self, backend: str) -> httpx.AsyncClient:
        if backend not in self._clients:
            self._clients[backend] = make_client(self.database(backend).settings)
        return self._clients[backend]

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="session")
def shared_databases(
    tmp_path_factory: pytest.TempPathFactory, seeded_templates: SeededTemplates
) -> Iterator[SharedDatabases]:
    shared = SharedDatabases(tmp_path_factory, seeded_templates)
    yield shared
    shared.close()


@pytest.fixture(scope="session", params=BACKENDS)
def shared_db(request: pytest.FixtureRequest, shared_databases: SharedDatabases) -> Database:
    """One seeded database per backend for the whole session; tests must not change it."""
    return shared_databases.database(request.param)


ONE_BACKEND = pytest.mark.parametrize("shared_db", ["sqlite"], indirect=True)
"""For a test (or a module, as ``pytestmark``) on ``shared_db`` or ``client`` whose subject does not depend on
the database: the HTTP layer's own answers (headers, redirects, Host and CORS checks, gzip, request ids),
parameter validation that refuses a request before any query, static files and docs pages, the response
cache's bookkeeping, log lines. It runs once, on SQLite: on PostgreSQL it would check the same code with
the same bytes again (Schemathesis' replay shows the two backends answer its 3,600 requests alike). Whatever
is answered from the database (lists, filters, search, the briefing, seeding, migrations, query plans,
readiness, the data version) keeps both backends."""


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def make_client(settings: Settings) -> httpx.AsyncClient:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def settle(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The client once its app knows the data version. SQLite's reader learns it from a watcher thread
    just after the first request; the server's start-up waits for that, these test clients do not start,
    so a test that asserts on the version (or on a cache hit keyed by it) settles first."""
    for _ in range(500):
        if "x-data-version" in (await client.get("/readyz")).headers:
            break
        await anyio.sleep(0.01)
    return client


@pytest.fixture(scope="session")
def client(shared_db: Database, shared_databases: SharedDatabases) -> httpx.AsyncClient:
    """An HTTP client on the app over the shared seeded database (SQLite and PostgreSQL)."""
    return shared_databases.client(shared_db.backend)


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of seeds/ that a test may break."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, target)
    return target


def postgres_url_or_skip(postgres_status: str | None) -> str:
    """The PostgreSQL admin URL, or skip (fail under ``REQUIRE_POSTGRES=1``) when unreachable."""
    if postgres_status is not None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES=1) but unreachable: {postgres_status}")
        pytest.skip(f"PostgreSQL unreachable: {postgres_status}")
    return _postgres_admin_url()
