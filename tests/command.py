"""The ``briefing`` command as the tests run it: the real console script in a subprocess, or ``app.cli.main``
in this process, with the same environment and arguments.

A subprocess starts an interpreter and imports the app (about a second of CPU each), so tests run it where
the claim is about the process (its exit status, no traceback, what reaches stdout and stderr) and call
``main`` where the claim is about what the command does and prints.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from app.cli import main
from app.settings import PROJECT_ROOT, get_settings

BRIEFING = Path(sys.executable).parent / "briefing"
UNSET = ("DATABASE_URL", "BRIEFING_DATABASE_URL")
"""Inherited variables that would point a command at another database than the test's."""


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def run_subprocess(args: list[str], env: Mapping[str, str], *, timeout: float = 120) -> Outcome:
    """``briefing ARGS`` as a child process: this environment without ``UNSET``, plus ``env``."""
    child_env = {k: v for k, v in os.environ.items() if k not in UNSET}
    child_env.update(env)
    result = subprocess.run(
        [str(BRIEFING), *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=child_env,
        timeout=timeout,
        check=False,
    )
    return Outcome(result.returncode, result.stdout, result.stderr)


def run_in_process(args: list[str], env: Mapping[str, str]) -> Outcome:
    """``app.cli.main(ARGS)`` under the environment ``run_subprocess`` would give, with its output captured.

    An exception other than ``SystemExit`` propagates (where the process would print a traceback). SQLite's
    memory statistics are left alone: ``turn_off_memory_statistics`` is for a process that has nothing open
    yet, and once it has turned them off it can no longer tell whether a connection is open."""
    out, err = io.StringIO(), io.StringIO()
    with (
        _environment(env),
        mock.patch("app.db.sqlite_allocator.turn_off_memory_statistics", return_value=False),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            returncode = main(args)
        except SystemExit as exit_:  # argparse: --help, usage errors
            returncode = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
    return Outcome(returncode, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    for name in UNSET:
        os.environ.pop(name, None)
    os.environ.update(env)
    get_settings.cache_clear()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
