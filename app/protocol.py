"""The HTTP/1.1 protocol ``briefing serve`` runs: uvicorn's httptools protocol with request-head limits.

uvicorn bounds neither the size of a request head under httptools (its 16 KiB limit applies to h11 only)
nor the time a client may take to send one. This subclass enforces, before the application sees anything
and at a cost that does not grow with what the client sends:

- a head (request line and header lines) above ``MAX_HEAD_BYTES`` → 431, or 414 when the request line
  alone is that long; more than ``MAX_HEADER_LINES`` header lines → 431. Bytes are counted as they
  arrive and the parser is never fed more than the limit of one head, so a 64 MB header costs what a
  16 KiB one does;
- a head not complete ``header_timeout`` seconds after it began (or after the connection opened) → 408
  when part of it arrived, and the connection is closed;
- a malformed request → 400. Every answer given here is a problem document with the headers the
  application's responses carry (security headers, a request id), and is logged as an access line.

A WebSocket or other ``Upgrade`` request is passed to the application as plain HTTP (``ws="none"``) and
its connection is closed after the answer, since the parser skips what follows an upgrade offer.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle
from uvicorn.server import ServerState

from app.api.middleware.context import JSON_CSP, SECURITY_HEADERS
from app.api.middleware.hits import ARRIVAL, ENCODED_HEAD, Arrivals
from app.api.problems import PROBLEM_JSON, ProblemType, problem_bytes

MAX_HEAD_BYTES = 16 * 1024
MAX_HEADER_LINES = 100
LINGER_SECONDS = 2.0

access_logger = logging.getLogger("app.access")


class _RefusedError(Exception):
    """Raised from a parser callback to stop parsing a request that is refused."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        header_timeout: float = 10.0,
        max_head_bytes: int = MAX_HEAD_BYTES,
        max_header_lines: int = MAX_HEADER_LINES,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout = header_timeout
        self.max_head_bytes = max_head_bytes
        self.max_header_lines = max_header_lines
        self.reading_head = True  # between the end of a request (or the connection's start) and a head's end
        self.head_bytes = 0
        self.head_timer: asyncio.TimerHandle | None = None
        self.refusal: tuple[ProblemType, str] | None = None
        self.refused = False

    # -- the connection ---------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = _HeadHoldingTransport(transport)  # type: ignore[assignment]
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # The common case (a whole head, or a body, within the allowance) runs inline: this is the hot path.
        if self.refused:
            return
        if self.timeout_keep_alive_task is not None:
            self._unset_keepalive_if_required()
        if self.reading_head:
            if self.head_bytes + len(data) > self.max_head_bytes:
                self._feed_within_allowance(data)
                return
            self.head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            self._parser_error(exc)
        if (
            self.reading_head
            and self.head_timer is None
            and (self._head_begun() or self.cycle is None or self.cycle.response_complete)
            and not self.refused
        ):
            self._arm_head_timer()

    def _feed_within_allowance(self, data: bytes) -> None:
        """Feed a read that may hold the end of a head and more, never more than the allowance at a time."""
        view = memoryview(data)
        while view and not self.refused:
            if not self.reading_head:
                allowance = len(view)
            else:
                allowance = self.max_head_bytes - self.head_bytes
                if allowance <= 0:  # a whole allowance fed, the head not ended, and more to come
                    self._refuse(*self._too_large())
                    return
            piece, view = view[:allowance], view[allowance:]
            if self.reading_head:
                self.head_bytes += len(piece)
            try:
                self.parser.feed_data(piece)
            except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
                self._parser_error(exc)
        if self.reading_head and self.head_timer is None and not self.refused:
            self._arm_head_timer()

    def _parser_error(self, exc: Exception) -> None:
        if isinstance(exc, httptools.HttpParserUpgrade):
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            elif self.cycle is not None:
                # What follows an upgrade offer in this read was skipped by the parser: end the
                # connection once the answer is sent rather than misread the rest.
                self.cycle.keep_alive = False
        elif not self.refused:
            self._refuse(
                *(self.refusal or (ProblemType.MALFORMED_REQUEST, "the request is not valid HTTP/1.1"))
            )

    def _head_begun(self) -> bool:
        """Whether part of a request head has arrived: uvicorn starts a new scope when a request begins
        and sets its method when the head is complete."""
        return self.reading_head and self.scope is not None and "method" not in self.scope

    def _too_large(self) -> tuple[ProblemType, str]:
        if self.parser.get_http_version() == "0.0":  # the version, which ends the request line, is not in
            return ProblemType.URI_TOO_LONG, f"the request line is longer than {self.max_head_bytes} bytes"
        return ProblemType.HEADERS_TOO_LARGE, f"the request head is larger than {self.max_head_bytes} bytes"

    # -- parser callbacks -------------------------------------------------------------------------------
    # (The parent's methods are called by name, not through super(): these run on every request.)
    def on_headers_complete(self) -> None:
        self.reading_head = False
        if self.head_timer is not None:
            self._cancel_head_timer()
        if len(self.headers) > self.max_header_lines:
            self.refusal = (ProblemType.HEADERS_TOO_LARGE, f"more than {self.max_header_lines} header lines")
            raise _RefusedError
        Arrivals.last += 1
        self.scope[ARRIVAL] = Arrivals.last  # type: ignore[literal-required]
        HttpToolsProtocol.on_headers_complete(self)

    def on_message_complete(self) -> None:
        self.reading_head = True
        self.head_bytes = 0
        HttpToolsProtocol.on_message_complete(self)

    def on_response_complete(self) -> None:
        self.transport.flush()  # type: ignore[attr-defined]  # a head without body bytes (HEAD, 304)
        HttpToolsProtocol.on_response_complete(self)

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        cycle.__class__ = _EncodedHeadCycle  # the same cycle, whose send also takes an encoded head
        HttpToolsProtocol._start_asgi_task(self, cycle, app)

    # -- refusing -----------------------------------------------------------------------------------------
    def send_400_response(self, msg: str) -> None:  # uvicorn's bare text/plain 400, replaced
        self._refuse(ProblemType.MALFORMED_REQUEST, "the request is not valid HTTP/1.1")

    def _arm_head_timer(self) -> None:
        self.head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.transport.is_closing():
            return
        if self._head_begun():
            self._refuse(
                ProblemType.REQUEST_TIMEOUT, f"the request head took longer than {self.header_timeout:g}s"
            )
        elif self.cycle is None or self.cycle.response_complete:
            self.refused = True
            self.transport.close()  # nothing was asked: close without a word, as for an idle keep-alive

    def _refuse(self, kind: ProblemType, detail: str) -> None:
        """Answer ``kind`` and close; behind a response still being sent, only close after it."""
        self.refused = True
        self._cancel_head_timer()
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.keep_alive = False
            self.flow.pause_reading()
            return
        request_id = os.urandom(16).hex()
        body = problem_bytes(kind, detail, instance=None)
        headers = [
            *self.server_state.default_headers,
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            (b"connection", b"close"),
            *SECURITY_HEADERS,
            (b"content-security-policy", JSON_CSP),
            (b"x-request-id", request_id.encode()),
        ]
        head = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
        self.transport.write(STATUS_LINE[kind.status] + head + b"\r\n" + body)
        if self.transport.can_write_eof():
            # A lingering close: what the client is still sending is read and dropped for a moment, so
            # that its TCP stack does not reset the connection before it has read the answer.
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()
        fields = {"request_id": request_id, "method": None, "path": None, "status": kind.status}
        access_logger.info("request", extra={"fields": {**fields, "bytes": len(body), "refused": detail}})


