"""Totals and facets (issue 10): ``count=true`` adds the exact ``total``; ``facet=`` counts each value of
a filter under the other filters, most frequent first, and the counts of a single-valued field sum to the
total."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from app.db import facets
from app.db.collections import COLLECTIONS
from app.db.facets import facetable

pytestmark = pytest.mark.anyio


async def page(client: httpx.AsyncClient, url: str, **params: Any) -> dict[str, Any]:
    response = await client.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("name", [spec.name for spec in COLLECTIONS])
async def test_total_is_every_matching_item(client: httpx.AsyncClient, name: str) -> None:
    every = await page(client, f"/v1/{name}", limit=200)
    assert "total" not in every
    counted = await page(client, f"/v1/{name}", limit=1, count="true")
    assert counted["total"] == len(every["items"])
    assert len(counted["items"]) == min(1, counted["total"])


async def test_facets_count_under_the_other_filters(client: httpx.AsyncClient) -> None:
    every = (await page(client, "/v1/positions", limit=200))["items"]
    body = await page(
        client, "/v1/positions", facet="kind,party,topic", count="true", party="russia", limit=1
    )
    russia = [p for p in every if p["party"]["id"] == "russia"]
    assert body["total"] == len(russia)
    kinds = Counter(p["kind"] for p in russia)
    assert body["facets"]["kind"] == [
        {"value": k, "label": k.replace("_", " ").capitalize(), "count": n}
        for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    assert sum(v["count"] for v in body["facets"]["kind"]) == body["total"]
    # The party facet ignores the party filter: every party's count, so a UI can switch between them.
    parties = Counter(p["party"]["id"] for p in every)
    assert {v["value"]: v["count"] for v in body["facets"]["party"]} == dict(parties)
    assert next(v for v in body["facets"]["party"] if v["value"] == "russia")["label"] == "Russia"
    topics = Counter(t["id"] for p in russia for t in p["topics"])
    assert {v["value"]: v["count"] for v in body["facets"]["topic"]} == dict(topics)
    counts = [v["count"] for v in body["facets"]["party"]]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize("spec", [s for s in COLLECTIONS if facetable(s)], ids=lambda s: s.name)
async def test_single_valued_facets_sum_to_the_total(client: httpx.AsyncClient, spec: Any) -> None:
    body = await page(client, f"/v1/{spec.name}", facet=",".join(facetable(spec)), count="true")
    for name, values in body["facets"].items():
        every = (await page(client, f"/v1/{spec.name}", limit=200))["items"]
        field = {"party": "party", "round": "round"}.get(name, name)
        if field in every[0] and not isinstance(every[0][field], list) and name not in {"party", "topic"}:
            with_value = sum(1 for i in every if i[field] is not None)
            assert sum(v["count"] for v in values) == with_value, name
        for value in values:
            filtered = await page(client, f"/v1/{spec.name}", count="true", **{name: value["value"]})
            assert filtered["total"] == value["count"], (name, value)


async def test_an_unknown_facet_is_a_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/positions", params={"facet": "kind,colour"})
    assert response.status_code == 422


@pytest.mark.parametrize("spec", COLLECTIONS, ids=lambda s: s.name)
async def test_the_seed_time_tally_is_what_a_query_counts(
    client: httpx.AsyncClient, shared_db: Any, spec: Any
) -> None:
    """Unfiltered totals and facets come from the tally the read model stores at seed time; the same
    counts by SQL (what a filtered request runs) must agree, labels and order included."""
    names = facetable(spec)
    params = {"count": "true", **({"facet": ",".join(names)} if names else {})}
    body = await page(client, f"/v1/{spec.name}", limit=1, **params)
    engine = shared_db.engine(read_only=True)
    try:
        with engine.connect() as connection:
            assert body["total"] == facets.total(connection, spec, [])
            for flt in spec.filters:
                if flt.name in names:
                    assert body["facets"][flt.name] == facets.facet(connection, spec, flt, []), flt.name
    finally:
        engine.dispose()
