"""Liveness and readiness."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from sqlalchemy import Engine, select
from starlette.responses import Response

from app.api.openapi import PROBLEM_RESPONSES
from app.api.routers.collections import json_response
from app.db import migrate
from app.db.models import Dataset
from app.domain.schemas import Health, Readiness

router = APIRouter(tags=["Health"])


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
def readyz(request: Request) -> Response:
    engine: Engine = request.app.state.engine
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
    body = {
        "status": "ready" if ready else "not ready",
        "checks": checks,
        "data_version": version[:12] if version else None,
    }
    return json_response(body, headers={"Cache-Control": "no-store"}) if ready else _unready(body)


def _unready(body: Mapping[str, object]) -> Response:
    response = json_response(body, headers={"Cache-Control": "no-store", "Retry-After": "5"})
    response.status_code = 503
    return response
