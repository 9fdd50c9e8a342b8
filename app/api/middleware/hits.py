"""Cache hits answered in one place, before the rest of our layers (issue 9, item 4: the hot path).

A GET or HEAD whose canonical key is in the response cache goes through about ten layers, each with its own
wrapped ``send``, to end as stored bytes with a few headers added. This outermost layer does what those
layers would do, in one step, for the requests where what they do is known in advance:

- request context: the request id (echoed or made), the security headers and CSP, the access line;
- guard: a URL it passes at a glance; trusted hosts and export negotiation: the same checks, by the same
  code; ``Vary: Accept`` on lists;
- CORS for a request without ``Origin``: ``Origin`` added to ``Vary``;
- representation: the same canonical key and data version, ``If-None-Match`` → 304, the gzip variant when
  ``Accept-Encoding`` allows it and it is already made.

Everything else goes to the full stack unchanged: an ``Origin``, ``Range``, ``If-Range``, ``If-Match``,
``If-Modified-Since`` or ``If-Unmodified-Since`` header, a body or an ``Upgrade`` offer, a URL with
percent-escapes or beyond ASCII, an untrusted ``Host``, an export chosen by ``Accept``, a cache miss, a gzip
variant not made yet. A request that misses carries the data version this layer read down to the
representation layer (``VERSION_READ``), so it is read once. ``tests/api/test_hits.py`` checks that both
paths answer with the same status, headers and body.

The headers of each answer (status, variant) are put together once per cached representation and kept
with it, with their HTTP/1.1 encoding: the protocol of ``briefing serve`` (``app.protocol``) writes that
encoding (``ENCODED_HEAD`` in the start message) instead of checking and encoding every header again. Any
other server uses the message's ``headers`` as usual.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE

from app.api.export import ExportNegotiation, negotiated
from app.api.middleware.context import RequestContextMiddleware, log_request, secured
from app.api.middleware.guard import RequestGuardMiddleware
from app.api.middleware.hosts import TrustedHostsMiddleware, varying_on_origin
from app.api.middleware.representation import (
    PASS_THROUGH,
    STREAMED,
    VERSION_READ,
    Headers,
    Representation,
    RepresentationMiddleware,
    not_modified,
    wants_gzip,
)

ENCODED_HEAD = "app.encoded_head"
"""The start message's key for its header lines, encoded and checked as uvicorn would (``Head.encoded``)
and the body's length, for ``app.protocol`` to write as they are."""

FULL_STACK = frozenset(
    {
        b"origin",
        b"range",
        b"if-range",
        b"if-match",
        b"if-modified-since",
        b"if-unmodified-since",
        b"content-length",
        b"transfer-encoding",
        b"upgrade",
    }
)
"""Request headers that send a request to the full stack (CORS, ranges, the preconditions this layer does
not evaluate, a body, an upgrade)."""

_negotiated = functools.lru_cache(maxsize=64)(negotiated)

ARRIVAL = "app.arrival"
"""The scope key of a request's arrival number (``Arrivals``), set by the protocol of ``briefing serve``."""


class Arrivals:
    """Requests numbered in the order their heads arrive (``app.protocol`` counts them, in this process)."""

    last = 0


class SharedVersionReads:
    """The data version, read once for every request that had arrived when the read began.

    A read tells the version as of a moment after each of those requests arrived, which is all that a
    fresh read of its own would tell (a re-seed committed after the read is seen by the requests that
    arrive after it, as they are numbered after it). A burst that arrives together is then answered with
    one read, not one each (on SQLite two ``stat`` calls, about 12 µs here). A request without an arrival
    number (another server, an in-process test client) always reads for itself."""

    def __init__(self, read: Callable[[], Awaitable[str | None]]) -> None:
        self.read = read
        self.covers = -1  # requests numbered up to this one may share ``version``
        self.version: str | None = None

    async def __call__(self, scope: Scope) -> str | None:
        arrival = scope.get(ARRIVAL)
        if arrival is not None and arrival <= self.covers:
            return self.version
        covers = Arrivals.last
        version = await self.read()
        if covers > self.covers:
            self.covers, self.version = covers, version
        return version


@dataclass(frozen=True, slots=True)
class Head:
    """An answer's headers as the full stack sends them, but for the request id (added last)."""

    headers: Headers
    encoded: bytes | None
    """The header lines encoded (``name: value\\r\\n``), or None if uvicorn would refuse or act on one."""
    length: int | None
    """The ``Content-Length``, if sent."""

    @classmethod
    def of(cls, headers: Headers) -> Head:
        length = None
        encodable = True
        for name, value in headers:
            if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value) or name != name.lower():
                encodable = False
            elif name == b"content-length":
                length = int(value)
            elif name in {b"connection", b"transfer-encoding"}:  # uvicorn acts on these: leave them to it
                encodable = False
        encoded = b"".join(name + b": " + value + b"\r\n" for name, value in headers) if encodable else None
        return cls(headers, encoded, length)


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each field through object.__setattr__ (~1.5 µs)
class Hit:
    """A cached representation this layer answers with, and what the request asked of it."""

    representation: Representation
    version: str
    listed: bool
    """A list path (export negotiation adds ``Vary: Accept``)."""
    gzipped: bool
    if_none_match: bytes | None
    request_id: bytes | None
    """The ``X-Request-ID`` header as sent (echoed if valid), found in the same pass over the headers."""
    user_agent: bytes | None


class CacheHitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        context: RequestContextMiddleware,
        guard: RequestGuardMiddleware,
        hosts: TrustedHostsMiddleware | None,
        negotiation: ExportNegotiation,
        representation: RepresentationMiddleware,
        enabled: bool = True,
    ) -> None:
        self.app = app
        self.context = context
        self.guard = guard
        self.hosts = hosts
        self.negotiation = negotiation
        self.representation = representation
        self.enabled = enabled
        self.served = 0
        self.data_version = SharedVersionReads(representation.data_version)
        self.max_url_bytes = guard.max_url_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http" or scope["method"] not in {"GET", "HEAD"}:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            hit = await self._hit(scope)
        except Exception:  # whatever it is, the full stack meets it again, and answers and logs it
            hit = None
        if hit is None:
            await self.app(scope, receive, send)
            return
        await self._answer(scope, send, started, hit)

    async def _hit(self, scope: Scope) -> Hit | None:
        """The cached answer to this request, if this layer can give it (see the module docstring)."""
        path: str = scope["path"]
        layer = self.representation
        if (
            not layer.cache.enabled
            or not path.startswith(layer.cached_prefixes)
            or path.startswith(PASS_THROUGH)
            or path.endswith(STREAMED)
            or not self._plain_url(scope)
        ):
            return None
        if_none_match = accept_encoding = host = accept = request_id = user_agent = None
        for name, value in scope["headers"]:  # one pass; first or last of a repeated one as each layer reads
            if name in FULL_STACK:
                return None
            if name == b"host":
                host = value if host is None else host
            elif name == b"user-agent":
                user_agent = value if user_agent is None else user_agent
            elif name == b"if-none-match":
                if_none_match = value
            elif name == b"accept-encoding":
                accept_encoding = value
            elif name == b"accept":
                accept = value if accept is None else accept
            elif name == b"x-request-id":
                if request_id is not None:  # which one is echoed: the full stack decides
                    return None
                request_id = value
        hosts = self.hosts
        if (
            hosts is not None
            and path not in hosts.exempt_paths
            and not hosts.allows(bytes(host or b"").decode("latin-1"))
        ):
            return None
        listed = path in self.negotiation.paths
        if listed and accept and _negotiated(bytes(accept)) is not None:
            return None
        resolved = layer.canonical(path, scope["query_string"])
        if resolved is None:
            return None
        version = await self.data_version(scope)
        rep = layer.cache.get((path, resolved.query, version)) if version is not None else None
        gzipped = rep is not None and wants_gzip(rep, accept_encoding)
        if rep is None or version is None or (gzipped and rep.gzipped is None):
            scope[VERSION_READ] = version
            return None
        return Hit(rep, version, listed, gzipped, if_none_match, request_id, user_agent)

    def _plain_url(self, scope: Scope) -> bool:
        """Whether the URL is one the guard passes at a glance (ASCII, no percent-escape, within the limit);
        any other goes to the full stack, whose guard decides."""
        raw_path: bytes | None = scope.get("raw_path")
        if raw_path is None:
            return False
        url = raw_path + scope["query_string"]
        return url.isascii() and b"%" not in url and len(url) <= self.max_url_bytes

    async def _answer(self, scope: Scope, send: Send, started: float, hit: Hit) -> None:
        rep, listed = hit.representation, hit.listed
        if not_modified(rep, hit.if_none_match, None):
            status, variant, body = 304, "not-modified", b""
        elif hit.gzipped and rep.gzipped is not None:
            status, variant, body = rep.status, "gzip", rep.gzipped[0]
        else:
            status, variant, body = rep.status, "identity", rep.body
        csp = self.context.csp_for(scope["path"])
        head: Head | None = rep.heads.get((variant, listed, csp))
        if head is None:
            head = rep.heads[variant, listed, csp] = self._head(rep, variant, listed, csp)
        request_id = self.context.new_or_echoed(hit.request_id)
        encoded_id = request_id.encode()
        start = {
            "type": "http.response.start",
            "status": status,
            "headers": [*head.headers, (b"x-request-id", encoded_id)],
        }
        if head.encoded is not None:
            start[ENCODED_HEAD] = (head.encoded + b"x-request-id: " + encoded_id + b"\r\n", head.length)
        if scope["method"] == "HEAD":
            body = b""
        self.served += 1
        try:
            await send(start)
            await send({"type": "http.response.body", "body": body})
        finally:
            log_request(request_id, scope, status, started, len(body), hit.version[:12], hit.user_agent)

    @staticmethod
    def _head(rep: Representation, variant: str, listed: bool, csp: bytes) -> Head:
        """What the layers inside this one add to the representation's headers, in their order."""
        if variant == "not-modified":
            headers = list(rep.not_modified_headers)
        elif variant == "gzip" and rep.gzipped is not None:
            headers = list(rep.gzipped[1])
        else:
            headers = list(rep.headers)
        if listed:  # export negotiation
            headers.append((b"vary", b"Accept"))
        return Head.of(secured(varying_on_origin(headers), csp))  # CORS, then the request context
