"""Statements compiled once and run on the driver's cursor: the hot read queries without SQLAlchemy's
per-execution work.

Executing a Core select through SQLAlchemy costs, per call, its construction, its cache key (a walk of
the whole statement), an execution context and a ``Row`` per result row: for a 50-item list page, about
three times what SQLite takes to run it. ``fetch`` keeps, per caller-given key, the statement's compiled
SQL, its parameter order and the processed values of the parameters fixed at compile time; a later call
with the same key only binds the variable parameters (named in ``values``) and runs the SQL on the
driver's cursor, within the driver's transaction (begun first, so that later statements of the request
share its snapshot).

The key must determine everything but ``values``: the caller includes whatever the statement's shape and
its fixed parameters depend on; an expanding ``IN`` is rendered with one parameter per value. Statements
needing SQLAlchemy at execution time (values rendered into the SQL, or converted per ``IN`` value) are run
through SQLAlchemy, as is everything while a listener watches the engine's executions (the query-plan tests
capture each statement that way).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

MAX_STATEMENTS = 512
"""Compiled statements kept per process (least recently used go first): keys may hold client-given
values, such as a filter's."""


@dataclass(frozen=True, slots=True)
class Prepared:
    sql: str
    positions: tuple[str, ...] | None
    """Parameter names in positional order; None for a driver taking named parameters."""
    fixed: dict[str, Any]
    processors: dict[str, Callable[[Any], Any]]
    results: tuple[Callable[[Any], Any] | None, ...]
    """Each result column's conversion (None: the driver's value as is), as SQLAlchemy would apply it."""

    @classmethod
    def of(cls, statement: Any, dialect: Dialect) -> Prepared | None:
        compiled = statement.compile(dialect=dialect)
        if compiled.literal_execute_params:
            return None
        if compiled.post_compile_params:  # expanding IN: its values are fixed, so part of the key
            if any(bind.type._cached_bind_processor(dialect) for bind in compiled.post_compile_params):
                return None
            compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        processors = dict(compiled._bind_processors)
        fixed = {
            name: processors[name](value) if name in processors else value
            for name, value in compiled.construct_params(_check=False).items()
        }
        positions = tuple(compiled.positiontup) if compiled.positional else None
        results = tuple(
            column.type._cached_result_processor(dialect, None) for column in compiled._result_columns
        )
        return cls(compiled.string, positions, fixed, processors, results)

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        bound = dict(self.fixed)
        for name, value in values.items():
            processor = self.processors.get(name)
            bound[name] = processor(value) if processor is not None and value is not None else value
        if self.positions is None:
            return bound
        return [bound[name] for name in self.positions]


class _Statements:
    def __init__(self) -> None:
        self.entries: OrderedDict[Hashable, Prepared | None] = OrderedDict()

    def prepared(self, key: Hashable, build: Callable[[], Executable], dialect: Dialect) -> Prepared | None:
        try:
            found = self.entries[key]
        except KeyError:
            found = self.entries[key] = Prepared.of(build(), dialect)
            if len(self.entries) > MAX_STATEMENTS:
                self.entries.popitem(last=False)
            return found
        with suppress(KeyError):  # another worker thread may have evicted it since
            self.entries.move_to_end(key)
        return found


_STATEMENTS = _Statements()


def _watched(connection: Connection) -> bool:
    """Whether a listener watches the engine's executions (the engine's own events: reading them through
    the connection's joined dispatcher built three listener objects per request)."""
    dispatch = connection.engine.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute or dispatch.before_execute)


def _begin(connection: Connection) -> None:
    """Begin the driver's transaction, unless one is open, so that the request's later statements read the
    same snapshot. Not SQLAlchemy's ``begin()``: its transaction objects and events cost a page more than
    binding and running its statement here. The connection's return to the pool rolls the transaction
    back; a later SQLAlchemy statement joins it (``app.db.engine``). PostgreSQL's driver begins by itself."""
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if not driver.in_transaction:  # type: ignore[union-attr]
            driver.execute("BEGIN")  # type: ignore[union-attr]


def fetch(
    connection: Connection,
    key: Hashable | None,
    build: Callable[[], Executable],
    values: Mapping[str, Any],
) -> list[tuple[Any, ...]]:
    """The rows of ``build()`` with ``values`` bound, as tuples. ``key`` None: built and run through
    SQLAlchemy."""
    dialect = connection.dialect
    prepared = None
    if key is not None and not _watched(connection):
        prepared = _STATEMENTS.prepared((dialect.name, key), build, dialect)
    if prepared is None:
        return [tuple(row) for row in connection.execute(build(), dict(values)).all()]
    cursor = connection.connection.cursor()
    try:
        _begin(connection)
        cursor.execute(prepared.sql, prepared.parameters(values))
        rows = cursor.fetchall()
    except dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy raises it: OperationalError → a 503
        raise DBAPIError.instance(
            prepared.sql, None, exc, dialect.loaded_dbapi.Error, dialect=dialect
        ) from exc
    finally:
        cursor.close()
    if not any(prepared.results):
        if isinstance(rows, list) and (not rows or type(rows[0]) is tuple):
            return rows  # the drivers' rows are tuples already (sqlite3, psycopg's default)
        return [tuple(row) for row in rows]
    return [
        tuple(
            value if convert is None else convert(value)
            for convert, value in zip(prepared.results, row, strict=True)
        )
        for row in rows
    ]
