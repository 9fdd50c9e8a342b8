"""The OpenAPI document is a product: committed, complete, with real examples, and docs that work offline."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from app.api.fields import PARTIAL_JSON
from app.settings import PROJECT_ROOT
from tests.conftest import ONE_BACKEND

pytestmark = pytest.mark.anyio

COMMITTED = PROJECT_ROOT / "openapi.json"


def test_every_operation_is_documented() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.1")
    declared_tags = {tag["name"] for tag in document["tags"]}
    operation_ids = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert method == "get", f"{where}: the API is read-only"
            operation_ids.append(operation["operationId"])
            assert operation["summary"], where
            assert operation["description"], where
            assert set(operation["tags"]) <= declared_tags, where
            responses = operation["responses"]
            assert "400" in responses, f"{where}: unknown parameters are a documented 400"
            for status, response in responses.items():
                is_problem = status.startswith("4") or (status == "503" and path.startswith("/v1/"))
                if is_problem:
                    assert "application/problem+json" in response["content"], f"{where} {status}"
            if path.startswith("/v1/") and not path.endswith("/text"):
                for media, content in responses["200"]["content"].items():
                    if media != PARTIAL_JSON:  # a partial response has as many shapes as selections
                        assert content.get("example"), f"{where} {media}: no example"
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"


def test_citation_offsets_are_explained_for_javascript() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    citation = document["components"]["schemas"]["Citation"]
    assert "text.slice(start_utf16, end_utf16)" in citation["description"]
    assert "code points" in citation["properties"]["start"]["description"]
    assert "UTF-16" in citation["properties"]["start_utf16"]["description"]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
@ONE_BACKEND
async def test_docs_pages_use_only_local_assets(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    html = response.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the page loads its assets"
    assert not [a for a in assets if a.startswith(("http://", "https://", "//"))], assets
    assert "fonts.googleapis" not in html
    for asset in assets:
        if asset.startswith("/static/"):
            served = await client.get(asset)
            assert served.status_code == 200, asset
            assert len(served.content) > 500, asset
    spec = await client.get("/openapi.json")
    assert spec.json()["info"]["title"] == "Peacetalks Briefing API"


def test_names_suit_generated_clients() -> None:
    """``listParties``/``getParty`` operation ids, ``RoundPage`` page schemas, enums as enums."""
    from app.db.collections import COLLECTIONS
    from app.domain.vocab import CollectionName

    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    operation_ids = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert {"listParties", "getParty", "listPeople", "getPerson", "getBriefing", "getMeta"} <= operation_ids
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", op) for op in operation_ids), operation_ids
    schemas = document["components"]["schemas"]
    assert not [name for name in schemas if "_" in name]
    page = document["paths"]["/v1/rounds"]["get"]["responses"]["200"]["content"]["application/json"]
    assert page["schema"] == {"$ref": "#/components/schemas/RoundPage"}
    assert schemas["RoundPage"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Round"}
    hit_type = schemas["SearchHit"]["properties"]["type"]
    assert hit_type["$ref"] == "#/components/schemas/CollectionName"
    assert schemas["CollectionName"]["enum"] == [spec.name for spec in COLLECTIONS]
    assert [c.value for c in CollectionName] == [spec.name for spec in COLLECTIONS]
    assert schemas["Position"]["properties"]["kind"] == {"$ref": "#/components/schemas/PositionKind"}
