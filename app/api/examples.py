"""Realistic OpenAPI examples, taken from the real data set and committed as ``examples.json``.

``python -m app.api.examples`` regenerates the file from a freshly seeded in-memory database; a test
fails when the committed file and the data drift apart.
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


def generate(client_get: Any) -> dict[str, Any]:
    """Build every example through the API itself (``client_get(path) -> parsed JSON``)."""
    from app.db.collections import COLLECTIONS

    out: dict[str, Any] = {}
    for spec in COLLECTIONS:
        page = client_get(f"/v1/{spec.name}?limit=2")
        entry: dict[str, Any] = {"list": _shorten(page)}
        if page["items"]:
            first = page["items"][0]["id"]
            entry["detail"] = _shorten(client_get(f"/v1/{spec.name}/{first}"))
        out[spec.name] = entry
    out["search"] = {"list": _shorten(client_get("/v1/search?q=neutrality&limit=3"))}
    return out


def main() -> None:
    import tempfile

    from fastapi.testclient import TestClient

    from app.db import migrate
    from app.db.engine import make_engine
    from app.main import create_app
    from app.seed.load import seed
    from app.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), response_cache_entries=0)
        migrate.upgrade(settings)
        seed(make_engine(settings, read_only=False), settings.seeds_dir)
        app = create_app(settings)
        with TestClient(app) as c:
            examples = generate(lambda path: c.get(path).raise_for_status().json())
    EXAMPLES_FILE.write_text(json.dumps(examples, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
