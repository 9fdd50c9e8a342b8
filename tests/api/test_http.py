"""HTTP semantics: ETags and conditional GETs (also across a re-seed), HEAD, gzip, request ids, CORS,
security headers, UTF-8 JSON, cache headers, health and readiness, and an unreachable database."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.domain.schemas import Problem, Readiness
from app.seed.load import seed
from tests.conftest import BRIEFING_ID, DOCUMENT_ID, ONE_BACKEND, Database, make_client

pytestmark = pytest.mark.anyio

GET_URLS = [
    "/v1/briefings",
    f"/v1/briefings/{BRIEFING_ID}",
    "/v1/documents",
    f"/v1/documents/{DOCUMENT_ID}",
    f"/v1/documents/{DOCUMENT_ID}/text",
    "/v1/parties",
    "/v1/parties/russia",
    "/v1/rounds?sort=-date&limit=2",
    "/v1/positions?party=russia",
    "/v1/implications",
    "/v1/search?q=neutrality",
    "/openapi.json",
]
BIG = f"/v1/briefings/{BRIEFING_ID}"
SMALL = "/v1/parties/russia"
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.mark.parametrize("url", GET_URLS)
async def test_etag_and_conditional_get(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    assert response.status_code == 200
    etag = response.headers["etag"]
    assert re.fullmatch(r'W/"[0-9a-f]{32}"', etag)
    assert (await client.get(url)).headers["etag"] == etag  # stable

    not_modified = await client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert "content-type" not in not_modified.headers

    for header in (etag.removeprefix("W/"), f'"nope", {etag}', "*"):
        assert (await client.get(url, headers={"If-None-Match": header})).status_code == 304, header

    other = await client.get(url, headers={"If-None-Match": 'W/"00000000000000000000000000000000"'})
    assert other.status_code == 200
    assert other.content == response.content


async def test_different_resources_have_different_etags(client: httpx.AsyncClient) -> None:
    etags = {(await client.get(url)).headers["etag"] for url in GET_URLS}
    assert len(etags) == len(GET_URLS)


@ONE_BACKEND
async def test_errors_have_no_etag_and_are_not_cached(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/parties/atlantis")
    assert response.status_code == 404
    assert "etag" not in response.headers
    assert response.headers["cache-control"] == "no-store"


async def test_reseed_changes_content_and_etag(seeded_db: Database, seeds_copy: Path) -> None:
    client = make_client(seeded_db.settings)
    urls = ["/v1/briefings", BIG]
    before = {url: await client.get(url) for url in urls}
    for url in urls:  # served twice: the second one comes from the response cache
        assert (await client.get(url)).headers["etag"] == before[url].headers["etag"]
    ready_before = (await client.get("/readyz")).json()["data_version"]

    path = seeds_copy / "briefings.yaml"
    original = path.read_text(encoding="utf-8")
    old = 'summary: "As the war drags into its third year, several rounds'
    assert old in original
    path.write_text(
        original.replace(old, 'summary: "RESEEDED. As the war drags into its third year, several rounds')
    )
    engine = seeded_db.engine()
    try:
        assert seed(engine, seeds_copy).changed
    finally:
        engine.dispose()

    for url in urls:
        etag = before[url].headers["etag"]
        after = await client.get(url, headers={"If-None-Match": etag})
        assert after.status_code == 200, url
        assert after.headers["etag"] != etag
        assert "RESEEDED. As the war drags" in after.text
        assert "RESEEDED" not in before[url].text
        again = await client.get(url, headers={"If-None-Match": after.headers["etag"]})
        assert again.status_code == 304
    assert (await client.get("/readyz")).json()["data_version"] != ready_before
    await client.aclose()


@pytest.mark.parametrize("url", [BIG, SMALL, "/v1/rounds", f"/v1/documents/{DOCUMENT_ID}/text"])
@pytest.mark.parametrize("encoding", ["gzip", "identity"])
async def test_head_is_get_without_body(client: httpx.AsyncClient, url: str, encoding: str) -> None:
    headers = {"Accept-Encoding": encoding}
    get = await client.get(url, headers=headers)
    head = await client.head(url, headers=headers)
    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "etag", "cache-control", "content-length", "content-encoding", "vary"):
        assert head.headers.get(name) == get.headers.get(name), name
    if encoding == "identity":
        assert int(head.headers["content-length"]) == len(get.content)
    not_modified = await client.head(url, headers={"If-None-Match": get.headers["etag"]})
    assert not_modified.status_code == 304
    assert not_modified.content == b""


async def test_head_of_a_missing_item_is_404_without_body(client: httpx.AsyncClient) -> None:
    response = await client.head("/v1/parties/atlantis")
    assert response.status_code == 404
    assert response.content == b""
    assert response.headers["content-type"].startswith("application/problem+json")


async def raw_get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None
) -> tuple[httpx.Response, bytes]:
    """The response and its bytes as sent (not decoded); ``None`` sends no Accept-Encoding at all."""
    request = client.build_request("GET", url, headers=headers or {})
    if headers is None:
        del request.headers["accept-encoding"]
    response = await client.send(request, stream=True)
    raw = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response, raw


@pytest.mark.parametrize("accept", ["gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.5", "*"])
@ONE_BACKEND
async def test_gzip_for_big_bodies(client: httpx.AsyncClient, accept: str) -> None:
    _, plain = await raw_get(client, BIG, IDENTITY)
    assert len(plain) > 1024
    response, raw = await raw_get(client, BIG, {"Accept-Encoding": accept})
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert int(response.headers["content-length"]) == len(raw) < len(plain)
    assert gzip.decompress(raw) == plain


@pytest.mark.parametrize(
    "headers", [None, IDENTITY, {"Accept-Encoding": "gzip;q=0"}, {"Accept-Encoding": "br"}]
)
@ONE_BACKEND
async def test_no_gzip_without_acceptance(client: httpx.AsyncClient, headers: dict[str, str] | None) -> None:
    response, raw = await raw_get(client, BIG, headers)
    assert "content-encoding" not in response.headers
    assert "accept-encoding" in response.headers["vary"].lower()  # the representation varies all the same
    assert raw.startswith(b'{"id":"why-peace-talks-fail"')
    assert int(response.headers["content-length"]) == len(raw)


@ONE_BACKEND
async def test_no_gzip_for_small_bodies(client: httpx.AsyncClient) -> None:
    response, raw = await raw_get(client, SMALL, {"Accept-Encoding": "gzip"})
    assert len(raw) < 1024
    assert "content-encoding" not in response.headers
    assert raw.startswith(b'{"id":"russia"')


@ONE_BACKEND
async def test_request_id_is_echoed_when_valid(client: httpx.AsyncClient) -> None:
    for value in ("abc-123", "req.1:2_3", "A" * 128):
        response = await client.get(SMALL, headers={"X-Request-ID": value})
        assert response.headers["x-request-id"] == value
    response = await client.get("/v1/parties/atlantis", headers={"X-Request-ID": "err-42"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "err-42"


@pytest.mark.parametrize("value", [None, "", "has space", "A" * 129, "semi;colon", "ünï"])
@ONE_BACKEND
async def test_request_id_is_generated_otherwise(client: httpx.AsyncClient, value: str | None) -> None:
    headers = {} if value is None else {"X-Request-ID": value.encode("utf-8")}
    first = (await client.get(SMALL, headers=headers)).headers["x-request-id"]
    second = (await client.get(SMALL, headers=headers)).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert re.fullmatch(r"[0-9a-f]{32}", second)
    assert first != second


@ONE_BACKEND
async def test_cors_simple_request(client: httpx.AsyncClient) -> None:
    response = await client.get(SMALL, headers={"Origin": "https://example.org"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "link", "x-request-id"} <= exposed


@ONE_BACKEND
async def test_cors_preflight(client: httpx.AsyncClient) -> None:
    headers = {
        "Origin": "https://example.org",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match, X-Request-ID",
    }
    response = await client.options("/v1/rounds", headers=headers)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert "GET" in methods
    assert "POST" not in methods
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "if-none-match" in allowed
    assert "x-request-id" in allowed
    refused = await client.options(
        "/v1/rounds", headers={**headers, "Access-Control-Request-Method": "DELETE"}
    )
    assert refused.status_code == 400
    assert "access-control-allow-methods" not in refused.headers or "DELETE" not in refused.headers.get(
        "access-control-allow-methods", ""
    )


@pytest.mark.parametrize("url", [SMALL, "/v1/parties/atlantis", "/v1/search", "/healthz", "/nowhere"])
@ONE_BACKEND
async def test_security_headers(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "server" not in response.headers
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_json_is_utf8_with_raw_non_ascii(client: httpx.AsyncClient) -> None:
    response, raw = await raw_get(client, BIG, IDENTITY)
    assert response.headers["content-type"] == "application/json"
    assert "’".encode() in raw
    assert "🧾".encode() in raw
    assert "🧊".encode() in raw
    assert b"\\u2019" not in raw
    assert b"\\ud83e" not in raw.lower()
    assert raw.decode("utf-8")  # valid UTF-8


@pytest.mark.parametrize(
    "url", ["/v1/rounds", SMALL, BIG, "/v1/search?q=peace", f"/v1/documents/{DOCUMENT_ID}/text"]
)
async def test_cache_control_on_success(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=60"


@ONE_BACKEND
async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


async def test_readyz(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    Readiness.model_validate(body)
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "migrations": "ok", "data": "ok"}
    assert re.fullmatch(r"[0-9a-f]{12}", body["data_version"])
    assert response.headers["cache-control"] == "no-store"


async def test_readyz_on_an_unmigrated_database(empty_db: Database) -> None:
    client = make_client(empty_db.settings)
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    Readiness.model_validate(body)
    assert body["status"] == "not ready"
    if empty_db.backend == "sqlite":
        # The serving engine opens SQLite read-only: a database never created is unavailable, and the
        # server does not create an empty file behind the migrations' back.
        assert body["checks"]["database"].startswith("unavailable")
        assert not Path(empty_db.settings.resolved_database_url.removeprefix("sqlite:///")).exists()
    else:
        assert body["checks"]["database"] == "ok"
        assert body["checks"]["migrations"] != "ok"
        assert "head is" in body["checks"]["migrations"]
    assert body["data_version"] is None
    assert (await client.get("/healthz")).status_code == 200
    await client.aclose()


def _unreachable(database: Database, tmp_path: Path) -> Database:
    settings = database.settings
    if database.backend == "sqlite":
        missing = tmp_path / "no" / "such" / "dir"
        return Database("sqlite", settings.model_copy(update={"data_dir": missing}))
    url = make_url(settings.database_url).set(port=1).render_as_string(hide_password=False)
    return Database("postgresql", settings.model_copy(update={"database_url": url}))


UNREACHABLE_URLS = [
    "/v1/rounds",
    "/v1/parties/russia",
    BIG,
    "/v1/search?q=peace",
    f"/v1/documents/{DOCUMENT_ID}/text",
]


async def test_unreachable_database_is_a_503_problem(shared_db: Database, tmp_path: Path) -> None:
    """The shared, migrated and seeded database's settings, pointed where nothing answers."""
    client = make_client(_unreachable(shared_db, tmp_path).settings)
    for url in UNREACHABLE_URLS:
        response = await client.get(url)
        assert response.status_code == 503, url
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["retry-after"]
        body = response.json()
        Problem.model_validate(body)
        assert body["status"] == 503
        assert body["type"].endswith("database-unavailable")
        assert body["instance"] == url.split("?")[0]
        for leak in ("Traceback", "sqlalchemy", "psycopg", 'File "', str(tmp_path), "OperationalError"):
            assert leak not in response.text
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("unavailable")
    assert (await client.get("/healthz")).status_code == 200
    await client.aclose()
