"""Keyset pagination: walking with next_cursor and the Link header, limit validation, tampered cursors."""

from __future__ import annotations

import base64
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.schemas import Problem
from tests.conftest import COLLECTIONS

pytestmark = pytest.mark.anyio

LISTINGS = [
    *[(name, {}) for name in COLLECTIONS],
    ("rounds", {"sort": "-date"}),
    ("rounds", {"sort": "article"}),
    ("events", {"sort": "-date"}),
    ("positions", {"party": "ukraine"}),
    ("barriers", {"category": "structural"}),
]
LINK_PREFIX = "<"
LINK_SUFFIX = '>; rel="next"'


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    Problem.model_validate(body)
    assert body["status"] == status
    assert body["title"] == HTTPStatus(status).phrase
    assert body["detail"]
    assert body["instance"] == response.url.path
    assert "Traceback" not in response.text
    return body


async def ids_of(client: httpx.AsyncClient, url: str, params: dict[str, Any]) -> list[str]:
    response = await client.get(url, params={**params, "limit": 200})
    assert response.status_code == 200
    assert response.json()["next_cursor"] is None
    assert "link" not in response.headers
    return [item["id"] for item in response.json()["items"]]


async def walk_with_cursor(
    client: httpx.AsyncClient, url: str, params: dict[str, Any], limit: int
) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(100):
        query = {**params, "limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get(url, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert 1 <= len(body["items"]) <= limit
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            return seen
        assert len(body["items"]) == limit
        link = response.headers["link"]
        assert link.startswith(LINK_PREFIX)
        assert link.endswith(LINK_SUFFIX)
        target = urlsplit(link[len(LINK_PREFIX) : -len(LINK_SUFFIX)])
        assert target.path == url
        query_of_link = {k: v[0] for k, v in parse_qs(target.query).items()}
        assert query_of_link == {
            **{k: str(v) for k, v in params.items()},
            "limit": str(limit),
            "cursor": cursor,
        }
    raise AssertionError("pagination does not end")


async def walk_with_link(
    client: httpx.AsyncClient, url: str, params: dict[str, Any], limit: int
) -> list[str]:
    seen: list[str] = []
    response = await client.get(url, params={**params, "limit": limit})
    for _ in range(100):
        assert response.status_code == 200, response.text
        seen += [item["id"] for item in response.json()["items"]]
        link = response.headers.get("link")
        if link is None:
            assert response.json()["next_cursor"] is None
            return seen
        response = await client.get(link[len(LINK_PREFIX) : -len(LINK_SUFFIX)])
    raise AssertionError("pagination does not end")


@pytest.mark.parametrize("limit", [1, 2, 3])
@pytest.mark.parametrize(
    ("name", "params"),
    LISTINGS,
    ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in p.items())}" for n, p in LISTINGS],
)
async def test_walk_visits_every_item_once_in_order(
    client: httpx.AsyncClient, name: str, params: dict[str, Any], limit: int
) -> None:
    url = f"/v1/{name}"
    everything = await ids_of(client, url, params)
    assert everything
    by_cursor = await walk_with_cursor(client, url, params, limit)
    assert by_cursor == everything
    assert len(set(by_cursor)) == len(by_cursor)
    assert await walk_with_link(client, url, params, limit) == everything


@pytest.mark.parametrize("name", ["rounds", "positions", "search"])
@pytest.mark.parametrize("limit", ["0", "-1", "201", "abc", "1.5", "", "1e3"])
async def test_bad_limit_is_a_422_naming_limit(client: httpx.AsyncClient, name: str, limit: str) -> None:
    params = {"limit": limit} | ({"q": "war"} if name == "search" else {})
    body = assert_problem(await client.get(f"/v1/{name}", params=params), 422)
    assert body["type"].endswith("validation")
    assert [e["field"] for e in body["errors"]] == ["limit"]


@pytest.mark.parametrize("limit", [1, 200])
async def test_limit_bounds_are_accepted(client: httpx.AsyncClient, limit: int) -> None:
    response = await client.get("/v1/positions", params={"limit": limit})
    assert response.status_code == 200
    assert len(response.json()["items"]) == min(limit, 12)


async def first_cursor(client: httpx.AsyncClient, url: str, **params: Any) -> str:
    response = await client.get(url, params={"limit": 1, **params})
    cursor = response.json()["next_cursor"]
    assert isinstance(cursor, str)
    assert cursor
    return cursor


def flip(token: str, index: int) -> str:
    replacement = "A" if token[index] != "A" else "B"
    return token[:index] + replacement + token[index + 1 :]


