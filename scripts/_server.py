"""Shared helpers for the reliability scripts and tests: environments, the ``briefing`` command, a server
subprocess with readiness waiting and clean shutdown, scratch PostgreSQL databases, and the "version A /
version B" seed pair used to prove that a re-seed is all-or-nothing.

Everything binds to 127.0.0.1, every wait is bounded, and every process started here is stopped by its id.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
HOST = "127.0.0.1"
B_SUFFIX = " (B)"
BRIEFING_ID = "why-peace-talks-fail"
DOCUMENT_ID = "peace-talks-analysis-2025-06-12"

# Inherited variables that would silently change what a child process talks to.
_SCRUBBED = ("DATABASE_URL", "HOST", "PORT", "WEB_CONCURRENCY")


def briefing_bin() -> str:
    """The ``briefing`` console script of the running interpreter's environment."""
    candidate = Path(sys.executable).parent / "briefing"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("briefing")
    if found is None:
        raise RuntimeError("the `briefing` command is not installed (run `make run` or `pip install -e .`)")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def make_env(
    *,
    data_dir: Path,
    database_url: str | None = None,
    seeds_dir: Path | None = None,
    extra: Mapping[str, str] | None = None,
    log_level: str | None = "WARNING",
) -> dict[str, str]:
    """A child environment with only our database/seed/server settings (nothing inherited).

    ``log_level=None`` keeps the service's default (INFO: one access line per request, as ``make run``).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_") and k not in _SCRUBBED}
    env["BRIEFING_DATA_DIR"] = str(data_dir)
    env["BRIEFING_SEEDS_DIR"] = str(seeds_dir or SEEDS_DIR)
    env["HOST"] = HOST
    if log_level is not None:
        env["BRIEFING_LOG_LEVEL"] = log_level
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra or {})
    return env


def run_briefing(
    args: list[str], env: Mapping[str, str], *, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [briefing_bin(), *args],
        env=dict(env),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"briefing {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def prepare_database(env: Mapping[str, str]) -> None:
    """``briefing db upgrade`` and ``briefing seed``, as ``make run`` does."""
    run_briefing(["db", "upgrade"], env)
    run_briefing(["seed"], env)


def rss_kib(pid: int) -> int:
    """VmRSS of a process, in KiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


class Server:
    """``briefing serve --host 127.0.0.1 --port N`` in its own session; logs go to a temp file."""

    def __init__(
        self, env: Mapping[str, str], *, port: int | None = None, workers: int | None = None
    ) -> None:
        self.port = port or free_port()
        self.env = dict(env)
        self.workers = workers
        self.base_url = f"http://{HOST}:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="briefing-serve-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, *, ready_timeout: float = 30, wait_for: str = "/readyz") -> Server:
        command = [briefing_bin(), "serve", "--host", HOST, "--port", str(self.port)]
        if self.workers:
            command += ["--workers", str(self.workers)]
        self.process = subprocess.Popen(
            command,
            env=self.env,
            cwd=PROJECT_ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready(ready_timeout, path=wait_for)
        return self

    def wait_ready(self, timeout: float, *, path: str = "/readyz") -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.logs()}")
            try:
                response = httpx.get(self.base_url + path, timeout=2)
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server not ready on {path} after {timeout}s ({last}):\n{self.logs()}")

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM, wait, then SIGKILL the server's process group. Returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        return self.process.returncode

    def logs(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def close(self) -> None:
        self.stop()
        self.log.close()
        with contextlib.suppress(OSError):
            os.unlink(self.log.name)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def scratch_postgres(url: str, prefix: str = "briefing_rel") -> Iterator[str]:
    """A fresh database on the server of ``url`` (its role needs CREATEDB), dropped afterwards."""
    # No pool: a connection kept from CREATE would be dead by the DROP if the server restarted meanwhile
    # (scripts.faults check (c) stops and starts it), and the scratch database would be left behind.
    admin = create_engine(
        url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}, poolclass=NullPool
    )
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        for attempt in range(10):  # the server may still be starting up
            try:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except Exception as exc:
                if attempt == 9:
                    print(f"warning: scratch database {name} not dropped: {exc}", file=sys.stderr)
                time.sleep(1)
        admin.dispose()


