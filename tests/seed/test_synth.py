"""The synthetic data set: loader-shaped rows, sound citations, determinism, and it never overwrites."""

from __future__ import annotations

import enum
import hashlib
import json
import sqlite3
import typing
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from app.db import readmodel, search_index
from app.db.collections import COLLECTIONS as DECLARED
from app.db.models import table_of
from app.domain import schemas
from app.domain.search_terms import index_terms, words
from app.main import create_app
from app.seed.schema import SeedFiles
from app.seed.synth import SYNTHETIC_MARK, synthetic_version, write_synthetic
from app.seed.synth_terms import PieceTerms
from app.seed.synth_writer import check_constraints
from app.settings import Settings

ROWS = 2000
SEED = 7

COLLECTIONS = (
    "briefings",
    "documents",
    "sources",
    "parties",
    "people",
    "topics",
    "rounds",
    "positions",
    "mediators",
    "barriers",
    "implications",
    "events",
)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "synthetic.sqlite3"
    seconds = write_synthetic(rows=ROWS, out=out, random_seed=SEED)
    assert seconds > 0
    return out


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_counts_and_marks(synthetic: Path) -> None:
    db = _connect(synthetic)
    version, counts_json = db.execute("SELECT version, counts FROM dataset").fetchone()
    counts = json.loads(counts_json)
    assert version == synthetic_version(ROWS, SEED)
    assert version == hashlib.sha256(f"synthetic:{ROWS}:{SEED}".encode()).hexdigest()
    assert counts["synthetic"] == 1
    largest = max(counts[c] for c in COLLECTIONS)
    assert largest >= ROWS
    assert counts["positions"] == ROWS
    assert counts["events"] == ROWS
    assert counts["documents"] == ROWS // 100
    assert counts["parties"] >= 12
    for table, expected in counts.items():
        if table != "synthetic":
            query = f'SELECT count(*) FROM "{table}"'  # noqa: S608 -- table names from the data set
            assert db.execute(query).fetchone()[0] == expected, table
    titles = [t for (t,) in db.execute("SELECT title FROM documents")]
    assert titles
    assert all(t.startswith(SYNTHETIC_MARK) for t in titles)
    assert all(t.startswith(SYNTHETIC_MARK) for (t,) in db.execute("SELECT title FROM briefings"))


def test_every_item_is_searchable_and_indexed(synthetic: Path) -> None:
    db = _connect(synthetic)
    total = sum(db.execute(f"SELECT count(*) FROM {c}").fetchone()[0] for c in COLLECTIONS)  # noqa: S608
    assert db.execute("SELECT count(*) FROM search_entries").fetchone()[0] == total
    hits = db.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH 'ceasefire'").fetchone()[0]
    assert 0 < hits < total
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    sample = db.execute("SELECT id, title, body FROM search_entries ORDER BY random() LIMIT 100").fetchall()
    for entry_id, title, body in sample:  # every entry is indexed under its own terms
        word = (words(title) or words(body))[0]
        found = db.execute(
            "SELECT count(*) FROM search_fts WHERE search_fts MATCH ? AND rowid = ?",
            ['{tw bw} : "' + word + '"', entry_id],
        ).fetchone()[0]
        assert found == 1, (entry_id, word)


def test_every_declared_field_is_drawn(synthetic: Path) -> None:
    """The generator follows the declarations: every collection has items, every reference and link of
    every collection is set on some items (and left out on others where it may be), every enum filter
    value and every date precision occurs, and every item has its list representation."""
    db = _connect(synthetic)
    for spec in DECLARED:
        table = spec.name
        items = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
        assert items > 0, table
        listed = db.execute(
            "SELECT count(*) FROM representations WHERE collection = ? AND variant = 'list'", (table,)
        ).fetchone()[0]
        assert listed == items, table
        for ref in spec.refs:
            set_ = db.execute(f'SELECT count({ref.column}) FROM "{table}"').fetchone()[0]  # noqa: S608
            assert set_ > 0, (table, ref.name)
        for link in spec.links:
            query = f'SELECT count(DISTINCT item_id) FROM "{table_of(link.link).name}" WHERE collection = ?'  # noqa: S608
            args: tuple[str, ...] = (table,)
            if link.role is not None:
                query += " AND role = ?"
                args += (link.role,)
            assert db.execute(query, args).fetchone()[0] > 0, (table, link.name)
        if "date_precision" in spec.table.c:
            precisions = {p for (p,) in db.execute(f'SELECT DISTINCT date_precision FROM "{table}"')}  # noqa: S608
            assert {"day", "month", "year"} <= precisions, table
        model = typing.get_args(SeedFiles.model_fields[table].annotation)[0]
        for name, info in model.model_fields.items():
            enum = next(
                (a for a in (info.annotation, *typing.get_args(info.annotation)) if _is_enum(a)), None
            )
            if enum is not None and name in spec.table.c:
                values = {v for (v,) in db.execute(f'SELECT DISTINCT "{name}" FROM "{table}"')}  # noqa: S608
                assert values - {None} == {m.value for m in enum}, (table, name)


