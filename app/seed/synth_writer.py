"""How ``briefing synth`` writes its rows: the generator buffers them per table (``Writer``) and hands
each chunk to the process that owns the file (``app.seed.synth_pipe``), where ``Loader`` inserts it with
the driver's ``executemany``, bypassing SQLAlchemy's per-row parameter processing (``app.seed.synth``)."""

from __future__ import annotations

import json
import operator
import typing
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Connection, Date, Table

from app.db.models import Base
from app.seed.synth_terms import PieceTerms

Row = dict[str, Any]
Names = tuple[str, ...] | None
Send = Callable[[str, Names, list[tuple[Any, ...]]], None]
"""Where a table's chunk of buffered rows goes (``Loader.load`` in the loading process): the table, its
columns' names (None: the table's own order) and the rows' values in that order."""

CHUNK_ROWS = 5000
FTS_CHUNK_ROWS = 20_000
CHUNK_BYTES = 8 << 20
SIZED = frozenset({"representations", "documents", "search_entries"})
"""A table's buffered rows are written at CHUNK_ROWS rows or, for the tables with long texts (SIZED),
when their texts and bodies reach CHUNK_BYTES (whole briefings are hundreds of kilobytes each)."""
ORDERED = {"search_entries": operator.itemgetter("id"), "search_fts": operator.itemgetter(0)}
"""Tables whose buffered rows are written in key order: the collections' items are interleaved document
by document, and FTS5 writes its pending terms out whenever a rowid is not above the last one."""
FTS = "search_fts"
"""The full-text index: the generator puts ``(entry id, title, parts)`` rows; ``Loader`` computes their
terms (``app.seed.synth_terms``) and inserts the index's columns."""


Conversion = tuple[int, Callable[[Any], str], bool]
"""A column's index in a row, how its values are stored, and whether None is converted too."""


class Statement(typing.NamedTuple):
    """A table's insert: the SQL, and how the values of its date and JSON columns are stored."""

    sql: str
    converted: tuple[Conversion, ...]


class Writer:
    """Buffers rows per table and sends them on a chunk at a time, each table's in the order put (key
    order within a chunk for ORDERED tables); counts the rows of each table."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.buffers: defaultdict[str, list[Any]] = defaultdict(list)
        self.sizes: defaultdict[str, int] = defaultdict(int)
        self.counts: dict[str, int] = {}

    def put(self, table: str, row: Row | tuple[Any, ...]) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= CHUNK_ROWS:
            self.flush(table)

    def put_fts(self, row: tuple[int, str, Sequence[str | None]]) -> None:
        """An entry of the full-text index: ``(entry id, title, parts)``. FTS5 writes its pending terms
        out whenever a rowid is not above the last one, so larger chunks (each in rowid order) leave fewer
        segments to merge: inserting the 213k entries of 100k rows took 5.3 s in chunks of 5,000, 4.9 s
        in chunks of 20,000 and 4.6 s in chunks of 50,000 (which held about 50 MB more in memory)."""
        buffer = self.buffers[FTS]
        buffer.append(row)
        if len(buffer) >= FTS_CHUNK_ROWS:
            self.flush(FTS)

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
            if table in ORDERED:
                buffer.sort(key=ORDERED[table])
            if buffer[0].__class__ is dict:
                # Sent as tuples: they cost less to pass than dicts (``app.seed.synth_pipe``).
                names = tuple(buffer[0])
                values = operator.itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
                self.send(table, names, list(map(values, buffer)))
            else:
                self.send(table, None, buffer)
            self.counts[table] = self.counts.get(table, 0) + len(buffer)
            self.buffers[table] = []
            self.sizes[table] = 0

    def flush_all(self) -> None:
        for table in list(self.buffers):
            self.flush(table)


class Loader:
    """Inserts chunks of a table's rows with the driver's ``executemany``.

    Rows have the loader's shapes (dates as ``datetime.date``, JSON columns as lists and dicts). They are
    stored as SQLAlchemy's SQLite types store them (ISO dates, ``json.dumps``), but bypassing its
    per-row parameter processing, which would otherwise cost more than SQLite itself."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.tables: dict[str, Table] = dict(Base.metadata.tables)
        self.terms = PieceTerms()
        self.statements: dict[str, Statement] = {
            FTS: Statement("INSERT INTO search_fts(rowid, t, b, tw, bw) VALUES (?, ?, ?, ?, ?)", ())
        }

    def _statement(self, table: str, names: Names) -> Statement:
        cached = self.statements.get(table)
        if cached is None:
            columns = self.tables[table].c
            names = names or tuple(columns.keys())
            unknown = [n for n in names if n not in columns]
            if unknown:
                raise ValueError(f"{table} has no column(s) {unknown}")
            # Table and column names come from the models' metadata (checked above), never from input.
            quoted = ", ".join(f'"{n}"' for n in names)
            placeholders = ", ".join("?" for _ in names)
            converted: list[Conversion] = []
            for index, name in enumerate(names):
                if isinstance(columns[name].type, Date):
                    converted.append((index, _iso, False))
                elif isinstance(columns[name].type, JSON):
                    converted.append((index, json.dumps, True))
            sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({placeholders})'  # noqa: S608
            cached = self.statements[table] = Statement(sql, tuple(converted))
        return cached

    def load(self, table: str, names: Names, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows of ``table`` (``names``: their columns, as ``Writer`` sends them)."""
        sql, converted = self._statement(table, names)
        if table == FTS:
            columns = self.terms.columns
            rows = [(key, *columns(title, parts)) for key, title, parts in rows]
        if converted:  # the read model has rendered these rows already
            rows = [_converted(row, converted) for row in rows]
        # Positional parameters: the driver binds a tuple faster than it looks names up in a dict.
        self.connection.exec_driver_sql(sql, rows)


def _iso(value: Any) -> str:
    return str(value.isoformat())


def _converted(row: tuple[Any, ...], converted: tuple[Conversion, ...]) -> tuple[Any, ...]:
    values = list(row)
    for index, convert, nulls in converted:
        if nulls or values[index] is not None:
            values[index] = convert(values[index])
    return tuple(values)


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
