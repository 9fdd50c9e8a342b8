"""Runtime settings, read from the environment (prefix ``BRIEFING_`` or the documented plain names)."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args, get_origin

from annotated_types import Ge, Gt, Le
from pydantic import AliasChoices, Field, ValidationError, field_validator
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
    # Defaults are absolute (the project's own directories, whatever the working directory), so that
    # `briefing` run from anywhere reaches the same database; a relative value set by the operator is
    # taken from the working directory, as a command-line path would be.
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
    header_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a client has to send a whole request head."
    )
    response_cache_bytes: int = Field(
        default=64 * 1024 * 1024, ge=0, description="Bytes of ready responses kept in memory per worker."
    )
    response_cache_entries: int = Field(default=2048, ge=0, description="Ready responses kept in memory.")
    export_batch: int = Field(
        default=1000, ge=1, le=100_000, description="Items an export reads and sends at a time (CSV, NDJSON)."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", description="Python logging level."
    )
    log_json: bool = Field(default=True, description="One JSON object per log line.")

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

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


def describe_invalid_settings(exc: ValueError) -> list[str]:
    """One line per invalid setting, naming its environment variable, the value and what it expects.

    ``exc`` is what ``Settings()`` raised: pydantic's ``ValidationError``, or pydantic-settings'
    ``SettingsError`` when a list is not JSON."""
    if isinstance(exc, ValidationError):
        names = [str(error["loc"][0]) for error in exc.errors() if error.get("loc")]
    else:
        names = re.findall(r'field "([^"]+)"', str(exc))
    lines: list[str] = []
    for name in dict.fromkeys(names):  # one line per setting, in order
        field_name, variable = _field_and_variable(name)
        given = os.environ.get(variable)
        shown = f"={given!r}" if given is not None else ""
        lines.append(f"invalid setting {variable}{shown}: expected {_expectation(field_name)}")
    return lines or [f"invalid settings: {exc}"]


def _field_and_variable(name: str) -> tuple[str, str]:
    """(field name, environment variable) for a name pydantic reports: a field name or an alias."""
    for field_name, field in Settings.model_fields.items():
        choices = [str(c) for c in getattr(field.validation_alias, "choices", [])]
        if name == field_name or name in choices:
            if not choices:
                return field_name, f"BRIEFING_{field_name.upper()}"
            return field_name, next((c for c in choices if c in os.environ), choices[0])
    return name, name


def _expectation(field_name: str) -> str:
    field = Settings.model_fields.get(field_name)
    if field is None:
        return "a valid value"
    annotation = field.annotation
    bounds: dict[type, object] = {}
    for m in field.metadata:
        if isinstance(m, Ge | Gt | Le):
            bounds[type(m)] = m.ge if isinstance(m, Ge) else m.gt if isinstance(m, Gt) else m.le
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(str(a) for a in get_args(annotation))
    if get_origin(annotation) is list:
        return 'a JSON list of strings, e.g. ["https://example.org"]'
    if annotation is bool:
        return "true or false"
    if annotation is Path:
        return "a directory path"
    if annotation in (int, float):
        kind = "a whole number" if annotation is int else "a number"
        if Gt in bounds:
            kind += f" above {bounds[Gt]}"
        if Ge in bounds and Le in bounds:
            return f"{kind} from {bounds[Ge]} to {bounds[Le]}"
        if Ge in bounds:
            return f"{kind} of at least {bounds[Ge]}"
        return kind
    return "a string"
