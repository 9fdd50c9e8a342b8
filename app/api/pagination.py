"""Opaque keyset cursors: base64url JSON of the last row's sort key and id, with a checksum.

The checksum is not a secret (the data is public): it makes a forged or truncated cursor a clean 400
instead of a confusing page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.requests import Request

_CHECKSUM_KEY = b"peacetalks-cursor-v1"
_CHECKSUM_BYTES = 6


class InvalidCursorError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Cursor:
    sort: str
    key: Any
    id: str


def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, key=_CHECKSUM_KEY, digest_size=_CHECKSUM_BYTES).digest()


def encode_cursor(cursor: Cursor) -> str:
    payload = orjson.dumps([cursor.sort, cursor.key, cursor.id])
    return base64.urlsafe_b64encode(payload + _checksum(payload)).rstrip(b"=").decode("ascii")


def decode_cursor(token: str, *, sort: str) -> Cursor:
    """The cursor in ``token``; raise ``InvalidCursorError`` unless it is intact and for ``sort``."""
    if not token or len(token) > 512:
        raise InvalidCursorError("cursor is empty or too long")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise InvalidCursorError("cursor is not base64url") from None
    payload, checksum = raw[:-_CHECKSUM_BYTES], raw[-_CHECKSUM_BYTES:]
    if len(raw) <= _CHECKSUM_BYTES or checksum != _checksum(payload):
        raise InvalidCursorError("cursor is damaged or forged")
    try:
        cursor_sort, key, item_id = orjson.loads(payload)
    except (orjson.JSONDecodeError, ValueError, TypeError):
        raise InvalidCursorError("cursor is damaged or forged") from None
    if not isinstance(cursor_sort, str) or not isinstance(item_id, str):
        raise InvalidCursorError("cursor is damaged or forged")
    if cursor_sort != sort:
        made, wanted = cursor_sort.split(":")[:2], sort.split(":")[:2]
        if made == wanted:  # a list's scope ends with a digest of its filters
            raise InvalidCursorError(
                "cursor was made for other filters; a cursor only continues its own list"
            )
        raise InvalidCursorError(f"cursor was made for '{':'.join(made)}', not '{':'.join(wanted)}'")
    return Cursor(sort=cursor_sort, key=key, id=item_id)


LINK_MEMO_ENTRIES = 1024


def next_link(request: Request, next_cursor: str) -> str:
    """The ``Link`` header to the next page: this request's URL with its ``cursor`` replaced, as
    ``request.url.include_query_params(cursor=…)`` writes it, without building URL objects."""
    return (
        _link_start(request.scope["path"], request.scope.get("query_string", b""))
        + next_cursor
        + '>; rel="next"'
    )


_LINK_STARTS: dict[tuple[str, bytes], str] = {}


def _link_start(path: str, query: bytes) -> str:
    """``<path?other parameters&cursor=``: the same for every page of a list (a list's first page, where
    uncached requests gather, always finds it; a bounded memo, emptied when full)."""
    start = _LINK_STARTS.get((path, query))
    if start is None:
        pairs = [(k, v) for k, v in parse_qsl(query.decode(), keep_blank_values=True) if k != "cursor"]
        written = path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
        start = f"<{written}?{urlencode([*pairs, ('cursor', '')])}"
        if len(_LINK_STARTS) >= LINK_MEMO_ENTRIES:
            _LINK_STARTS.clear()
        _LINK_STARTS[(path, query)] = start
    return start
