"""The edges of the HTTP surface: Host and CORS refusals as problem documents, relative redirects, health
checks under any trusted-hosts list, the access log's fields, and parameter errors in words."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import httpx
import pytest

from app.domain.vocab import RoundStatus
from app.logs import TextFormatter
from tests.conftest import ONE_BACKEND, Database, make_client, settle

pytestmark = pytest.mark.anyio

SECURITY = ("x-content-type-options", "content-security-policy", "x-request-id", "x-frame-options")


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    for name in SECURITY:
        assert name in response.headers, name
    body = response.json()
    assert body["type"] == f"https://peacetalks.example/problems/{slug}"
    assert body["status"] == status
    return dict(body)


def with_settings(database: Database, **changes: object) -> httpx.AsyncClient:
    return make_client(database.settings.model_copy(update=changes))


@ONE_BACKEND
async def test_an_untrusted_host_is_a_problem(shared_db: Database) -> None:
    async with with_settings(shared_db, trusted_hosts=["api.example.org", "*.peacetalks.example"]) as client:
        refused = await client.get("/v1/rounds", headers={"Host": "evil.example"})
        body = assert_problem(refused, 400, "untrusted-host")
        assert "evil" not in str(body["detail"])
        assert refused.headers["cache-control"] == "no-store"
        for host in ("api.example.org", "API.example.org:8443", "eu.peacetalks.example"):
            response = await client.get("/v1/rounds", headers={"Host": host})
            assert response.status_code == 200, host
        for host in ("peacetalks.example", "api.example.org.evil.example", ""):
            assert (await client.get("/v1/rounds", headers={"Host": host})).status_code == 400, host


@ONE_BACKEND
async def test_health_checks_work_with_any_trusted_hosts(shared_db: Database) -> None:
    """The Dockerfile's HEALTHCHECK (and any orchestrator) probes by IP: health endpoints are exempt."""
    async with with_settings(shared_db, trusted_hosts=["localhost"]) as client:
        healthz = await client.get("/healthz", headers={"Host": "127.0.0.1:8000"})
        assert (healthz.status_code, healthz.json()) == (200, {"status": "ok"})
        readyz = await client.get("/readyz", headers={"Host": "127.0.0.1:8000"})
        assert (readyz.status_code, readyz.json()["status"]) == (200, "ready")
        assert (await client.get("/v1/rounds", headers={"Host": "127.0.0.1:8000"})).status_code == 400


@ONE_BACKEND
async def test_a_refused_cors_preflight_is_a_problem(shared_db: Database) -> None:
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "If-None-Match"}
    async with with_settings(shared_db, cors_origins=["https://ok.example"]) as client:
        allowed = await client.options("/v1/rounds", headers={**preflight, "Origin": "https://ok.example"})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://ok.example"
        refused = await client.options("/v1/rounds", headers={**preflight, "Origin": "https://evil.example"})
        body = assert_problem(refused, 400, "cors-refused")
        assert "not allowed: origin" in str(body["detail"])
        assert "access-control-allow-origin" not in refused.headers
        method = await client.options(
            "/v1/rounds",
            headers={**preflight, "Origin": "https://ok.example", "Access-Control-Request-Method": "DELETE"},
        )
        body = assert_problem(method, 400, "cors-refused")
        assert "not allowed: method" in str(body["detail"])
        assert "GET, HEAD" in str(body["detail"])


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/v1/rounds/?limit=2", "/v1/rounds?limit=2"),
        ("/v1/parties/russia/", "/v1/parties/russia"),
        ("/healthz/", "/healthz"),
    ],
)
@ONE_BACKEND
async def test_trailing_slash_redirect_is_relative(
    client: httpx.AsyncClient, url: str, location: str
) -> None:
    response = await client.get(url, headers={"Host": "evil.example"})
    assert response.status_code == 307
    assert response.headers["location"] == location
    assert "x-request-id" in response.headers
    assert (await client.get(location)).status_code == 200


