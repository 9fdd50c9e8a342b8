"""The ``briefing`` command on a temporary SQLite data directory: the real console script in a subprocess
where the claim is about the process (exit status, no traceback, the streams), ``app.cli.main`` in this
process where it is about what a command does and prints (``tests.command``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from app.db.migrate import head_revision
from app.db.models import Dataset
from app.seed.load import check_seeds
from tests.command import BRIEFING, Outcome, run_in_process, run_subprocess
from tests.conftest import SEEDS_DIR

pytestmark = pytest.mark.slow


def run(*args: str, data_dir: Path, in_process: bool = False) -> Outcome:
    env = {"BRIEFING_DATA_DIR": str(data_dir), "BRIEFING_SEEDS_DIR": str(SEEDS_DIR)}
    return run_in_process(list(args), env) if in_process else run_subprocess(list(args), env)


def test_console_script_is_installed() -> None:
    assert BRIEFING.is_file()
    assert os.access(BRIEFING, os.X_OK)


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run("--help", data_dir=tmp_path, in_process=True)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: briefing ")
    listed = {
        line.split()[0] for line in result.stdout.splitlines() if line.startswith("    ") and line.strip()
    }
    assert {"db", "seed", "serve", "openapi", "synth"} <= listed
    assert "validate the seed files and load them in one transaction" in result.stdout


def test_upgrade_seed_reseed_and_check(tmp_path: Path) -> None:
    data = tmp_path / "data"
    version = check_seeds(SEEDS_DIR).version
    counts = check_seeds(SEEDS_DIR).counts()
    head = head_revision()
    assert head is not None

    upgraded = run("db", "upgrade", data_dir=data)
    assert (upgraded.returncode, upgraded.stdout) == (0, f"database at {head}\n")
    assert (data / "briefing.sqlite3").is_file()

    current = run("db", "current", data_dir=data, in_process=True)
    assert (current.returncode, current.stdout) == (0, f"current: {head}  head: {head}\n")

    seeded = run("seed", data_dir=data)
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.startswith(f"seeded version {version[:12]}: ")
    assert f"citations {counts['citations']}" in seeded.stdout
    assert f"implications {counts['implications']}" in seeded.stdout

    engine = create_engine(f"sqlite:///{data / 'briefing.sqlite3'}")
    try:
        with engine.connect() as connection:
            stored = connection.execute(select(Dataset.version, Dataset.counts)).one()
    finally:
        engine.dispose()
    assert tuple(stored) == (version, counts)

    again = run("seed", data_dir=data, in_process=True)
    assert (again.returncode, again.stdout) == (
        0,
        f"nothing changed: version {version[:12]} is already loaded\n",
    )

    checked = run("seed", "--check", data_dir=data, in_process=True)
    assert checked.returncode == 0
    assert checked.stdout.startswith(f"seed files OK: version {version[:12]}; documents 1, ")
    for output in (upgraded, current, seeded, again, checked):
        assert "Traceback" not in output.stdout + output.stderr


def test_seed_check_needs_no_database(tmp_path: Path) -> None:
    data = tmp_path / "never-created"
    result = run("seed", "--check", data_dir=data, in_process=True)
    assert result.returncode == 0
    assert result.stdout.startswith("seed files OK: version ")
    assert not data.exists()


def test_seed_on_an_unmigrated_database_fails_cleanly(tmp_path: Path) -> None:
    result = run("seed", data_dir=tmp_path / "data")
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "briefing: database error: no such table: dataset",
        "briefing: is the database reachable and migrated? (`briefing db upgrade`)",
    ]


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = run("reseed", data_dir=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'reseed'" in result.stderr
    assert "Traceback" not in result.stderr
