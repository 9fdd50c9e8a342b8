"""The same filters everywhere (issue 10): party, topic and briefing on every evidence collection,
every enum field a filter, a comma list as OR, parameters ANDed, ``from`` after ``to`` a 422, ``q``
within a collection, and ``referenced_by`` on party and topic details."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.db.collections import BY_NAME
from tests.conftest import BRIEFING_ID

pytestmark = pytest.mark.anyio

EVIDENCE = ["rounds", "positions", "mediators", "barriers", "implications", "events"]
PARTY_FIELDS = {
    "rounds": ("participants", "hosts", "involved"),
    "positions": ("party",),
    "mediators": ("party",),
    "barriers": ("parties",),
    "implications": ("parties",),
    "events": ("parties",),
    "people": ("party",),
}


async def ids(client: httpx.AsyncClient, url: str, **params: Any) -> list[str]:
    response = await client.get(url, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def items(client: httpx.AsyncClient, name: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/{name}", params={"limit": 200})
    result: list[dict[str, Any]] = response.json()["items"]
    return result


def _refs(item: dict[str, Any], fields: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    for name in fields:
        value = item[name]
        for ref in value if isinstance(value, list) else [value]:
            if ref is not None:
                out.add(ref["id"])
    return out


@pytest.mark.parametrize("name", EVIDENCE)
async def test_every_evidence_collection_filters_by_party_topic_and_briefing(
    client: httpx.AsyncClient, name: str
) -> None:
    assert {"party", "topic", "briefing"} <= {f.name for f in BY_NAME[name].filters}
    every = await items(client, name)
    rounds = {r["id"]: r for r in await items(client, "rounds")}
    hits = 0
    for party in ("russia", "ukraine", "turkey", "united-nations"):
        expected = [i["id"] for i in every if party in _refs(i, PARTY_FIELDS[name])]
        assert await ids(client, f"/v1/{name}", party=party) == expected
        hits += len(expected)
    for topic in ("territory", "neutrality", "trust", "escalation"):
        if name == "events":  # events have no topics: their round's
            expected = [
                i["id"] for i in every if i["round"] and topic in _refs(rounds[i["round"]["id"]], ("topics",))
            ]
        else:
            expected = [i["id"] for i in every if topic in _refs(i, ("topics",))]
        assert await ids(client, f"/v1/{name}", topic=topic) == expected
        hits += len(expected)
    assert hits > 0
    assert await ids(client, f"/v1/{name}", briefing=BRIEFING_ID) == [i["id"] for i in every]
    assert await ids(client, f"/v1/{name}", briefing="no-such-briefing") == []


async def test_a_comma_list_is_or_and_parameters_and(client: httpx.AsyncClient) -> None:
    every = await items(client, "positions")
    either = await ids(client, "/v1/positions", kind="demand,red_line")
    assert either == [p["id"] for p in every if p["kind"] in {"demand", "red_line"}]
    assert set(await ids(client, "/v1/positions", kind="demand")) < set(either)
    both = await ids(client, "/v1/positions", kind="demand,red_line", party="russia")
    assert both == [
        p["id"] for p in every if p["kind"] in {"demand", "red_line"} and p["party"]["id"] == "russia"
    ]
    assert both
    assert len(both) < len(either)
    parties = await ids(client, "/v1/positions", party="russia,ukraine")
    assert parties == [p["id"] for p in every if p["party"]["id"] in {"russia", "ukraine"}]


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("rounds", "status"),
        ("rounds", "format"),
        ("rounds", "date_precision"),
        ("positions", "kind"),
        ("positions", "holder"),
        ("mediators", "role"),
        ("barriers", "category"),
        ("events", "kind"),
        ("events", "date_precision"),
        ("parties", "kind"),
    ],
)
async def test_every_enum_field_is_a_filter(client: httpx.AsyncClient, name: str, field: str) -> None:
    every = await items(client, name)
    values = sorted({i[field] for i in every if i[field] is not None})
    for value in values:
        assert await ids(client, f"/v1/{name}", **{field: value}) == [
            i["id"] for i in every if i[field] == value
        ]
    bad = await client.get(f"/v1/{name}", params={field: f"{values[0]},nonsense"})
    assert bad.status_code == 422
    error = bad.json()["errors"][0]
    assert error["message"].startswith(f"'{values[0]},nonsense' is not allowed: use one of")
    assert "nonsense" not in error["allowed"]
    assert values[0] in error["allowed"]


@pytest.mark.parametrize("name", ["rounds", "events"])
async def test_from_after_to_is_a_422_that_says_so(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"/v1/{name}", params={"from": "2023", "to": "2022"})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "from"
    assert body["errors"][0]["message"] == "`from` (2023) is after `to` (2022)"
    same = await client.get(f"/v1/{name}", params={"from": "2022-03", "to": "2022-03"})
    assert same.status_code == 200


async def test_q_searches_within_the_collection(client: httpx.AsyncClient) -> None:
    search = (await client.get("/v1/search", params={"q": "neutrality", "type": "positions"})).json()
    found = {hit["id"] for hit in search["items"]}
    assert found
    listed = await ids(client, "/v1/positions", q="neutrality")
    assert set(listed) == found
    every = [p["id"] for p in await items(client, "positions")]
    assert listed == [i for i in every if i in found]  # the list's order, not the rank
    assert await ids(client, "/v1/positions", q="neutrality", party="no-such-party") == []
    assert await ids(client, "/v1/positions", q="((!!") == []


@pytest.mark.parametrize(
    ("name", "item_id", "parameter"), [("parties", "russia", "party"), ("topics", "trust", "topic")]
)
async def test_details_say_what_refers_to_them(
    client: httpx.AsyncClient, name: str, item_id: str, parameter: str
) -> None:
    detail = (await client.get(f"/v1/{name}/{item_id}")).json()
    references = detail["referenced_by"]
    expected = [s for s in BY_NAME if any(f.name == parameter for f in BY_NAME[s].filters)]
    if parameter == "topic":
        expected.remove("events")  # events refer to topics only through their round
    assert list(references) == expected
    assert sum(r["count"] for r in references.values()) > 0
    for collection, reference in references.items():
        assert reference["url"] == f"/v1/{collection}?{parameter}={item_id}"
        found = await ids(client, f"/v1/{collection}", **{parameter: item_id})
        assert len(found) == reference["count"]
