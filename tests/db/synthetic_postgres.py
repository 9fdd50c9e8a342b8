"""The synthetic data set (``app.seed.synth``) built straight into a migrated PostgreSQL database.

The query-plan tests need it at 30,000 rows. ``produce`` generates the rows in this process, and each
chunk goes into its table with ``COPY`` as it comes: no SQLite file in between, no second process, and
no FTS5 rows. The full-text index (``search_tsv``) gets the tsvectors ``search_index.rebuild`` would
store, computed a sentence at a time (``PieceTerms.tsvector``; ``test_query_plans_postgres`` checks them
against the real indexer on a sample).

The tables end up as a table-by-table copy of ``write_synthetic``'s file left them (same rows, in the
same physical order, so the planner's statistics are the same): the read model's rows in key order,
search entries and their index in id order, the other tables' rows in the order generated. Secondary
indexes and foreign keys are dropped for the load and recreated after it with their exact definitions
(a sort and a join each, instead of work per row), then the tables are analysed (the system catalogs,
which no plan reads, are not).
"""

from __future__ import annotations

import gc
import json
import operator
from typing import Any, cast

from psycopg import Cursor
from sqlalchemy import JSON, Engine, insert, text

from app.db.models import Base, Dataset
from app.seed.synth import dataset_row, produce, synthetic_version
from app.seed.synth_terms import PieceTerms
from app.seed.synth_writer import FTS, Names

_SECONDARY_INDEXES = text(
    "SELECT i.indexname, i.indexdef FROM pg_indexes AS i WHERE i.schemaname = current_schema() "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)"
)
_FOREIGN_KEYS = text(
    "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint AS c "
    "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace ORDER BY c.conname"
)
_TYPES = (
    "SELECT attname, CAST(CASE format_type(atttypid, NULL) WHEN 'json' THEN 'text' "
    "ELSE format_type(atttypid, NULL) END AS regtype)::oid FROM pg_attribute "
    "WHERE attrelid = CAST(%(table)s AS regclass) AND attnum > 0"
)
"""The type of each column of a table, as a binary ``COPY`` sends it (JSON: its text)."""
_TABLES = text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
KEY_ORDER = {"search_entries": ("id",), "representations": ("collection", "item_id", "variant")}
"""Tables whose rows are loaded in key order once every row is generated, as ``write_synthetic``'s file
holds them (the others: in the order generated, as there): the plans were checked on data laid out so."""


class _Copier:
    """Writes each chunk ``produce`` sends into its table, except ``KEY_ORDER``'s and the full-text
    index's, kept until every row is generated."""

    def __init__(self, cursor: Cursor[Any]) -> None:
        self.cursor = cursor
        self.kept: dict[str, list[tuple[Any, ...]]] = {table: [] for table in (*KEY_ORDER, FTS)}
        self.names: dict[str, Names] = {}
        self.types: dict[str, dict[str, int]] = {}

    def send(self, table: str, names: Names, rows: list[tuple[Any, ...]]) -> None:
        if table in self.kept:
            self.kept[table] += rows
            self.names[table] = names
        else:
            self.copy(table, names, rows)

    def copy(self, table: str, names: Names, rows: list[tuple[Any, ...]]) -> None:
        """``COPY`` in binary: bytes need no hex escapes, dates and numbers no text (JSON is text)."""
        columns = Base.metadata.tables[table].columns
        names = names or tuple(columns.keys())
        dumped = [i for i, name in enumerate(names) if isinstance(columns[name].type, JSON)]
        quoted = ", ".join(f'"{name}"' for name in names)
        types = self.types.get(table)
        if types is None:
            found = self.cursor.execute(_TYPES, {"table": table}).fetchall()
            types = self.types[table] = dict(cast(list[tuple[str, int]], found))
        with self.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN (FORMAT BINARY)') as copy:
            copy.set_types([types[name] for name in names])
            for row in rows:
                if dumped:
                    values = list(row)
                    for i in dumped:
                        if values[i] is not None:
                            values[i] = json.dumps(values[i])
                    row = tuple(values)
                copy.write_row(row)

    def finish(self) -> None:
        """The tables kept, in key order; then the full-text index's tsvectors, in entry id order."""
        for table, key in KEY_ORDER.items():
            names = self.names[table] or tuple(Base.metadata.tables[table].columns.keys())
            rows = sorted(self.kept.pop(table), key=operator.itemgetter(*map(names.index, key)))
            self.copy(table, names, rows)
        terms = PieceTerms()
        with self.cursor.copy("COPY search_tsv (id, tsv) FROM STDIN") as copy:
            for entry_id, title, parts in sorted(self.kept.pop(FTS), key=operator.itemgetter(0)):
                copy.write_row((entry_id, terms.tsvector(title, parts)))


def build(engine: Engine, *, rows: int, random_seed: int) -> dict[str, int]:
    """Fill the empty, migrated database of ``engine`` with the synthetic data set, in one transaction,
    then ``ANALYZE`` its tables; the rows of each table."""
    with engine.begin() as connection:
        indexes = connection.execute(_SECONDARY_INDEXES).all()
        for name, _definition in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
        foreign_keys = connection.execute(_FOREIGN_KEYS).all()
        for table, name, _definition in foreign_keys:
            connection.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
        copier = _Copier(connection.connection.driver_connection.cursor())  # type: ignore[union-attr]
        collecting = gc.isenabled()
        gc.disable()  # short-lived rows, no cycles (as in ``write_synthetic``)
        try:
            result = produce(rows, random_seed, copier.send)
            copier.finish()
        finally:
            if collecting:
                gc.enable()
        version = synthetic_version(rows, random_seed)
        connection.execute(insert(Dataset).values(dataset_row(result, version)))
        connection.execute(text("SET LOCAL maintenance_work_mem = '128MB'"))
        for _name, definition in indexes:
            connection.execute(text(definition))
        for table, name, definition in foreign_keys:
            connection.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        tables = connection.execute(_TABLES).scalars()
        connection.execute(text("ANALYZE " + ", ".join(f'"{table}"' for table in tables)))
    return {table: count for table, count in result[1].items() if table in Base.metadata.tables}
