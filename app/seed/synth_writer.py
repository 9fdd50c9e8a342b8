"""How ``briefing synth`` writes its rows: buffered per table and inserted in chunks with the driver's
``executemany``, bypassing SQLAlchemy's per-row parameter processing (``app.seed.synth``)."""

from __future__ import annotations

import json
import operator
import typing
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Connection, Date, Table

from app.db.models import Base

Row = dict[str, Any]

CHUNK_ROWS = 5000
CHUNK_BYTES = 8 << 20
SIZED = frozenset({"representations", "documents", "search_entries"})
"""A table's buffered rows are written at CHUNK_ROWS rows or, for the tables with long texts (SIZED),
when their texts and bodies reach CHUNK_BYTES (whole briefings are hundreds of kilobytes each)."""
ORDERED = {"search_entries": operator.itemgetter("id"), "search_fts": operator.itemgetter(0)}
"""Tables whose buffered rows are written in key order: the collections' items are interleaved document
by document, and FTS5 writes its pending terms out whenever a rowid is not above the last one."""


class Statement(typing.NamedTuple):
    """A table's insert: the SQL, the row's values in its order, and the date and JSON columns."""

    sql: str
    values: Callable[[Row], tuple[Any, ...]] | None
    """None: the rows are the tuples of values."""
    dates: tuple[str, ...]
    documents: tuple[str, ...]


class Writer:
    """Buffers rows per table and inserts them in chunks with the driver's ``executemany``.

    Rows have the loader's shapes (dates as ``datetime.date``, JSON columns as lists and dicts). They are
    stored as SQLAlchemy's SQLite types store them (ISO dates, ``json.dumps``), but bypassing its
    per-row parameter processing, which would otherwise cost more than SQLite itself."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.tables: dict[str, Table] = dict(Base.metadata.tables)
        self.buffers: defaultdict[str, list[Any]] = defaultdict(list)
        self.sizes: defaultdict[str, int] = defaultdict(int)
        self.counts: dict[str, int] = {}
        self.statements: dict[str, Statement] = {
            # The full-text index, written with its entries (``app.seed.synth_terms``).
            "search_fts": Statement(
                "INSERT INTO search_fts(rowid, t, b, tw, bw) VALUES (?, ?, ?, ?, ?)", None, (), ()
            )
        }

    def _statement(self, table: str, row: Row) -> Statement:
        cached = self.statements.get(table)
        if cached is None:
            columns = self.tables[table].c
            names = list(row)
            unknown = [n for n in names if n not in columns]
            if unknown:
                raise ValueError(f"{table} has no column(s) {unknown}")
            # Table and column names come from the models' metadata (checked above), never from input.
            quoted = ", ".join(f'"{n}"' for n in names)
            placeholders = ", ".join("?" for _ in names)
            cached = self.statements[table] = Statement(
                f'INSERT INTO "{table}" ({quoted}) VALUES ({placeholders})',  # noqa: S608
                operator.itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],),
                tuple(n for n in names if isinstance(columns[n].type, Date)),
                tuple(n for n in names if isinstance(columns[n].type, JSON)),
            )
        return cached

    def put(self, table: str, row: Row | tuple[Any, ...]) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= CHUNK_ROWS:
            self.flush(table)

    def put_sized(self, table: str, row: Row | tuple[Any, ...], size: int) -> None:
        """A row of a table with long texts (SIZED), ``size`` their length."""
        buffer = self.buffers[table]
        buffer.append(row)
        self.sizes[table] += size
        if self.sizes[table] >= CHUNK_BYTES or len(buffer) >= CHUNK_ROWS:
            self.flush(table)

    def representation(self, row: Row) -> None:
        self.put_sized("representations", row, len(row["body"]))

    def put_all(self, table: str, rows: list[Row]) -> None:
        """Rows of a table without long texts (links, citations)."""
        buffer = self.buffers[table]
        buffer += rows
        if len(buffer) >= CHUNK_ROWS:
            self.flush(table)

    def flush(self, table: str) -> None:
        buffer = self.buffers.get(table)
        if buffer:
            sql, values, dates, documents = self._statement(table, buffer[0])
            if table in ORDERED:
                buffer.sort(key=ORDERED[table])
            if dates or documents:
                for row in buffer:  # the read model has rendered these rows already
                    for name in dates:
                        if row[name] is not None:
                            row[name] = row[name].isoformat()
                    for name in documents:
                        row[name] = json.dumps(row[name])
            # Positional parameters: the driver binds a tuple faster than it looks names up in a dict.
            self.connection.exec_driver_sql(sql, buffer if values is None else list(map(values, buffer)))
            self.counts[table] = self.counts.get(table, 0) + len(buffer)
            self.buffers[table] = []
            self.sizes[table] = 0

    def flush_all(self) -> None:
        for table in list(self.buffers):
            self.flush(table)


BULK_PRAGMAS = (
    # A private file that is thrown away on any failure: no journal, no fsync while loading.
    "PRAGMA journal_mode = OFF",
    "PRAGMA synchronous = OFF",
    "PRAGMA cache_size = -262144",
    "PRAGMA foreign_keys = OFF",
    # CHECK constraints are checked once per table after the load (``check_constraints``): row by row,
    # SQLite builds a ``collection IN (...)`` list's lookup table once per run of the insert, which
    # ``executemany`` runs once per row: about 7 µs, half the cost of inserting a link or citation row.
    "PRAGMA ignore_check_constraints = ON",
)
"""The connection settings of the load (``app.seed.synth._fill``)."""


def check_constraints(connection: Connection) -> None:
    """Raise unless every row satisfies its table's CHECK constraints (the models' own expressions), which
    the load did not check row by row (``BULK_PRAGMAS``). One query per constraint: a table scan."""
    for table in Base.metadata.sorted_tables:
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint):
                # The expression is the models' own text, never input.
                sql = f'SELECT count(*) FROM "{table.name}" WHERE NOT ({constraint.sqltext})'  # noqa: S608
                failing = connection.exec_driver_sql(sql).scalar_one()
                if failing:
                    raise RuntimeError(f"{failing} {table.name} rows fail the check {constraint.name}")
