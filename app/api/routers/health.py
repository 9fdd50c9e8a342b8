"""Liveness and readiness."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import anyio
import anyio.to_thread
from fastapi import Request
from sqlalchemy import Engine, select
from starlette.responses import Response

from app.api.deps import api_router
from app.api.middleware.response_cache import Flights
from app.api.openapi import PROBLEM_RESPONSES
from app.api.routers.collections import json_response
from app.db import migrate
from app.db.models import Dataset
from app.db.version import VersionReader
from app.domain.schemas import Health, Readiness

router = api_router(tags=["Health"])


@router.get(
    "/healthz",
    operation_id="healthz",
    summary="Liveness",
    description="200 while the process runs; it does not touch the database.",
    response_model=Health,
    responses={
        200: {"content": {"application/json": {"example": {"status": "ok"}}}},
        400: PROBLEM_RESPONSES[400],
    },
)
async def healthz() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json", headers={"Cache-Control": "no-store"})


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Readiness",
    description="200 when the database is reachable, migrated to head and seeded; 503 otherwise, "
    "with the failing check named.",
    response_model=Readiness,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "status": "ready",
                        "checks": {"database": "ok", "migrations": "ok", "data": "ok"},
                        "data_version": "90cf9589217b",
                    }
                }
            }
        },
        400: PROBLEM_RESPONSES[400],
        503: {"model": Readiness, "description": "Not ready; `checks` says why."},
    },
)
async def readyz(request: Request) -> Response:
    readiness: ReadinessCheck = request.app.state.readiness
    body = await readiness()
    if body["status"] == "ready":
        return json_response(body, headers={"Cache-Control": "no-store"})
    return _unready(body)


class ReadinessCheck:
    """The readiness check, run in a worker thread of its own (never queued behind rendering requests),
    one at a time (concurrent callers share it), and its result reused for up to ``TTL`` seconds while
    the data version stays the same."""

    TTL = 1.0

    def __init__(self, engine: Engine, data_version: VersionReader) -> None:
        self.engine = engine
        self.data_version = data_version
        self.thread = anyio.CapacityLimiter(1)
        self.flights: Flights[dict[str, Any]] = Flights()
        self.last: tuple[float, dict[str, Any]] | None = None

    async def __call__(self) -> dict[str, Any]:
        last = self.last
        if last is not None and time.monotonic() - last[0] < self.TTL and last[1]["status"] == "ready":
            version = await self.data_version()
            if version is not None and version[:12] == last[1]["data_version"]:
                return last[1]
        flight = self.flights.join("readyz")
        if flight is not None:
            shared = await asyncio.shield(flight)
            if shared is not None:
                return shared
        body = None
        try:
            checked_at = time.monotonic()
            body = await anyio.to_thread.run_sync(_check, self.engine, limiter=self.thread)
            self.last = (checked_at, body)
            return body
        finally:
            self.flights.land("readyz", body)


def _check(engine: Engine) -> dict[str, Any]:
    head = migrate.head_revision()
    checks = {"database": "ok", "migrations": "unknown", "data": "unknown"}
    version = None
    try:
        current = migrate.current_revision(engine)
        checks["migrations"] = "ok" if current == head else f"at {current}, head is {head}"
        if current == head:
            with engine.connect() as connection:
                version = connection.execute(select(Dataset.version)).scalar_one_or_none()
            checks["data"] = "ok" if version else "not seeded"
    except Exception as exc:  # any failure to reach or read the database means not ready
        checks["database"] = f"unavailable ({type(exc).__name__})"
    ready = all(v == "ok" for v in checks.values())
    return {
        "status": "ready" if ready else "not ready",
        "checks": checks,
        "data_version": version[:12] if version else None,
    }


def _unready(body: Mapping[str, object]) -> Response:
    response = json_response(body, headers={"Cache-Control": "no-store", "Retry-After": "5"})
    response.status_code = 503
    return response
