"""The ``Host`` check (``BRIEFING_TRUSTED_HOSTS``) and CORS, both answering a refusal with a problem
document instead of Starlette's ``text/plain``.

Health endpoints are exempt from the ``Host`` check: probes (Docker's HEALTHCHECK, an orchestrator)
address the server by IP, and these endpoints never echo the ``Host`` header, so it cannot matter to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import ProblemType, problem_response, send_problem

HEALTH_PATHS = ("/healthz", "/readyz")


def host_name(host: str) -> str:
    """The name part of a ``Host`` value, lowercased: without the port, IPv6 literals kept in brackets."""
    if host.startswith("["):
        return host[: host.find("]") + 1].lower()
    return host.rsplit(":", 1)[0].lower()


class TrustedHostsMiddleware:
    """Refuse a request whose ``Host`` is not listed (``example.org``, or ``*.example.org`` for its
    subdomains); add it only when the list is not ``["*"]``."""

    def __init__(
        self, app: ASGIApp, *, allowed_hosts: Sequence[str], exempt_paths: tuple[str, ...] = HEALTH_PATHS
    ) -> None:
        self.app = app
        self.exact = frozenset(h.lower() for h in allowed_hosts if not h.startswith("*."))
        self.suffixes = tuple(h[1:].lower() for h in allowed_hosts if h.startswith("*."))
        self.exempt_paths = exempt_paths

    def allows(self, host: str) -> bool:
        name = host_name(host)
        return name in self.exact or (bool(self.suffixes) and name.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        host = next((bytes(v).decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
        if self.allows(host):
            await self.app(scope, receive, send)
            return
        await send_problem(
            send,
            ProblemType.UNTRUSTED_HOST,
            "the Host header names a host this server does not serve",
            instance=scope["path"],
            head=scope["method"] == "HEAD",
        )


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered as a problem document that says what was
    refused and what is allowed. A request without ``Origin`` (every non-browser client) takes a short
    path with the same outcome as Starlette's: nothing but ``Vary: Origin`` added to the response."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not any(key == b"origin" for key, _ in scope["headers"]):
            await self.app(scope, receive, _varying_on_origin(send))
            return
        await super().__call__(scope, receive, send)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 200:
            return response
        refused = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        methods, headers_allowed = (
            ", ".join(sorted(self.allow_methods)),
            ", ".join(sorted(self.allow_headers)),
        )
        headers = {
            k: v for k, v in response.headers.items() if k.startswith("access-control-") or k == "vary"
        }
        headers["Cache-Control"] = "no-store"
        return problem_response(
            ProblemType.CORS_REFUSED,
            f"CORS preflight refused; not allowed: {refused} (methods allowed: {methods}; "
            f"request headers allowed: {headers_allowed})",
            instance=None,
            headers=headers,
        )


def _varying_on_origin(send: Send) -> Send:
    """``send`` with ``Origin`` added to the response's ``Vary``."""

    async def send_varying(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": varying_on_origin(message.get("headers", []))}
        await send(message)

    return send_varying


def varying_on_origin(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with ``Origin`` added to ``Vary`` (one header, as Starlette writes it, where the first
    ``Vary`` was)."""
    out = list(headers)
    at = [i for i, (key, _) in enumerate(out) if key.lower() == b"vary"]
    if not at:
        out.append((b"vary", b"Origin"))
        return out
    joined = b", ".join([*(out[i][1] for i in at), b"Origin"])
    out[at[0]] = (b"vary", joined)
    return [h for i, h in enumerate(out) if i not in at[1:]]
