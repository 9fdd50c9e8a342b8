"""Exports: every matching item of a list or a search in one streamed CSV or NDJSON response.

Chosen by a path suffix (``/v1/positions.csv``, ``/v1/search.ndjson?q=…``) or, on the list's own path,
by ``Accept: text/csv`` / ``application/x-ndjson`` (``ExportNegotiation`` rewrites such a request to the
suffixed path; a suffix wins over ``Accept``). An export takes the list's filters, ``sort`` and
``fields``, but no ``limit`` or ``cursor`` (those are a 400: an export is every matching item).

Constant memory: the items are read in keyset batches of ``Settings.export_batch`` items (the list's
own query), each batch read and encoded in a worker thread and sent before the next is read.
Consistent under a concurrent re-seed: every batch is read on one connection in one read transaction
(SQLite: one ``BEGIN``; PostgreSQL: ``REPEATABLE READ``), so the whole export is one snapshot of one
data set, and its version (read in that transaction) names the file: ``Content-Disposition: attachment;
filename="positions-<version>.csv"``. Exports bypass the response cache.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import AsyncIterator, Callable, Sequence
from enum import StrEnum
from typing import Any

import anyio
import anyio.to_thread
import orjson
from pydantic import BaseModel
from sqlalchemy import Connection, Engine, select
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.fields import select_item
from app.api.middleware.representation import qualities
from app.api.tabular import columns_of, describe, row_function
from app.db.models import Dataset

CSV = "text/csv"
NDJSON = "application/x-ndjson"
SUFFIXES = (".csv", ".ndjson")
"""Paths ending so are exports: the representation layer lets them stream, uncached."""


class ExportFormat(StrEnum):
    csv = "csv"
    ndjson = "ndjson"


MEDIA_TYPES = {
    ExportFormat.csv: f"{CSV}; charset=utf-8; header=present",
    ExportFormat.ndjson: NDJSON,
}

Item = bytes | dict[str, Any]
Fetch = Callable[[Connection, Any], tuple[Sequence[Item], Any | None]]
"""Reads one batch after a keyset position (None: from the start): the items and the next position
(None after the last batch)."""


def export_content(schema: type[BaseModel], name: str) -> dict[str, Any]:
    """The OpenAPI ``content`` entries of an export of ``schema``'s items."""
    return {
        CSV: {
            "schema": {
                "type": "string",
                "description": "RFC 4180, UTF-8, a header row and one row per item. Columns: "
                + describe(schema)
                + ". References are flattened (`party_id`, `party_name`), lists of references are "
                "`;`-joined ids (`topic_ids`), citations are counted (`citation_count`): see the README.",
            },
        },
        NDJSON: {
            "schema": {
                "type": "string",
                "description": f"One JSON object per line, each an item of `{name}` exactly as in the "
                f"JSON list (`{schema.__name__}`; with `fields`, only those keys).",
            },
        },
    }


class Encoder:
    """Encodes batches of items (stored JSON bytes, or dicts) as CSV rows or NDJSON lines."""

    def __init__(self, fmt: ExportFormat, schema: type[BaseModel], fields: tuple[str, ...] | None) -> None:
        self.fmt = fmt
        self.fields = fields
        self.columns = columns_of(schema, fields)
        self.row = row_function(self.columns)

    def header(self) -> bytes:
        if self.fmt is ExportFormat.ndjson:
            return b""
        return self._csv([[column.name for column in self.columns]])

    def encode(self, items: Sequence[Item]) -> bytes:
        if self.fmt is ExportFormat.csv:
            row = self.row
            return self._csv([row(_as_dict(item)) for item in items])
        lines = [self._line(item) for item in items]
        return b"".join(line + b"\n" for line in lines)

    def _line(self, item: Item) -> bytes:
        if self.fields is None:
            return item if isinstance(item, bytes) else orjson.dumps(item)
        return orjson.dumps(select_item(_as_dict(item), self.fields))

    @staticmethod
    def _csv(rows: list[list[Any]]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue().encode("utf-8")


def _as_dict(item: Item) -> dict[str, Any]:
    if isinstance(item, bytes):
        loaded: dict[str, Any] = orjson.loads(item)
        return loaded
    return item


def _open(engine: Engine, fetch: Fetch, encoder: Encoder) -> tuple[Connection, str, bytes, Any]:
    """Begin the read transaction: the data version, then the first batch (header included)."""
    connection = engine.connect()
    try:
        version = connection.execute(select(Dataset.version)).scalar_one_or_none() or "unversioned"
        items, after = fetch(connection, None)
        return connection, version, encoder.header() + encoder.encode(items), after
    except BaseException:
        connection.close()
        raise


def _next(connection: Connection, fetch: Fetch, encoder: Encoder, after: Any) -> tuple[bytes, Any]:
    items, after = fetch(connection, after)
    return encoder.encode(items), after


async def export_response(
    engine: Engine, *, name: str, fmt: ExportFormat, fetch: Fetch, encoder: Encoder, head: bool = False
) -> StreamingResponse:
    """Every item ``fetch`` reads, streamed batch by batch from one read transaction. The first batch is
    read before the response starts, so a database error is still a problem document. ``head``: only
    the first batch is read (the representation layer sends no body for a HEAD)."""
    connection, version, first, after = await anyio.to_thread.run_sync(_open, engine, fetch, encoder)
    if head:
        after = None

    async def body() -> AsyncIterator[bytes]:
        position = after
        try:
            yield first
            while position is not None:
                chunk, position = await anyio.to_thread.run_sync(_next, connection, fetch, encoder, position)
                yield chunk
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(connection.close)

    filename = f"{name}-{version[:12]}.{fmt.value}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "X-Data-Version": version[:12]}
    return StreamingResponse(body(), media_type=MEDIA_TYPES[fmt], headers=headers)


def is_head(request: Request) -> bool:
    """Whether the request is a HEAD the representation layer runs as a GET (it sends no body)."""
    return bool(request.scope.get("head"))


@functools.lru_cache(maxsize=64)
def negotiated(accept: bytes) -> ExportFormat | None:
    """The export format ``Accept`` prefers to JSON, if any: ``text/csv`` or ``application/x-ndjson``
    with a higher quality than every JSON-accepting range (wildcards accept JSON; a tie is JSON).
    Memoised: a client sends the same few ``Accept`` values on every request."""
    best = qualities(accept)
    json = max(
        (q for media, q in best.items() if media in {"application/json", "application/*", "*/*"}),
        default=0.0,
    )
    choices = [(best.get(CSV, 0.0), ExportFormat.csv), (best.get(NDJSON, 0.0), ExportFormat.ndjson)]
    quality, fmt = max(choices, key=lambda choice: choice[0])
    return fmt if quality > json and quality > 0 else None


class ExportNegotiation:
    """Pure ASGI: a GET of a list (``paths``) whose ``Accept`` prefers CSV or NDJSON is served as the
    suffixed export path; every response of those paths says ``Vary: Accept``."""

    def __init__(self, app: ASGIApp, *, paths: frozenset[str]) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        accept = next((value for key, value in scope["headers"] if key == b"accept"), None)
        fmt = negotiated(bytes(accept)) if accept else None
        if fmt is not None:
            path = f"{scope['path']}.{fmt.value}"
            scope = dict(scope, path=path, raw_path=path.encode())

        async def vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"vary", b"Accept")]
            await send(message)

        await self.app(scope, receive, vary)
