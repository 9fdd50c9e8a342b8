"""Realistic OpenAPI examples, taken from the real data set and committed as ``examples.json``.

``python -m app.api.examples`` regenerates the file from a freshly seeded in-memory database; a test
fails when the committed file and the data drift apart.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from app.settings import Settings

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


async def generate(settings: Settings) -> dict[str, Any]:
    """Build every example through the API itself, on the database ``settings`` name."""
    import httpx

    from app.db.collections import COLLECTIONS
    from app.main import create_app

    transport = httpx.ASGITransport(app=create_app(settings))
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
    return out


def seeded_sqlite(data_dir: Path) -> Settings:
    """Settings of a fresh SQLite database in ``data_dir``, migrated and seeded from seeds/."""
    from app.db import migrate
    from app.db.engine import make_engine
    from app.seed.load import seed

    settings = Settings(data_dir=data_dir, response_cache_entries=0, log_json=False, log_level="WARNING")
    migrate.upgrade(settings)
    engine = make_engine(settings, read_only=False)
    seed(engine, settings.seeds_dir)
    engine.dispose()
    return settings


def main() -> None:
    import tempfile

    import anyio

    with tempfile.TemporaryDirectory() as tmp:
        examples = anyio.run(generate, seeded_sqlite(Path(tmp)))
    EXAMPLES_FILE.write_text(json.dumps(examples, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
