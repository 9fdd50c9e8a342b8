"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``TEST_DATABASE_URL`` (default: the local role ``briefing`` that ``.ci/run``
creates). Locally the PostgreSQL half is skipped, loudly, when no server answers; with
``REQUIRE_POSTGRES=1`` (set by ``.ci/run``) an unreachable server is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

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
    """None when reachable, else the reason."""
    try:
        engine = create_engine(_postgres_admin_url(), connect_args={"connect_timeout": 2})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


@pytest.fixture(scope="session")
def postgres_status() -> str | None:
    return _postgres_available()


def pytest_report_header(config: pytest.Config) -> str:
    reason = _postgres_available()
    if reason is None:
        return f"PostgreSQL: {make_url(_postgres_admin_url()).render_as_string(hide_password=True)}"
    return f"PostgreSQL: NOT AVAILABLE, its half of the suite is skipped ({reason})"


@dataclass
class Database:
    """A fresh, migrated database on one backend."""

    backend: str
    settings: Settings

    def engine(self, *, read_only: bool = False) -> Engine:
        return make_engine(self.settings, read_only=read_only)


def _new_database(backend: str, tmp: Path, postgres_status: str | None) -> Iterator[Database]:
    if backend == "sqlite":
        yield Database("sqlite", Settings(data_dir=tmp, seeds_dir=SEEDS_DIR, log_json=False))
        return
    admin = create_engine(postgres_url_or_skip(postgres_status), isolation_level="AUTOCOMMIT")
    name = f"briefing_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
    try:
        settings = Settings(database_url=url, data_dir=tmp, seeds_dir=SEEDS_DIR, log_json=False)
        yield Database("postgresql", settings)
    finally:
        drop_database(admin, name)
        admin.dispose()


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


@pytest.fixture
def seeded_db(empty_db: Database) -> Database:
    """A fresh database, migrated and seeded (per test: for tests that change it)."""
    migrate.upgrade(empty_db.settings)
    engine = empty_db.engine()
    seed(engine, SEEDS_DIR)
    engine.dispose()
    return empty_db


@pytest.fixture(scope="session", params=BACKENDS)
def shared_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, postgres_status: str | None
) -> Iterator[Database]:
    """One seeded database per backend for the whole session; tests must not change it."""
    for database in _new_database(request.param, tmp_path_factory.mktemp(request.param), postgres_status):
        migrate.upgrade(database.settings)
        engine = database.engine()
        seed(engine, SEEDS_DIR)
        engine.dispose()
        yield database


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def make_client(settings: Settings) -> httpx.AsyncClient:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture(scope="session")
def client(shared_db: Database) -> httpx.AsyncClient:
    """An HTTP client on the app over the shared seeded database (SQLite and PostgreSQL)."""
    return make_client(shared_db.settings)


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
