"""Alembic, driven from code: the CLI, the app's readiness check and the tests share these helpers.

Alembic is imported inside the functions that need it: the server only asks for the head revision on
its first readiness check, so starting it does not pay for importing Alembic.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Column, Engine, MetaData, String, Table, select
from sqlalchemy.exc import DBAPIError

from app.settings import PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
FULL_TEXT_OBJECTS = ("search_fts", "search_tsv", "ix_search_entries_tsv")
"""Dialect-specific full-text machinery the migrations create by hand (FTS5 tables on SQLite, a tsvector
table and its GIN index on PostgreSQL): not in the models, so left out of comparisons."""


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's filter for autogenerate and drift checks."""
    return not (name or "").startswith(FULL_TEXT_OBJECTS)


_alembic_version = Table("alembic_version", MetaData(), Column("version_num", String(32), primary_key=True))


def alembic_config(settings: Settings) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(settings), revision)


@cache
def _head_of(migrations_dir: str) -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", migrations_dir)
    return ScriptDirectory.from_config(config).get_current_head()


def head_revision() -> str | None:
    """The newest revision the code knows (read once per process)."""
    return _head_of(str(MIGRATIONS_DIR))


def current_revision(engine: Engine) -> str | None:
    """The database's revision; None when it was never migrated."""
    with engine.connect() as connection:
        try:
            return connection.execute(select(_alembic_version.c.version_num)).scalar_one_or_none()
        except DBAPIError as exc:
            if "alembic_version" in str(exc.orig):  # no such table: never migrated
                return None
            raise
