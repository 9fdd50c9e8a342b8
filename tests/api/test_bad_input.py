"""A corpus of bad requests: each gets its expected status and a clean problem document, never a 500."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import httpx
import pytest

from app.domain.schemas import Problem

pytestmark = pytest.mark.anyio

LEAKS = ("Traceback", "sqlalchemy", 'File "', "/work/", "psycopg", "sqlite3")


def case(
    method: str,
    url: str,
    status: int | tuple[int, ...],
    *,
    field: str | None = None,
    detail: str | None = None,
    type_: str | None = None,
    allow: str | None = None,
    marks: Any = (),
) -> Any:
    statuses = status if isinstance(status, tuple) else (status,)
    return pytest.param(
        method, url, statuses, field, detail, type_, allow, marks=marks, id=f"{method} {url}"[:90]
    )


CORPUS = [
    # Routes and methods.
    case("GET", "/v2/rounds", 404, detail="/v2/rounds"),
    case("GET", "/v1/nothing-here", 404, detail="/v1/nothing-here"),
    case("GET", "/v1/rounds/istanbul-2022/extra", 404),
    case("GET", "/v1/", 404),
    *[
        case(method, url, 405, allow="GET, HEAD", detail=method)
        for method in ("POST", "PUT", "DELETE", "PATCH")
        for url in ("/v1/rounds", "/v1/positions/ukraine-full-withdrawal", "/v1/search?q=x")
    ],
    # Query strings: unknown, repeated, out of range.
    case("GET", "/v1/rounds?foo=1", 400, detail="'foo'", type_="unknown-parameter"),
    case("GET", "/v1/parties?party=ukraine", 400, detail="'party'", type_="unknown-parameter"),
    case("GET", "/v1/search?q=war&sort=date", 400, detail="'sort'", type_="unknown-parameter"),
    case("GET", "/v1/parties/russia?limit=1", 400, detail="'limit'", type_="unknown-parameter"),
    case("GET", "/v1/rounds?limit=1&limit=2", 400, detail="'limit'", type_="repeated-parameter"),
    case("GET", "/v1/rounds?party=ukraine&party=russia", 400, detail="'party'", type_="repeated-parameter"),
    case("GET", f"/v1/rounds?limit={10**30}", 422, field="limit", type_="validation"),
    case("GET", "/v1/rounds?limit=ten", 422, field="limit", type_="validation"),
    case("GET", "/v1/rounds?limit=-5", 422, field="limit", type_="validation"),
    case("GET", "/v1/rounds?limit=0x10", 422, field="limit", type_="validation"),
    case("GET", "/v1/search?q=war&limit=NaN", 422, field="limit", type_="validation"),
    case("GET", "/v1/rounds?sort=name", 422, field="sort", type_="validation"),
    case("GET", "/v1/rounds?cursor=", 400, type_="invalid-cursor"),
    # SQL / FTS syntax in every string filter: pattern-validated before it gets near a query.
    case("GET", "/v1/rounds?party=%27%20OR%201%3D1%20--", 422, field="party", type_="validation"),
    case("GET", "/v1/positions?party=%27%20OR%201%3D1%20--", 422, field="party", type_="validation"),
    case("GET", "/v1/positions?topic=NEAR(", 422, field="topic", type_="validation"),
    case("GET", "/v1/positions?round=istanbul%25", 422, field="round", type_="validation"),
    case("GET", "/v1/barriers?topic=trust%22%20OR%20%22", 422, field="topic", type_="validation"),
    case("GET", "/v1/mediators?party=*", 422, field="party", type_="validation"),
    case("GET", "/v1/people?party=UKRAINE", 422, field="party", type_="validation"),
    case("GET", "/v1/rounds?from=x", 422, field="from", type_="validation"),
    case("GET", "/v1/rounds?to=x", 422, field="to", type_="validation"),
    case("GET", "/v1/events?from=2022-3", 422, field="from", type_="validation"),
    case("GET", "/v1/events?to=22", 422, field="to", type_="validation"),
    case("GET", "/v1/rounds?from=2022-03-15T00:00", 422, field="from", type_="validation"),
    case("GET", "/v1/rounds?from=2022-13", 422, field="from", type_="validation"),
    case("GET", "/v1/events?to=2022-02-30", 422, field="to", type_="validation"),
    case("GET", "/v1/events?from=0000", 422, field="from", type_="validation"),
    case("GET", "/v1/rounds?to=2022-00", 422, field="to", type_="validation"),
    case("GET", "/v1/rounds?from=2023-02-29", 422, field="from", type_="validation"),
    case("GET", "/v1/rounds?from=2022-04-31", 422, field="from", type_="validation"),
    case("GET", "/v1/rounds?status=collapsed%27--", 422, field="status", type_="validation"),
    case("GET", "/v1/search?q=war&type=rounds%3B", 422, field="type", type_="validation"),
    case("GET", "/v1/search", 422, field="q", type_="validation"),
    case("GET", "/v1/search?q=" + "x" * 1001, 422, field="q", type_="validation"),
    # Ids: traversal, control characters, wrong case, too long.
    case("GET", "/v1/parties/..%2F..%2Fetc%2Fpasswd", (404, 422)),
    case("GET", "/v1/parties/%2e%2e", (404, 422)),
    case("GET", "/v1/parties/%00", (404, 422)),
    case("GET", "/v1/parties/a%0Ab", (404, 422)),
    case("GET", "/v1/parties/UKRAINE", (404, 422)),
    case("GET", "/v1/parties/ukraine%27%20OR%201%3D1", (404, 422)),
    case("GET", "/v1/parties/" + "a" * 81, (404, 422)),
    case("GET", "/v1/parties/%F0%9F%98%80", (404, 422)),
    case("GET", "/v1/documents/..%2Fseeds/text", (404, 422)),
    case("GET", "/v1/briefings/%00", (404, 422)),
    # Broken percent-encoding in the query string.
    case("GET", "/v1/search?q=%ZZ", (200, 400, 422)),
    case("GET", "/v1/search?q=%C3%28", (200, 400, 422)),
    case("GET", "/v1/search?q=%", (200, 400, 422)),
    case("GET", "/v1/rounds?party=%FF", (400, 422)),
    case("GET", "/v1/rounds?%ZZ=1", (400, 422)),
    case("GET", "/v1/parties/%ZZ", (400, 404, 422)),
    case("GET", "/v1/search?q=" + "x" * 5000, (422,)),
    case("GET", "/v1/search?q=" + "x" * 17000, (414,)),
    case("GET", "/v1/parties/" + "a" * 5000, (404, 414, 422)),
    case("GET", "/v1/parties/%C3%28", (400, 404, 422)),
]


def assert_clean(response: httpx.Response) -> None:
    for leak in LEAKS:
        assert leak.lower() not in response.text.lower(), leak


@pytest.mark.parametrize(("method", "url", "statuses", "field", "detail", "type_", "allow"), CORPUS)
async def test_bad_request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    statuses: tuple[int, ...],
    field: str | None,
    detail: str | None,
    type_: str | None,
    allow: str | None,
) -> None:
    response = await client.request(method, url)
    assert response.status_code in statuses, (response.status_code, response.text)
    assert_clean(response)
    if response.status_code == 200:
        assert isinstance(response.json()["items"], list)
        return
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    Problem.model_validate(body)
    for key in ("type", "title", "status", "detail", "instance"):
        assert key in body, key
    assert body["status"] == response.status_code
    assert body["title"] == HTTPStatus(response.status_code).phrase
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if body["type"].endswith("/bad-encoding"):
        # A URL that does not decode is not echoed back: the problem names no instance.
        assert body["instance"] is None
    else:
        assert isinstance(body["instance"], str)
        assert body["instance"].startswith("/")
    assert response.headers["x-content-type-options"] == "nosniff"
    if field is not None:
        assert field in [e["field"] for e in body["errors"]]
        assert field in body["detail"]
    if detail is not None:
        assert detail in body["detail"]
    if type_ is not None:
        assert body["type"].endswith("/" + type_)
    if allow is not None:
        assert response.headers["allow"] == allow


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_body_on_a_read_is_refused(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/v1/rounds", content=b'{"limit": 1}')
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    if method == "GET":
        body = response.json()
        assert body["status"] == 400
        assert body["type"].endswith("/unexpected-body")
        assert_clean(response)


async def test_still_healthy_after_the_corpus(client: httpx.AsyncClient) -> None:
    for method, url, *_ in (p.values for p in CORPUS):
        await client.request(method, url)
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    rounds = await client.get("/v1/rounds")
    assert next(r["id"] for r in rounds.json()["items"]) == "istanbul-2022"