def _is_enum(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, enum.Enum)


def test_citations_point_into_the_documents(synthetic: Path) -> None:
    db = _connect(synthetic)
    texts = dict(db.execute("SELECT id, text FROM documents"))
    lengths = dict(db.execute("SELECT id, length FROM documents"))
    assert all(len(texts[d]) == lengths[d] for d in texts)
    rows = db.execute('SELECT document_id, start, "end", quote FROM citations ORDER BY random() LIMIT 2000')
    checked = 0
    for document_id, start, end, quote in rows:
        assert texts[document_id][start:end] == quote
        checked += 1
    assert checked == 2000
    for briefing_id, document_id in db.execute("SELECT id, document_id FROM briefings"):
        text = texts[document_id]
        sections = db.execute(
            'SELECT heading, start, "end" FROM sections WHERE briefing_id = ? ORDER BY ordinal',
            (briefing_id,),
        ).fetchall()
        assert sections[0][0] is None
        assert sections[0][1] == 0
        assert sections[-1][2] == len(text)
        for heading, start, _end in sections[1:]:
            assert text.find(f"\n{heading}\n") == start - 1


def test_deterministic(synthetic: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.sqlite3"
    write_synthetic(rows=ROWS, out=again, random_seed=SEED)
    first, second = _connect(synthetic), _connect(again)
    assert (
        first.execute("SELECT version FROM dataset").fetchone()
        == second.execute("SELECT version FROM dataset").fetchone()
    )
    for table in ("positions", "events", "citations", "search_entries", "topic_links", "documents"):
        query = f'SELECT * FROM "{table}" ORDER BY rowid LIMIT 200'  # noqa: S608
        assert first.execute(query).fetchall() == second.execute(query).fetchall(), table
    other = tmp_path / "other.sqlite3"
    write_synthetic(rows=ROWS, out=other, random_seed=SEED + 1)
    query = "SELECT summary FROM positions ORDER BY ordinal LIMIT 50"
    assert _connect(other).execute(query).fetchall() != first.execute(query).fetchall()


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    existing = tmp_path / "briefing.sqlite3"
    existing.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        write_synthetic(rows=ROWS, out=existing, random_seed=SEED)
    assert existing.read_bytes() == b"precious"
    assert list(tmp_path.iterdir()) == [existing]


def test_rows_satisfy_every_constraint(synthetic: Path) -> None:
    # The load skips CHECK constraints row by row (BULK_PRAGMAS) and checks them per table afterwards;
    # integrity_check verifies CHECK, NOT NULL and UNIQUE constraints and every index's content.
    assert _connect(synthetic).execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_check_constraints_refuses_a_failing_row(synthetic: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(synthetic.read_bytes())
    engine = create_engine(f"sqlite:///{copy}")
    try:
        with engine.begin() as connection:
            check_constraints(connection)  # the file as written passes
            connection.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
            connection.exec_driver_sql(
                'UPDATE citations SET "end" = start WHERE id = (SELECT min(id) FROM citations)'
            )
            with pytest.raises(RuntimeError, match="1 citations rows fail the check"):
                check_constraints(connection)
    finally:
        engine.dispose()


@pytest.mark.anyio
async def test_the_api_serves_it(synthetic: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{synthetic}", log_json=False, response_cache_entries=0)
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/readyz")).status_code == 200
        page = (await client.get("/v1/positions", params={"party": "party-1", "limit": 50})).json()
        assert page["items"]
        assert all(item["party"]["id"] == "party-1" for item in page["items"])
        schemas.Page[schemas.Position].model_validate(page)
        detail = await client.get(f"/v1/positions/{page['items'][0]['id']}")
        assert detail.status_code == 200
        for name, schema in (("rounds", schemas.Round), ("mediators", schemas.Mediator)):
            listed = (await client.get(f"/v1/{name}", params={"limit": 20})).json()
            schemas.Page[schema].model_validate(listed)  # type: ignore[valid-type]
        hits = (await client.get("/v1/search", params={"q": "ceasefire", "limit": 20})).json()["items"]
        assert len(hits) == 20
        briefing = await client.get("/v1/briefings/synthetic-briefing-1")
        assert briefing.status_code == 200
        assert briefing.json()["title"].startswith(SYNTHETIC_MARK)
        schemas.BriefingDetail.model_validate(briefing.json())
        events = (await client.get("/v1/events", params={"sort": "-date", "limit": 5})).json()
        assert len(events["items"]) == 5
        assert events["next_cursor"]


def test_the_index_is_what_the_indexer_builds(synthetic: Path, tmp_path: Path) -> None:
    """The generator indexes each entry as it writes it (terms computed once per sentence:
    ``app.seed.synth_terms``); rebuilding the index from the stored entries with the real indexer
    (``search_index.rebuild``, as ``briefing seed`` does) gives the same index, term for term, position
    for position."""
    copy = tmp_path / "reindexed.sqlite3"
    copy.write_bytes(synthetic.read_bytes())

    def instances(db: sqlite3.Connection) -> list[tuple[object, ...]]:
        db.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, search_fts, instance)")
        found = db.execute("SELECT term, doc, col, offset FROM temp.terms ORDER BY 1, 2, 3, 4").fetchall()
        db.execute("DROP TABLE temp.terms")
        return found

    written = instances(sqlite3.connect(copy))
    assert len(written) > 100_000
    engine = create_engine(f"sqlite:///{copy}")
    with engine.begin() as connection:
        assert (
            search_index.rebuild(connection)
            == _connect(synthetic).execute("SELECT count(*) FROM search_entries").fetchone()[0]
        )
    engine.dispose()
    assert instances(sqlite3.connect(copy)) == written


def test_whole_briefings_are_what_the_seed_composes(synthetic: Path) -> None:
    """The generator composes each whole briefing from the items it keeps in memory, a document at a time;
    composing them again from the stored rows (``readmodel.whole_briefings``, as ``briefing seed`` does)
    gives the same bytes, for every briefing."""
    stored = dict(
        _connect(synthetic).execute(
            "SELECT item_id, body FROM representations WHERE collection = 'briefings' AND variant = 'detail'"
        )
    )
    composed: dict[str, bytes] = {}
    engine = create_engine(f"sqlite:///{synthetic}")
    with engine.connect() as connection:
        count = readmodel.whole_briefings(
            connection, lambda row: composed.update({row["item_id"]: row["body"]})
        )
    engine.dispose()
    assert count == len(stored) == ROWS // 100
    assert composed.keys() == stored.keys()
    for briefing_id, body in composed.items():
        assert body == stored[briefing_id], briefing_id
    whole = json.loads(stored["synthetic-briefing-2"])
    for embedded in ("positions_by_party", "events", "rounds", "parties", "topics"):
        assert whole[embedded], embedded


@pytest.mark.parametrize(
    ("title", "parts"),
    [
        ("Russia's envoy: Çırağan talks", ["The talks. Were held in Zürich.", None, "", "don't stop: ½ way"]),
        ("Party 12: Ceasefire now", ["A. B. C.", "line one\nline two. Three"]),
        ("", ["war " * 300]),  # a term past MAX_OCCURRENCES: the indexer's own path
        ("Title", ["ceasefire " * 100 + "\n" + "talks " * 100]),  # long, but every term under the limit
        ("x_y 3.5 a:b", ["e.g. U.S. 10:30 it’s"]),
    ],
)
def test_piece_terms_equal_index_terms(title: str, parts: list[str | None]) -> None:
    pieces = PieceTerms()
    for _ in range(2):  # computed, then from the cache
        body = "\n".join(p for p in parts if p)
        assert pieces.index_terms(title, parts) == index_terms(title, body, tsvector=False)


def _lexemes(literal: str) -> dict[str, set[str]]:
    """A tsvector literal's lexemes and their positions, merged as PostgreSQL's input merges them."""
    found: dict[str, set[str]] = {}
    for token in literal.split():
        lexeme, _, positions = token.rpartition(":")
        found.setdefault(lexeme.strip("'"), set()).update(positions.split(","))
    return found


@pytest.mark.parametrize(
    ("title", "parts"),
    [
        ("Russia's envoy: Çırağan talks", ["The talks. Were held in Zürich.", None, "", "don't stop: ½ way"]),
        ("", ["talks talks. talks"]),
        ("Talks", []),
        ("", ["war " * 300]),  # a term past MAX_OCCURRENCES: the indexer's own path
        ("Title", ["ceasefire " * 100 + "\n" + "talks " * 100]),
    ],
)
def test_piece_tsvector_equals_index_terms(title: str, parts: list[str | None]) -> None:
    pieces = PieceTerms()
    expected = index_terms(title, "\n".join(p for p in parts if p)).tsvector
    for _ in range(2):  # computed, then from the cache
        assert _lexemes(pieces.tsvector(title, parts)) == _lexemes(expected)
