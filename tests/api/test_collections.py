"""Every collection: list and detail content against the seed files, references, 404s, every filter,
enum validation, the document's plain text and the citations' offsets."""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache
from http import HTTPStatus
from typing import Any

import httpx
import pytest
import yaml
from pydantic import BaseModel

from app.db.collections import COLLECTIONS as SPECS
from app.db.models import table_of
from app.domain import schemas as s
from app.domain.vocab import (
    BarrierCategory,
    EventKind,
    MediatorRole,
    PartyKind,
    PositionKind,
    RoundFormat,
    RoundStatus,
)
from tests.conftest import BRIEFING_ID, COLLECTIONS, DOCUMENT_ID, SEEDS_DIR

pytestmark = pytest.mark.anyio

# The test tables, derived from the collections' declarations (what each test checks against the seed
# files stays written out below); a new collection gets its rows here by being declared.
LIST_SCHEMA: dict[str, type[BaseModel]] = {spec.name: spec.schema for spec in SPECS}
DETAIL_SCHEMA: dict[str, type[BaseModel]] = {
    **{spec.name: spec.detail_schema or spec.schema for spec in SPECS},
    "briefings": s.BriefingDetail,  # a briefing's detail is the whole briefing
    "parties": s.PartyDetail,  # what refers to them, counted per request
    "topics": s.TopicDetail,
}
CITED = [spec.name for spec in SPECS if spec.cited]
# Which collection a reference field points to (a document is labelled by its title).
REF_TARGET = {
    field.name: table_of(field.target).name for spec in SPECS for field in (*spec.refs, *spec.links)
}


def test_the_derived_tables_say_what_the_article_needs() -> None:
    """Guards the derivation: the facts the tests below rely on."""
    assert set(LIST_SCHEMA) == set(COLLECTIONS)
    assert CITED == [
        "sources",
        "people",
        "rounds",
        "positions",
        "mediators",
        "barriers",
        "implications",
        "events",
    ]
    assert DETAIL_SCHEMA["documents"] is s.Document
    assert LIST_SCHEMA["documents"] is s.DocumentSummary
    assert REF_TARGET == {
        "document": "documents",
        "party": "parties",
        "participants": "parties",
        "hosts": "parties",
        "involved": "parties",
        "topics": "topics",
        "round": "rounds",
        "target": "parties",
        "rounds": "rounds",
        "parties": "parties",
    }


DOCUMENT_FILE = SEEDS_DIR / "documents" / "000_1ae0d73ebc0c7739.txt"


@cache
def seed_items(name: str) -> tuple[dict[str, Any], ...]:
    with (SEEDS_DIR / f"{name}.yaml").open(encoding="utf-8") as f:
        return tuple(yaml.safe_load(f)[name])


def seed_by_id(name: str) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in seed_items(name)}


def interval(text: str) -> tuple[dt.date, dt.date]:
    """The days a partial date (YYYY, YYYY-MM, YYYY-MM-DD) covers."""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    if len(parts) == 2:
        last = calendar.monthrange(parts[0], parts[1])[1]
        return dt.date(parts[0], parts[1], 1), dt.date(parts[0], parts[1], last)
    day = dt.date(*parts)
    return day, day


def by_date(items: tuple[dict[str, Any], ...]) -> list[str]:
    """Oldest first (a year before its months, a month before its days), ties in seed order, undated last."""
    ordered = sorted(enumerate(items), key=lambda p: (p[1].get("date") is None, p[1].get("date") or "", p[0]))
    return [item["id"] for _, item in ordered]


def expected_ids(name: str) -> list[str]:
    items = seed_items(name)
    if name == "implications":
        return [i["id"] for i in sorted(items, key=lambda i: i["number"])]
    if name in {"rounds", "events"}:
        return by_date(items)
    return [i["id"] for i in items]


