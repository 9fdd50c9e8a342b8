"""The whole briefing in one response: every item, grouped and ordered as the article has them."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx
import pytest
import yaml

from app.domain.schemas import BriefingDetail
from tests.conftest import BRIEFING_ID, DOCUMENT_ID, SEEDS_DIR

pytestmark = pytest.mark.anyio

URL = f"/v1/briefings/{BRIEFING_ID}"
CAPTION = (
    "Head of the Ukrainian delegation and Ukraine’s Defence Minister Rustem Umerov (L) speaks, flanked by "
    "Ukraines Deputy Foreign Minister Sergiy Kyslytsya (C), during a press conference after a second "
    "meeting of direct talks between Ukrainian and Russian delegations, at the Ciragan Palace, in Istanbul, "
    "on June 2, 2025. [Adem Altan/AFP)"
)


@cache
def seed_items(name: str) -> tuple[dict[str, Any], ...]:
    with (SEEDS_DIR / f"{name}.yaml").open(encoding="utf-8") as f:
        return tuple(yaml.safe_load(f)[name])


def seed_ids(name: str) -> list[str]:
    return [item["id"] for item in seed_items(name)]


@pytest.fixture
async def briefing(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(URL)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def text(client: httpx.AsyncClient) -> str:
    return (await client.get(f"/v1/documents/{DOCUMENT_ID}/text")).content.decode("utf-8")


async def test_validates_and_names_its_document(briefing: dict[str, Any]) -> None:
    BriefingDetail.model_validate(briefing)
    seeded = seed_items("briefings")[0]
    assert briefing["id"] == BRIEFING_ID
    assert briefing["title"] == seeded["title"]
    assert briefing["summary"] == seeded["summary"]
    assert briefing["published_on"] == "2025-06-12"
    assert briefing["document"]["id"] == DOCUMENT_ID
    assert "text" not in briefing["document"]


async def test_flat_collections_are_complete_and_in_order(
    client: httpx.AsyncClient, briefing: dict[str, Any]
) -> None:
    for name in ("rounds", "mediators", "implications", "events", "sources", "people"):
        listed = (await client.get(f"/v1/{name}", params={"limit": 200})).json()["items"]
        assert [item["id"] for item in briefing[name]] == [item["id"] for item in listed], name
        assert briefing[name] == listed, name
    assert set(seed_ids("rounds")) == {r["id"] for r in briefing["rounds"]}
    assert [m["id"] for m in briefing["mediators"]] == seed_ids("mediators")
    assert [s["id"] for s in briefing["sources"]] == seed_ids("sources")
    assert len(briefing["sources"]) == 5
    assert [i["number"] for i in briefing["implications"]] == [1, 2, 3, 4, 5, 6]
    assert [i["id"] for i in briefing["implications"]] == seed_ids("implications")
    assert set(seed_ids("events")) == {e["id"] for e in briefing["events"]}


async def test_positions_grouped_by_party(briefing: dict[str, Any]) -> None:
    groups = briefing["positions_by_party"]
    seeded = seed_items("positions")
    first_seen = list(dict.fromkeys(p["party"] for p in seeded))
    assert [g["party"]["id"] for g in groups] == first_seen == ["ukraine", "russia", "the-west"]
    assert groups[0]["party"] == {"id": "ukraine", "name": "Ukraine"}
    for group in groups:
        assert group["positions"]
        for position in group["positions"]:
            assert position["party"] == group["party"]
        expected = [p["id"] for p in seeded if p["party"] == group["party"]["id"]]
        assert [p["id"] for p in group["positions"]] == expected
    flat = [p["id"] for g in groups for p in g["positions"]]
    assert sorted(flat) == sorted(seed_ids("positions"))
    assert len(flat) == len(set(flat))


async def test_barriers_grouped_by_category(briefing: dict[str, Any]) -> None:
    groups = briefing["barriers_by_category"]
    assert [g["category"] for g in groups] == ["structural", "political", "psychological"]
    seeded = seed_items("barriers")
    for group in groups:
        assert all(b["category"] == group["category"] for b in group["barriers"])
        expected = [b["id"] for b in seeded if b["category"] == group["category"]]
        assert [b["id"] for b in group["barriers"]] == expected
    flat = [b["id"] for g in groups for b in g["barriers"]]
    assert sorted(flat) == sorted(seed_ids("barriers"))


async def test_referenced_parties_and_topics_are_included(briefing: dict[str, Any]) -> None:
    parties = {p["id"]: p["name"] for p in briefing["parties"]}
    topics = {t["id"]: t["name"] for t in briefing["topics"]}
    evidence = [
        *briefing["rounds"],
        *(p for g in briefing["positions_by_party"] for p in g["positions"]),
        *briefing["mediators"],
        *(b for g in briefing["barriers_by_category"] for b in g["barriers"]),
        *briefing["implications"],
        *briefing["events"],
        *briefing["people"],
    ]
    for item in evidence:
        for key in ("party", "target", "participants", "hosts", "involved", "parties"):
            value = item.get(key)
            for ref in value if isinstance(value, list) else [value]:
                if ref is not None:
                    assert parties.get(ref["id"]) == ref["name"], (item["id"], ref)
        for ref in item.get("topics", []):
            assert topics.get(ref["id"]) == ref["name"], (item["id"], ref)
    # Listed in article order.
    assert [p["id"] for p in briefing["parties"]] == [i for i in seed_ids("parties") if i in parties]
    assert [t["id"] for t in briefing["topics"]] == [i for i in seed_ids("topics") if i in topics]


async def test_sections_in_article_order(briefing: dict[str, Any], text: str) -> None:
    sections = briefing["sections"]
    seeded = seed_items("briefings")[0]["sections"]
    assert [s["id"] for s in sections] == [s["id"] for s in seeded]
    assert [s["heading"] for s in sections] == [s["heading"] for s in seeded]
    assert sections[0]["heading"] is None
    assert sections[0]["start"] == 0
    starts = [s["start"] for s in sections]
    assert starts == sorted(starts)
    assert len(set(starts)) == len(starts)
    for section, following in zip(sections, [*sections[1:], None], strict=True):
        assert section["end"] == (following["start"] if following else len(text))
        if section["heading"] is not None:
            heading = section["heading"]
            assert text[section["start"] : section["start"] + len(heading)] == heading
    assert sections[-1]["heading"] == "🧾 Overall Takeaway"


async def test_takeaway_has_citations(briefing: dict[str, Any], text: str) -> None:
    seeded = seed_items("briefings")[0]
    takeaway = briefing["takeaway"]
    assert takeaway["summary"] == seeded["takeaway"]
    assert [c["quote"] for c in takeaway["citations"]] == [c["quote"] for c in seeded["takeaway_citations"]]
    for citation in takeaway["citations"]:
        assert citation["document_id"] == DOCUMENT_ID
        assert text[citation["start"] : citation["end"]] == citation["quote"]


async def test_photo_as_printed(briefing: dict[str, Any], text: str) -> None:
    photo = briefing["photo"]
    assert photo["caption"] == CAPTION
    assert "Ukraines Deputy" in photo["caption"]
    assert photo["caption"].endswith("[Adem Altan/AFP)")
    assert CAPTION in text
    assert photo["date"] == "2025-06-02"
    assert photo["date_precision"] == "day"
    assert photo["place"] == "Istanbul"
    assert photo["venue"] == "Ciragan Palace"
    assert photo["credit"] == "Adem Altan/AFP"
    assert photo["round"] == {
        "id": "istanbul-2025",
        "name": "Second meeting of direct Ukrainian–Russian talks",
    }
    assert photo["people"] == [
        {"id": "rustem-umerov", "name": "Rustem Umerov"},
        {"id": "sergiy-kyslytsya", "name": "Sergiy Kyslytsya"},
    ]


async def test_unknown_briefing_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/briefings/why-peace-talks-succeed")
    assert response.status_code == 404
    assert "why-peace-talks-succeed" in response.json()["detail"]
