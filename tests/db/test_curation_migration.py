"""Migration 0002 (curation fields) on a database that already holds data, on both backends."""

from __future__ import annotations

from sqlalchemy import inspect, select, text

from app.db import migrate
from app.db.models import Barrier, Dataset, Position
from app.seed.load import seed
from tests.conftest import SEEDS_DIR, Database

NEW_COLUMNS = {
    "barriers": "category_basis",
    "positions": "holder",
    "rounds": "outcome_quote",
    "mediators": "result_quote",
}


def _columns(database: Database, table: str) -> set[str]:
    engine = database.engine()
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_upgrade_keeps_rows_and_asks_for_a_reseed(empty_db: Database) -> None:
    migrate.upgrade(empty_db.settings, "0001")
    engine = empty_db.engine()
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO barriers (id, ordinal, category, name, summary) "
                    "VALUES ('old', 0, 'political', 'Old', 'Loaded before 0002.')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO dataset (id, version, seeded_at, counts) "
                    "VALUES (1, 'v-before', CURRENT_TIMESTAMP, '{}')"
                )
            )
        migrate.upgrade(empty_db.settings)
        engine.dispose()
        with engine.connect() as connection:
            assert connection.execute(select(Barrier.id, Barrier.category_basis)).all() == [("old", "")]
            assert connection.execute(select(Dataset.version)).all() == []  # /readyz: "not seeded"
        assert seed(engine, SEEDS_DIR).changed is True  # never "nothing changed" over placeholder values
        with engine.connect() as connection:
            assert "" not in connection.execute(select(Barrier.category_basis)).scalars().all()
            holders = set(connection.execute(select(Position.holder)).scalars())
            assert holders == {"government", "leaders", "public"}
    finally:
        engine.dispose()
    for table, column in NEW_COLUMNS.items():
        assert column in _columns(empty_db, table)
    migrate.downgrade(empty_db.settings, "0001")
    for table, column in NEW_COLUMNS.items():
        assert column not in _columns(empty_db, table)