class _EncodedHeadCycle(RequestResponseCycle):
    """uvicorn's request-response cycle, writing the header lines a start message brings encoded
    (``ENCODED_HEAD``: from the cache-hit path, checked once against uvicorn's own rules when its
    representation was cached) as they are, instead of checking and encoding each header again. What
    uvicorn adds or decides is the same: its default headers (``Date``) first, ``connection: close`` when
    the connection ends, the body's length checked against ``Content-Length``."""

    async def send(self, message: Any) -> None:
        encoded = message.get(ENCODED_HEAD)
        if (
            encoded is None
            or self.response_started
            or self.disconnected
            or self.flow.write_paused
            or self.access_log
        ):
            await RequestResponseCycle.send(self, message)
            return
        lines, length = encoded
        self.response_started = True
        self.waiting_for_100_continue = False
        status = message["status"]
        if length is not None:
            self.expected_content_length = length
            self.chunked_encoding = False
        content = [STATUS_LINE[status], _encoded_defaults(self.default_headers), lines]
        if not self.keep_alive:
            content.append(b"connection: close\r\n")
        if self.chunked_encoding is None and self.scope["method"] != "HEAD" and status not in (204, 304):
            self.chunked_encoding = True
            content.append(b"transfer-encoding: chunked\r\n")
        content.append(b"\r\n")
        self.transport.write(b"".join(content))


_defaults: tuple[list[tuple[bytes, bytes]] | None, bytes] = (None, b"")


def _encoded_defaults(headers: list[tuple[bytes, bytes]]) -> bytes:
    """The server's default headers (``Date``, a new list each second) encoded, as uvicorn writes them."""
    global _defaults
    if _defaults[0] is not headers:
        _defaults = (headers, b"".join(name.lower() + b": " + value + b"\r\n" for name, value in headers))
    return _defaults[1]


class _HeadHoldingTransport:
    """The connection's transport, holding a response head until the response's first body bytes are
    written, so that both leave in one system call (one TCP segment for a small response) instead of the
    two uvicorn makes. A head is held only while nothing else is pending; it is written with the body,
    at the response's end (``on_response_complete``: a HEAD or 304 has no body bytes), or before any other
    use of the transport (closing, ``write_eof``, flow control)."""

    __slots__ = ("held", "transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.held: bytes | None = None

    def write(self, data: bytes) -> None:
        held = self.held
        if held is None:
            if data.startswith(b"HTTP/1."):
                self.held = data
            elif data:
                self.transport.write(data)
            return
        self.held = None
        self.transport.writelines((held, data))

    def flush(self) -> None:
        held = self.held
        if held is not None:
            self.held = None
            if not self.transport.is_closing():
                self.transport.write(held)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def is_closing(self) -> bool:  # asked after every response: a question, not a use that must flush
        return self.transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        self.flush()
        return getattr(self.transport, name)
