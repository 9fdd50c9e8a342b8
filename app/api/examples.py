"""Realistic OpenAPI examples, taken from the real data set and committed as ``examples.json``.

``make generate`` (``app.generate``) regenerates the file from a freshly seeded database; a test fails
when the committed file and the data drift apart.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

EXAMPLES_FILE = Path(__file__).with_name("examples.json")


@cache
def _examples() -> dict[str, Any]:
    if not EXAMPLES_FILE.exists():
        return {}
    loaded: dict[str, Any] = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    return loaded


def example_for(name: str, kind: str) -> Any:
    return _examples().get(name, {}).get(kind)


def _shorten(value: Any) -> Any:
    """Keep examples readable: long lists keep two items, long texts their first 300 characters."""
    if isinstance(value, list):
        return [_shorten(v) for v in value[:2]]
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, str) and len(value) > 300:
        return value[:300] + "…"
    return value


async def generate(app: Any) -> dict[str, Any]:
    """Build every example through the API itself (``app``: the ASGI app to ask)."""
    import httpx

    from app.db.collections import COLLECTIONS

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://examples") as client:

        async def get(path: str) -> Any:
            return (await client.get(path)).raise_for_status().json()

        out: dict[str, Any] = {}
        for spec in COLLECTIONS:
            page = await get(f"/v1/{spec.name}?limit=2")
            entry: dict[str, Any] = {"list": _shorten(page)}
            if page["items"]:
                entry["detail"] = _shorten(await get(f"/v1/{spec.name}/{page['items'][0]['id']}"))
            out[spec.name] = entry
        out["search"] = {"list": _shorten(await get("/v1/search?q=neutrality&limit=3"))}
        out["citations"] = {"list": _shorten(await get("/v1/citations?limit=2"))}
    return out
