"""Child processes: environments, the ``briefing`` command, and ``Server``, any HTTP server on a free port."""

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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = PROJECT_ROOT / "seeds"
HOST = "127.0.0.1"

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
    data_dir: Path | None = None,
    database_url: str | None = None,
    seeds_dir: Path | None = None,
    extra: Mapping[str, str] | None = None,
    log_level: str | None = "WARNING",
) -> dict[str, str]:
    """A child environment with only our database/seed/server settings (none inherited).

    ``data_dir=None`` leaves ``BRIEFING_DATA_DIR`` unset (with a ``database_url``, as the bench serves a
    prepared SQLite file); ``log_level=None`` keeps the service's default (INFO: one access line per
    request, as ``make run``).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_") and k not in _SCRUBBED}
    if data_dir is not None:
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


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    """A resident-memory figure of a process from ``/proc/<pid>/status``, in KiB (Linux): ``VmRSS`` (all of
    it), or ``RssAnon`` (its private memory: without the pages of files it maps, such as the SQLite
    database the server reads through ``mmap``, which the kernel shares and can drop)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for pid {pid}")


class NotReadyError(RuntimeError):
    """The server exited, or did not answer 200 on its readiness path in time."""


class Server:
    """An HTTP server process on 127.0.0.1, in its own session, its output in a log file.

    By default ``briefing serve --host 127.0.0.1 --port N`` (``workers`` adds ``--workers``); ``command``
    runs anything else, with ``{port}`` in its arguments replaced by the port. The log is a temp file
    (deleted on close) unless ``log_path`` names one to keep.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        port: int | None = None,
        workers: int | None = None,
        command: Sequence[str] | None = None,
        name: str = "briefing",
        log_path: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.env = dict(env)
        self.name = name
        self.base_url = f"http://{HOST}:{self.port}"
        if command is None:
            command = [briefing_bin(), "serve", "--host", HOST, "--port", "{port}"]
            command += ["--workers", str(workers)] if workers else []
        self.command = [part.replace("{port}", str(self.port)) for part in command]
        self._keep_log = log_path is not None
        self.log: IO[bytes] = (
            log_path.open("wb")
            if log_path is not None
            else tempfile.NamedTemporaryFile(prefix=f"{name}-serve-", suffix=".log", delete=False)  # noqa: SIM115
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.ready_seconds: float | None = None
        """Seconds from process start to the first 200 on the readiness path (set by ``start``)."""

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, *, ready_timeout: float = 30, wait_for: str = "/readyz", attempts: int = 1) -> Server:
        """Start the process and wait for a 200 on ``wait_for``.

        ``attempts`` > 1 retries after 5 s (the bench does, since a work tree caught mid-edit by a
        colleague may fail to import while it runs).
        """
        for attempt in range(1, attempts + 1):
            self.log.seek(0)
            self.log.truncate()
            started = time.perf_counter()
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=PROJECT_ROOT,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                self.wait_ready(ready_timeout, path=wait_for)
            except NotReadyError:
                self.stop()
                if attempt == attempts:
                    raise
                print(f"{self.name} not ready; retrying in 5 s", file=sys.stderr, flush=True)
                time.sleep(5)
                continue
            self.ready_seconds = time.perf_counter() - started
            break
        return self

    def wait_ready(self, timeout: float, *, path: str = "/readyz") -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise NotReadyError(f"{self.name} exited with {self.process.returncode}:\n{self.logs()}")
            try:
                response = httpx.get(self.base_url + path, timeout=2)
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            time.sleep(0.005)
        self.stop()
        raise NotReadyError(f"{self.name} not ready on {path} after {timeout}s ({last}):\n{self.logs()}")

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

    def rss_kib(self, field: str = "VmRSS") -> int:
        return rss_kib(self.pid, field)

    def logs(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def close(self) -> None:
        self.stop()
        self.log.close()
        if not self._keep_log:
            with contextlib.suppress(OSError):
                os.unlink(self.log.name)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
