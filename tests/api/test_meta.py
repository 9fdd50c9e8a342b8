"""``/v1/meta`` and the data set's stamps on responses: ``X-Data-Version`` on every response,
``Last-Modified`` on JSON ones, honoured by ``If-Modified-Since``."""

from __future__ import annotations

import datetime as dt
import hashlib
from email.utils import format_datetime, parsedate_to_datetime

import httpx
import pytest

from app.domain.schemas import Meta
from app.domain.vocab import TERMS
from tests.conftest import COLLECTIONS, DOCUMENT_ID, SEEDS_DIR, settle

pytestmark = pytest.mark.anyio


@pytest.fixture
async def settled(client: httpx.AsyncClient) -> httpx.AsyncClient:
    return await settle(client)


async def test_meta_describes_the_loaded_data_set(settled: httpx.AsyncClient) -> None:
    response = await settled.get("/v1/meta")
    assert response.status_code == 200
    meta = response.json()
    Meta.model_validate(meta)
    assert response.headers["x-data-version"] == meta["data_version"]
    ready = (await settled.get("/readyz")).json()
    assert meta["data_version"].startswith(ready["data_version"])
    text = next((SEEDS_DIR / "documents").glob("*.txt")).read_bytes()
    assert [d["sha256"] for d in meta["documents"]] == [hashlib.sha256(text).hexdigest()]
    assert list(meta["counts"]) == COLLECTIONS
    for name in ("positions", "parties", "events"):
        listed = (await settled.get(f"/v1/{name}", params={"limit": 200})).json()["items"]
        assert meta["counts"][name] == len(listed)
    loaded = dt.datetime.fromisoformat(meta["loaded_at"])
    assert loaded.tzinfo is not None
    assert parsedate_to_datetime(response.headers["last-modified"]) == loaded.replace(microsecond=0)


async def test_every_enum_value_has_a_label_and_a_description(settled: httpx.AsyncClient) -> None:
    vocabularies = (await settled.get("/v1/meta")).json()["vocabularies"]
    assert set(vocabularies) == {enum.__name__ for enum in TERMS}
    for enum in TERMS:
        terms = vocabularies[enum.__name__]
        assert [t["value"] for t in terms] == [v.value for v in enum]
        for t in terms:
            assert t["label"]
            assert t["description"].endswith(".")
    outside = next(t for t in vocabularies["MediatorRole"] if t["value"] == "outside_power")
    assert outside["label"] == "Outside power"


@pytest.mark.parametrize(
    "path", ["/v1/positions", "/v1/parties/russia", "/v1/nothing-here", "/openapi.json", "/readyz"]
)
async def test_every_response_names_the_data_version(settled: httpx.AsyncClient, path: str) -> None:
    version = (await settled.get("/v1/meta")).json()["data_version"]
    response = await settled.get(path)
    assert response.headers["x-data-version"] == version


async def test_if_modified_since_is_honoured(settled: httpx.AsyncClient) -> None:
    first = await settled.get("/v1/positions")
    last_modified = first.headers["last-modified"]
    same = await settled.get("/v1/positions", headers={"If-Modified-Since": last_modified})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["x-data-version"] == first.headers["x-data-version"]
    earlier = parsedate_to_datetime(last_modified) - dt.timedelta(seconds=1)
    older = await settled.get(
        "/v1/positions", headers={"If-Modified-Since": format_datetime(earlier, usegmt=True)}
    )
    assert older.status_code == 200
    assert older.json() == first.json()
    garbage = await settled.get("/v1/positions", headers={"If-Modified-Since": "yesterday"})
    assert garbage.status_code == 200
    # If-None-Match decides when both are sent (RFC 9110).
    both = await settled.get(
        "/v1/positions", headers={"If-Modified-Since": last_modified, "If-None-Match": '"other"'}
    )
    assert both.status_code == 200
    text = await settled.get(f"/v1/documents/{DOCUMENT_ID}/text")
    assert "last-modified" not in text.headers  # JSON responses only
