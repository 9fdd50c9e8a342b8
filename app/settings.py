"""Runtime settings, read from the environment (prefix ``BRIEFING_`` or the documented plain names)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob the service has. Each field is listed in the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="BRIEFING_", extra="ignore", frozen=True)

    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("DATABASE_URL", "BRIEFING_DATABASE_URL"),
        description="SQLAlchemy URL. Empty means a SQLite file under data_dir.",
    )
    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="Where the default SQLite file lives.")
    seeds_dir: Path = Field(default=PROJECT_ROOT / "seeds", description="The curated seed files.")
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("HOST", "BRIEFING_HOST"))
    port: int = Field(default=8000, ge=1, le=65535, validation_alias=AliasChoices("PORT", "BRIEFING_PORT"))
    workers: int = Field(
        default=1, ge=1, le=64, validation_alias=AliasChoices("WEB_CONCURRENCY", "BRIEFING_WORKERS")
    )
    cache_max_age: int = Field(default=60, ge=0, description="Cache-Control max-age, seconds.")
    cors_origins: list[str] = Field(default_factory=lambda: ["*"], description="Allowed CORS origins.")
    trusted_hosts: list[str] = Field(default_factory=lambda: ["*"], description="Accepted Host headers.")
    max_concurrency: int = Field(default=64, ge=1, description="Requests in flight before 503.")
    db_threads: int = Field(
        default=4, ge=1, le=256, description="Threads running database work per worker (the rest wait)."
    )
    request_timeout: float = Field(default=10.0, gt=0, description="Seconds before a request gets 503.")
    response_cache_entries: int = Field(default=2048, ge=0, description="Ready responses kept in memory.")
    log_level: str = Field(default="INFO", description="Python logging level.")
    log_json: bool = Field(default=True, description="One JSON object per log line.")

    @property
    def resolved_database_url(self) -> str:
        """The URL to connect to: the configured one, or the default SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'briefing.sqlite3'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings. Tests build their own ``Settings`` and pass them to the app factory."""
    return Settings()