def tampered(cursor: str) -> list[str]:
    n = len(cursor)
    return [
        flip(cursor, 0),
        flip(cursor, n // 3),
        flip(cursor, n // 2),
        flip(cursor, n - 2),
        cursor[:-1],
        cursor[:-4],
        cursor[: n // 2],
        cursor[:1],
        cursor + "AAAA",
        cursor.upper(),
        "",
        "====",
        "!!!!",
        "é",
        base64.urlsafe_b64encode(bytes(range(40))).decode().rstrip("="),
        base64.urlsafe_b64encode(b'["date","2022-03 000000","istanbul-2022"]').decode(),
        base64.urlsafe_b64encode(b"not json at all, but long enough").decode(),
    ]


async def test_tampered_cursors_are_400_invalid_cursor(client: httpx.AsyncClient) -> None:
    cursor = await first_cursor(client, "/v1/rounds")
    assert (await client.get("/v1/rounds", params={"limit": 1, "cursor": cursor})).status_code == 200
    for bad in tampered(cursor):
        response = await client.get("/v1/rounds", params={"limit": 1, "cursor": bad})
        body = assert_problem(response, 400)
        assert body["type"].endswith("invalid-cursor"), bad


async def test_cursor_of_another_sort_is_400(client: httpx.AsyncClient) -> None:
    by_date = await first_cursor(client, "/v1/rounds", sort="date")
    body = assert_problem(await client.get("/v1/rounds", params={"sort": "-date", "cursor": by_date}), 400)
    assert body["type"].endswith("invalid-cursor")
    assert "'rounds:date'" in body["detail"]
    assert "'rounds:-date'" in body["detail"]
    body = assert_problem(await client.get("/v1/rounds", params={"sort": "article", "cursor": by_date}), 400)
    assert body["type"].endswith("invalid-cursor")


async def test_cursor_of_other_filters_is_400(client: httpx.AsyncClient) -> None:
    """A list cursor is bound to its filters: reused with other values (or none) it would skip items."""
    russia = await first_cursor(client, "/v1/positions", party="russia")
    same = await client.get("/v1/positions", params={"limit": 1, "party": "russia", "cursor": russia})
    assert same.status_code == 200
    for params in ({"party": "ukraine"}, {}, {"party": "russia", "kind": "demand"}):
        response = await client.get("/v1/positions", params={**params, "cursor": russia})
        body = assert_problem(response, 400)
        assert body["type"].endswith("invalid-cursor"), params
        assert "other filters" in body["detail"], params
    unfiltered = await first_cursor(client, "/v1/positions")
    body = assert_problem(
        await client.get("/v1/positions", params={"party": "russia", "cursor": unfiltered}), 400
    )
    assert "other filters" in body["detail"]
    dated = await first_cursor(client, "/v1/events", **{"from": "2022"})
    body = assert_problem(await client.get("/v1/events", params={"from": "2023", "cursor": dated}), 400)
    assert "other filters" in body["detail"]


async def test_cursor_of_another_collection_is_400(client: httpx.AsyncClient) -> None:
    rounds = await first_cursor(client, "/v1/rounds")
    body = assert_problem(await client.get("/v1/positions", params={"cursor": rounds}), 400)
    assert body["type"].endswith("invalid-cursor")
    body = assert_problem(await client.get("/v1/search", params={"q": "war", "cursor": rounds}), 400)
    assert body["type"].endswith("invalid-cursor")
    search = await first_cursor(client, "/v1/search", q="war")
    body = assert_problem(await client.get("/v1/rounds", params={"cursor": search}), 400)
    assert body["type"].endswith("invalid-cursor")
    other_query = assert_problem(await client.get("/v1/search", params={"q": "peace", "cursor": search}), 400)
    assert other_query["type"].endswith("invalid-cursor")


async def test_cursor_of_another_collection_with_the_same_sort_name_is_400(client: httpx.AsyncClient) -> None:
    positions = await first_cursor(client, "/v1/positions")
    response = await client.get("/v1/sources", params={"cursor": positions})
    assert_problem(response, 400)


async def test_forged_cursor_with_a_non_scalar_key_is_400(client: httpx.AsyncClient) -> None:
    from app.api.pagination import Cursor, encode_cursor

    for key in ({"a": 1}, [1, 2], 5, None, True):
        forged = encode_cursor(Cursor(sort="rounds:date", key=key, id="x"))
        body = assert_problem(await client.get("/v1/rounds", params={"cursor": forged}), 400)
        assert body["type"].endswith("invalid-cursor"), key
    forged = encode_cursor(Cursor(sort="rounds:article", key="not-an-ordinal", id="x"))
    body = assert_problem(await client.get("/v1/rounds", params={"cursor": forged, "sort": "article"}), 400)
    assert body["type"].endswith("invalid-cursor")


async def test_overlong_cursor_is_rejected(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/rounds", params={"cursor": "A" * 513}), 422)
    assert [e["field"] for e in body["errors"]] == ["cursor"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cursor=st.text(max_size=600))
async def test_random_cursors_never_5xx(client: httpx.AsyncClient, cursor: str) -> None:
    for url, params in (("/v1/rounds", {}), ("/v1/search", {"q": "war"})):
        response = await client.get(url, params={**params, "cursor": cursor})
        assert response.status_code in (400, 422), (cursor, response.text)
        body = response.json()
        assert body["status"] == response.status_code
        if response.status_code == 400:
            assert body["type"].endswith("invalid-cursor")