@pytest.mark.parametrize("url", ["//evil.example/", "//v1/rounds/", "/v1/nothing/"])
@ONE_BACKEND
async def test_no_redirect_leaves_the_server(client: httpx.AsyncClient, url: str) -> None:
    # An absolute URL, so that httpx sends the path as written ("//evil.example/" alone would be read as
    # a network-path reference to another host, and request "/").
    absolute = str(client.base_url).rstrip("/") + url
    response = await client.get(absolute, headers={"Host": "evil.example"})
    assert response.request.url.raw_path.startswith(url.encode())
    assert_problem(response, 404, "not-found")
    assert "location" not in response.headers


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def access_records() -> Iterator[list[logging.LogRecord]]:
    handler = Records()
    logger = logging.getLogger("app.access")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


async def test_the_access_line_carries_query_user_agent_and_data_version(
    shared_db: Database, access_records: list[logging.LogRecord]
) -> None:
    client = await settle(make_client(shared_db.settings.model_copy(update={"log_level": "INFO"})))
    version = (await client.get("/readyz")).json()["data_version"]  # INFO, as `make run` logs
    response = await client.get(
        "/v1/rounds?party=russia&limit=2", headers={"User-Agent": "probe/1.0 (edge test)"}
    )
    assert response.status_code == 200
    fields = access_records[-1].__dict__["fields"]
    assert fields["method"] == "GET"
    assert fields["path"] == "/v1/rounds"
    assert fields["query"] == "party=russia&limit=2"
    assert fields["status"] == 200
    assert fields["user_agent"] == "probe/1.0 (edge test)"
    assert fields["data_version"] == version
    assert fields["request_id"] == response.headers["x-request-id"]
    line = TextFormatter().format(access_records[-1])
    assert re.fullmatch(
        r"\S+Z INFO  GET /v1/rounds\?party=russia&limit=2 200 [\d.]+ms \d+B "
        rf"request_id={fields['request_id']} user_agent=\"probe/1.0 \(edge test\)\" data_version={version}",
        line,
    ), line


@ONE_BACKEND
async def test_a_422_is_logged_with_its_query(
    client: httpx.AsyncClient, access_records: list[logging.LogRecord]
) -> None:
    assert (await client.get("/v1/rounds?from=2022-13")).status_code == 422
    fields = access_records[-1].__dict__["fields"]
    assert (fields["status"], fields["query"]) == (422, "from=2022-13")


@pytest.mark.parametrize("value", ["2022-13", "banana", "2022-3", "22", "2022-03-15T00:00"])
@ONE_BACKEND
async def test_a_date_error_says_which_forms_are_accepted(client: httpx.AsyncClient, value: str) -> None:
    body = assert_problem(await client.get("/v1/events", params={"from": value}), 422, "validation")
    [error] = body["errors"]  # type: ignore[misc]
    assert error["field"] == "from"
    assert (
        error["message"]
        == f"'{value}' is not valid: use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2022, 2022-03, 2022-03-29)"
    )


@ONE_BACKEND
async def test_an_impossible_day_is_named(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/rounds?from=2023-02-29"), 422, "validation")
    assert body["errors"][0]["message"] == "'2023-02-29' is not a valid date"  # type: ignore[index]


@ONE_BACKEND
async def test_an_enum_error_lists_the_allowed_values(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/rounds?status=nope"), 422, "validation")
    [error] = body["errors"]  # type: ignore[misc]
    values = [s.value for s in RoundStatus]
    assert error["allowed"] == values
    assert error["message"] == f"'nope' is not allowed: use one of {', '.join(values)}"


@ONE_BACKEND
async def test_an_id_error_says_what_an_id_looks_like(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/parties/UKRAINE"), 422, "validation")
    message = body["errors"][0]["message"]  # type: ignore[index]
    assert message == (
        "'UKRAINE' is not valid: use an id of lowercase letters, digits and single hyphens (e.g. 'ukraine')"
    )