def test_expected_orders_are_the_articles() -> None:
    """The expectations themselves, spelled out once (guards the helpers above)."""
    assert expected_ids("rounds") == [
        "istanbul-2022",
        "istanbul-2025",
        "istanbul-back-channel",
        "un-appeals",
        "great-power-mediation",
    ]
    assert expected_ids("events") == [
        "war-begins-2022",
        "ukraine-counteroffensive-2022",
        "istanbul-talks-2022",
        "istanbul-second-meeting-2025",
        "article-published",
    ]
    assert len(expected_ids("implications")) == 6


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    s.Problem.model_validate(body)
    assert body["status"] == status
    assert body["title"] == HTTPStatus(status).phrase
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["instance"] == response.url.path
    assert "Traceback" not in response.text
    return body


async def get_json(client: httpx.AsyncClient, url: str, **params: Any) -> Any:
    response = await client.get(url, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def ref_name(collection: str, item_id: str) -> str:
    item = seed_by_id(collection)[item_id]
    return item["title"] if collection == "documents" else item["name"]


def assert_matches_seed(name: str, api: dict[str, Any], seeded: dict[str, Any]) -> None:
    """Every field the seed gives is served as given; references carry the target's id and name."""
    for key, expected in seeded.items():
        if key == "citations":
            cited = [(c["quote"], c.get("source")) for c in expected]
            assert [(c["quote"], c["source_id"]) for c in api["citations"]] == cited, api["id"]
            assert {c["document_id"] for c in api["citations"]} == {DOCUMENT_ID}
            continue
        if key not in api:  # seed-only fields (a document's file, a briefing's photo, …)
            continue
        value = api[key]
        if name == "briefings" and key == "document":  # one name for one thing: `title`; `name` stays
            title = ref_name("documents", expected)
            assert value == {"id": expected, "title": title, "name": title}
        elif name == "briefings" and key == "takeaway":
            assert value == {"summary": expected}
        elif key in REF_TARGET:
            target = REF_TARGET[key]
            if expected is None:
                assert value is None, (api["id"], key)
            elif isinstance(expected, list):
                assert value == [{"id": i, "name": ref_name(target, i)} for i in expected], (api["id"], key)
            else:
                assert value == {"id": expected, "name": ref_name(target, expected)}, (api["id"], key)
        elif isinstance(expected, dt.date):
            assert value == expected.isoformat(), (api["id"], key)
        else:
            assert value == expected, (api["id"], key)
    # Fields the seed leaves out are empty, never invented.
    for key, value in api.items():
        derived = {"citations", "length", "date_precision", "label", "url", "date_start", "date_end"}
        if key not in seeded and key not in derived:
            assert value in (None, []), (api["id"], key, value)


@pytest.mark.parametrize("name", COLLECTIONS)
async def test_list_returns_every_seed_item_in_order(client: httpx.AsyncClient, name: str) -> None:
    body = await get_json(client, f"/v1/{name}", limit=200)
    page = s.Page[LIST_SCHEMA[name]].model_validate(body)  # type: ignore[name-defined]
    assert page.next_cursor is None
    assert [item["id"] for item in body["items"]] == expected_ids(name)
    seeded = seed_by_id(name)
    for item in body["items"]:
        assert_matches_seed(name, item, seeded[item["id"]])


@pytest.mark.parametrize("name", COLLECTIONS)
async def test_detail_returns_the_listed_item(client: httpx.AsyncClient, name: str) -> None:
    listed = (await get_json(client, f"/v1/{name}", limit=200))["items"]
    assert listed
    for item in listed:
        detail = await get_json(client, f"/v1/{name}/{item['id']}")
        DETAIL_SCHEMA[name].model_validate(detail)
        if name == "documents":
            assert "text" not in item
            assert detail.pop("text") == DOCUMENT_FILE.read_text(encoding="utf-8")
            assert detail == item
        elif name == "briefings":
            assert detail["id"] == item["id"] == BRIEFING_ID
            for key in ("title", "published_on", "summary"):
                assert detail[key] == item[key]
            assert detail["takeaway"]["summary"] == item["takeaway"]["summary"]
            assert detail["document"]["id"] == item["document"]["id"] == DOCUMENT_ID
            assert "sections" in detail
            assert "positions_by_party" in detail
        else:
            if name in {"parties", "topics"}:
                assert detail.pop("referenced_by")
            assert detail == item


async def test_document_summary_fields(client: httpx.AsyncClient) -> None:
    import hashlib

    detail = await get_json(client, f"/v1/documents/{DOCUMENT_ID}")
    raw = DOCUMENT_FILE.read_bytes()
    assert detail["sha256"] == hashlib.sha256(raw).hexdigest() == seed_items("documents")[0]["sha256"]
    assert detail["length"] == len(raw.decode("utf-8")) == len(detail["text"])


async def test_references_carry_id_and_name(client: httpx.AsyncClient) -> None:
    position = await get_json(client, "/v1/positions/russia-recognition-of-annexation")
    assert position["party"] == {"id": "russia", "name": "Russia"}
    assert position["target"] == {"id": "ukraine", "name": "Ukraine"}
    assert position["topics"] == [{"id": "territory", "name": "Territory"}]
    assert position["round"] is None
    putin = await get_json(client, "/v1/positions/putin-dismisses-istanbul-talks")
    assert putin["round"] == {"id": "istanbul-2022", "name": "Istanbul talks"}
    un = await get_json(client, "/v1/rounds/un-appeals")
    assert un["hosts"] == []  # the article says the appeals went through the UN, not that it hosted them
    assert un["involved"] == [{"id": "united-nations", "name": "United Nations"}]
    assert un["date"] is None
    assert un["date_precision"] is None
    mediator = await get_json(client, "/v1/mediators/turkey-mediation")
    assert mediator["party"] == {"id": "turkey", "name": "Turkey"}
    assert mediator["rounds"] == []  # the article ties no mediation attempt to a particular round
    stance = await get_json(client, "/v1/mediators/united-states-stance")
    assert stance["result"] is None  # the article reports none: never invented
    event = await get_json(client, "/v1/events/istanbul-talks-2022")
    assert event["round"] == {"id": "istanbul-2022", "name": "Istanbul talks"}
    assert event["date"] == "2022-03"
    assert event["date_precision"] == "month"
    person = await get_json(client, "/v1/people/adem-altan")
    assert person["party"] is None
    briefing = (await get_json(client, "/v1/briefings"))["items"][0]
    title = seed_items("documents")[0]["title"]
    assert briefing["document"] == {"id": DOCUMENT_ID, "title": title, "name": title}


@pytest.mark.parametrize("name", COLLECTIONS)
async def test_unknown_id_is_a_404_problem_naming_it(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"/v1/{name}/no-such-item-42")
    body = assert_problem(response, 404)
    assert "no-such-item-42" in body["detail"]
    assert body["type"].endswith("not-found")


async def test_unknown_document_text_is_a_404_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/documents/nope/text"), 404)
    assert "'nope'" in body["detail"]


# -- filters ------------------------------------------------------------------------------------------


def _dated_match(item: dict[str, Any], start: str | None, end: str | None) -> bool:
    if item.get("date") is None:
        return False
    earliest, latest = interval(item["date"])
    if start is not None and latest < interval(start)[0]:
        return False
    return not (end is not None and earliest > interval(end)[1])


def _ids(name: str, keep: Any) -> list[str]:
    order = expected_ids(name)
    return [i for i in order if keep(seed_by_id(name)[i])]


PARTY_IDS = [p["id"] for p in seed_items("parties")] + ["atlantis"]
TOPIC_IDS = [t["id"] for t in seed_items("topics")] + ["atlantis"]
ROUND_IDS = [r["id"] for r in seed_items("rounds")] + ["atlantis"]
DATES = [
    "2021",
    "2022",
    "2022-02",
    "2022-03",
    "2022-03-15",
    "2022-04",
    "2024-02-29",
    "2025",
    "2025-06-01",
    "2025-06-02",
    "2026",
]


def _filter_cases() -> list[Any]:
    cases: list[tuple[str, dict[str, str], list[str]]] = []
    for party in PARTY_IDS:
        cases.append(
            (
                "rounds",
                {"party": party},
                _ids(
                    "rounds", lambda r, p=party: p in r["participants"] + r["hosts"] + r.get("involved", [])
                ),
            )
        )
        cases.append(("positions", {"party": party}, _ids("positions", lambda x, p=party: x["party"] == p)))
        cases.append(("mediators", {"party": party}, _ids("mediators", lambda x, p=party: x["party"] == p)))
        cases.append(("people", {"party": party}, _ids("people", lambda x, p=party: x["party"] == p)))
    for topic in TOPIC_IDS:
        cases.append(("positions", {"topic": topic}, _ids("positions", lambda x, t=topic: t in x["topics"])))
        cases.append(("barriers", {"topic": topic}, _ids("barriers", lambda x, t=topic: t in x["topics"])))
    for round_id in ROUND_IDS:
        cases.append(
            ("positions", {"round": round_id}, _ids("positions", lambda x, r=round_id: x.get("round") == r))
        )
    for status in RoundStatus:
        cases.append(
            ("rounds", {"status": status.value}, _ids("rounds", lambda x, v=status: x["status"] == v))
        )
    for fmt in RoundFormat:
        cases.append(("rounds", {"format": fmt.value}, _ids("rounds", lambda x, v=fmt: x["format"] == v)))
    for kind in PositionKind:
        cases.append(("positions", {"kind": kind.value}, _ids("positions", lambda x, v=kind: x["kind"] == v)))
    for category in BarrierCategory:
        cases.append(
            (
                "barriers",
                {"category": category.value},
                _ids("barriers", lambda x, v=category: x["category"] == v),
            )
        )
    for role in MediatorRole:
        cases.append(("mediators", {"role": role.value}, _ids("mediators", lambda x, v=role: x["role"] == v)))
    for kind in EventKind:
        cases.append(("events", {"kind": kind.value}, _ids("events", lambda x, v=kind: x["kind"] == v)))
    for kind in PartyKind:
        cases.append(("parties", {"kind": kind.value}, _ids("parties", lambda x, v=kind: x["kind"] == v)))
    for name in ("rounds", "events"):
        for date in DATES:
            cases.append((name, {"from": date}, _ids(name, lambda x, d=date: _dated_match(x, d, None))))
            cases.append((name, {"to": date}, _ids(name, lambda x, d=date: _dated_match(x, None, d))))
        for start, end in [("2022", "2022"), ("2022-03-15", "2025-06-02"), ("2022-04", "2025-06-01")]:
            cases.append(
                (
                    name,
                    {"from": start, "to": end},
                    _ids(name, lambda x, a=start, b=end: _dated_match(x, a, b)),
                )
            )
    # Combined filters are ANDed.
    cases.append(
        (
            "positions",
            {"party": "ukraine", "kind": "demand"},
            ["ukraine-full-withdrawal", "ukraine-1991-borders"],
        )
    )
    cases.append(("barriers", {"category": "political", "topic": "trust"}, ["west-russia-recriminations"]))
    cases.append(
        ("rounds", {"status": "stalled", "format": "unspecified", "party": "united-nations"}, ["un-appeals"])
    )
    return [
        pytest.param(n, p, e, id=f"{n}-{'-'.join(f'{k}={v}' for k, v in p.items())}") for n, p, e in cases
    ]


@pytest.mark.parametrize(("name", "params", "expected"), _filter_cases())
async def test_filter(
    client: httpx.AsyncClient, name: str, params: dict[str, str], expected: list[str]
) -> None:
    body = await get_json(client, f"/v1/{name}", limit=200, **params)
    s.Page[LIST_SCHEMA[name]].model_validate(body)  # type: ignore[name-defined]
    assert [item["id"] for item in body["items"]] == expected


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        # Spelled out: a month-precision round matches any day of its month, and only its month.
        ("rounds", {"from": "2022-03-15"}, ["istanbul-2022", "istanbul-2025"]),
        ("rounds", {"to": "2022-02"}, []),
        ("rounds", {"to": "2022-03-01"}, ["istanbul-2022"]),
        ("rounds", {"from": "2022-04"}, ["istanbul-2025"]),
        ("rounds", {"party": "united-nations"}, ["un-appeals"]),
        ("rounds", {"status": "collapsed"}, ["istanbul-2022"]),
        ("rounds", {"format": "back_channel"}, ["istanbul-back-channel"]),
        (
            "events",
            {"from": "2022-04", "to": "2025-06-11"},
            ["war-begins-2022", "ukraine-counteroffensive-2022", "istanbul-second-meeting-2025"],
        ),
        ("events", {"to": "2022-02"}, ["war-begins-2022", "ukraine-counteroffensive-2022"]),
        ("positions", {"round": "istanbul-2022"}, ["putin-dismisses-istanbul-talks"]),
        ("positions", {"party": "the-west"}, ["west-skeptical-of-russia"]),
        (
            "mediators",
            {"role": "outside_power"},
            ["united-states-stance", "european-union-stance", "nato-support"],
        ),
        ("people", {"party": "russia"}, ["vladimir-putin"]),
        ("parties", {"kind": "bloc"}, ["european-union", "the-west"]),
        ("barriers", {"category": "psychological"}, ["identity-and-historical-wounds", "mutual-distrust"]),
    ],
)
async def test_filter_spelled_out(
    client: httpx.AsyncClient, name: str, params: dict[str, str], expected: list[str]
) -> None:
    body = await get_json(client, f"/v1/{name}", **params)
    assert [item["id"] for item in body["items"]] == expected


