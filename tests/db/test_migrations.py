"""Alembic migrations: up, down and up again on both backends, and no drift from the models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select

from app.db import migrate
from app.db.migrate import include_object
from app.db.models import Base, Citation, Dataset, Representation
from app.seed.load import check_seeds, seed
from tests.conftest import SEEDS_DIR, Database

MODEL_TABLES = set(Base.metadata.tables)


_include_object = include_object


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _full_text_objects(engine: Engine) -> set[str]:
    if engine.dialect.name == "sqlite":
        return {t for t in _tables(engine) if t.startswith("search_fts")}
    if "search_tsv" not in _tables(engine):
        return set()
    return {"search_tsv"} | {ix["name"] or "" for ix in inspect(engine).get_indexes("search_tsv")}


def test_upgrade_downgrade_upgrade(empty_db: Database) -> None:
    engine = empty_db.engine()
    try:
        assert _tables(engine) == set()
        assert migrate.current_revision(engine) is None

        migrate.upgrade(empty_db.settings)
        tables = _tables(engine)
        assert tables - {t for t in tables if t.startswith(("search_fts", "search_tsv"))} == MODEL_TABLES | {
            "alembic_version"
        }
        expected_fts = {"search_fts"} if empty_db.backend == "sqlite" else {"search_tsv", "search_tsv_gin"}
        assert expected_fts <= _full_text_objects(engine)
        assert migrate.current_revision(engine) == migrate.head_revision() == "0004"

        migrate.downgrade(empty_db.settings, "base")
        engine.dispose()
        assert _tables(engine) == {"alembic_version"}
        assert migrate.current_revision(engine) is None

        migrate.upgrade(empty_db.settings)
        engine.dispose()
        assert _tables(engine) == tables
        assert expected_fts <= _full_text_objects(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_models_and_migrations_do_not_drift(empty_db: Database) -> None:
    migrate.upgrade(empty_db.settings)
    engine = empty_db.engine()
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": _include_object, "compare_type": True}
            )
            diffs: list[Any] = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diffs == []


def test_drift_detection_can_fail(empty_db: Database) -> None:
    """Control: an object the models lack is reported, so the empty diff above means something."""
    migrate.upgrade(empty_db.settings)
    engine = empty_db.engine()
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE stray_table (id INTEGER PRIMARY KEY)")
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": _include_object, "compare_type": True}
            )
            diffs = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert [(d[0], d[1].name) for d in diffs if isinstance(d, tuple)] == [("remove_table", "stray_table")]


def test_seeding_twice_changes_nothing_the_second_time(empty_db: Database) -> None:
    migrate.upgrade(empty_db.settings)
    engine = empty_db.engine()
    try:
        first = seed(engine, SEEDS_DIR)
        with engine.connect() as connection:
            stamp = connection.execute(select(Dataset.version, Dataset.seeded_at)).one()
            citation_ids = connection.execute(select(func.min(Citation.id), func.max(Citation.id))).one()
        second = seed(engine, SEEDS_DIR)
        with engine.connect() as connection:
            assert connection.execute(select(Dataset.version, Dataset.seeded_at)).one() == stamp
            assert (
                connection.execute(select(func.min(Citation.id), func.max(Citation.id))).one() == citation_ids
            )
    finally:
        engine.dispose()
    plan = check_seeds(SEEDS_DIR)
    assert first.changed is True
    assert second.changed is False
    assert first.version == second.version == plan.version == stamp[0]
    assert second.counts == first.counts == plan.counts()


def test_upgrading_a_database_without_read_model_asks_for_a_seed(empty_db: Database) -> None:
    """Rows loaded before the read model have no representations: 0004 clears the data set row, so
    readiness reports the database unseeded and the next seed (a new loader version) renders them."""
    migrate.upgrade(empty_db.settings, "0003")
    engine = empty_db.engine()
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO dataset (id, version, seeded_at, counts) "
                "VALUES (1, 'v1-data', '2026-11-25 00:00:00', '{}')"
            )
        migrate.upgrade(empty_db.settings)
        with engine.connect() as connection:
            assert connection.execute(select(Dataset.version)).all() == []
        assert seed(engine, SEEDS_DIR).changed is True
        with engine.connect() as connection:
            assert (
                connection.execute(select(func.count()).select_from(Representation)).scalar_one() == 122
            )  # 85 items, 2 details, 12 collection totals and 23 facets (the seed-time tally)
    finally:
        engine.dispose()
