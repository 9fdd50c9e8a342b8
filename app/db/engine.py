"""Engines for serving (read-only, snapshot reads) and for seeding, on SQLite or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from app.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 5000


SQLITE_MMAP_BYTES = 1 << 30


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(settings: Settings, *, read_only: bool) -> Engine:
    """An engine on the configured database.

    SQLite: WAL, foreign keys on, a busy timeout, and an explicit ``BEGIN`` so that every statement of a
    request reads one snapshot; a serving engine is also ``query_only``. PostgreSQL: a serving engine reads
    in REPEATABLE READ, read-only transactions with a statement timeout, so a request never sees a re-seed
    half-way and never writes.
    """
    url = settings.resolved_database_url
    if is_sqlite(url):
        return _sqlite_engine(url, settings, read_only=read_only)
    connect_args: dict[str, Any] = {"connect_timeout": 3}
    if read_only:
        timeout_ms = int(settings.request_timeout * 1000)
        connect_args["options"] = f"-c statement_timeout={timeout_ms} -c default_transaction_read_only=on"
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=8,
        max_overflow=8,
        pool_timeout=settings.request_timeout,
        isolation_level="REPEATABLE READ" if read_only else "READ COMMITTED",
        connect_args=connect_args,
    )


def _sqlite_engine(url: str, settings: Settings, *, read_only: bool) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:" and not read_only:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    if read_only and database and database != ":memory:":
        # Open read-only: a missing file is an error (readiness says so), never a new empty database.
        url = f"sqlite:///file:{quote(str(Path(database).resolve()))}?mode=ro&uri=true"
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=8,
        max_overflow=8,
        pool_timeout=settings.request_timeout,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself: pysqlite would not begin before a SELECT.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if not read_only:
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            if read_only:
                cursor.execute("PRAGMA query_only = ON")
                # Reads through a shared memory map rather than a read() per page and a private 2 MB cache
                # per connection: the read model's pages are read by every connection of the pool.
                cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        finally:
            cursor.close()

    begin = "BEGIN IMMEDIATE" if not read_only else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # On the driver's connection: the statement has no parameters and no result, and SQLAlchemy's
        # execution path (events, cursor, result) cost a list page about a tenth of its worker time. A
        # transaction the compiled-statement path began (app.db.statements) is joined, not begun again.
        driver = connection.connection.driver_connection
        if not driver.in_transaction:
            driver.execute(begin)

    return engine
