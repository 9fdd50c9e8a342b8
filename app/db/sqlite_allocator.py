"""SQLite's memory statistics off, so that worker threads reading in parallel do not queue on one mutex.

SQLite counts every allocation it makes in global statistics, under one process-wide mutex, unless it is
configured otherwise before it starts (``SQLITE_CONFIG_MEMSTATUS``). Debian's build (``python:3.11-slim``
and this machine) keeps the counting on and has no lookaside allocator, so every small allocation of every
query takes that mutex: with two threads reading, each read cost 2.3× its CPU time alone, half of it in
the kernel waking waiters (``perf``: ``pthread_mutex_lock``, ``sqlite3StatusUp``); with the counting off,
two threads read at twice the rate of one (``bench/README.md``). Python's ``sqlite3`` offers no way to set
it, so this calls the library the ``sqlite3`` module is linked with.

The setting can only change while SQLite is shut down, and shutting it down under an open connection is
undefined: ``turn_off_memory_statistics`` does it only in a process that has one thread and no SQLite
memory in use (nothing open), as a server worker is before it builds its app. Anywhere else it leaves
SQLite as it is: the statistics cost speed, never correctness.
"""

from __future__ import annotations

import _sqlite3
import ctypes
import threading

SQLITE_OK = 0
SQLITE_CONFIG_MEMSTATUS = 9


def _library() -> ctypes.CDLL | None:
    """The SQLite that Python's ``sqlite3`` uses (linked in, or the shared library it was linked with)."""
    try:
        library = ctypes.CDLL(_sqlite3.__file__)
        library.sqlite3_memory_used.restype = ctypes.c_int64
        library.sqlite3_config.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):  # no dynamic loading, or the symbols are not exported
        return None
    return library


def turn_off_memory_statistics() -> bool:
    """Whether SQLite now runs without memory statistics (False: left as it was; see the module docstring)."""
    library = _library()
    if library is None or threading.active_count() != 1 or library.sqlite3_memory_used() != 0:
        return False
    if library.sqlite3_shutdown() != SQLITE_OK:
        return False
    configured = library.sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK
    return bool(library.sqlite3_initialize() == SQLITE_OK) and configured


def memory_statistics_on() -> bool:
    """Whether SQLite counts its allocations: with counting on, an open connection holds counted memory."""
    import sqlite3

    library = _library()
    if library is None:
        return True
    with sqlite3.connect(":memory:") as connection:
        connection.execute("SELECT 1")
        used = library.sqlite3_memory_used()
    connection.close()
    return bool(used != 0)
