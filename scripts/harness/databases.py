"""Scratch databases: a fresh PostgreSQL database dropped afterwards, or a temp data dir for SQLite."""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

DEFAULT_PG_URL = "postgresql+psycopg://briefing:briefing@127.0.0.1:5432/briefing_test"


@contextlib.contextmanager
def scratch_postgres(url: str, prefix: str = "briefing_rel") -> Iterator[str]:
    """A fresh database on the server of ``url`` (its role needs CREATEDB), dropped afterwards."""
    # No pool: a connection kept from CREATE would be dead by the DROP if the server restarted meanwhile
    # (scripts.faults check (c) stops and starts it), and the scratch database would be left behind.
    admin = create_engine(
        url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}, poolclass=NullPool
    )
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        for attempt in range(10):  # the server may still be starting up
            try:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except Exception as exc:
                if attempt == 9:
                    print(f"warning: scratch database {name} not dropped: {exc}", file=sys.stderr)
                time.sleep(1)
        admin.dispose()


@contextlib.contextmanager
def scratch_environment(database_url: str | None, prefix: str) -> Iterator[tuple[Path, str | None]]:
    """A temp data dir and, with a PostgreSQL URL, a scratch database on that server."""
    with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as tmp:
        if database_url:
            with scratch_postgres(database_url, prefix=prefix.replace("-", "_")) as url:
                yield Path(tmp), url
        else:
            yield Path(tmp), None


def database_url_of(data_dir: Path, database_url: str | None) -> str:
    """The URL a server with this data dir and (optional) PostgreSQL URL uses."""
    return database_url or f"sqlite:///{data_dir / 'briefing.sqlite3'}"
