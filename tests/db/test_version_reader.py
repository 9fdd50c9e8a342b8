"""The coalescing version reader (PostgreSQL, in-memory SQLite): a caller is answered by a read that began
after it arrived, never by one already under way, which could predate a commit it must see."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.db.version import ThreadedVersionReader

pytestmark = pytest.mark.anyio


class ScriptedReader(ThreadedVersionReader):
    """Reads that the test releases one at a time; each returns the version committed when it began."""

    def __init__(self) -> None:
        super().__init__(engine=None)  # type: ignore[arg-type]
        self.committed = "v1"
        self.started: list[asyncio.Event] = []
        self.release: list[asyncio.Event] = []

    async def _read_off_loop(self) -> str | None:
        seen = self.committed
        started, release = asyncio.Event(), asyncio.Event()
        self.started.append(started)
        self.release.append(release)
        started.set()
        await release.wait()
        return seen


async def _until(condition: Any) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the reader did not get there")


async def test_a_caller_never_gets_a_read_that_began_before_it_arrived() -> None:
    reader = ScriptedReader()
    first = asyncio.create_task(reader())  # A leads read 1
    await _until(lambda: len(reader.started) == 1)
    second = asyncio.create_task(reader())  # B arrives during read 1: it waits, then leads read 2
    await asyncio.sleep(0)
    reader.release[0].set()
    await _until(lambda: len(reader.started) == 2)  # read 2 is under way (it sees v1)
    reader.committed = "v2"  # a re-seed commits
    third = asyncio.create_task(reader())  # C arrives after the commit, while read 2 runs
    await asyncio.sleep(0)
    reader.release[1].set()
    await _until(lambda: len(reader.started) == 3)  # C must lead a read of its own
    reader.release[2].set()
    assert await first == "v1"
    assert await second == "v1"
    assert await third == "v2"


async def test_callers_that_arrive_together_share_one_read() -> None:
    reader = ScriptedReader()
    first = asyncio.create_task(reader())
    await _until(lambda: len(reader.started) == 1)
    waiting = [asyncio.create_task(reader()) for _ in range(5)]  # all arrive during read 1
    await asyncio.sleep(0)
    reader.release[0].set()
    await _until(lambda: len(reader.started) == 2)
    reader.release[1].set()
    assert await first == "v1"
    assert await asyncio.gather(*waiting) == ["v1"] * 5
    assert len(reader.started) == 2  # five callers, one read after the one they found under way
