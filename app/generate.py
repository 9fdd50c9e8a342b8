"""Every generated file of the repository, from one place: ``make generate`` (``python -m app.generate``)
rewrites them and ``tests/test_generated.py`` fails when a committed one drifts.

- ``openapi.json``: the OpenAPI document of an app built here (no database is touched);
- ``app/api/examples.json``: real-data examples, fetched through the API from a freshly seeded SQLite file;
- ``seeds/schema.json``: the JSON Schema of the seed files;
- ``README.md``: its command-line reference, the real ``--help`` of every command.

This module sits above ``app.main`` (it builds apps); nothing under ``app/api/`` imports ``app.main``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.settings import PROJECT_ROOT, Settings

README = PROJECT_ROOT / "README.md"
CLI_START, CLI_END = "<!-- cli-help:start -->", "<!-- cli-help:end -->"
HELP_COMMANDS: list[list[str]] = [[], ["db"], ["seed"], ["serve"], ["synth"]]


def _dumps(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def openapi_json() -> str:
    """The app's OpenAPI document, as committed in ``openapi.json``."""
    from app.main import create_app

    # Building the document needs no database: the engine is created but never connects.
    app = create_app(Settings(data_dir=Path(tempfile.gettempdir()) / "briefing-openapi", log_json=False))
    return _dumps(app.openapi())


def seeded_sqlite(data_dir: Path) -> Settings:
    """Settings of a fresh SQLite database in ``data_dir``, migrated and seeded from seeds/."""
    from app.db import migrate
    from app.db.engine import make_engine
    from app.seed.load import seed

    settings = Settings(data_dir=data_dir, response_cache_entries=0, log_json=False, log_level="WARNING")
    migrate.upgrade(settings)
    engine = make_engine(settings, read_only=False)
    seed(engine, settings.seeds_dir)
    engine.dispose()
    return settings


def examples_json() -> str:
    """``app/api/examples.json`` from the real data (SQLite: search scores differ by engine)."""
    import anyio

    from app.api.examples import generate
    from app.main import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(seeded_sqlite(Path(tmp)))
        examples = anyio.run(generate, app)
        app.state.engine.dispose()
    return _dumps(examples)


def seed_schema_json() -> str:
    from app.seed.schema import json_schema

    return _dumps(json_schema())


def cli_help() -> str:
    """The ``--help`` of every command, as the README shows it."""
    from app.cli import _parser

    blocks = []
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        for args in HELP_COMMANDS:
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
                _parser().parse_args([*args, "--help"])
            command = " ".join(["briefing", *args, "--help"])
            blocks.append(f"```text\n$ {command}\n{out.getvalue().rstrip()}\n```")
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    return "\n\n".join(blocks)


def readme() -> str:
    """README.md with its command-line reference regenerated."""
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(CLI_START, 1)
    _, tail = rest.split(CLI_END, 1)
    return f"{head}{CLI_START}\n{cli_help()}\n{CLI_END}{tail}"


GENERATED: dict[str, Callable[[], str]] = {
    "openapi.json": openapi_json,
    "app/api/examples.json": examples_json,
    "seeds/schema.json": seed_schema_json,
    "README.md": readme,
}
"""Each generated file (relative to the repository) and the function that produces its content."""


def main() -> int:
    for name, produce in GENERATED.items():
        path = PROJECT_ROOT / name
        content = produce()
        if path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            sys.stdout.write(f"regenerated {name}\n")
        else:
            sys.stdout.write(f"unchanged   {name}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