@pytest.mark.parametrize("name", ["rounds", "events"])
async def test_sort_minus_date_is_the_reverse(client: httpx.AsyncClient, name: str) -> None:
    body = await get_json(client, f"/v1/{name}", sort="-date")
    assert [item["id"] for item in body["items"]] == list(reversed(expected_ids(name)))
    body = await get_json(client, f"/v1/{name}", sort="date")
    assert [item["id"] for item in body["items"]] == expected_ids(name)


async def test_rounds_sort_article_is_seed_order(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/v1/rounds", sort="article")
    assert [item["id"] for item in body["items"]] == [r["id"] for r in seed_items("rounds")]


async def test_rounds_sort_minus_date_with_filter(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/v1/rounds", sort="-date", status="stalled")
    assert [item["id"] for item in body["items"]] == [
        "great-power-mediation",
        "un-appeals",
        "istanbul-back-channel",
    ]


@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("rounds", "status"),
        ("rounds", "format"),
        ("rounds", "sort"),
        ("events", "sort"),
        ("events", "kind"),
        ("positions", "kind"),
        ("barriers", "category"),
        ("mediators", "role"),
        ("parties", "kind"),
    ],
)
async def test_invalid_enum_value_is_a_422_naming_the_parameter(
    client: httpx.AsyncClient, name: str, param: str
) -> None:
    response = await client.get(f"/v1/{name}", params={param: "bogus"})
    body = assert_problem(response, 422)
    assert body["type"].endswith("validation")
    assert [e["field"] for e in body["errors"]] == [param]
    assert param in body["detail"]


# -- the document's text and the citations ----------------------------------------------------------


async def test_document_text_is_byte_exact_plain_text(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/documents/{DOCUMENT_ID}/text")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.content == DOCUMENT_FILE.read_bytes()


async def test_every_citation_quotes_the_document_at_its_offsets(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/documents/{DOCUMENT_ID}/text")
    text = response.content.decode("utf-8")
    checked = 0
    for name in CITED:
        for item in (await get_json(client, f"/v1/{name}", limit=200))["items"]:
            assert item["citations"], f"{name}/{item['id']} has no citation"
            for citation in item["citations"]:
                assert citation["document_id"] == DOCUMENT_ID
                assert 0 <= citation["start"] < citation["end"] <= len(text)
                assert text[citation["start"] : citation["end"]] == citation["quote"], (name, item["id"])
                checked += 1
    briefing = await get_json(client, f"/v1/briefings/{BRIEFING_ID}")
    for citation in briefing["takeaway"]["citations"]:
        assert text[citation["start"] : citation["end"]] == citation["quote"]
        checked += 1
    assert checked >= 60
