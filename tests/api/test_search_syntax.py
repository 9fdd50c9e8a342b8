"""The search syntax on the real data: phrases, prefixes, OR, exclusions, parentheses, labels, linked
names, search aliases, counts, and snippets that mark exactly what matched."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.db.collections import COLLECTIONS
from app.domain.schemas import SearchPage
from app.domain.search_terms import words
from tests.api.test_search import hits, marked

pytestmark = pytest.mark.anyio


async def page(client: httpx.AsyncClient, q: str, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/search", params={"q": q, "limit": 200, **params})
    assert response.status_code == 200, response.text
    SearchPage.model_validate(response.json())
    body: dict[str, Any] = response.json()
    assert body["next_cursor"] is None
    assert body["total"] == len(body["items"])
    return body


async def items(client: httpx.AsyncClient, q: str, **params: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = (await page(client, q, **params))["items"]
    return result


async def full_text(client: httpx.AsyncClient, kind: str, item_id: str) -> str:
    """Every string of the item's JSON, as one text (what a reader could see of it)."""
    item = (await client.get(f"/v1/{kind}/{item_id}")).json()
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(item)
    return " ".join(out)


def has_phrase(text: str, phrase: str) -> bool:
    haystack, needle = " ".join(words(text)), " ".join(words(phrase))
    return f" {needle} " in f" {haystack} "


async def test_phrase_finds_only_the_phrase_implication_six_first(client: httpx.AsyncClient) -> None:
    found = await items(client, '"frozen conflict"')
    assert found[0]["type"] == "implications"
    assert found[0]["id"] == "frozen-conflict"
    assert (await client.get("/v1/implications/frozen-conflict")).json()["number"] == 6
    for item in found:
        assert [w.lower() for w in marked(item["snippet"])] == ["frozen conflict"] * len(
            marked(item["snippet"])
        )
        assert marked(item["snippet"]), item
    assert hits(found) <= hits(await items(client, "frozen conflict"))
    for kind, item_id in hits(found) - {("documents", "peace-talks-analysis-2025-06-12")}:
        if kind != "topics":
            assert has_phrase(await full_text(client, kind, item_id), "frozen conflict"), item_id


async def test_prefix(client: httpx.AsyncClient) -> None:
    found = await items(client, "negotiat*")
    assert len(found) >= 1
    for item in found:
        assert marked(item["snippet"]), item
        assert all(w.lower().startswith("negotiat") for w in marked(item["snippet"])), item["snippet"]
    assert hits(await items(client, "negotiation")) <= hits(found)
    # a one-letter prefix is a plain word
    assert hits(await items(client, "a*")) == hits(await items(client, "a"))


async def test_or_is_the_union(client: httpx.AsyncClient) -> None:
    nato, ceasefire = hits(await items(client, "nato")), hits(await items(client, "ceasefire"))
    assert nato
    assert ceasefire
    assert hits(await items(client, "nato OR ceasefire")) == nato | ceasefire
    assert hits(await items(client, "(nato OR ceasefire)")) == nato | ceasefire
    # lowercase "or" is a word: every word is required
    assert hits(await items(client, "nato or ceasefire")) <= nato & ceasefire


async def test_exclusion(client: httpx.AsyncClient) -> None:
    nato, ceasefire = hits(await items(client, "nato")), hits(await items(client, "ceasefire"))
    without = hits(await items(client, "-nato ceasefire"))
    assert without == ceasefire - nato
    assert without
    assert hits(await items(client, "ceasefire -nato")) == without
    assert await items(client, "-nato") == []
    phrase = hits(await items(client, '"frozen conflict"'))
    assert (
        hits(await items(client, 'conflict -"frozen conflict"'))
        == hits(await items(client, "conflict")) - phrase
    )


async def test_parentheses_group(client: httpx.AsyncClient) -> None:
    grouped = hits(await items(client, "(nato OR ceasefire) ukraine"))
    nato_or = hits(await items(client, "nato OR ceasefire"))
    assert grouped == nato_or & hits(await items(client, "ukraine"))


