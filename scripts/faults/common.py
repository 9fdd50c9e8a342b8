"""What every fault check shares: the PASS/FAIL report, timed requests, problem+json recognition, and a
SQLite database locked against readers."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx


@dataclass
class Report:
    results: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.results.append((name, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f"  [{detail}]" if detail else ""), flush=True)
        return ok


@contextmanager
def sqlite_lock(path: Path) -> Iterator[None]:
    """Lock a WAL database against readers, as a misbehaving process holding its locks would.

    In WAL mode a writer never blocks readers (``BEGIN EXCLUSIVE`` does not), and ``locking_mode =
    EXCLUSIVE`` cannot be taken while the server has the database open. So this holds POSIX write locks on
    the WAL index's five read-mark bytes (``-shm`` offsets 123-127, as SQLite's unix VFS uses them): every
    new read transaction then retries for about 10 s and fails with SQLITE_PROTOCOL ("locking protocol").
    """
    fd = os.open(f"{path}-shm", os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 5, 123, os.SEEK_SET)
        yield
    finally:
        os.close(fd)  # closing the descriptor drops the locks


def is_problem(response: httpx.Response, status: int) -> bool:
    return (
        response.status_code == status
        and response.headers.get("content-type", "").startswith("application/problem+json")
        and "Traceback" not in response.text
        and response.json().get("status") == status
    )


def timed_get(client: httpx.Client, path: str) -> tuple[httpx.Response | None, float, str]:
    started = time.monotonic()
    try:
        response = client.get(path)
        return response, time.monotonic() - started, ""
    except httpx.HTTPError as exc:
        return None, time.monotonic() - started, type(exc).__name__


def describe(response: httpx.Response | None, seconds: float, error: str) -> str:
    if response is None:
        return f"{error} after {seconds:.2f}s"
    return f"{response.status_code} in {seconds:.2f}s"
