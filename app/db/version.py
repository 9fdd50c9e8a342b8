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
import weakref
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
FAST_POLL_SECONDS = 0.005
IDLE_POLL_SECONDS = 0.25
IDLE_AFTER_SECONDS = 1.0
FRESH_SECONDS = 0.1
"""How old an observation a request may trust. Under load the watcher waits for the GIL (up to the 5 ms
switch interval per call into SQLite), so a poll can take tens of milliseconds; a tighter bound would
send requests past the cache exactly when the server is busiest."""


class SQLiteVersionReader:
    """Watches the version from a thread of its own; requests only read the last observation.

    The watcher polls every ``FAST_POLL_SECONDS`` while requests arrive (every ``IDLE_POLL_SECONDS``
    when idle). A request trusts an observation at most ``FRESH_SECONDS`` old; an older one (idle, or a
    watcher stuck on a locked file) means "unknown": the request skips the cache and is answered from the
    database, and the watcher is woken. So a re-seed is reflected within ``FRESH_SECONDS``, long before
    ``briefing seed`` has even exited, and a locked database never stalls the event loop.
    """

    def __init__(self, path: str, *, on_file_replaced: Callable[[], None] | None = None) -> None:
        self.path = Path(path).resolve()
        self.on_file_replaced = on_file_replaced
        self.observed: tuple[str | None, float] = (None, -1.0)  # (version, monotonic time), one tuple
        self.last_request = 0.0
        self.wake = threading.Event()
        self.started = False
        self.start_lock = threading.Lock()
        _readers.add(self)

    def forget(self) -> None:
        """Drop the last observation: until the watcher looks again, the version is unknown."""
        self.observed = (None, -1.0)
        self.wake.set()

    async def __call__(self) -> str | None:
        now = time.monotonic()
        self.last_request = now
        if not self.started:
            self._start()
        version, observed_at = self.observed
        if now - observed_at <= FRESH_SECONDS:
            return version
        self.wake.set()
        return None

    def _start(self) -> None:
        with self.start_lock:
            if not self.started:
                threading.Thread(
                    target=_watch, args=(weakref.ref(self), self.wake), name="data-version", daemon=True
                ).start()
                self.started = True


_readers: weakref.WeakSet[SQLiteVersionReader] = weakref.WeakSet()


def data_changed_here() -> None:
    """Called by a seed that committed in this process: its readers stop trusting what they saw."""
    for reader in list(_readers):
        reader.forget()


def _watch(reader_ref: weakref.ref[SQLiteVersionReader], wake: threading.Event) -> None:
    """The watcher thread; it ends when its reader is garbage-collected."""
    connection: sqlite3.Connection | None = None
    inode: tuple[int, int] | None = None
    next_stat = 0.0
    known: tuple[int, str | None] | None = None  # (data_version, version)
    while (reader := reader_ref()) is not None:
        now = time.monotonic()
        try:
            if connection is None or now >= next_stat:  # a replaced file is noticed within a second
                stat = os.stat(reader.path)
                if connection is not None and (stat.st_dev, stat.st_ino) != inode:
                    connection.close()
                    connection, known = None, None
                    if reader.on_file_replaced is not None:
                        reader.on_file_replaced()
                inode, next_stat = (stat.st_dev, stat.st_ino), now + FILE_CHECK_SECONDS
            if connection is None:
                uri = f"{reader.path.as_uri()}?mode=ro"
                connection = sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None)
            data_version = connection.execute("PRAGMA data_version").fetchone()[0]
            if known is None or known[0] != data_version:
                row = connection.execute(_VERSION_SQL).fetchone()
                known = (data_version, row[0] if row else None)
            reader.observed = (known[1], time.monotonic())
        except (sqlite3.Error, OSError):
            if connection is not None:
                connection.close()
            connection, known = None, None
        busy = time.monotonic() - reader.last_request < IDLE_AFTER_SECONDS
        del reader  # hold no strong reference while waiting
        wake.wait(FAST_POLL_SECONDS if busy else IDLE_POLL_SECONDS)
        wake.clear()
    if connection is not None:
        connection.close()


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
