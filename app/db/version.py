"""Reading the loaded data set's version on every request, cheaply and without stalling the event loop.

The response cache (``app.api.middleware.representation``) keys ready responses by this version, so it
must be current on every request: a re-seed is then noticed at once and nothing stale is served.

- SQLite: a private read-only connection asks ``PRAGMA data_version``, which changes only when another
  connection commits (a memory read of the WAL index, microseconds); the version row is re-read only then.
  The connection never waits for a lock (timeout 0): a busy or broken database reads as "unknown". If the
  database file is replaced (a new inode), the reader reconnects and tells the serving engine to drop its
  pooled connections to the old file.
- PostgreSQL: the version row is read in a worker thread on a small engine of its own, with short
  statement and lock timeouts and an overall deadline, so a slow, locked or stopped server never blocks the
  event loop nor takes a connection from the request pool.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.engine import make_url

from app.db.engine import is_sqlite
from app.db.models import Dataset
from app.settings import Settings

VersionReader = Callable[[], Awaitable[str | None]]

_VERSION_SQL = "SELECT version FROM dataset WHERE id = 1"
PG_DEADLINE_SECONDS = 1.0
FILE_CHECK_SECONDS = 1.0


class SQLiteVersionReader:
    def __init__(self, path: str, *, on_file_replaced: Callable[[], None] | None = None) -> None:
        self.path = Path(path).resolve()
        self.on_file_replaced = on_file_replaced
        self.lock = threading.Lock()  # an app may serve from more than one event loop (tests do)
        self.connection: sqlite3.Connection | None = None
        self.inode: tuple[int, int] | None = None
        self.next_stat = 0.0
        self.state: tuple[int, str | None] | None = None  # (data_version, version), replaced as one

    async def __call__(self) -> str | None:
        with self.lock:
            try:
                return self._read()
            except (sqlite3.Error, OSError):
                self._close()
                return None

    def _read(self) -> str | None:
        connection = self.connection
        now = time.monotonic()
        inode = self.inode
        if connection is None or now >= self.next_stat:  # a replaced file is noticed within a second
            stat = os.stat(self.path)
            inode = (stat.st_dev, stat.st_ino)
            self.next_stat = now + FILE_CHECK_SECONDS
        if connection is not None and inode != self.inode:
            self._close()
            connection = None
            if self.on_file_replaced is not None:
                self.on_file_replaced()
        if connection is None:
            connection = sqlite3.connect(
                f"{self.path.as_uri()}?mode=ro",
                uri=True,
                timeout=0,
                isolation_level=None,
                check_same_thread=False,
            )
            self.connection, self.inode = connection, inode
        data_version = connection.execute("PRAGMA data_version").fetchone()[0]
        state = self.state
        if state is None or state[0] != data_version:
            row = connection.execute(_VERSION_SQL).fetchone()
            state = (data_version, row[0] if row else None)
            self.state = state
        return state[1]

    def _close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None
        self.inode = None
        self.state = None


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
            with anyio.fail_after(PG_DEADLINE_SECONDS):
                return await anyio.to_thread.run_sync(
                    self._read, limiter=self.limiter, abandon_on_cancel=True
                )
        except Exception:  # unreachable, locked or slow database: serve nothing from memory
            return None


def make_version_reader(settings: Settings, serving_engine: Engine) -> VersionReader:
    url = settings.resolved_database_url
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            return SQLiteVersionReader(database, on_file_replaced=serving_engine.dispose)
        return ThreadedVersionReader(serving_engine)
    engine = create_engine(
        url,
        pool_size=2,
        max_overflow=0,
        pool_timeout=PG_DEADLINE_SECONDS,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": 2,
            "options": "-c statement_timeout=500 -c lock_timeout=200 -c default_transaction_read_only=on",
        },
    )
    return ThreadedVersionReader(engine)
