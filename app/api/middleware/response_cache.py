"""The store behind the representation layer: ready responses within a byte budget, and single-flight.

- Entries are bounded in bytes (``BRIEFING_RESPONSE_CACHE_BYTES``, counting each body, its gzip variant
  and a fixed overhead per entry) and in number (``BRIEFING_RESPONSE_CACHE_ENTRIES``); the least recently
  used go first. A body larger than a sixteenth of the budget is never kept: it is rendered per request.
- 404s live in a store of their own, a sixteenth of the budget: a client asking for many missing ids
  evicts other 404s, never a 200.
- Single-flight: the first miss on a key renders; concurrent misses on the same key wait for that render
  (``Flights``) instead of rendering again.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

ENTRY_OVERHEAD = 512
"""Bytes charged per entry beside its bodies: the key, the header lists, the dictionary slot."""

Key = tuple[str, str, str]
"""(path, canonical query, data version)."""


class Sized(Protocol):
    """What the store needs of a value: how many bytes it holds."""

    def cost(self) -> int: ...


V = TypeVar("V", bound=Sized)
T = TypeVar("T")


@dataclass
class LRUStore(Generic[V]):
    """Least-recently-used entries within ``max_bytes`` and ``max_entries``."""

    max_bytes: int
    max_entries: int
    entries: OrderedDict[Key, tuple[V, int]] = field(default_factory=OrderedDict)
    bytes: int = 0

    def get(self, key: Key) -> V | None:
        found = self.entries.get(key)
        if found is None:
            return None
        self.entries.move_to_end(key)
        return found[0]

    def put(self, key: Key, value: V) -> bool:
        cost = value.cost() + ENTRY_OVERHEAD
        if cost > self.max_bytes or self.max_entries <= 0:
            return False
        self.discard(key)
        self.entries[key] = (value, cost)
        self.bytes += cost
        while self.bytes > self.max_bytes or len(self.entries) > self.max_entries:
            _, (_, evicted) = self.entries.popitem(last=False)
            self.bytes -= evicted
        return True

    def recharge(self, key: Key) -> None:
        """Account again for an entry whose value grew (a gzip variant was added)."""
        found = self.entries.get(key)
        if found is not None:
            self.discard(key)
            self.put(key, found[0])

    def discard(self, key: Key) -> None:
        found = self.entries.pop(key, None)
        if found is not None:
            self.bytes -= found[1]


class ResponseCache(Generic[V]):
    def __init__(self, *, max_bytes: int, max_entries: int) -> None:
        self.enabled = max_bytes > 0 and max_entries > 0
        self.max_body_bytes = max_bytes // 16
        self.found: LRUStore[V] = LRUStore(max_bytes - max_bytes // 16, max_entries)
        self.missing: LRUStore[V] = LRUStore(max_bytes // 16, max(1, max_entries // 8))

    def store_for(self, status: int) -> LRUStore[V] | None:
        return self.found if status == 200 else self.missing if status == 404 else None

    def get(self, key: Key) -> V | None:
        return self.found.get(key) or self.missing.get(key)

    def put(self, key: Key, status: int, value: V) -> bool:
        store = self.store_for(status)
        if store is None or value.cost() > self.max_body_bytes:
            return False
        return store.put(key, value)

    def recharge(self, key: Key, status: int) -> None:
        store = self.store_for(status)
        if store is not None:
            store.recharge(key)

    @property
    def bytes(self) -> int:
        return self.found.bytes + self.missing.bytes


class Flights(Generic[T]):
    """Renders in progress, by key: one leader renders, followers await its outcome.

    A future belongs to the event loop it was made on; a follower on another loop (tests run one loop per
    test) renders for itself.
    """

    def __init__(self) -> None:
        self.running: dict[Hashable, asyncio.Future[T | None]] = {}

    def join(self, key: Hashable) -> asyncio.Future[T | None] | None:
        """The flight to wait for, or None when the caller must lead (and later call ``land``)."""
        flight = self.running.get(key)
        loop = asyncio.get_running_loop()
        if flight is not None and not flight.done() and flight.get_loop() is loop:
            return flight
        self.running[key] = loop.create_future()
        return None

    def land(self, key: Hashable, outcome: T | None) -> None:
        """End the leader's flight: followers get ``outcome`` (None: render for yourselves)."""
        flight = self.running.get(key)
        if flight is not None and flight.get_loop() is asyncio.get_running_loop():
            del self.running[key]
            if not flight.done():
                flight.set_result(outcome)
