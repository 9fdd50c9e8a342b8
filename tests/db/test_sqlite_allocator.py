"""SQLite's memory statistics (``app.db.sqlite_allocator``): off in a server process, which builds its app
before any thread starts; left on wherever turning them off could pull SQLite from under a connection."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.conftest import Database


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_server_process_reads_without_memory_statistics(shared_db: Database) -> None:
    if shared_db.backend != "sqlite":
        pytest.skip("SQLite only")
    settings = shared_db.settings.model_dump_json()
    out = _python(
        f"""
        from app.db.sqlite_allocator import memory_statistics_on
        from app.main import create_app
        from app.settings import Settings
        before = memory_statistics_on()
        create_app(Settings.model_validate_json({settings!r}))
        print(before, memory_statistics_on())
        """
    )
    assert out == "True False"


def test_statistics_stay_on_while_sqlite_may_be_in_use() -> None:
    out = _python(
        """
        import sqlite3, threading
        from app.db.sqlite_allocator import memory_statistics_on, turn_off_memory_statistics
        connection = sqlite3.connect(":memory:")
        open_connection = turn_off_memory_statistics()
        connection.close()
        stop = threading.Event()
        other = threading.Thread(target=stop.wait)
        other.start()
        another_thread = turn_off_memory_statistics()
        stop.set()
        other.join()
        print(open_connection, another_thread, memory_statistics_on(), turn_off_memory_statistics(),
              memory_statistics_on())
        """
    )
    assert out == "False False True True False"
