"""The API's queries use indexes on PostgreSQL: ``EXPLAIN (FORMAT JSON)`` of the SQL each endpoint runs.

The PostgreSQL half of ``test_query_plans.py``. A scratch database is created and migrated, then filled
with a 30,000-row synthetic data set, generated straight into it (``tests.db.synthetic_postgres``: the
rows ``write_synthetic`` writes, laid out as in its file, with the full-text index ``search_index.rebuild``
would build, which ``test_the_full_text_index_is_what_the_indexer_builds`` checks), then ``ANALYZE``.
Requests go through the app (response cache off); a
``before_cursor_execute`` listener captures every SELECT with its parameters, and PostgreSQL explains
each one with those parameters, on a connection made like the app's (read-only, REPEATABLE READ).

Two claims, two checks:

* **The real plan** (planner settings untouched): no whole read of a table with more than
  ``SMALL_TABLE_ROWS`` (2,000) rows, neither a ``Seq Scan`` nor an index walked end to end without a
  ``Limit`` above it: positions and events (30,000 each), citations, topic and party
  links and search entries. Lookup tables (parties, topics, sources, rounds, documents, people,
  mediators, barriers, sections: at most 1,500 rows, a few dozen pages) may be read whole: there the
  planner rightly finds a seq scan cheaper than an index. (At 20,000 rows it still seq-scans positions
  for the whole briefing and topic_links for a 200-item page: a scale effect, gone at 30,000.)
* **An index can serve every query**: with ``SET LOCAL enable_seqscan = off`` a ``Seq Scan`` survives
  only where no index can do the job, so there must be none, on any table, small ones included (nor an
  unbounded index walk of a big table, the planner's way round a missing index); and
  each page query listed in ``EXPECTED_INDEXES`` must use one of its indexes (Index Scan, Index Only
  Scan or Bitmap Index Scan).

Keyset cursors: a deep page's query seeks with an ``Index Cond`` on the sort key and never sorts the
whole table (a Sort may order only rows an index condition found; an Incremental Sort on the index's
presorted key is fine).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from app.db import migrate
from app.db.engine import make_engine
from app.domain.search_terms import index_terms
from app.main import create_app
from app.seed.search_entries import RANK_SHIFT, SEARCH_ORDER
from app.settings import Settings
from tests.conftest import drop_in_background, postgres_url_or_skip
from tests.db import synthetic_postgres
from tests.db.test_query_plans import api_urls, get_ok

ROWS = 30_000
SEED = 20250612
SMALL_TABLE_ROWS = 2_000
"""The real planner may ``Seq Scan`` a table of at most this many rows (a few dozen pages)."""
MUST_BE_BIG = frozenset({"positions", "events", "citations", "topic_links", "party_links", "search_entries"})
INDEX_SCANS = frozenset({"Index Scan", "Index Only Scan", "Bitmap Index Scan"})

Plan = dict[str, Any]


def nodes(plan: Plan) -> Iterator[Plan]:
    """Every node of an ``EXPLAIN (FORMAT JSON)`` plan tree, depth first."""
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def render(plan: Plan, depth: int = 0) -> str:
    """A plan tree, one node a line, for failure messages."""
    details = [
        plan["Node Type"],
        f"on {plan['Relation Name']}" if "Relation Name" in plan else "",
        f"using {plan['Index Name']}" if "Index Name" in plan else "",
        *(
            f"{key}: {plan[key]}"
            for key in ("Index Cond", "Recheck Cond", "Filter", "Sort Key")
            if key in plan
        ),
    ]
    lines = ["  " * depth + " ".join(d for d in details if d)]
    lines += [render(child, depth + 1) for child in plan.get("Plans", ())]
    return "\n".join(lines)


@dataclass
class Probe:
    """The app on the synthetic PostgreSQL database, and the statements its last request ran."""

    app: Any
    explainer: Engine
    rows: dict[str, int]
    captured: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def big_tables(self) -> frozenset[str]:
        return frozenset(t for t, n in self.rows.items() if n > SMALL_TABLE_ROWS)

    def get(self, url: str) -> httpx.Response:
        self.captured.clear()
        return get_ok(self.app, url)

    def plans(self, url: str, *, seqscan: bool = True) -> list[tuple[str, Plan]]:
        """Every data SELECT the request for ``url`` ran, with its plan (``seqscan=False``: seq scans off)."""
        self.get(url)
        statements = [
            (sql, params)
            for sql, params in self.captured
            if sql.lstrip().upper().startswith(("SELECT", "WITH")) and "FROM dataset" not in sql
        ]
        assert statements, f"{url} ran no SELECT"
        with self.explainer.connect() as connection:
            if not seqscan:
                connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            return [(sql, explain(connection, sql, params)) for sql, params in statements]


def explain(connection: Connection, sql: str, params: Any) -> Plan:
    """The plan PostgreSQL makes for ``sql`` with these parameter values (the root node)."""
    document = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql, params).scalar_one()
    return dict(document[0]["Plan"])


@pytest.fixture(scope="module")
def probe(postgres_status: str | None) -> Iterator[Probe]:
    admin_url = postgres_url_or_skip(postgres_status)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"briefing_plans_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        settings = Settings(database_url=url, response_cache_entries=0, log_json=False, log_level="WARNING")
        migrate.upgrade(settings)
        loader = create_engine(url)
        try:
            rows = synthetic_postgres.build(loader, rows=ROWS, random_seed=SEED)
        finally:
            loader.dispose()
        app = create_app(settings)
        explainer = make_engine(settings, read_only=True)
        probe = Probe(app, explainer, rows)

        @event.listens_for(app.state.engine, "before_cursor_execute")
        def _capture(
            _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
        ) -> None:
            probe.captured.append((statement, parameters))

        try:
            yield probe
        finally:
            app.state.engine.dispose()
            explainer.dispose()
    finally:
        admin.dispose()
        drop_in_background(admin_url, name)


def seq_scans(plan: Plan) -> list[str]:
    """The tables a plan reads with a Seq Scan."""
    return [node["Relation Name"] for node in nodes(plan) if node["Node Type"] == "Seq Scan"]


def whole_reads(plan: Plan, tables: frozenset[str], *, under_limit: bool = False) -> list[str]:
    """Reads of all of a table of ``tables``: a Seq Scan, or an index walked end to end (no Index Cond)
    with no Limit above it to stop it (an ordered walk that fills a page is fine)."""
    found = []
    if plan.get("Relation Name") in tables:
        if plan["Node Type"] == "Seq Scan":
            found.append(f"Seq Scan on {plan['Relation Name']}")
        elif plan["Node Type"] in INDEX_SCANS and "Index Cond" not in plan and not under_limit:
            found.append(f"{plan['Node Type']} on {plan['Relation Name']} without a condition or a limit")
    for child in plan.get("Plans", ()):
        found += whole_reads(child, tables, under_limit=under_limit or plan["Node Type"] == "Limit")
    return found


def _index_scan(node: Plan, table: str | None = None) -> bool:
    """An index scan (of one of ``table``'s indexes when given: a Bitmap Index Scan names no table)."""
    return node["Node Type"] in INDEX_SCANS and (
        table is None or node["Index Name"].startswith((f"ix_{table}_", f"uq_{table}_", f"pk_{table}"))
    )


def index_scans(plan: Plan, table: str | None = None) -> list[Plan]:
    return [node for node in nodes(plan) if _index_scan(node, table)]


def unbounded_sorts(plan: Plan, table: str) -> list[Plan]:
    """Sort nodes over a read of ``table`` that no index condition bounds (a seq scan or full index walk)."""

    def unbounded(node: Plan) -> bool:
        if node["Node Type"] == "Seq Scan":
            return bool(node["Relation Name"] == table)
        if _index_scan(node, table):
            return "Index Cond" not in node
        return False

    return [sort for sort in nodes(plan) if sort["Node Type"] == "Sort" and any(map(unbounded, nodes(sort)))]


def _next(probe: Probe, url: str, pages: int) -> str:
    """The URL of the page ``pages`` pages after ``url``'s first page."""
    for _ in range(pages):
        cursor = probe.get(url).json()["next_cursor"]
        assert cursor, url
        base = url.split("&cursor=")[0]
        url = f"{base}{'&' if '?' in base else '?'}cursor={cursor}"
    return url


LIST_URLS = api_urls(rows=ROWS, topic="topic-20")

EXPECTED_INDEXES = {
    "/v1/positions?party=party-7&limit=50": ("ix_positions_party_id_ordinal_id",),
    "/v1/positions?topic=territory&limit=50": ("ix_topic_links_topic_id_collection_item_id",),
    "/v1/positions?round=round-3": ("ix_positions_round_id_ordinal_id",),
    "/v1/positions?kind=demand": ("ix_positions_kind_ordinal_id", "uq_positions_ordinal"),
    "/v1/positions": ("uq_positions_ordinal",),
    "/v1/rounds?status=collapsed": ("ix_rounds_status_ordinal_id", "uq_rounds_ordinal"),
    "/v1/rounds?party=party-7": ("ix_party_links_party_id_collection_item_id",),
    "/v1/rounds?format=direct&sort=-date": ("ix_rounds_date_sort_id",),
    "/v1/events": ("ix_events_date_sort_id",),
    "/v1/events?sort=-date": ("ix_events_date_sort_id",),
    "/v1/events?kind=talks": ("ix_events_kind_date_sort_id", "ix_events_date_sort_id"),
    "/v1/barriers?category=structural": ("ix_barriers_category_ordinal_id", "uq_barriers_ordinal"),
    "/v1/barriers?topic=sanctions": ("ix_topic_links_topic_id_collection_item_id",),
    "/v1/mediators?party=party-7": ("ix_mediators_party_id_ordinal_id",),
    "/v1/mediators?role=mediator": ("ix_mediators_role_ordinal_id", "uq_mediators_ordinal"),
    "/v1/people?party=party-7": ("ix_people_party_id_ordinal_id",),
    "/v1/parties?kind=state": ("ix_parties_kind", "uq_parties_ordinal"),
    "/v1/search?q=ceasefire&limit=20": ("search_tsv_gin", "search_tsv_pkey"),
    "/v1/search?q=neutrality%20guarantees&type=positions&limit=20": ("search_tsv_gin", "search_tsv_pkey"),
}
"""Indexes that may serve each URL's page query (its first SELECT), with seq scans off: the filter's index,
or, for a filter on a handful of values (a kind, a role, a status), the sort's index walked in order with
the filter applied to the rows it reads until the page is full (``SCAN ... USING INDEX`` on SQLite)."""


def test_the_data_set_is_big_where_it_matters(probe: Probe) -> None:
    assert probe.rows["positions"] == probe.rows["events"] == ROWS
    assert probe.big_tables >= MUST_BE_BIG, probe.rows


TSV_SAMPLE = 47
"""The full-text index is checked entry by entry on the first and every ``TSV_SAMPLE``-th entry of each
collection."""
_UNINDEXED = text(
    "SELECT count(*) FROM search_entries AS e FULL JOIN search_tsv AS t ON t.id = e.id "
    "WHERE e.id IS NULL OR t.id IS NULL"
)
_SAMPLE = text(
    "SELECT id, title, body FROM (SELECT *, row_number() OVER (PARTITION BY id >> :shift ORDER BY id) AS n "
    "FROM search_entries) AS e WHERE n % :every = 1 ORDER BY id"
)
_DIFFERING = text(
    "SELECT s.id FROM unnest(CAST(:ids AS bigint[]), CAST(:literals AS text[])) AS s(id, literal) "
    "JOIN search_tsv AS t ON t.id = s.id WHERE t.tsv <> CAST(s.literal AS tsvector)"
)


def test_the_full_text_index_is_what_the_indexer_builds(probe: Probe) -> None:
    """The build computes the tsvectors a sentence at a time (``PieceTerms.tsvector``); every entry has
    one, and on a sample of every collection's entries it is the value ``search_index.rebuild`` stores
    (``index_terms``'s literal, cast by PostgreSQL): the same lexemes, positions and weights."""
    with probe.explainer.connect() as connection:
        assert connection.execute(_UNINDEXED).scalar_one() == 0
        sample = connection.execute(_SAMPLE, {"shift": RANK_SHIFT, "every": TSV_SAMPLE}).all()
        literals = [index_terms(entry.title, entry.body).tsvector for entry in sample]
        ids = [entry.id for entry in sample]
        differing = connection.execute(_DIFFERING, {"ids": ids, "literals": literals}).scalars().all()
    assert len(sample) > 1000
    assert {SEARCH_ORDER[(entry_id >> RANK_SHIFT) - 1] for entry_id in ids} == set(SEARCH_ORDER)
    assert differing == []


@pytest.mark.parametrize("url", LIST_URLS)
def test_no_whole_read_of_a_big_table(probe: Probe, url: str) -> None:
    for sql, plan in probe.plans(url):
        assert not whole_reads(plan, probe.big_tables), f"{url}: whole-table read\n{sql}\n{render(plan)}"


@pytest.mark.parametrize("url", LIST_URLS)
def test_an_index_can_serve_every_query(probe: Probe, url: str) -> None:
    plans = probe.plans(url, seqscan=False)
    for sql, plan in plans:
        assert not seq_scans(plan), f"{url}: no index serves\n{sql}\n{render(plan)}"
        assert not whole_reads(plan, probe.big_tables), f"{url}: whole-table read\n{sql}\n{render(plan)}"
    if url in EXPECTED_INDEXES:
        # the page query is the first SELECT (after search's look-up of search aliases)
        page_plan = next(plan for sql, plan in plans if "search_aliases" not in sql)
        used = {node["Index Name"] for node in index_scans(page_plan)}
        assert used & set(EXPECTED_INDEXES[url]), (
            f"{url}: expected {EXPECTED_INDEXES[url]}\n{render(page_plan)}"
        )


@pytest.mark.parametrize(
    ("url", "pages", "table", "key"),
    [
        ("/v1/events?limit=50", 40, "events", "date_sort"),
        ("/v1/events?sort=-date&limit=50", 40, "events", "date_sort"),
        ("/v1/events?kind=talks&limit=50", 10, "events", "date_sort"),
        ("/v1/positions?party=party-7&limit=20", 3, "positions", "ordinal"),
        ("/v1/positions?limit=200", 20, "positions", "ordinal"),
        ("/v1/search?q=ceasefire&limit=20", 5, "search_entries", None),
    ],
)
def test_cursor_pages_seek_with_an_index(
    probe: Probe, url: str, pages: int, table: str, key: str | None
) -> None:
    deep = _next(probe, url, pages)
    assert "cursor=" in deep
    plans = probe.plans(deep)
    for sql, plan in plans:
        assert not whole_reads(plan, probe.big_tables), f"{deep}: whole-table read\n{sql}\n{render(plan)}"
    if key is None:
        return
    page_plan = plans[0][1]
    # The page query seeks to the cursor's key in the sort index instead of walking from the start...
    seeks = [node for node in index_scans(page_plan, table) if key in node.get("Index Cond", "")]
    assert seeks, f"{deep}: no index condition on {key}\n{render(page_plan)}"
    # ... and never sorts the whole table: whatever a Sort orders was found through an index condition.
    assert not unbounded_sorts(page_plan, table), f"{deep}: sorts the whole table\n{render(page_plan)}"


@pytest.mark.parametrize("url", ["/v1/events?from=2022-03&to=2022-04", "/v1/rounds?from=2020&to=2021"])
def test_date_range_filters_seek(probe: Probe, url: str) -> None:
    table = url.split("/")[2].split("?")[0]
    page_plan = probe.plans(url, seqscan=table in probe.big_tables)[0][1]
    seeks = [node for node in index_scans(page_plan, table) if "date_" in node.get("Index Cond", "")]
    assert seeks, render(page_plan)


@pytest.mark.parametrize(
    "url",
    [
        "/v1/positions?limit=50",
        "/v1/positions?party=party-7&limit=50",
        "/v1/positions/position-4242",
        "/v1/briefings/synthetic-briefing-3",
    ],
)
def test_a_read_is_one_statement_on_the_read_model(probe: Probe, url: str) -> None:
    """A list page is one keyset statement whose rows bring their stored JSON along through the
    ``representations`` primary key; a detail or a whole briefing is one primary-key read."""
    plans = probe.plans(url)
    assert len(plans) == 1, [sql for sql, _ in plans]
    sql, plan = plans[0]
    assert "representations" in sql
    used = {node["Index Name"] for node in index_scans(plan)}
    assert "pk_representations" in used, render(plan)
    assert not whole_reads(plan, probe.big_tables), render(plan)
