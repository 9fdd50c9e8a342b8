"""Curation guards over the loaded data as the API serves it (SQLite and PostgreSQL).

(a) Our fields are our words: no string field copies a run of ``COPY_LIMIT`` or more characters of the
    article, except the fields listed in ``VERBATIM``, which hold the article's words by rule.
(b) Every barrier says why it sits in its category, and barriers drawn from one sentence of the article
    share a category; every outcome or result that is not null is *supported*: it carries the article's
    words it rests on (``outcome_quote`` / ``result_quote``), those words lie inside one of the item's own
    citations, and they report something that happened, not a possibility (no may/might/could/would).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import BRIEFING_ID, COLLECTIONS, DOCUMENT_ID

pytestmark = pytest.mark.anyio

COPY_LIMIT = 60
"""A run this long of the article's characters, outside a verbatim field, is copied text."""

VERBATIM: dict[str, str] = {
    "*.citations[].quote": "a citation is the article's words by definition; the loader finds it in the text",
    "briefings.takeaway.citations[].quote": "the takeaway's citations, likewise",
    "rounds[].outcome_quote": "the words an outcome rests on, verbatim; the loader finds them in a citation",
    "mediators[].result_quote": "the words a result rests on, verbatim; the loader finds them in a citation",
    "briefings.photo.caption": "the photo caption as printed, typos included",
    "briefings.sections[].heading": "a section heading as printed (it locates the section)",
    "implications[].heading": "an implication's heading as printed",
    "sources[].title": "the cited article's title as the source list gives it",
}
"""The one list of fields exempt from guard (a), each with its reason."""

BRIEFING_OWN_FIELDS = ("title", "summary", "sections", "takeaway", "photo")
"""The briefing detail's own fields; its embedded collections are walked through their lists."""

