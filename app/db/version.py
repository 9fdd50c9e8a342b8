"""Reading the loaded data set's version on every request, cheaply and without stalling the event loop.

The response cache (``app.api.middleware.representation``) keys ready responses by this version, so it
must be current on every request: a re-seed is then noticed at once and nothing stale is served.

- SQLite: a private read-only connection asks ``PRAGMA data_version``, which changes only when another
  connection commits (a memory read of the WAL index, microseconds); the version row is re-read only then.
  The connection never waits for a lock (timeout 0): a busy or broken database reads as "unknown".
- PostgreSQL: the version row is read in a worker thread on a small engine of its own, so a slow or
  stopped server never blocks the event loop nor takes a connection from the request pool.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

import anyio
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.engine import make_url

from app.db.engine import is_sqlite
from app.db.models import Dataset
from app.settings import Settings

VersionReader = Callable[[], Awaitable[str | None]]

_VERSION_SQL = "SELECT version FROM dataset WHERE id = 1"


class SQLiteVersionReader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.connection: sqlite3.Connection | None = None
        self.data_version: int | None = None
        self.version: str | None = None

    async def __call__(self) -> str | None:
        try:
            return self._read()
        except sqlite3.Error:
            self.close()
            return None

    def _read(self) -> str | None:
        if self.connection is None:
            uri = f"{Path(self.path).resolve().as_uri()}?mode=ro"
            self.connection = sqlite3.connect(
                uri, uri=True, timeout=0, isolation_level=None, check_same_thread=False
            )
        data_version = self.connection.execute("PRAGMA data_version").fetchone()[0]
        if data_version != self.data_version or self.version is None:
            row = self.connection.execute(_VERSION_SQL).fetchone()
            self.version = row[0] if row else None
            self.data_version = data_version
        return self.version

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None
        self.data_version = None
        self.version = None


class ThreadedVersionReader:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.limiter = anyio.CapacityLimiter(2)
        self.statement = select(Dataset.version).where(Dataset.id == 1)

    def _read(self) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(self.statement).scalar_one_or_none()

    async def __call__(self) -> str | None:
        try:
            return await anyio.to_thread.run_sync(partial(self._read), limiter=self.limiter)
        except Exception:  # unreachable database: serve nothing from memory; the app answers 503
            return None


def make_version_reader(settings: Settings) -> VersionReader:
    url = settings.resolved_database_url
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            return SQLiteVersionReader(database)
    engine = create_engine(
        url,
        pool_size=2,
        max_overflow=0,
        pool_timeout=1,
        pool_pre_ping=True,
        connect_args={} if is_sqlite(url) else {"connect_timeout": 2},
    )
    return ThreadedVersionReader(engine)
