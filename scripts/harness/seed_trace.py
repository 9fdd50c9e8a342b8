"""A traced ``briefing seed``: where in its write transaction a SIGKILL landed."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from scripts.harness.processes import PROJECT_ROOT

# Runs exactly what the `briefing` console script runs (app.cli:main) with the given arguments, after
# hooking SQLAlchemy so that the process appends "<event> <CLOCK_MONOTONIC>" lines to $SEED_TRACE_FILE
# (O_APPEND, one write(2) per line, so a SIGKILL never leaves half a line): "start", "begin" (a transaction
# begins), "commit" (COMMIT is about to be sent) and "committed" (the database acknowledged it).
_TRACED_BRIEFING = """
import os, sys, time
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

_fd = os.open(os.environ["SEED_TRACE_FILE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

def mark(name):
    os.write(_fd, f"{name} {time.monotonic():.6f}\\n".encode())

mark("start")
event.listen(Engine, "begin", lambda connection: mark("begin"))
_commit_impl = Connection._commit_impl

def _traced_commit(self):
    mark("commit")
    _commit_impl(self)
    mark("committed")

Connection._commit_impl = _traced_commit
from app.cli import main
sys.exit(main(sys.argv[1:]))
"""

SEED_PHASES = ("before", "during", "after")


def traced_briefing_command(args: list[str]) -> list[str]:
    """The command line of ``briefing ARGS`` run with the tracer above (set SEED_TRACE_FILE in its env)."""
    return [sys.executable, "-c", _TRACED_BRIEFING, *args]


def read_seed_trace(path: Path) -> list[tuple[str, float]]:
    if not path.exists():
        return []
    events = []
    for line in path.read_text().splitlines():
        name, _, stamp = line.partition(" ")
        with contextlib.suppress(ValueError):  # a line still being written
            events.append((name, float(stamp)))
    return events


def seed_phase(events: list[tuple[str, float]]) -> str:
    """Where a killed seed was, relative to its write transaction: "before", "during" or "after".

    "during" covers the whole transaction, from BEGIN up to the database acknowledging COMMIT (so a kill
    while COMMIT is in flight counts as during: the outcome may then be either version).
    """
    names = [name for name, _ in events]
    if "committed" in names:
        return "after"
    if "begin" in names:
        return "during"
    return "before"


def seed_timeline(events: list[tuple[str, float]], origin: float) -> dict[str, float]:
    """Seconds from ``origin`` (a time.monotonic() taken when the process was launched) to "start", the
    first "begin", and the last "commit" and "committed"."""
    timeline: dict[str, float] = {}
    for name, stamp in events:
        first_only = name in {"start", "begin"}
        if (first_only and name not in timeline) or name in {"commit", "committed"}:
            timeline[name] = stamp - origin
    return timeline


def measure_seed_timeline(env: Mapping[str, str], trace: Path, *, timeout: float = 120) -> dict[str, float]:
    """Run one complete traced ``briefing seed`` and return its timeline (see ``seed_timeline``)."""
    trace.unlink(missing_ok=True)
    launched = time.monotonic()
    result = subprocess.run(
        traced_briefing_command(["seed"]),
        env={**env, "SEED_TRACE_FILE": str(trace)},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"traced seed exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    timeline = seed_timeline(read_seed_trace(trace), launched)
    timeline["exit"] = time.monotonic() - launched
    return timeline


def kill_traced_seed(env: Mapping[str, str], trace: Path, *, delay: float, after_begin: bool) -> str:
    """Start a traced ``briefing seed``; SIGKILL it ``delay`` s after launch (or after its BEGIN).

    Returns where the kill landed according to the process's own trace: "before", "during" or "after"
    the write transaction, or "exited" when it had finished before the kill.
    """
    trace.unlink(missing_ok=True)
    process = subprocess.Popen(
        traced_briefing_command(["seed"]),
        env={**env, "SEED_TRACE_FILE": str(trace)},
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        if after_begin:
            deadline = time.monotonic() + 60
            while process.poll() is None and time.monotonic() < deadline:
                if any(name == "begin" for name, _ in read_seed_trace(trace)):
                    break
                time.sleep(0.002)
        time.sleep(delay)
        exited = process.poll() is not None
        if not exited:
            process.send_signal(signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(30)
    return "exited" if exited else seed_phase(read_seed_trace(trace))