RESULT_FIELDS = {"rounds": ("outcome", "outcome_quote"), "mediators": ("result", "result_quote")}
POSSIBILITY = re.compile(r"\b(?:may|might|could|would)\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(path).replace(r"\*", ".*") + "$")


VERBATIM_PATTERNS = [_pattern(path) for path in VERBATIM]


def strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a JSON value with its path (``rounds[].citations[].quote``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from strings(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for inner in value:
            yield from strings(inner, f"{path}[]")


def copied_run(value: str, article: str) -> str | None:
    """The first run of ``COPY_LIMIT`` characters of ``value`` found in the (case-folded) article."""
    folded = value.casefold()
    for start in range(len(folded) - COPY_LIMIT + 1):
        window = folded[start : start + COPY_LIMIT]
        if window in article:
            return window
    return None


async def _json(client: httpx.AsyncClient, url: str, **params: Any) -> Any:
    response = await client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def _items(client: httpx.AsyncClient, name: str) -> list[dict[str, Any]]:
    body = await _json(client, f"/v1/{name}", limit=200)
    assert body["next_cursor"] is None
    items: list[dict[str, Any]] = body["items"]
    assert items, name
    return items


async def _article(client: httpx.AsyncClient) -> str:
    response = await client.get(f"/v1/documents/{DOCUMENT_ID}/text")
    assert response.status_code == 200
    return response.text


async def loaded_fields(client: httpx.AsyncClient) -> list[tuple[str, str, str]]:
    """(path, item id, value) of every string field of every item, as served."""
    fields: list[tuple[str, str, str]] = []
    for name in COLLECTIONS:
        if name == "briefings":
            continue
        for item in await _items(client, name):
            fields += [(path, item["id"], value) for path, value in strings(item, f"{name}[]")]
    briefing = await _json(client, f"/v1/briefings/{BRIEFING_ID}")
    for key in BRIEFING_OWN_FIELDS:
        fields += [(path, BRIEFING_ID, value) for path, value in strings(briefing[key], f"briefings.{key}")]
    return fields


def copied_fields(fields: list[tuple[str, str, str]], article: str) -> list[tuple[str, str, str]]:
    """Guard (a): (path, item id, the copied run) of every non-verbatim field that copies the article."""
    folded = article.casefold()
    copies = []
    for path, item_id, value in fields:
        if any(p.match(path) for p in VERBATIM_PATTERNS):
            continue
        run = copied_run(value, folded)
        if run is not None:
            copies.append((path, item_id, run))
    return copies


def unsupported_results(items: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str, str]]:
    """Guard (b): (collection, item id, why) of every outcome or result its citations do not support."""
    problems = []
    for name, (field, quote_field) in RESULT_FIELDS.items():
        for item in items[name]:
            result, words = item[field], item.get(quote_field)
            quotes = [c["quote"] for c in item["citations"]]
            if result is None:
                if words is not None:
                    problems.append((name, item["id"], f"{quote_field} without a {field}"))
            elif not words:
                problems.append((name, item["id"], f"{field} without the words it rests on"))
            elif not any(words in quote for quote in quotes):
                problems.append((name, item["id"], f"{quote_field} is in none of its citations"))
            elif POSSIBILITY.search(words):
                problems.append((name, item["id"], f"{field} rests on a possibility: {words!r}"))
    return problems


def barriers_without_basis(barriers: list[dict[str, Any]]) -> list[str]:
    return [b["id"] for b in barriers if not (b.get("category_basis") or "").strip()]


def sentences_split_across_categories(barriers: list[dict[str, Any]], article: str) -> list[str]:
    """Sentences of the article that barriers of different categories draw on."""
    ends = [m.end() for m in SENTENCE_END.finditer(article)]
    categories: dict[int, set[str]] = {}
    for barrier in barriers:
        for citation in barrier["citations"]:
            sentence = bisect.bisect_right(ends, citation["start"])
            categories.setdefault(sentence, set()).add(barrier["category"])
    bounds = [0, *ends, len(article)]
    return [
        article[bounds[s] : bounds[s + 1]].strip()[:80]
        for s, found in sorted(categories.items())
        if len(found) > 1
    ]


# -- the guards -----------------------------------------------------------------------------------------
async def test_our_fields_do_not_copy_the_article(client: httpx.AsyncClient) -> None:
    article = await _article(client)
    fields = await loaded_fields(client)
    paths = {path for path, _, _ in fields}
    assert {"rounds[].outcome", "positions[].summary", "briefings.summary"} <= paths
    assert copied_fields(fields, article) == []


async def test_every_barrier_carries_the_basis_of_its_category(client: httpx.AsyncClient) -> None:
    barriers = await _items(client, "barriers")
    split = sentences_split_across_categories(barriers, await _article(client))
    assert (barriers_without_basis(barriers), split) == ([], [])


async def test_every_result_rests_on_one_of_its_citations(client: httpx.AsyncClient) -> None:
    items = {name: await _items(client, name) for name in RESULT_FIELDS}
    assert any(item["outcome"] for item in items["rounds"])
    assert unsupported_results(items) == []


# -- the guards can fail --------------------------------------------------------------------------------
ARTICLE = (
    "Whether in Istanbul’s back-channel talks, through United Nations appeals, or elsewhere, it stalled."
)


def test_copy_guard_finds_a_copied_run_and_spares_verbatim_fields() -> None:
    copied = "In short: whether in Istanbul’s back-channel talks, through United Nations appeals, it failed."
    fields = [
        ("rounds[].summary", "a", copied),
        ("rounds[].citations[].quote", "a", ARTICLE),
        ("rounds[].outcome", "a", "It stalled, like every other channel."),
    ]
    assert copied_fields(fields, ARTICLE) == [("rounds[].summary", "a", copied[10:70].casefold())]


def test_result_guard_refuses_a_possibility_and_words_from_elsewhere() -> None:
    citation = {
        "quote": "NATO’s continued support for Ukraine may provoke stronger countermeasures",
        "start": 0,
    }
    items = {
        "rounds": [
            {
                "id": "ok",
                "outcome": "Stalled.",
                "outcome_quote": "stalled",
                "citations": [{"quote": "it stalled"}],
            },
            {"id": "elsewhere", "outcome": "Stalled.", "outcome_quote": "stalled", "citations": [citation]},
        ],
        "mediators": [
            {
                "id": "maybe",
                "result": "Countermeasures.",
                "result_quote": "may provoke",
                "citations": [citation],
            },
            {"id": "bare", "result": "Countermeasures.", "citations": [citation]},
        ],
    }
    assert [(n, i) for n, i, _ in unsupported_results(items)] == [
        ("rounds", "elsewhere"),
        ("mediators", "maybe"),
        ("mediators", "bare"),
    ]


def test_category_guard_finds_one_sentence_in_two_categories() -> None:
    article = "First sentence, about trust. Second one: gaps, and disputes.\nThird."
    barriers = [
        {"id": "a", "category": "structural", "category_basis": "x", "citations": [{"start": 41}]},
        {"id": "b", "category": "political", "category_basis": " ", "citations": [{"start": 47}]},
        {"id": "c", "category": "psychological", "category_basis": "y", "citations": [{"start": 0}]},
    ]
    assert barriers_without_basis(barriers) == ["b"]
    assert sentences_split_across_categories(barriers, article) == ["Second one: gaps, and disputes."]
