"""Overload protection: a cap on requests in flight and a time limit per request, both answered with a
prompt 503 problem document (with Retry-After) instead of a queue or a held connection.

Health checks are exempt: ``/healthz`` does no work and ``/readyz`` bounds its own (one check at a time,
its result reused for up to a second), so an orchestrator never reads "overloaded" as "not ready".
Requests answered from the response cache, or waiting for another request's render of the same URL,
never reach this layer."""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import ProblemType, send_problem

logger = logging.getLogger("app.limits")


class LimitsMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_concurrency: int,
        timeout: float,
        exempt_paths: tuple[str, ...] = ("/healthz", "/readyz"),
    ) -> None:
        self.app = app
        self.max_concurrency = max_concurrency
        self.timeout = timeout
        self.exempt_paths = exempt_paths
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_concurrency:
            await _reject(scope, send, ProblemType.OVERLOADED, "the server is busy; try again shortly")
            return
        self.in_flight += 1
        started = False
        released = False
        deadline: asyncio.Timeout | None = None

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.in_flight -= 1

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # Free the slot before the last bytes go out: a keep-alive client may send its next
                # request as soon as it has them, before this task has finished unwinding.
                release()
            await send(message)
            if message.get("more_body", False) and deadline is not None:
                # A streamed response (an export) may take longer in all, but each chunk must follow
                # the last within the limit: the limit bounds a stall, not the size of the data.
                deadline.reschedule(asyncio.get_running_loop().time() + self.timeout)

        try:
            async with asyncio.timeout(self.timeout) as deadline:
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            logger.warning("request timed out after %.1fs: %s", self.timeout, scope["path"])
            if started:
                raise
            await _reject(scope, send, ProblemType.TIMEOUT, f"the request took longer than {self.timeout:g}s")
        finally:
            release()


async def _reject(scope: Scope, send: Send, kind: ProblemType, detail: str) -> None:
    await send_problem(send, kind, detail, instance=scope["path"], headers=[(b"retry-after", b"1")])
