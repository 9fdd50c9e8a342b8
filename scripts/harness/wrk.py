"""wrk: found on PATH or installed with apt-get, one run, its numbers parsed from the output.

Runs with ``latency=True`` print wrk's percentile table (p50/p99 parsed); a Lua ``script`` may print one
``WRK_JSON {...}`` line from its ``done()`` for counts wrk does not report (status classes per thread).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("wrk is not installed and cannot be installed here: `apt-get install -y wrk`")
    print("installing wrk with apt-get …", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, capture_output=True, timeout=300, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=300, check=False)
        subprocess.run(install, env=env, capture_output=True, timeout=300, check=False)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("could not install wrk (apt-get install -y wrk failed)")
    return found


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise ValueError(f"not a wrk duration: {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass
class WrkRun:
    command: list[str]
    output: str
    requests: int
    rps: float
    socket_errors: int
    """connect + read + write + timeout errors."""
    non_2xx_3xx: int
    p50_ms: float | None = None
    p99_ms: float | None = None
    script_json: dict[str, Any] = field(default_factory=dict)
    """The ``WRK_JSON`` line of a Lua script's ``done()``, if it printed one."""

    @property
    def errors(self) -> int:
        return self.socket_errors + self.non_2xx_3xx


def parse(command: list[str], output: str) -> WrkRun:
    def number(pattern: str) -> str:
        match = re.search(pattern, output)
        if match is None:
            raise RuntimeError(f"wrk output without {pattern!r}:\n{output}")
        return match.group(1)

    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    p50, p99 = re.search(r"\s50%\s+(\S+)", output), re.search(r"\s99%\s+(\S+)", output)
    line = next((ln for ln in output.splitlines() if ln.startswith("WRK_JSON ")), None)
    return WrkRun(
        command=command,
        output=output,
        requests=int(number(r"(\d+) requests in")),
        rps=float(number(r"Requests/sec:\s+([\d.]+)")),
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        p50_ms=_ms(p50.group(1)) if p50 else None,
        p99_ms=_ms(p99.group(1)) if p99 else None,
        script_json=json.loads(line.removeprefix("WRK_JSON ")) if line else {},
    )


def run_wrk(
    url: str,
    *,
    threads: int,
    connections: int,
    seconds: int,
    script: Path | None = None,
    latency: bool = True,
    request_timeout: int = 10,
    log: Path | None = None,
) -> WrkRun:
    """One wrk run against ``url``; its command and output are appended to ``log`` when given."""
    command = [
        ensure_wrk(),
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        f"--timeout={request_timeout}s",
    ]
    command += ["--latency"] if latency else []
    command += [f"--script={script}"] if script else []
    command.append(url)
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if log is not None:
        with log.open("a") as out:
            out.write(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return parse(command, result.stdout)
