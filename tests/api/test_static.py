"""Static files: served from disk, one resource whatever the query string, never in the response cache;
gzip prepared off the event loop; If-Match, If-None-Match, Range and If-Range per RFC 9110."""

from __future__ import annotations

import gzip

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Mount

from app.api.static import StaticAssets
from app.main import STATIC_DIR
from tests.api.test_cache import cache_of, serving
from tests.conftest import ONE_BACKEND, Database

pytestmark = [pytest.mark.anyio, ONE_BACKEND]

LARGEST = max((p for p in STATIC_DIR.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
URL = "/static/" + LARGEST.relative_to(STATIC_DIR).as_posix()
IDENTITY = {"Accept-Encoding": "identity"}


def static_of(app: FastAPI) -> StaticAssets:
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/static")
    assert isinstance(mount.app, StaticAssets)
    return mount.app


async def raw(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
    request = client.build_request("GET", url, headers=headers)
    response = await client.send(request, stream=True)
    body = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response, body


async def test_query_strings_are_one_resource_and_never_cached(shared_db: Database) -> None:
    async with serving(shared_db) as (client, app):
        first = await client.get(URL, headers=IDENTITY)
        assert first.status_code == 200
        assert first.content == LARGEST.read_bytes()
        assert first.headers["content-type"] == "text/javascript; charset=utf-8"
        assert first.headers["accept-ranges"] == "bytes"
        for n in range(50):
            response = await client.get(f"{URL}?v={n}", headers=IDENTITY)
            assert response.headers["etag"] == first.headers["etag"]
            assert response.content == first.content
        assert cache_of(app).cache.bytes == 0
        head = await client.head(f"{URL}?v=x", headers=IDENTITY)
        assert head.content == b""
        assert head.headers["content-length"] == str(LARGEST.stat().st_size)
        assert (await client.get("/static/nope.js")).status_code == 404
        assert (await client.get("/static/../settings.py")).status_code == 404


async def test_gzip_variant_prepared_off_the_loop(shared_db: Database) -> None:
    async with serving(shared_db) as (client, app):
        static_of(app).prepare()  # what the start-up thread does; here, to be sure it is done
        response, body = await raw(client, URL, {"Accept-Encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip"
        assert gzip.decompress(body) == LARGEST.read_bytes()
        plain = await client.get(URL, headers=IDENTITY)
        assert response.headers["etag"] != plain.headers["etag"]  # strong ETags differ per encoding
        assert "accept-encoding" in response.headers["vary"].lower()
        not_modified = await client.get(URL, headers={"If-None-Match": response.headers["etag"]})
        assert not_modified.status_code == 304


async def test_if_match(shared_db: Database) -> None:
    async with serving(shared_db) as (client, _):
        etag = (await client.get(URL, headers=IDENTITY)).headers["etag"]
        refused = await client.get(URL, headers={**IDENTITY, "If-Match": '"nope"'})
        assert refused.status_code == 412
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("/precondition-failed")
        assert (await client.get(URL, headers={**IDENTITY, "If-Match": etag})).status_code == 200
        assert (await client.get(URL, headers={**IDENTITY, "If-Match": f'"x", {etag}'})).status_code == 200
        assert (await client.get(URL, headers={**IDENTITY, "If-Match": "*"})).status_code == 200
        weak = await client.get(URL, headers={**IDENTITY, "If-Match": f"W/{etag}"})
        assert weak.status_code == 412  # If-Match compares strongly


async def test_ranges(shared_db: Database) -> None:
    data = LARGEST.read_bytes()
    async with serving(shared_db) as (client, _):
        etag = (await client.get(URL, headers=IDENTITY)).headers["etag"]
        for _ in range(2):  # the same answer cold and warm
            part = await client.get(URL, headers={"Range": "bytes=0-9"})
            assert part.status_code == 206
            assert part.content == data[:10]
            assert part.headers["content-range"] == f"bytes 0-9/{len(data)}"
            assert "content-encoding" not in part.headers
        tail = await client.get(f"{URL}?v=2", headers={"Range": "bytes=-5"})
        assert (tail.status_code, tail.content) == (206, data[-5:])
        fresh = await client.get(URL, headers={"Range": "bytes=10-19", "If-Range": etag})
        assert (fresh.status_code, fresh.content) == (206, data[10:20])
        for stale in ('"stale"', f"W/{etag}", "Wed, 21 Oct 2015 07:28:00 GMT"):
            full = await client.get(URL, headers={**IDENTITY, "Range": "bytes=0-9", "If-Range": stale})
            assert full.status_code == 200, stale
            assert full.content == data
        past = await client.get(URL, headers={"Range": f"bytes={len(data)}-"})
        assert past.status_code == 416
        assert past.headers["content-range"] == f"bytes */{len(data)}"
        for ignored in ("bytes=0-1,5-9", "bytes=9-2", "items=0-9"):
            whole = await client.get(URL, headers={**IDENTITY, "Range": ignored})
            assert (whole.status_code, whole.content) == (200, data), ignored
