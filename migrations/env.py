"""Alembic environment: the URL comes from the app's settings, never from alembic.ini."""

from __future__ import annotations

from alembic import context

from app.db.engine import make_engine
from app.db.migrate import include_object
from app.db.models import Base
from app.settings import Settings, get_settings

settings: Settings = context.config.attributes.get("settings") or get_settings()
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_engine(settings, read_only=False)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `briefing db upgrade`")
run_migrations_online()
