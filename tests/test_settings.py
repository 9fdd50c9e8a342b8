"""Invalid settings: one line per setting naming the variable and what it expects, exit status 2, no
traceback, for every command (``briefing serve`` included)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.settings import PROJECT_ROOT, Settings, get_settings

COMMANDS = [
    ["serve"],
    ["seed"],
    ["seed", "--check"],
    ["db", "upgrade"],
    ["db", "downgrade", "base"],
    ["db", "current"],
    ["openapi"],
    ["seed-schema"],
    ["synth", "--rows", "10", "--out", "unused.sqlite3"],
]

INVALID = [
    ("BRIEFING_CORS_ORIGINS", "foo", 'expected a JSON list of strings, e.g. ["https://example.org"]'),
    ("BRIEFING_TRUSTED_HOSTS", "[1]", 'expected a JSON list of strings, e.g. ["https://example.org"]'),
    ("PORT", "eighty", "expected a whole number from 1 to 65535"),
    ("BRIEFING_MAX_CONCURRENCY", "0", "expected a whole number of at least 1"),
    ("BRIEFING_HEADER_TIMEOUT", "-1", "expected a number above 0"),
    ("BRIEFING_LOG_JSON", "maybe", "expected true or false"),
    ("BRIEFING_LOG_LEVEL", "loud", "expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
]


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_refuses_an_invalid_setting_in_one_line(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BRIEFING_CORS_ORIGINS", "foo")
    assert main(command) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "briefing: invalid setting BRIEFING_CORS_ORIGINS='foo': "
        'expected a JSON list of strings, e.g. ["https://example.org"]\n'
    )


@pytest.mark.parametrize(("variable", "value", "expected"), INVALID, ids=[v for v, _, _ in INVALID])
def test_the_line_names_the_variable_and_what_it_expects(
    variable: str,
    value: str,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, value)
    assert main(["seed-schema"]) == 2
    assert capsys.readouterr().err == f"briefing: invalid setting {variable}={value!r}: {expected}\n"


def test_two_invalid_settings_are_two_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "0")
    monkeypatch.setenv("BRIEFING_DB_THREADS", "many")
    assert main(["openapi"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == [
        "briefing: invalid setting PORT",
        "briefing: invalid setting BRIEFING_DB_THREADS",
    ]


def test_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFING_LOG_LEVEL", "debug")
    assert Settings().log_level == "DEBUG"


def test_data_dir_default_is_the_projects_and_a_relative_value_is_the_working_directorys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BRIEFING_DATA_DIR", raising=False)
    assert Settings().data_dir == PROJECT_ROOT / "data"
    monkeypatch.setenv("BRIEFING_DATA_DIR", "here")
    assert Settings().data_dir.resolve() == tmp_path / "here"


@pytest.mark.slow
def test_the_console_script_prints_no_traceback(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "BRIEFING_CORS_ORIGINS": "not json", "BRIEFING_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "briefing"), "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "briefing: invalid setting BRIEFING_CORS_ORIGINS='not json': "
        'expected a JSON list of strings, e.g. ["https://example.org"]'
    ]
