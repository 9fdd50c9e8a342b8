"""SQLite and PostgreSQL find the same hits for any query: a fixed corpus, then random queries built from
the article's words and the syntax's operators. Compared: the id sets (the requirement), and also the
order, the snippets and the counts, which come from the same code on both."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.db import migrate
from app.seed.load import seed
from tests.conftest import SEEDS_DIR, _new_database, make_client

pytestmark = pytest.mark.anyio

CORPUS = [
    # words, stemming, stop words (there are none: "the" and "will" are words like any other)
    "ceasefire",
    "negotiations",
    "negotiation",
    "demands",
    "the",
    "will",
    "not nato",
    "of the",
    "a",
    "war talks peace",
    # phrases
    '"frozen conflict"',
    '"security guarantees"',
    '"the war"',
    '"peace talks" Istanbul',
    '"Russia\'s demands"',
    '"conflict frozen"',
    '"neutrality"',
    # prefixes
    "negotiat*",
    "neutr*",
    "sec* guar*",
    "long-term*",
    "t*",
    # OR, exclusions, parentheses
    "nato OR ceasefire",
    "nato OR russia",
    "-nato ceasefire",
    "ceasefire -nato -russia",
    "(nato OR eu) -russia",
    "(ukraine OR russia) (ceasefire OR truce)",
    'conflict -"frozen conflict"',
    "ukraine AND russia",
    "nato OR -ceasefire",
    "-nato",
    # labels, linked names, aliases
    "red line",
    "structural",
    "psychological",
    "collapsed",
    "Zelensky",
    "Kiev",
    '"Security guarantees"',
    # case, diacritics, apostrophes
    "Çırağan",
    "CIRAGAN",
    "Türkiye",
    "Russia’s",
    "don't",
    # emoji and hostile strings
    "🧊",
    "🧊 frozen",
    "peace 🕊️ talks",
    '"',
    '"unbalanced phrase',
    "((peace)",
    "peace)",
    "OR",
    "AND NOT",
    "NEAR(peace talks, 2)",
    "title:peace",
    "{t b} : peace",
    "peace & | ! <->",
    "'; DROP TABLE rounds; --",
    "\\",
    "\u200b\u200e\ufeff",
    "Ω≈ç√∫",
    "a" * 200,
]


@pytest.fixture(scope="module")
def databases(
    tmp_path_factory: pytest.TempPathFactory, postgres_status: str | None
) -> Iterator[dict[str, Any]]:
    """One seeded database per backend, both open at once."""
    out: dict[str, Any] = {}
    generators = []
    for backend in ("sqlite", "postgresql"):
        generator = _new_database(backend, tmp_path_factory.mktemp(f"parity-{backend}"), postgres_status)
        database = next(generator)
        generators.append(generator)
        migrate.upgrade(database.settings)
        engine = database.engine()
        seed(engine, SEEDS_DIR)
        engine.dispose()
        out[backend] = database
    yield out
    for generator in generators:
        for _ in generator:
            pass


@pytest.fixture(scope="module")
def clients(databases: dict[str, Any]) -> dict[str, httpx.AsyncClient]:
    return {backend: make_client(database.settings) for backend, database in databases.items()}


async def results(client: httpx.AsyncClient, q: str) -> dict[str, Any]:
    response = await client.get("/v1/search", params={"q": q, "limit": 200})
    assert response.status_code == 200, (q, response.text)
    body: dict[str, Any] = response.json()
    assert body["next_cursor"] is None
    return body


async def assert_same(clients: dict[str, httpx.AsyncClient], q: str) -> dict[str, Any]:
    sqlite, postgresql = [await results(clients[b], q) for b in ("sqlite", "postgresql")]
    ids = [{(i["type"], i["id"]) for i in r["items"]} for r in (sqlite, postgresql)]
    assert ids[0] == ids[1], q
    assert sqlite == postgresql, q
    return sqlite


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("q", CORPUS, ids=range(len(CORPUS)))
async def test_same_hits_on_both_backends(clients: dict[str, httpx.AsyncClient], q: str) -> None:
    await assert_same(clients, q)


async def test_corpus_finds_things(clients: dict[str, httpx.AsyncClient]) -> None:
    """The comparison is not between two empty answers."""
    found = [q for q in CORPUS if (await results(clients["sqlite"], q))["total"] > 0]
    assert len(found) >= 35


ARTICLE = next((SEEDS_DIR / "documents").glob("*.txt")).read_text(encoding="utf-8")
ARTICLE_WORDS = sorted(set(re.findall(r"[^\W_]+", ARTICLE)))


@st.composite
def queries(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        word = draw(st.sampled_from(ARTICLE_WORDS))
        shape = draw(st.sampled_from(["word", "prefix", "phrase", "not", "or", "group"]))
        if shape == "prefix":
            word = word[: max(2, len(word) // 2)] + "*"
        elif shape == "phrase":
            word = '"' + word + " " + draw(st.sampled_from(ARTICLE_WORDS)) + '"'
        elif shape == "not":
            word = "-" + word
        elif shape == "or":
            word = word + " OR " + draw(st.sampled_from(ARTICLE_WORDS))
        elif shape == "group":
            word = "(" + word + " OR " + draw(st.sampled_from(ARTICLE_WORDS)) + ")"
        parts.append(word)
    return " ".join(parts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=queries())
async def test_random_queries_agree(clients: dict[str, httpx.AsyncClient], q: str) -> None:
    await assert_same(clients, q)