async def test_labels_are_findable(client: httpx.AsyncClient) -> None:
    red_lines = {
        p["id"] for p in (await client.get("/v1/positions", params={"kind": "red_line"})).json()["items"]
    }
    assert len(red_lines) == 2
    found = await items(client, "red line")
    assert {(t, i) for t, i in hits(found) if t == "positions"} == {("positions", i) for i in red_lines}
    for item in found:
        if item["type"] == "positions":
            assert "red line" in [w.lower() for w in marked(item["snippet"])], item
    demands = {
        p["id"] for p in (await client.get("/v1/positions", params={"kind": "demand"})).json()["items"]
    }
    assert {("positions", i) for i in demands} <= hits(await items(client, "demand"))
    russia_demands = {
        p["id"]
        for p in (await client.get("/v1/positions", params={"kind": "demand", "party": "russia"})).json()[
            "items"
        ]
    }
    assert russia_demands
    assert {("positions", i) for i in russia_demands} <= hits(await items(client, "Russia's demands"))
    structural = (await client.get("/v1/barriers", params={"category": "structural"})).json()["items"]
    assert {("barriers", b["id"]) for b in structural} <= hits(await items(client, "structural"))


@pytest.mark.parametrize("kind", ["positions", "barriers", "implications", "mediators", "rounds"])
async def test_linked_topic_and_party_names_are_findable(client: httpx.AsyncClient, kind: str) -> None:
    listed = (await client.get(f"/v1/{kind}", params={"limit": 200})).json()["items"]
    checked = 0
    for item in listed:
        refs = [*item.get("topics", []), *item.get("parties", []), *item.get("participants", [])]
        refs += [item[k] for k in ("party", "target") if isinstance(item.get(k), dict)]
        for ref in refs:
            found = hits(await items(client, '"' + ref["name"] + '"', type=kind))
            assert (kind, item["id"]) in found, (item["id"], ref)
            checked += 1
    assert checked >= len(listed)


async def test_search_aliases(client: httpx.AsyncClient) -> None:
    zelensky = await items(client, "Zelensky")
    assert ("people", "zelenskyy") in hits(zelensky)
    assert hits(zelensky) == hits(await items(client, "Zelenskyy")) | hits(await items(client, "Zelensky"))
    for item in zelensky:
        assert [w.lower() for w in marked(item["snippet"])] == ["zelenskyy"] * len(marked(item["snippet"]))
        assert marked(item["snippet"])
    assert hits(await items(client, "Kiev")) == hits(await items(client, "Kyiv OR Ukraine OR Kiev"))
    # an excluded alias excludes its names too
    assert not hits(await items(client, "president -Zelensky")) & hits(zelensky)


async def test_counts(client: httpx.AsyncClient) -> None:
    body = await page(client, "ukraine")
    assert body["total"] == len(body["items"]) == sum(body["by_type"].values())
    assert set(body["by_type"]) == {spec.name for spec in COLLECTIONS}  # every collection, documents too
    for kind, count in body["by_type"].items():
        assert count == sum(1 for item in body["items"] if item["type"] == kind)
    only = await client.get("/v1/search", params={"q": "ukraine", "type": "positions", "limit": 3})
    first = only.json()
    assert first["total"] == body["by_type"]["positions"] > 3
    assert first["by_type"] == body["by_type"]
    assert len(first["items"]) == 3
    nothing = await page(client, "xylophonequartz")
    assert nothing["total"] == 0
    assert set(nothing["by_type"].values()) == {0}


async def test_title_matches_come_first(client: httpx.AsyncClient) -> None:
    found = await items(client, "ukraine")
    scores = [item["score"] for item in found]
    assert scores == sorted(scores, reverse=True)
    assert set(scores) == {0.0, 1.0}
    for item in found:
        in_title = "ukraine" in words(item["title"])
        assert (item["score"] == 1.0) == in_title, item


async def test_unparsable_is_plain_words(client: httpx.AsyncClient) -> None:
    plain = hits(await items(client, "frozen conflict"))
    assert plain
    for q in [
        '"frozen conflict',
        "(frozen conflict",
        "frozen conflict)",
        "frozen (conflict",
        '"frozen" conflict"',
    ]:
        assert hits(await items(client, q)) == plain, q
    # a dangling or doubled OR is a word too
    for q in ["frozen conflict OR", "OR frozen conflict", "frozen OR OR conflict"]:
        assert hits(await items(client, q)) == hits(await items(client, q.replace("OR", "or"))), q
    assert hits(await items(client, "frozen conflict OR")) < plain
