"""Reading the loaded data set's version on every request, cheaply and without stalling the event loop.

The response cache (``app.api.middleware.representation``) keys ready responses by this version, so it
must be current on every request: a re-seed is then noticed at once and nothing stale is served.

- SQLite: every commit rewrites the database's files, so a request compares a signature of them (``stat``
  of the database and its ``-wal`` file: inode, size, modification time in ns) with the signature under
  which the version was last read. Equal: no commit since, the version stands. Different: the version is
  unknown for this request (it skips the cache and is answered from the database) and a watcher thread
  re-reads the version row with a private read-only connection. ``stat`` never waits for SQLite's locks,
  so a locked or broken database cannot stall the event loop; only the watcher may wait on it. A replaced
  database file (new inode) also tells the serving engine to drop its pooled connections to the old one.
- PostgreSQL: the version row is read in a worker thread on a small engine of its own, with short
  statement and lock timeouts and an overall deadline, so a slow, locked or stopped server never blocks the
  event loop nor takes a connection from the request pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.engine import make_url

from app.db.engine import is_sqlite
from app.db.models import Dataset
from app.settings import Settings

VersionReader = Callable[[], Awaitable[str | None]]
Signature = tuple[tuple[int, int, int] | None, ...]

_VERSION_SQL = "SELECT version, seeded_at FROM dataset WHERE id = 1"
PG_DEADLINE_SECONDS = 10.0
"""The last resort, for a server that stops answering mid-read: the connect (2 s), statement (0.5 s), lock
(0.2 s) and pool (1 s) timeouts bound every ordinary failure. It is wall time, and an event loop busy with
a burst of requests (one read answers them all) can take seconds to resume the reading task after its
thread is done: a tight deadline there turned a healthy read into "no version" and the burst into
uncached renders."""
IDLE_POLL_SECONDS = 1.0


def as_utc(value: dt.datetime | str) -> dt.datetime:
    """``seeded_at`` as read: SQLite's driver gives the stored text, PostgreSQL's an aware datetime."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(dt.UTC) if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


class LoadTime:
    """When the version a reader last read was loaded: the ``Last-Modified`` of the API's responses."""

    loaded: tuple[str, dt.datetime] | None = None

    def loaded_at(self, version: str) -> dt.datetime | None:
        loaded = self.loaded
        return loaded[1] if loaded is not None and loaded[0] == version else None

    def _remember(self, row: Sequence[Any] | None) -> str | None:
        if row is None:
            return None
        version: str = row[0]
        self.loaded = (version, as_utc(row[1]))
        return version


def _file_state(path: str) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


class SQLiteVersionReader(LoadTime):
    """The version as of the database files' current signature; see the module docstring."""

    def __init__(self, path: str, *, on_file_replaced: Callable[[], None] | None = None) -> None:
        self.path = str(Path(path).resolve())
        self.files = (self.path, self.path + "-wal")
        self.on_file_replaced = on_file_replaced
        self.known: tuple[Signature, str | None] | None = None  # (signature read under, version)
        self.wake = threading.Event()
        self.started = False
        self.start_lock = threading.Lock()

    def signature(self) -> Signature:
        database, wal = self.files
        return (_file_state(database), _file_state(wal))

    async def __call__(self) -> str | None:
        if not self.started:
            self._start()
        known = self.known
        if known is not None and known[0] == self.signature():
            return known[1]
        self.wake.set()  # something was committed (or never read): the watcher looks again
        return None

    def _start(self) -> None:
        with self.start_lock:
            if not self.started:
                threading.Thread(
                    target=_watch, args=(weakref.ref(self), self.wake), name="data-version", daemon=True
                ).start()
                self.started = True


def _watch(reader_ref: weakref.ref[SQLiteVersionReader], wake: threading.Event) -> None:
    """The watcher thread: re-reads the version when woken; it ends with its reader."""
    connection: sqlite3.Connection | None = None
    inode: int | None = None
    while (reader := reader_ref()) is not None:
        try:
            signature = reader.signature()  # taken before the read: a commit after it changes the files
            database = signature[0]
            if database is None:
                raise FileNotFoundError(reader.path)
            if connection is not None and database[0] != inode:
                connection.close()
                connection = None
                if reader.on_file_replaced is not None:
                    reader.on_file_replaced()
            if connection is None:
                uri = f"{Path(reader.path).as_uri()}?mode=ro"
                connection = sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None)
                inode = database[0]
            row = connection.execute(_VERSION_SQL).fetchone()
            reader.known = (signature, reader._remember(row))
        except (sqlite3.Error, OSError):
            reader.known = None
            if connection is not None:
                connection.close()
            connection = None
        del reader  # hold no strong reference while waiting
        wake.wait(IDLE_POLL_SECONDS)
        wake.clear()
    if connection is not None:
        connection.close()


class ThreadedVersionReader(LoadTime):
    """Reads the version row per request, coalesced: a read answers every caller that arrived before it
    started, so a burst of requests costs a read or two, not one each (and no caller gets a read that
    began before it arrived, which could predate a commit it should see)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.limiter = anyio.CapacityLimiter(2)
        self.statement = select(Dataset.version, Dataset.seeded_at).where(Dataset.id == 1)
        self.running: asyncio.Future[str | None] | None = None  # the read under way
        self.next: asyncio.Future[str | None] | None = None  # the read after it, shared by later callers

    def _read(self) -> str | None:
        with self.engine.connect() as connection:
            return self._remember(connection.execute(self.statement).first())

    async def _read_off_loop(self) -> str | None:
        try:
            with anyio.fail_after(PG_DEADLINE_SECONDS):
                return await anyio.to_thread.run_sync(
                    self._read, limiter=self.limiter, abandon_on_cancel=True
                )
        except Exception:  # unreachable, locked or slow database: serve nothing from memory
            return None

    async def __call__(self) -> str | None:
        loop = asyncio.get_running_loop()
        running = self.running
        if running is None or running.done() or running.get_loop() is not loop:
            return await self._lead(loop)
        following = self.next
        if following is not None and not following.done() and following.get_loop() is loop:
            return await asyncio.shield(following)
        self.next = following = loop.create_future()
        version = None
        try:
            with contextlib.suppress(Exception):
                await asyncio.shield(running)
            if self.next is following:
                # Callers from now on arrive after the read below starts: they wait for the one after it.
                self.next = None
            version = await self._lead(loop)
            return version
        finally:
            if self.next is following:
                self.next = None
            if not following.done():
                following.set_result(version)

    async def _lead(self, loop: asyncio.AbstractEventLoop) -> str | None:
        self.running = running = loop.create_future()
        version = None
        try:
            version = await self._read_off_loop()
            return version
        finally:
            if not running.done():
                running.set_result(version)


async def settled_version(reader: VersionReader, *, timeout: float = 2.0) -> str | None:
    """The version once the reader knows it (its watcher may need a moment after start), or None."""
    deadline = time.monotonic() + timeout
    while (version := await reader()) is None and time.monotonic() < deadline:
        await anyio.sleep(0.01)
    return version


def make_version_reader(
    settings: Settings, serving_engine: Engine
) -> SQLiteVersionReader | ThreadedVersionReader:
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
        pool_timeout=1.0,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": 2,
            "options": "-c statement_timeout=500 -c lock_timeout=200 -c default_transaction_read_only=on",
        },
    )
    return ThreadedVersionReader(engine)
