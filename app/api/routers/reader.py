"""The reader page: one static HTML file for ``/`` and ``/briefings/{id}``; its CSS and ES modules are in
``app/static/reader`` and everything it shows comes from the public ``/v1`` API (same origin)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.responses import Response

from app.api.deps import api_router

READER_HTML = Path(__file__).resolve().parents[2] / "static" / "reader" / "index.html"

router = api_router(include_in_schema=False)


@cache
def _html() -> bytes:
    return READER_HTML.read_bytes()


@router.get("/")
async def reader_home() -> Response:
    return Response(_html(), media_type="text/html; charset=utf-8")


@router.get("/briefings/{briefing_id}")
async def reader_briefing(briefing_id: str) -> Response:
    # The page asks the API for the briefing: an unknown id is reported on the page, from the API's 404.
    return Response(_html(), media_type="text/html; charset=utf-8")
