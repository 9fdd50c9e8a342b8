"""The stored data set (SQLite and PostgreSQL) is faithful to the article and internally consistent."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
import yaml
from sqlalchemy import Table, func, select
from sqlalchemy.engine import Engine

from app.db import models as m
from app.seed.load import check_seeds
from app.settings import PROJECT_ROOT
from tests.conftest import DOCUMENT_ID, SEEDS_DIR, Database

SHARED_DOCUMENT = PROJECT_ROOT.parent / "shared" / "seed-document" / "000_1ae0d73ebc0c7739.txt"

CITED_COLLECTIONS = ("rounds", "positions", "mediators", "barriers", "implications", "events")
LINK_TABLES = (m.Citation, m.TopicLink, m.PartyLink, m.PersonLink, m.RoundLink)

IMPLICATIONS = [
    (1, "🧨", "Prolonged Conflict and Rising Human Cost"),
    (2, "🌍", "Global Geopolitical Tensions Will Intensify"),
    (3, "💸", "Economic Strain on Ukraine and Its Allies"),
    (4, "🛡️", "Undermining of International Norms"),
    (5, "🗳️", "Domestic Political Risk for Both Kyiv and Moscow"),
    (6, "🧊", "Potential for a Frozen Conflict"),
]

MINIMUM_COUNTS = {
    "parties": 8,
    "people": 5,
    "topics": 10,
    "rounds": 2,
    "positions": 8,
    "mediators": 3,
    "barriers": 8,
    "implications": 6,
    "events": 4,
    "sources": 5,
}


@pytest.fixture(scope="module")
def engine(shared_db: Database) -> Any:
    engine = shared_db.engine(read_only=True)
    yield engine
    engine.dispose()


def _rows(engine: Engine, query: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(query))


def _table(collection: str) -> Table:
    table = m.Base.metadata.tables[collection]
    assert isinstance(table, Table)
    return table


def _document_text(engine: Engine) -> str:
    text = _rows(engine, select(m.Document.text).where(m.Document.id == DOCUMENT_ID))[0][0]
    assert isinstance(text, str)
    return text


def test_every_citation_is_a_verbatim_span(engine: Engine) -> None:
    query = (
        select(m.Citation.collection, m.Citation.item_id, m.Citation.start, m.Citation.end, m.Citation.quote)
        .add_columns(m.Document.text)
        .join(m.Document, m.Document.id == m.Citation.document_id)
        .order_by(m.Citation.id)
    )
    rows = _rows(engine, query)
    assert len(rows) == check_seeds(SEEDS_DIR).counts()["citations"]
    bad = [(c, i, s, e, q) for c, i, s, e, q, text in rows if text[s:e] != q]
    assert bad == []


def test_every_evidence_item_has_a_citation(engine: Engine) -> None:
    uncited: list[tuple[str, str]] = []
    for collection in CITED_COLLECTIONS:
        table = _table(collection)
        cited = select(m.Citation.item_id).where(m.Citation.collection == collection)
        query = select(table.c.id).where(table.c.id.not_in(cited)).order_by(table.c.id)
        uncited += [(collection, row[0]) for row in _rows(engine, query)]
        assert _rows(engine, select(func.count()).select_from(table))[0][0] > 0, collection
    assert uncited == []


@pytest.mark.parametrize("link", LINK_TABLES, ids=lambda t: t.__tablename__)
def test_no_orphan_links(engine: Engine, link: Any) -> None:
    keys = _rows(engine, select(link.collection, link.item_id).distinct())
    if link is not m.RoundLink:  # the article ties no mediation attempt to a round, so this one is empty
        assert keys, f"{link.__tablename__} is empty"
    existing: dict[str, set[str]] = {}
    orphans = []
    for collection, item_id in keys:
        if collection not in existing:
            table = _table(collection)
            existing[collection] = {row[0] for row in _rows(engine, select(table.c.id))}
        if item_id not in existing[collection]:
            orphans.append((collection, item_id))
    assert orphans == []


def test_implications_as_printed(engine: Engine) -> None:
    rows = _rows(
        engine,
        select(m.Implication.number, m.Implication.emoji, m.Implication.heading).order_by(
            m.Implication.ordinal
        ),
    )
    assert [tuple(r) for r in rows] == IMPLICATIONS
    text = _document_text(engine)
    lines = text.splitlines()
    for number, emoji, heading in rows:
        assert f"{emoji} {number}. {heading}" in lines


def test_sources_in_the_articles_order(engine: Engine) -> None:
    rows = _rows(engine, select(m.Source.id, m.Source.outlet, m.Source.title).order_by(m.Source.ordinal))
    assert [r[0] for r in rows] == ["al-jazeera", "reuters", "ap-news", "foreign-affairs", "rand"]
    lines = _document_text(engine).splitlines()
    listed = [line.removeprefix("SOURCES: ") for line in lines if " – " in line]
    assert [f"{outlet} – {title}" for _, outlet, title in rows] == listed[-5:]


def test_istanbul_2022_has_only_a_month(engine: Engine) -> None:
    row = _rows(
        engine,
        select(
            m.Round.date,
            m.Round.date_precision,
            m.Round.date_earliest,
            m.Round.date_latest,
            m.Round.date_sort,
        ).where(m.Round.id == "istanbul-2022"),
    )[0]
    assert tuple(row[:4]) == ("2022-03", "month", dt.date(2022, 3, 1), dt.date(2022, 3, 31))
    assert row[4].startswith("2022-03 ")
    event = _rows(
        engine, select(m.Event.date, m.Event.date_precision).where(m.Event.round_id == "istanbul-2022")
    )
    assert [tuple(e) for e in event] == [("2022-03", "month")]
    assert "in March 2022" in _document_text(engine)


def test_no_citation_quotes_boilerplate(engine: Engine) -> None:
    quotes = [row[0] for row in _rows(engine, select(m.Citation.quote))]
    assert quotes
    for phrase in ("Be the first to comment", "drawn from your sources"):
        assert phrase in _document_text(engine)  # it is in the page, so the check means something
        assert [q for q in quotes if phrase.lower() in q.lower()] == []


def test_stored_document_is_byte_exact(engine: Engine) -> None:
    recorded = yaml.safe_load((SEEDS_DIR / "documents.yaml").read_text(encoding="utf-8"))["documents"][0]
    row = _rows(engine, select(m.Document.text, m.Document.sha256, m.Document.length))[0]
    text, sha256, length = row
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert digest == sha256 == recorded["sha256"]
    assert length == len(text)
    assert text.encode("utf-8") == (SEEDS_DIR / recorded["file"]).read_bytes()
    if SHARED_DOCUMENT.exists():
        assert hashlib.sha256(SHARED_DOCUMENT.read_bytes()).hexdigest() == digest


@pytest.mark.parametrize(("collection", "minimum"), MINIMUM_COUNTS.items())
def test_counts(engine: Engine, collection: str, minimum: int) -> None:
    stored = _rows(engine, select(func.count()).select_from(_table(collection)))[0][0]
    assert stored >= minimum
    assert stored == check_seeds(SEEDS_DIR).counts()[collection]


def test_dataset_row_records_the_seed(engine: Engine) -> None:
    plan = check_seeds(SEEDS_DIR)
    row = _rows(engine, select(m.Dataset.id, m.Dataset.version, m.Dataset.counts))
    assert [tuple(r) for r in row] == [(1, plan.version, plan.counts())]
