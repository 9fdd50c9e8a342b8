"""``fields=``: exactly the fields asked, on lists, details, search, citations and exports; its own media
type and schema; an unknown field is a 422 that lists the valid ones."""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx
import jsonschema
import pytest

from app.api.fields import PARTIAL_JSON, field_names
from app.api.routers.collections import REFERENCED_BY
from app.db.collections import BY_NAME
from app.db.collections import COLLECTIONS as SPECS
from app.domain.schemas import BriefingDetail, CitationEntry, SearchHit
from tests.conftest import BRIEFING_ID as BRIEFING

pytestmark = pytest.mark.anyio

LISTS = {**{f"/v1/{spec.name}": spec.schema for spec in SPECS}, "/v1/citations": CitationEntry}
DETAILS = {
    **{spec.name: spec.detail_schema or spec.schema for spec in SPECS},
    **{name: schema for name, (_, schema) in REFERENCED_BY.items()},  # party and topic details
    "briefings": BriefingDetail,  # a briefing's detail is the whole briefing
}


def chosen(schema: Any) -> list[tuple[str, ...]]:
    """A few selections: one field, the first and last, every field."""
    names = field_names(schema)
    return [(names[-1],), (names[0], names[-1]), names]


def assert_partial(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PARTIAL_JSON
    return response.json()


@pytest.mark.parametrize(("path", "fields"), [(p, f) for p, s in LISTS.items() for f in chosen(s)])
async def test_lists_return_exactly_the_fields_asked(
    client: httpx.AsyncClient, path: str, fields: tuple[str, ...]
) -> None:
    full = (await client.get(path, params={"limit": 5})).json()
    asked = ",".join(reversed(fields))  # the order asked does not matter: the schema's order is kept
    page = assert_partial(await client.get(path, params={"limit": 5, "fields": asked}))
    assert page["next_cursor"] == full["next_cursor"]
    assert page["items"] == [{name: item[name] for name in fields} for item in full["items"]]
    assert all(list(item) == list(fields) for item in page["items"])


@pytest.mark.parametrize("name", sorted(DETAILS))
async def test_details_return_exactly_the_fields_asked(client: httpx.AsyncClient, name: str) -> None:
    first = (await client.get(f"/v1/{name}", params={"limit": 1})).json()["items"][0]
    full = (await client.get(f"/v1/{name}/{first['id']}")).json()
    for fields in chosen(DETAILS[name]):
        item = assert_partial(
            await client.get(f"/v1/{name}/{first['id']}", params={"fields": ",".join(fields)})
        )
        assert item == {field: full[field] for field in fields}


async def test_search_returns_exactly_the_fields_asked(client: httpx.AsyncClient) -> None:
    full = (await client.get("/v1/search", params={"q": "russia"})).json()
    page = assert_partial(await client.get("/v1/search", params={"q": "russia", "fields": "snippet,type"}))
    assert page["items"] == [{"type": hit["type"], "snippet": hit["snippet"]} for hit in full["items"]]
    assert page["total"] == full["total"]
    assert page["by_type"] == full["by_type"]


async def test_without_fields_the_response_is_plain_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/positions", params={"limit": 1})
    assert response.headers["content-type"] == "application/json"
    assert list(response.json()["items"][0]) == list(field_names(BY_NAME["positions"].schema))


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("/v1/positions?fields=id,colour", field_names(BY_NAME["positions"].schema)),
        ("/v1/parties/russia?fields=nope", field_names(REFERENCED_BY["parties"][1])),
        ("/v1/search?q=russia&fields=id,", field_names(SearchHit)),
        ("/v1/citations.csv?fields=text", field_names(CitationEntry)),
        ("/v1/topics.ndjson?fields=", field_names(BY_NAME["topics"].schema)),
    ],
)
async def test_an_unknown_field_is_a_422_listing_the_valid_ones(
    client: httpx.AsyncClient, url: str, valid: tuple[str, ...]
) -> None:
    response = await client.get(url)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert error["field"] == "fields"
    assert error["allowed"] == list(valid)
    assert ", ".join(valid) in error["message"]


async def test_partial_responses_match_their_documented_schema(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    for path, fields in [
        ("/v1/rounds", "id,date"),
        ("/v1/documents/{item_id}", "title"),
        ("/v1/search", "id"),
    ]:
        operation = document["paths"][path]["get"]
        schema = operation["responses"]["200"]["content"][PARTIAL_JSON]["schema"]
        url = path.replace("{item_id}", "peace-talks-analysis-2025-06-12")
        body = assert_partial(
            await client.get(
                url, params={"fields": fields, "q": "talks"} if "search" in path else {"fields": fields}
            )
        )
        jsonschema.validate(body, {**schema, "components": document["components"]})
        # and the plain JSON schema is still exact: every field required
        plain = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in plain


async def test_fields_pattern_accepts_every_selection_it_allows(client: httpx.AsyncClient) -> None:
    """The OpenAPI pattern is what a schema-driven generator draws from: all of it must be accepted."""
    document = (await client.get("/openapi.json")).json()
    (parameter,) = [p for p in document["paths"]["/v1/topics"]["get"]["parameters"] if p["name"] == "fields"]
    pattern = parameter["schema"]["anyOf"][0]["pattern"]
    names = field_names(BY_NAME["topics"].schema)

    for size in (1, 2):
        for combination in itertools.permutations(names, size):
            value = ",".join(combination)
            assert re.fullmatch(pattern, value)
            assert (await client.get("/v1/topics", params={"fields": value})).status_code == 200
    assert (await client.get("/v1/topics", params={"fields": "id,id"})).json()["items"][0].keys() == {"id"}


@pytest.mark.parametrize(
    ("path", "name"),
    [("/v1/topics", "fields"), ("/v1/briefings/{id}", "fields"), ("/v1/positions", "facet")],
)
async def test_name_lists_are_bounded_alike_in_the_contract_and_the_server(
    client: httpx.AsyncClient, path: str, name: str
) -> None:
    """A list of names holds at most as many as there are: the pattern's repetition bound is the limit
    (no ``maxLength`` beside it), and the server refuses one name more with a 422 that says so."""
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"][path.replace("{id}", "{item_id}")]["get"]
    (parameter,) = [p for p in operation["parameters"] if p["name"] == name]
    schema = parameter["schema"]["anyOf"][0]
    assert "maxLength" not in schema
    names = re.match(r"\^\(\?:([^)]*)\)", schema["pattern"]).group(1).split("|")  # type: ignore[union-attr]
    url = path.replace("{id}", BRIEFING)
    every = ",".join(names)
    assert re.fullmatch(schema["pattern"], every)
    assert (await client.get(url, params={name: every})).status_code == 200
    one_more = every + "," + names[0]
    assert not re.fullmatch(schema["pattern"], one_more)
    response = await client.get(url, params={name: one_more})
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["field"] == name
    assert f"at most {len(names)} comma-separated values" in error["message"]
