"""Exports (CSV, NDJSON) of every collection, of search and of ``/v1/citations``: the same items as
paging the JSON list, the documented columns, pandas loads them, filters apply, a snapshot of one data
set, ``Accept`` negotiation."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from pydantic import BaseModel
from sqlalchemy import select

from app.api.export import Encoder, ExportFormat, export_response
from app.api.tabular import columns_of
from app.db import listing
from app.db.collections import BY_NAME
from app.db.collections import COLLECTIONS as SPECS
from app.db.models import Dataset
from app.domain.schemas import CitationEntry, SearchHit
from app.seed.load import seed
from tests.conftest import Database, make_client

pytestmark = pytest.mark.anyio

SCHEMAS: dict[str, type[BaseModel]] = {
    **{spec.name: spec.schema for spec in SPECS},
    "citations": CitationEntry,
}
FILTERED = [(spec.name, f.name, f.examples[0]) for spec in SPECS for f in spec.filters if f.examples]


@pytest.fixture(scope="module")
def small_batches(shared_db: Database) -> Iterator[httpx.AsyncClient]:
    """A client whose exports read 7 items at a time: every export of the seed spans several batches."""
    settings = shared_db.settings.model_copy(update={"export_batch": 7})
    return make_client(settings)


async def json_items(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def ndjson(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.text.endswith("\n") or response.text == ""
    return [orjson.loads(line) for line in response.text.splitlines()]


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8; header=present"
    assert "\r\n" in response.text
    return list(csv.DictReader(io.StringIO(response.text, newline="")))


@pytest.mark.parametrize("name", sorted(SCHEMAS))
async def test_exports_have_every_item_of_the_json_list(
    small_batches: httpx.AsyncClient, client: httpx.AsyncClient, name: str
) -> None:
    items = await json_items(client, f"/v1/{name}")
    assert items, "the seed has items in every collection"
    lines = ndjson(await small_batches.get(f"/v1/{name}.ndjson"))
    assert lines == items  # same items, same order, same shape as the JSON list
    rows = csv_rows(await small_batches.get(f"/v1/{name}.csv"))
    columns = [column.name for column in columns_of(SCHEMAS[name])]
    assert len(rows) == len(items)
    assert list(rows[0]) == columns
    assert [row["id"] for row in rows] == [item["id"] for item in items] if "id" in columns else True


@pytest.mark.parametrize("name", sorted(SCHEMAS))
async def test_pandas_loads_the_exports_with_the_documented_columns(
    small_batches: httpx.AsyncClient, name: str
) -> None:
    import pandas as pd  # here, not at the top: every xdist worker collects the module (0.7-2.5 s each)

    schema = SCHEMAS[name]
    frame = pd.read_csv(io.BytesIO((await small_batches.get(f"/v1/{name}.csv")).content))
    assert list(frame.columns) == [column.name for column in columns_of(schema)]
    lines = pd.read_json(io.BytesIO((await small_batches.get(f"/v1/{name}.ndjson")).content), lines=True)
    assert len(lines) == len(frame)
    assert set(lines.columns) == set(schema.model_fields)
    for column in frame.columns:  # every date column parses as dates (ISO, any precision it declares)
        if (column.startswith("date_") and column != "date_precision") or column == "published_on":
            parsed = pd.to_datetime(frame[column], format="ISO8601")
            assert parsed.notna().sum() == frame[column].notna().sum()


async def test_csv_flattens_references_links_and_citations(client: httpx.AsyncClient) -> None:
    items = {item["id"]: item for item in await json_items(client, "/v1/positions")}
    rows = csv_rows(await client.get("/v1/positions.csv"))
    for row in rows:
        item = items[row["id"]]
        assert row["party_id"] == item["party"]["id"]
        assert row["party_name"] == item["party"]["name"]
        assert row["round_id"] == (item["round"]["id"] if item["round"] else "")
        assert row["topic_ids"] == ";".join(topic["id"] for topic in item["topics"])
        assert int(row["citation_count"]) == len(item["citations"])
        assert row["summary"] == item["summary"]


@pytest.mark.parametrize(("name", "parameter", "value"), FILTERED)
async def test_exports_honour_the_list_filters(
    client: httpx.AsyncClient, name: str, parameter: str, value: str
) -> None:
    expected = await json_items(client, f"/v1/{name}", **{parameter: value})
    assert ndjson(await client.get(f"/v1/{name}.ndjson", params={parameter: value})) == expected
    rows = csv_rows(await client.get(f"/v1/{name}.csv", params={parameter: value}))
    assert [row["id"] for row in rows] == [item["id"] for item in expected]


async def test_exports_honour_sort_and_fields(client: httpx.AsyncClient) -> None:
    expected = await json_items(client, "/v1/events", sort="-date")
    lines = ndjson(await client.get("/v1/events.ndjson", params={"sort": "-date", "fields": "title,id"}))
    assert lines == [{"id": item["id"], "title": item["title"]} for item in expected]
    rows = csv_rows(await client.get("/v1/events.csv", params={"fields": "round,id"}))
    assert list(rows[0]) == ["id", "round_id", "round_name"]


async def test_search_exports_every_hit(small_batches: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    hits = await json_items(client, "/v1/search", q="russia")
    assert len(hits) > 7
    assert ndjson(await small_batches.get("/v1/search.ndjson", params={"q": "russia"})) == hits
    rows = csv_rows(await small_batches.get("/v1/search.csv", params={"q": "russia", "type": "positions"}))
    assert list(rows[0]) == [column.name for column in columns_of(SearchHit)]
    assert {row["type"] for row in rows} == {"positions"}
    assert len(rows) == len(await json_items(client, "/v1/search", q="russia", type="positions"))


async def test_citations_collection_is_every_embedded_citation(client: httpx.AsyncClient) -> None:
    flat = await json_items(client, "/v1/citations")
    embedded = []
    for spec in SPECS:
        if spec.cited:
            for item in await json_items(client, f"/v1/{spec.name}"):
                embedded += [{"collection": spec.name, "item_id": item["id"], **c} for c in item["citations"]]
    key = orjson.dumps
    assert sorted(map(key, (c for c in flat if c["collection"] != "briefings"))) == sorted(map(key, embedded))
    positions = await json_items(client, "/v1/citations", collection="positions")
    assert positions
    assert all(c["collection"] == "positions" for c in positions)
    assert len(positions) == sum(1 for c in embedded if c["collection"] == "positions")
    page = (await client.get("/v1/citations", params={"limit": 3, "fields": "quote"})).json()
    assert all(list(item) == ["quote"] for item in page["items"])


async def test_accept_chooses_the_export_and_a_suffix_wins(client: httpx.AsyncClient) -> None:
    by_accept = await client.get("/v1/parties", headers={"Accept": "text/csv"})
    assert by_accept.headers["content-type"].startswith("text/csv")
    assert by_accept.text == (await client.get("/v1/parties.csv")).text
    assert "Accept" in by_accept.headers["vary"]
    ndjson_accept = await client.get("/v1/parties", headers={"Accept": "application/x-ndjson"})
    assert ndjson(ndjson_accept) == await json_items(client, "/v1/parties")
    suffix = await client.get("/v1/parties.csv", headers={"Accept": "application/x-ndjson"})
    assert suffix.headers["content-type"].startswith("text/csv")
    for accept in ("*/*", "application/json", "text/html,*/*;q=0.8", "text/csv;q=0.5,application/json"):
        response = await client.get("/v1/parties", headers={"Accept": accept})
        assert response.headers["content-type"] == "application/json", accept
        assert "Accept" in response.headers["vary"]


async def test_export_names_the_file_with_the_data_version(client: httpx.AsyncClient) -> None:
    version = (await client.get("/readyz")).json()["data_version"]
    response = await client.get("/v1/topics.csv")
    assert response.headers["content-disposition"] == f'attachment; filename="topics-{version[:12]}.csv"'


@pytest.mark.parametrize("parameter", ["limit=5", "cursor=abc", "count=true"])
async def test_paging_parameters_on_an_export_are_a_400(client: httpx.AsyncClient, parameter: str) -> None:
    for url in (f"/v1/positions.csv?{parameter}", f"/v1/search.ndjson?q=russia&{parameter}"):
        response = await client.get(url)
        assert response.status_code == 400
        assert response.json()["type"].endswith("/unknown-parameter")
    by_accept = await client.get(f"/v1/positions?{parameter}", headers={"Accept": "text/csv"})
    assert by_accept.status_code == 400


async def test_unknown_format_and_bad_filters_are_problems(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/positions.xml")).status_code == 422
    response = await client.get("/v1/positions.csv", params={"kind": "wish"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_export_reads_one_snapshot(seeded_db: Database, seeds_copy: Path) -> None:
    """A re-seed commits while an export streams: the export is still the data set it started with,
    and its file name has that data set's version."""
    path = seeds_copy / "parties.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('name: "Russia"', 'name: "RESEEDED"'))
    reader, writer = seeded_db.engine(read_only=True), seeded_db.engine()
    spec = BY_NAME["parties"]
    batches = 0

    def fetch(connection: Any, after: Any) -> tuple[list[bytes], Any]:
        nonlocal batches
        batches += 1
        if batches == 2:  # after the first batch went out: the new data set commits
            assert seed(writer, seeds_copy).changed
        return listing.list_page(connection, spec, where=[], sort=spec.sorts[0], after=after, limit=2)

    try:
        version = dataset_version(reader)
        response = await export_response(
            reader,
            name="parties",
            fmt=ExportFormat.ndjson,
            fetch=fetch,
            encoder=Encoder(ExportFormat.ndjson, spec.schema, None),
        )
        body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[misc]
        assert batches > 2
        assert b"Russia" in body
        assert b"RESEEDED" not in body
        assert version[:12] in response.headers["content-disposition"]
        assert dataset_version(reader) != version  # the new data set is there for the next request
        async with make_client(seeded_db.settings) as client:
            assert "RESEEDED" in (await client.get("/v1/parties.ndjson")).text
    finally:
        reader.dispose()
        writer.dispose()


def dataset_version(engine: Any) -> str:
    with engine.connect() as connection:
        version: str = connection.execute(select(Dataset.version)).scalar_one()
    return version


async def test_head_of_an_export_has_its_headers_and_no_body(client: httpx.AsyncClient) -> None:
    get = await client.get("/v1/positions.csv")
    head = await client.head("/v1/positions.csv")
    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "content-disposition"):
        assert head.headers[name] == get.headers[name]
    by_accept = await client.head("/v1/positions", headers={"Accept": "application/x-ndjson"})
    assert by_accept.headers["content-type"] == "application/x-ndjson"
    assert by_accept.content == b""
