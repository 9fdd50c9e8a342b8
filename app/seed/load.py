"""Writing a checked seed to the database: all of it in one transaction, or nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select

from app.db import readmodel, search_index
from app.db.models import Base, Dataset, Representation
from app.seed.errors import SeedError
from app.seed.plan import LoadPlan, build_plan
from app.seed.read import read_seeds


@dataclass(frozen=True, slots=True)
class SeedOutcome:
    changed: bool
    version: str
    counts: dict[str, int]


def check_seeds(seeds_dir: Path) -> LoadPlan:
    """Validate the seed files completely, without touching any database.

    Raises ``SeedError`` with every problem of every file at once, sorted by file and line: schema errors
    of each item, then the reference, quote and document checks of the items that passed them.
    """
    read = read_seeds(seeds_dir)
    problems = list(read.problems)
    plan: LoadPlan | None = None
    try:
        plan = build_plan(read.seeds, seeds_dir, known_ids=read.ids)
    except SeedError as exc:
        problems += [p for p in map(read.place, exc.problems) if p is not None]
    if problems or plan is None:
        raise SeedError(problems)
    return plan


def seed(engine: Engine, seeds_dir: Path) -> SeedOutcome:
    """Replace the stored data set with the seed files' one, unless it is already the same version.

    Readers see the old data set or the new one, never a mix: the swap is a single transaction (SQLite:
    ``BEGIN IMMEDIATE`` in WAL mode; PostgreSQL: readers use REPEATABLE READ snapshots).
    """
    plan = check_seeds(seeds_dir)
    with engine.begin() as connection:
        current = connection.execute(select(Dataset.version)).scalar_one_or_none()
        if current == plan.version:
            return SeedOutcome(changed=False, version=plan.version, counts=plan.counts())
        _replace_all(connection, plan)
    return SeedOutcome(changed=True, version=plan.version, counts=plan.counts())


def _replace_all(connection: Connection, plan: LoadPlan) -> None:
    tables = Base.metadata.sorted_tables
    for table in reversed(tables):
        connection.execute(delete(table))
    for table in tables:
        rows = plan.rows.get(table.name)
        if rows:
            connection.execute(insert(table), rows)
    search_index.rebuild(connection)
    representations: list[dict[str, Any]] = []
    written = readmodel.render_plan(plan.rows, representations.append)
    if representations:
        connection.execute(insert(Representation), representations)
    representations = []
    written += readmodel.whole_briefings(connection, representations.append)
    if representations:
        connection.execute(insert(Representation), representations)
    if written != plan.counts()["representations"]:  # raising rolls the whole seed back
        raise RuntimeError(f"read model has {written} rows, not {plan.counts()['representations']}")
    connection.execute(
        insert(Dataset).values(
            id=1, version=plan.version, seeded_at=dt.datetime.now(dt.UTC), counts=plan.counts()
        )
    )
