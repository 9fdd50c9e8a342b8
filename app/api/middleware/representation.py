"""ETags, conditional GETs, gzip, HEAD, and a cache of ready responses keyed by data version.

The data only changes when ``briefing seed`` runs, and every seed stores a new version (a content hash).
A response for a given URL and version never changes, so it is kept as ready bytes. Before serving from
the cache the layer reads the current version (``app.db.version``: cheap, and never blocking the event
loop), so a re-seed is noticed at once by every worker and no stale answer is served. A database that
cannot be read gives no version, and then nothing is served from memory.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Headers = list[tuple[bytes, bytes]]

_CONDITIONAL = {b"if-none-match", b"if-modified-since", b"if-match", b"if-unmodified-since", b"if-range"}
_REPLACED = {b"content-length", b"etag", b"last-modified"}

GZIP_MIN_BYTES = 1024
CACHEABLE_STATUSES = frozenset({200, 404})
"""A 404 for an id is as immutable as a 200 for the same data version; keeping it spares the database
(and the worker threads) from crawlers and broken links. Problems are still sent with ``no-store``."""
COMPRESSIBLE = (b"application/json", b"application/problem+json", b"text/", b"application/javascript")


@dataclass(slots=True)
class Representation:
    """A whole response, with its header lists prepared once (a cached one is sent many times)."""

    status: int
    body: bytes
    etag: bytes | None
    headers: Headers
    not_modified_headers: Headers = field(default_factory=list)
    compressible: bool = False
    gzipped: tuple[bytes, Headers] | None = None

    @classmethod
    def build(cls, status: int, headers: Headers, body: bytes, etag: bytes | None) -> Representation:
        content_type = next((v for k, v in headers if k == b"content-type"), b"")
        compressible = len(body) >= GZIP_MIN_BYTES and content_type.startswith(COMPRESSIBLE)
        if compressible:
            headers = [*headers, (b"vary", b"Accept-Encoding")]
        kept = {b"etag", b"cache-control", b"vary", b"content-location", b"date", b"expires"}
        not_modified = [(k, v) for k, v in headers if k in kept or k.startswith(b"x-")]
        if not compressible:
            not_modified.append((b"vary", b"Accept-Encoding"))
        return cls(
            status=status,
            body=body,
            etag=etag,
            headers=[*headers, (b"content-length", str(len(body)).encode())],
            not_modified_headers=not_modified,
            compressible=compressible,
        )

    def compressed(self) -> tuple[bytes, Headers]:
        if self.gzipped is None:
            body = gzip.compress(self.body, compresslevel=6, mtime=0)
            headers = [
                *self.headers[:-1],
                (b"content-encoding", b"gzip"),
                (b"content-length", str(len(body)).encode()),
            ]
            self.gzipped = (body, headers)
        return self.gzipped


def make_etag(body: bytes) -> bytes:
    return b'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """Weak comparison, as RFC 9110 prescribes for If-None-Match."""
    if if_none_match.strip() == b"*":
        return True
    opaque = etag.removeprefix(b"W/")
    return any(tag.strip().removeprefix(b"W/") == opaque for tag in if_none_match.split(b","))


def _accepts_gzip(scope: Scope) -> bool:
    """Whether Accept-Encoding allows gzip; an explicit ``gzip`` entry outranks ``*``."""
    accept = (_header(scope, b"accept-encoding") or b"").decode("latin-1").lower()
    qualities: dict[str, float] = {}
    for part in accept.split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        qualities[coding] = quality
    return qualities.get("gzip", qualities.get("*", 0.0)) > 0


class RepresentationMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        data_version: Callable[[], Awaitable[str | None]],
        cache_control: str,
        cache_entries: int,
        cached_prefixes: tuple[str, ...] = ("/v1/", "/static/", "/openapi.json"),
    ) -> None:
        self.app = app
        self.data_version = data_version
        self.cache_control = cache_control.encode()
        self.cache_entries = cache_entries
        self.cached_prefixes = cached_prefixes
        self.cache: OrderedDict[tuple[str, bytes, str], Representation] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in {"GET", "HEAD"}:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        cacheable = self.cache_entries > 0 and path.startswith(self.cached_prefixes)
        version = await self.data_version() if cacheable else None
        if version is not None:
            scope.setdefault("state", {})["data_version"] = version[:12]  # for the access log
        key = (path, scope["query_string"], version) if version is not None else None
        representation = self.cache.get(key) if key is not None else None
        if representation is not None:
            with contextlib.suppress(KeyError):  # another event loop may have evicted it meanwhile
                self.cache.move_to_end(key)  # type: ignore[arg-type]
        else:
            representation = await self._render(scope, receive)
            if (
                key is not None
                and representation.status in CACHEABLE_STATUSES
                and await self.data_version() == version
            ):
                self.cache[key] = representation
                while len(self.cache) > self.cache_entries:
                    with contextlib.suppress(KeyError):
                        self.cache.popitem(last=False)
        await self._send(scope, send, representation)

    async def _render(self, scope: Scope, receive: Receive) -> Representation:
        """Run the app (a HEAD runs as a GET) and collect its whole response."""
        # The app always renders the full representation: conditional requests are answered here, from
        # the ETag computed on the body (so a static file's own validators never compete with ours).
        inner_headers = [(k, v) for k, v in scope["headers"] if k not in _CONDITIONAL]
        inner_scope = dict(scope, method="GET", headers=inner_headers)
        start: Message = {}
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(inner_scope, receive, collect)
        status = int(start.get("status", 500))
        headers: Headers = [(k.lower(), v) for k, v in start.get("headers", []) if k.lower() not in _REPLACED]
        body = b"".join(chunks)
        etag = None
        names = {k for k, _ in headers}
        if status == 200:
            etag = make_etag(body)
            headers.append((b"etag", etag))
            if b"cache-control" not in names:
                headers.append((b"cache-control", self.cache_control))
        elif b"cache-control" not in names:
            headers.append((b"cache-control", b"no-store"))
        return Representation.build(status, headers, body, etag)

    async def _send(self, scope: Scope, send: Send, rep: Representation) -> None:
        # Copies of the prepared lists: later layers (CORS, request context) add headers in place.
        if rep.etag is not None:
            if_none_match = _header(scope, b"if-none-match")
            if if_none_match is not None and _etag_matches(if_none_match, rep.etag):
                await send(
                    {"type": "http.response.start", "status": 304, "headers": list(rep.not_modified_headers)}
                )
                await send({"type": "http.response.body", "body": b""})
                return
        body, headers = rep.body, rep.headers
        if rep.compressible and _accepts_gzip(scope):
            body, headers = rep.compressed()
        await send({"type": "http.response.start", "status": rep.status, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
