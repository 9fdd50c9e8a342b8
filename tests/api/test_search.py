"""Full-text search: known words, case and diacritics folding, snippets, the type filter, pagination,
and hostile input that must never reach the engine as syntax."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.schemas import Problem, SearchPage
from tests.conftest import DOCUMENT_ID

pytestmark = pytest.mark.anyio


async def search(client: httpx.AsyncClient, q: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/search", params={"q": q, "limit": 200, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    page = SearchPage.model_validate(response.json())
    assert page.next_cursor is None
    return response.json()["items"]


def hits(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(item["type"], item["id"]) for item in items}


def marked(snippet: str) -> list[str]:
    """The words between ``[[`` and ``]]``."""
    out = []
    for part in snippet.split("[[")[1:]:
        assert "]]" in part, snippet
        out.append(part.split("]]", 1)[0])
    return out


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("neutrality", {("topics", "neutrality"), ("positions", "ukraine-neutrality-lost-legitimacy")}),
        ("Transnistria", {("implications", "frozen-conflict"), ("documents", DOCUMENT_ID)}),
        ("Umerov", {("people", "rustem-umerov"), ("documents", DOCUMENT_ID)}),
        ("Reuters", {("sources", "reuters")}),
        ("withdrawal", {("positions", "ukraine-full-withdrawal")}),
        (
            "Istanbul",
            {
                ("rounds", "istanbul-2022"),
                ("rounds", "istanbul-back-channel"),
                ("events", "istanbul-talks-2022"),
            },
        ),
        ("Kyslytsya", {("people", "sergiy-kyslytsya")}),
    ],
)
async def test_finds_known_words(client: httpx.AsyncClient, q: str, expected: set[tuple[str, str]]) -> None:
    items = await search(client, q)
    assert expected <= hits(items)
    for item in items:
        assert item["title"]
        assert isinstance(item["score"], float)
        assert all(q.lower()[:5] in w.lower() for w in marked(item["snippet"])), item["snippet"]
    document = next(item for item in items if item["type"] == "documents") if q != "withdrawal" else None
    if document is not None:  # the document's text always contains the word: its snippet marks it
        assert "[[" in document["snippet"], document
        assert "]]" in document["snippet"], document
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)


@pytest.mark.parametrize(
    ("q", "title_only_hits"),
    [
        ("neutrality", True),
        ("Umerov", True),
        ("Kyslytsya", True),
        ("Istanbul", True),
        ("Reuters", False),
        ("Transnistria", False),
    ],
)
async def test_every_snippet_marks_the_match(
    client: httpx.AsyncClient, shared_db: Any, request: pytest.FixtureRequest, q: str, title_only_hits: bool
) -> None:
    for item in await search(client, q):
        assert "[[" in item["snippet"], item
        assert "]]" in item["snippet"], item
        assert all(q.lower()[:5] in w.lower() for w in marked(item["snippet"])), item["snippet"]


async def test_transnistria_is_only_in_implication_six(client: httpx.AsyncClient) -> None:
    items = await search(client, "Transnistria", type="implications")
    assert [item["id"] for item in items] == ["frozen-conflict"]
    implication = (await client.get("/v1/implications/frozen-conflict")).json()
    assert implication["number"] == 6


async def test_case_insensitive(client: httpx.AsyncClient) -> None:
    upper, lower, mixed = [await search(client, q) for q in ("NATO", "nato", "NaTo")]
    assert upper == lower == mixed
    assert {("topics", "nato-membership"), ("mediators", "nato-support")} <= hits(upper)


async def test_diacritics_insensitive(client: httpx.AsyncClient) -> None:
    folded = await search(client, "Çırağan")
    plain = await search(client, "Ciragan")
    assert folded == plain
    assert {("rounds", "istanbul-2025"), ("documents", DOCUMENT_ID)} <= hits(folded)
    for item in folded:
        assert [w.lower() for w in marked(item["snippet"])] == ["ciragan"] * len(marked(item["snippet"]))


async def test_every_word_must_match(client: httpx.AsyncClient) -> None:
    both = hits(await search(client, "Ciragan Umerov"))
    assert both
    assert both <= hits(await search(client, "Ciragan")) & hits(await search(client, "Umerov"))
    assert await search(client, "Ciragan Transnistria zzzqqq") == []


async def test_no_match_is_an_empty_list(client: httpx.AsyncClient) -> None:
    assert await search(client, "xylophonequartz") == []


@pytest.mark.parametrize("kind", ["positions", "topics", "barriers", "documents", "rounds"])
async def test_type_filter_restricts_hits(client: httpx.AsyncClient, kind: str) -> None:
    everything = await search(client, "neutrality")
    only = await search(client, "neutrality", type=kind)
    assert only
    assert {item["type"] for item in only} == {kind}
    assert hits(only) == {h for h in hits(everything) if h[0] == kind}


async def test_type_filter_with_no_hit_is_empty(client: httpx.AsyncClient) -> None:
    assert await search(client, "Transnistria", type="sources") == []


async def test_invalid_type_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/search", params={"q": "war", "type": "tanks"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["type"]


@pytest.mark.parametrize("limit", [1, 3, 7])
async def test_pagination_has_no_duplicates_and_keeps_the_order(
    client: httpx.AsyncClient, limit: int
) -> None:
    everything = await search(client, "Ukraine")
    assert len(everything) > 10
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(200):
        params = {"q": "Ukraine", "limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/v1/search", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            break
        assert len(body["items"]) == limit
        assert response.headers["link"].endswith('>; rel="next"')
    keys = [(item["type"], item["id"]) for item in seen]
    assert len(keys) == len(set(keys))
    assert keys == [(item["type"], item["id"]) for item in everything]


HOSTILE = [
    '"',
    '""',
    '"unbalanced',
    "*",
    "war*",
    "NEAR(",
    "NEAR(peace talks, 2)",
    "OR",
    "AND NOT",
    "peace AND NOT war",
    "peace OR",
    "(",
    ")",
    "((peace)",
    "peace)",
    "-",
    "-war",
    ":",
    "title:peace",
    "^",
    "^peace",
    "{peace}",
    "peace & | ! <->",
    "😀",
    "peace 🕊️ talks",
    "a" * 1000,
    "peace " * 166,
    "'; DROP TABLE rounds; --",
    "1' OR '1'='1",
    "\\",
    "%",
    "_",
    "\x01\x02\x03\t\n\r\x1b\x7f",
    "\u200b\u200e\ufeff",
    "Ω≈ç√∫",
    # the search syntax, broken in every way it can be
    '"frozen conflict" OR',
    "OR OR OR",
    "-",
    "--war",
    "-(",
    '-"',
    "-*",
    "*war",
    "war**",
    '"*"',
    "a OR -b",
    "(a OR b",
    "a OR b)",
    "()",
    "(-war)",
    "((((((((((((war))))))))))))",
    "(" * 490 + "war" + ")" * 490,
    "-war " * 100,
    "war OR " * 100 + "peace",
    '"' + "peace " * 100 + '"',
    "x* " * 50,
    "AND AND war",
    "war AND",
    "n\u0303a\u0301to",
    "'s",
    "’’’",
]


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_queries_are_plain_text(client: httpx.AsyncClient, q: str) -> None:
    response = await client.get("/v1/search", params={"q": q})
    assert response.status_code == 200, response.text
    SearchPage.model_validate(response.json())
    assert isinstance(response.json()["items"], list)


async def test_operators_are_words_not_syntax(client: httpx.AsyncClient) -> None:
    # Punctuation around words is dropped rather than parsed: these pairs are the same query.
    assert hits(await search(client, "NEAR(Ciragan")) == hits(await search(client, "NEAR Ciragan"))
    assert hits(await search(client, '"Ciragan*')) == hits(await search(client, "Ciragan"))


async def test_sql_injection_changes_nothing(client: httpx.AsyncClient) -> None:
    await client.get("/v1/search", params={"q": "'; DROP TABLE rounds; --"})
    response = await client.get("/v1/rounds")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 5


async def test_query_of_1000_characters_is_accepted_and_1001_refused(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/search", params={"q": "x" * 1000})).status_code == 200
    response = await client.get("/v1/search", params={"q": "x" * 1001})
    assert response.status_code == 422
    body = response.json()
    Problem.model_validate(body)
    assert body["status"] == 422
    assert body["title"] == HTTPStatus(422).phrase
    assert [e["field"] for e in body["errors"]] == ["q"]


@pytest.mark.parametrize("query", ["", "?q=", "?limit=5"])
async def test_missing_or_empty_q_is_422(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get(f"/v1/search{query}")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["q"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(min_size=1, max_size=200))
async def test_any_text_never_5xx(client: httpx.AsyncClient, q: str) -> None:
    response = await client.get("/v1/search", params={"q": q})
    assert response.status_code == 200, (q, response.text)
    SearchPage.model_validate(response.json())
