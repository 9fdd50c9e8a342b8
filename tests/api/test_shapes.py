"""One shape for UIs (issue 10): every item has ``label`` and ``url``, dated items parseable
``date_start``/``date_end``, every citation UTF-16 offsets a JavaScript client can slice with, and the
whole briefing renders alone with ``?include=text``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.domain.schemas import BriefingDetail
from tests.conftest import BRIEFING_ID, COLLECTIONS, DOCUMENT_ID

pytestmark = pytest.mark.anyio

LABEL_FIELD = {
    "briefings": "title",
    "documents": "title",
    "sources": "name",
    "parties": "name",
    "people": "name",
    "topics": "name",
    "rounds": "name",
    "positions": "summary",
    "barriers": "name",
    "implications": "heading",
    "events": "title",
}


async def _all(client: httpx.AsyncClient, name: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/{name}", params={"limit": 200})
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    assert items
    return items


def _js_slice(text: str, start: int, end: int) -> str:
    """What JavaScript's ``text.slice(start, end)`` returns: UTF-16 code units."""
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


def _citations(value: Any) -> Iterator[dict[str, Any]]:
    """Every citation anywhere in a response."""
    if isinstance(value, dict):
        if "quote" in value and "start_utf16" in value:
            yield value
        for child in value.values():
            yield from _citations(child)
    elif isinstance(value, list):
        for child in value:
            yield from _citations(child)


@pytest.mark.parametrize("name", COLLECTIONS)
async def test_every_item_has_a_label_and_its_url(client: httpx.AsyncClient, name: str) -> None:
    for item in await _all(client, name):
        expected = item["party"]["name"] if name == "mediators" else item[LABEL_FIELD[name]]
        assert item["label"] == expected
        assert item["url"] == f"/v1/{name}/{item['id']}"
        detail = await client.get(item["url"])
        assert detail.status_code == 200
        assert detail.json()["label"] == item["label"]


@pytest.mark.parametrize("name", ["rounds", "events"])
async def test_dated_items_carry_the_days_their_date_covers(client: httpx.AsyncClient, name: str) -> None:
    precisions = set()
    for item in await _all(client, name):
        date = item["date"]
        if date is None:
            assert item["date_start"] is None
            assert item["date_end"] is None
            continue
        precisions.add(item["date_precision"])
        start, end = dt.date.fromisoformat(item["date_start"]), dt.date.fromisoformat(item["date_end"])
        assert start.isoformat().startswith(date)
        assert end.isoformat().startswith(date)
        assert start == min(start, end)
        if item["date_precision"] == "year":
            assert (start, end) == (dt.date(int(date), 1, 1), dt.date(int(date), 12, 31))
        if item["date_precision"] == "month":
            assert start.day == 1
            assert (end + dt.timedelta(days=1)).day == 1
        if item["date_precision"] == "day":
            assert start == end
    assert len(precisions) >= 2


async def test_utf16_offsets_slice_the_quote_in_javascript(client: httpx.AsyncClient) -> None:
    text = (await client.get(f"/v1/documents/{DOCUMENT_ID}/text")).text
    assert any(ord(char) > 0xFFFF for char in text)  # the emoji make the two kinds of offset differ
    seen = 0
    drifted = 0
    for name in COLLECTIONS:
        for citation in _citations(await _all(client, name)):
            assert text[citation["start"] : citation["end"]] == citation["quote"]
            assert _js_slice(text, citation["start_utf16"], citation["end_utf16"]) == citation["quote"]
            seen += 1
            drifted += citation["start_utf16"] != citation["start"]
    briefing = (await client.get(f"/v1/briefings/{BRIEFING_ID}")).json()
    for citation in _citations(briefing):
        assert _js_slice(text, citation["start_utf16"], citation["end_utf16"]) == citation["quote"]
        seen += 1
    assert seen > 50
    assert drifted > 0


async def test_the_briefing_renders_alone_with_its_text(client: httpx.AsyncClient) -> None:
    plain = (await client.get(f"/v1/briefings/{BRIEFING_ID}")).json()
    assert "text" not in plain["document"]
    response = await client.get(f"/v1/briefings/{BRIEFING_ID}", params={"include": "text"})
    assert response.status_code == 200
    whole = response.json()
    BriefingDetail.model_validate(whole)
    text = whole["document"]["text"]
    assert text == (await client.get(f"/v1/documents/{DOCUMENT_ID}/text")).text
    assert len(text) == whole["document"]["length"]
    for section in whole["sections"]:
        assert section["end"] <= len(text)
        js = _js_slice(text, section["start_utf16"], section["end_utf16"])
        assert js == text[section["start"] : section["end"]]
    photo = whole["photo"]
    assert photo["date"] is not None
    assert photo["date_start"].startswith(photo["date"])
    assert photo["date_end"].startswith(photo["date"])
    for citation in _citations(whole):
        assert _js_slice(text, citation["start_utf16"], citation["end_utf16"]) == citation["quote"]
    assert {k: v for k, v in whole.items() if k != "document"} == {
        k: v for k, v in plain.items() if k != "document"
    }
    bad = await client.get(f"/v1/briefings/{BRIEFING_ID}", params={"include": "everything"})
    assert bad.status_code == 422


async def test_one_name_for_one_thing_across_list_and_briefing(client: httpx.AsyncClient) -> None:
    listed = next(b for b in await _all(client, "briefings") if b["id"] == BRIEFING_ID)
    whole = (await client.get(f"/v1/briefings/{BRIEFING_ID}")).json()
    assert listed["document"]["title"] == whole["document"]["title"]
    assert listed["document"]["name"] == listed["document"]["title"]  # the deprecated name stays
    assert listed["takeaway"] == {"summary": whole["takeaway"]["summary"]}
    assert whole["takeaway"]["citations"]
    assert whole["label"] == whole["title"]
    assert whole["url"] == listed["url"]