@contextlib.contextmanager
def scratch_environment(database_url: str | None, prefix: str) -> Iterator[tuple[Path, str | None]]:
    """A temp data dir and, with a PostgreSQL URL, a scratch database on that server."""
    with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as tmp:
        if database_url:
            with scratch_postgres(database_url, prefix=prefix.replace("-", "_")) as url:
                yield Path(tmp), url
        else:
            yield Path(tmp), None


# --- the A/B seed pair ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """What a complete data set of one seed directory looks like in the database."""

    label: str
    version: str
    counts: dict[str, int]
    summaries: dict[str, str]  # position id -> summary


def make_b_seeds(target: Path) -> Path:
    """A copy of seeds/ whose every position summary ends with " (B)": valid data, another version."""
    shutil.copytree(SEEDS_DIR, target)
    path = target / "positions.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for position in data["positions"]:
        position["summary"] = position["summary"] + B_SUFFIX
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000), encoding="utf-8")
    return target


def expected_version(label: str, seeds_dir: Path) -> Version:
    from app.seed.load import check_seeds

    plan = check_seeds(seeds_dir)
    summaries = {row["id"]: row["summary"] for row in plan.rows["positions"]}
    return Version(label, plan.version, plan.counts(), summaries)


def version_of_summaries(summaries: list[str]) -> str:
    """ "A", "B", or "mixed" (or "empty") for the position summaries of one response or snapshot."""
    marked = {s.endswith(B_SUFFIX) for s in summaries}
    if not marked:
        return "empty"
    if marked == {True}:
        return "B"
    if marked == {False}:
        return "A"
    return "mixed"


def inspect_database(url: str, versions: list[Version]) -> tuple[str, list[str]]:
    """Which complete version the database holds, read in one transaction: (label, problems).

    The label is a version's label when the stored version, every table's row count and every position
    summary match that version exactly; otherwise "corrupt" with the problems found.
    """
    from app.db.models import Base, Dataset, Position

    engine = create_engine(url)
    try:
        with engine.connect() as connection, connection.begin():
            row = connection.execute(select(Dataset.version, Dataset.counts)).one_or_none()
            counts = {
                table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
                for table in Base.metadata.sorted_tables
                if table.name != "dataset"
            }
            summaries = dict(connection.execute(select(Position.id, Position.summary)).all())
    finally:
        engine.dispose()
    if row is None:
        return "corrupt", ["no dataset row"]
    stored_version, stored_counts = row
    match = next((v for v in versions if v.version == stored_version), None)
    if match is None:
        return "corrupt", [f"unknown dataset.version {stored_version[:12]}"]
    problems: list[str] = []
    for table, expected in match.counts.items():
        if counts.get(table, 0) != expected:
            problems.append(f"{table}: {counts.get(table, 0)} rows, version {match.label} has {expected}")
    for table, n in counts.items():
        if table not in match.counts and n:
            problems.append(f"{table}: {n} rows, version {match.label} has none")
    if dict(stored_counts or {}) != match.counts:
        problems.append("dataset.counts does not match the version's counts")
    if summaries != match.summaries:
        wrong = sorted(
            k for k in summaries.keys() | match.summaries.keys() if summaries.get(k) != match.summaries.get(k)
        )
        problems.append(f"position summaries differ from version {match.label}: {', '.join(wrong[:5])}")
    return (match.label, []) if not problems else ("corrupt", problems)


def position_summaries(payload: Any, position_ids: set[str]) -> list[str]:
    """Every ``summary`` of a position object anywhere in a JSON document (for a search hit of a
    position, its title, which ends with the summary)."""
    found: list[str] = []
    stack = [payload]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("id") in position_ids and isinstance(node.get("summary"), str):
                found.append(node["summary"])
            if node.get("type") == "positions" and isinstance(node.get("title"), str):
                found.append(node["title"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def database_url_of(data_dir: Path, database_url: str | None) -> str:
    return database_url or f"sqlite:///{data_dir / 'briefing.sqlite3'}"


# --- a traced ``briefing seed``: where in its timeline a SIGKILL landed ---------------------------------

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
