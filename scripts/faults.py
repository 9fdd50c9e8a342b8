"""Fault injection against a real server process: prints one PASS/FAIL line per check.

    python -m scripts.faults [--postgres [--database-url URL]] [--only a,b,...]

(a) re-seed A->B->A… while a loader reads /v1/positions and the whole briefing: no 5xx, every response
    entirely A or entirely B;
(b) SQLite locked against readers by another process (WAL read-mark locks held; ~10 s per attempt):
    /readyz 503 naming the database, /v1 503 problem+json without traceback, /healthz 200 promptly,
    recovery by itself;
(c) PostgreSQL stopped (only with --postgres and pg_ctlcluster): the same expectations;
(d) SIGTERM while a request is in flight (held up by a SQLite lock): the request completes with 200, then
    the server exits by itself within uvicorn's graceful timeout (exit code 0, -15 or 143);
(e) overload: BRIEFING_MAX_CONCURRENCY=2, cache off, 50 concurrent distinct searches: prompt 503s with
    Retry-After and a problem body, every request answered;
(f) time limit: BRIEFING_REQUEST_TIMEOUT=0.001, cache off: a 503 problem whose type ends with "timeout";
(g) WEB_CONCURRENCY=2 (SQLite, and PostgreSQL with --postgres): a few hundred requests over a URL mix from
    8 clients all 200 with the same body from either worker; both worker processes served (each response is
    attributed to a worker pid via its TCP connection: /proc/net/tcp + /proc/PID/fd); then a re-seed A->B
    while serving: every response started >= 1 s after the seed exited, from either worker, is version B.

(h) SIGKILL `briefing seed` (A<->B, --kill-runs times, SQLite and with --postgres PostgreSQL) at moments
    aimed across its measured timeline, most inside the write transaction; a tracer in the killed process
    tells whether each kill landed before, during or after the transaction: old or new data, never mixed.

With --postgres the local cluster is stopped and started again by (c); it is always left running and
accepting connections when the script ends, even on failure.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from scripts._server import (
    BRIEFING_ID,
    DOCUMENT_ID,
    PROJECT_ROOT,
    SEEDS_DIR,
    Server,
    database_url_of,
    expected_version,
    inspect_database,
    make_b_seeds,
    make_env,
    measure_seed_timeline,
    position_summaries,
    prepare_database,
    read_seed_trace,
    run_briefing,
    scratch_environment,
    scratch_postgres,
    seed_phase,
    traced_briefing_command,
    version_of_summaries,
)

DEFAULT_PG_URL = "postgresql+psycopg://briefing:briefing@127.0.0.1:5432/briefing_test"
PG_CLUSTER = ("15", "main")


@dataclass
class Report:
    results: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.results.append((name, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f"  [{detail}]" if detail else ""), flush=True)
        return ok


@contextmanager
def sqlite_lock(path: Path) -> Iterator[None]:
    """Lock a WAL database against readers, as a misbehaving process holding its locks would.

    In WAL mode a writer never blocks readers (``BEGIN EXCLUSIVE`` does not), and ``locking_mode =
    EXCLUSIVE`` cannot be taken while the server has the database open. So this holds POSIX write locks on
    the WAL index's five read-mark bytes (``-shm`` offsets 123-127, as SQLite's unix VFS uses them): every
    new read transaction then retries for about 10 s and fails with SQLITE_PROTOCOL ("locking protocol").
    """
    fd = os.open(f"{path}-shm", os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 5, 123, os.SEEK_SET)
        yield
    finally:
        os.close(fd)  # closing the descriptor drops the locks


def is_problem(response: httpx.Response, status: int) -> bool:
    return (
        response.status_code == status
        and response.headers.get("content-type", "").startswith("application/problem+json")
        and "Traceback" not in response.text
        and response.json().get("status") == status
    )


def timed_get(client: httpx.Client, path: str) -> tuple[httpx.Response | None, float, str]:
    started = time.monotonic()
    try:
        response = client.get(path)
        return response, time.monotonic() - started, ""
    except httpx.HTTPError as exc:
        return None, time.monotonic() - started, type(exc).__name__


def describe(response: httpx.Response | None, seconds: float, error: str) -> str:
    if response is None:
        return f"{error} after {seconds:.2f}s"
    return f"{response.status_code} in {seconds:.2f}s"


# --- (a) --------------------------------------------------------------------------------------------


def check_reseed_under_load(report: Report, data_dir: Path, b_dir: Path, rounds: int = 4) -> None:
    env = make_env(data_dir=data_dir)
    a, b = expected_version("A", SEEDS_DIR), expected_version("B", b_dir)
    position_ids = set(a.summaries)
    seen: Counter[str] = Counter()
    errors: list[str] = []
    mixed: list[str] = []
    stop = threading.Event()

    def loader(path: str) -> None:
        with httpx.Client(base_url=server.base_url, timeout=15) as client:
            while not stop.is_set():
                try:
                    response = client.get(path)
                except httpx.HTTPError as exc:
                    errors.append(f"{path}: {type(exc).__name__}")
                    continue
                seen[f"status {response.status_code}"] += 1
                if response.status_code != 200:
                    errors.append(f"{path}: {response.status_code}")
                    continue
                label = version_of_summaries(position_summaries(response.json(), position_ids))
                seen[label] += 1
                if label not in {"A", "B"}:
                    mixed.append(f"{path}: {label} response")

    with Server(env) as server:
        server.start()
        threads = [
            threading.Thread(target=loader, args=(path,), daemon=True)
            for path in (
                "/v1/positions?limit=200",
                f"/v1/briefings/{BRIEFING_ID}",
                "/v1/positions?party=russia",
                "/v1/search?q=ukraine%20OR%20russia&type=positions&limit=200",
            )
        ]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        for i in range(rounds):
            target = b_dir if i % 2 == 0 else SEEDS_DIR
            run_briefing(["seed"], make_env(data_dir=data_dir, seeds_dir=target))
            time.sleep(0.3)
        stop.set()
        for thread in threads:
            thread.join(20)
        elapsed = time.monotonic() - started
    detail = (
        f"{rounds} re-seeds in {elapsed:.1f}s; responses: {seen['A']} A, {seen['B']} B, "
        f"{seen['mixed']} mixed; statuses { {k: v for k, v in seen.items() if k.startswith('status')} }"
    )
    report.check("(a) re-seed while serving: no 5xx, no errors", not errors, "; ".join(errors[:5]) + detail)
    report.check(
        "(a) re-seed while serving: every response entirely A or entirely B",
        not mixed and seen["A"] > 0 and seen["B"] > 0 and b.version != a.version,
        "; ".join(mixed[:5]) or "A and B both observed, never mixed",
    )


# --- (b), (c): database unavailable -------------------------------------------------------------------


def check_unavailable(
    report: Report, label: str, server: Server, break_it: Callable[[], None], restore: Callable[[], None]
) -> None:
    """While the database is broken: /readyz 503 with reason, /v1 503 problem, /healthz 200 promptly."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        break_it()
        try:
            readyz, t_ready, err_ready = timed_get(client, "/readyz")
            ok = readyz is not None and readyz.status_code == 503
            reason = readyz.json().get("checks", {}) if ok and readyz is not None else {}
            report.check(
                f"({label}) /readyz 503 with the failing check named",
                ok and str(reason.get("database", "")).startswith("unavailable"),
                f"{describe(readyz, t_ready, err_ready)} {reason}",
            )
            # A /v1 request in flight and, meanwhile, /healthz: liveness must not wait for the database.
            box: dict[str, Any] = {}

            def fetch() -> None:
                with httpx.Client(base_url=server.base_url, timeout=30) as other:
                    box["v1"] = timed_get(other, "/v1/positions?kind=stance")

            fetcher = threading.Thread(target=fetch)
            fetcher.start()
            time.sleep(0.3)
            health, t_health, err_health = timed_get(client, "/healthz")
            fetcher.join(40)
            v1, t_v1, err_v1 = box.get("v1", (None, 0.0, "no answer"))
            report.check(
                f"({label}) /v1 503 problem+json, no traceback",
                v1 is not None and is_problem(v1, 503) and v1.headers.get("retry-after") is not None,
                describe(v1, t_v1, err_v1) + (f" type={v1.json().get('type')}" if v1 is not None else ""),
            )
            report.check(
                f"({label}) /healthz 200 promptly (< 1 s) while a /v1 request waits on the database",
                health is not None and health.status_code == 200 and t_health < 1.0,
                describe(health, t_health, err_health),
            )
        finally:
            restore()
        deadline = time.monotonic() + 20
        recovered_after = None
        started = time.monotonic()
        while time.monotonic() < deadline:
            ready, _, _ = timed_get(client, "/readyz")
            data, _, _ = timed_get(client, "/v1/positions?kind=demand")
            if (
                ready is not None
                and ready.status_code == 200
                and data is not None
                and data.status_code == 200
            ):
                recovered_after = time.monotonic() - started
                break
            time.sleep(0.25)
        report.check(
            f"({label}) service resumes by itself once the database is back",
            recovered_after is not None,
            f"after {recovered_after:.2f}s" if recovered_after is not None else "not within 20s",
        )


def check_sqlite_locked(report: Report, data_dir: Path) -> None:
    env = make_env(data_dir=data_dir)
    db = data_dir / "briefing.sqlite3"
    holder: list[Any] = []

    def break_it() -> None:
        lock = sqlite_lock(db)
        lock.__enter__()
        holder.append(lock)

    def restore() -> None:
        while holder:
            holder.pop().__exit__(None, None, None)

    with Server(env) as server:
        server.start()
        httpx.get(server.base_url + "/v1/positions?kind=demand", timeout=10)  # warm the pool and cache
        check_unavailable(report, "b", server, break_it, restore)


PG_CTL = ["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER]


def postgres_accepts(admin_url: str) -> bool:
    engine = create_engine(admin_url, connect_args={"connect_timeout": 2}, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def ensure_cluster_online(admin_url: str, timeout: float = 60) -> str:
    """Start the local cluster if it is down, then wait until it accepts connections. Returns a note."""
    if not shutil.which("pg_ctlcluster"):
        return "pg_ctlcluster not available"
    status = subprocess.run([*PG_CTL, "status"], timeout=30, capture_output=True, check=False)
    note = "was running"
    if status.returncode != 0:  # 3: not running
        started = subprocess.run([*PG_CTL, "start"], timeout=60, capture_output=True, text=True, check=False)
        note = f"restarted (pg_ctlcluster start exited {started.returncode})"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if postgres_accepts(admin_url):
            return note + ", accepting connections"
        time.sleep(0.5)
    return note + f", NOT accepting connections after {timeout:.0f}s"


def check_postgres_stopped(report: Report, admin_url: str, data_dir: Path) -> None:
    if not shutil.which("pg_ctlcluster"):
        report.check("(c) PostgreSQL stopped", True, "SKIPPED: pg_ctlcluster not available")
        return
    try:
        with scratch_postgres(admin_url, prefix="briefing_faults") as url:
            env = make_env(data_dir=data_dir, database_url=url)
            prepare_database(env)
            with Server(env) as server:
                server.start()
                httpx.get(server.base_url + "/v1/positions?kind=demand", timeout=10)

                def start_cluster() -> None:
                    subprocess.run([*PG_CTL, "start"], check=True, timeout=60, capture_output=True)

                def stop_cluster() -> None:
                    subprocess.run([*PG_CTL, "stop"], check=True, timeout=60, capture_output=True)

                check_unavailable(report, "c", server, stop_cluster, start_cluster)
    finally:  # whatever happened: the cluster is up again and accepting connections
        note = ensure_cluster_online(admin_url)
        report.check("(c) PostgreSQL cluster online again", "NOT" not in note, note)


# --- (d) SIGTERM during an in-flight request --------------------------------------------------------


GRACEFUL_TIMEOUT = 10.0  # `briefing serve` passes timeout_graceful_shutdown=10 to uvicorn
# A graceful exit: 0, or uvicorn >= 0.29 re-raising the SIGTERM it caught once it has drained (-15 as a
# Popen return code, 143 if a shell or wrapper reports it). SIGKILL (-9) would mean our stop() fallback.
GRACEFUL_EXIT_CODES = {0, -signal.SIGTERM, 128 + signal.SIGTERM}


def check_graceful_shutdown(report: Report, data_dir: Path, hold: float = 2.0) -> None:
    """A request held up ``hold`` s by a SQLite lock is in flight when SIGTERM arrives.

    It must complete with 200 and its body, and the server must exit by itself, after the request and
    within uvicorn's graceful timeout, with a graceful exit code.
    """
    env = make_env(data_dir=data_dir, extra={"BRIEFING_RESPONSE_CACHE_ENTRIES": "0"})
    db = data_dir / "briefing.sqlite3"
    with Server(env) as server:
        server.start()
        process = server.process
        assert process is not None
        box: dict[str, Any] = {}

        def fetch() -> None:
            with httpx.Client(base_url=server.base_url, timeout=30) as client:
                box["r"] = timed_get(client, f"/v1/briefings/{BRIEFING_ID}")
                box["done"] = time.monotonic()

        def watch() -> None:  # the exit time itself, not when we got round to looking
            box["code"] = process.wait()
            box["exited"] = time.monotonic()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        with sqlite_lock(db):
            fetcher = threading.Thread(target=fetch)
            fetcher.start()
            time.sleep(0.5)
            in_flight = fetcher.is_alive()
            sigterm_at = time.monotonic()
            server.terminate()
            time.sleep(hold - 0.5)
            exited_while_locked = "exited" in box
        fetcher.join(30)
        watcher.join(GRACEFUL_TIMEOUT + 10)
        code = box.get("code")
        exited_after = box["exited"] - sigterm_at if "exited" in box else None
    response, seconds, error = box.get("r", (None, 0.0, "no answer"))
    completed = (
        response is not None and response.status_code == 200 and response.json().get("id") == BRIEFING_ID
    )
    after_request = "exited" in box and "done" in box and box["exited"] >= box["done"]
    ok = (
        in_flight
        and completed
        and not exited_while_locked
        and after_request
        and code in GRACEFUL_EXIT_CODES
        and exited_after is not None
        and exited_after <= GRACEFUL_TIMEOUT + 1.0
    )
    report.check(
        "(d) SIGTERM during a slow in-flight request: it completes with 200, then a graceful exit in time",
        ok,
        f"request {describe(response, seconds, error)} (held ~{hold:.0f}s by a lock, in flight at SIGTERM: "
        f"{in_flight}, SIGTERM at 0.5s); server exit code {code} "
        + (f"{exited_after:.2f}s after SIGTERM" if exited_after is not None else "(no exit)")
        + (f", {box['exited'] - box['done']:.2f}s after the response" if after_request else "")
        + f" (graceful timeout {GRACEFUL_TIMEOUT:.0f}s, accepted codes {sorted(GRACEFUL_EXIT_CODES)})",
    )


# --- (g) several uvicorn workers --------------------------------------------------------------------

# URLs whose 200 body must be identical from either worker; the first four also carry position summaries.
MULTI_WORKER_URLS = (
    "/v1/positions?limit=200",
    f"/v1/briefings/{BRIEFING_ID}",
    "/v1/positions?party=russia",
    "/v1/positions?kind=demand&limit=5",
    "/v1/barriers?category=structural",
    "/v1/events?kind=talks",
    "/v1/rounds/istanbul-2022",
    "/v1/parties/ukraine",
    "/v1/topics",
    "/v1/search?q=neutrality",
    f"/v1/documents/{DOCUMENT_ID}",
)
VERSIONED_URLS = MULTI_WORKER_URLS[:4]


def _proc_stat(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name (so index 0 is the state, 1 the ppid)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2 :].split()


def worker_pids(supervisor: int) -> list[int]:
    """The uvicorn worker processes (multiprocessing spawn children) of the supervisor process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int(_proc_stat(int(entry.name))[1]) != supervisor:
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, ValueError, IndexError):
            continue
        if b"spawn_main" in cmdline:  # not multiprocessing's resource tracker
            found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    fields = _proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def connection_owner(server_port: int, client_port: int, pids: list[int]) -> int | None:
    """Which worker process holds the server side of the TCP connection from ``client_port``.

    The server side is the /proc/net/tcp entry 127.0.0.1:server_port -> 127.0.0.1:client_port; its socket
    inode is then looked up among the workers' open file descriptors.
    """
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[2] == remote:
            inode = fields[9]
            break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        with suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with suppress(OSError):
                    if os.readlink(fd) == target:
                        return pid
    return None


@dataclass
class Served:
    path: str
    started: float
    status: int | str
    worker: int | None
    body: bytes = b""
    label: str = ""


class WorkerProbe:
    """HTTP clients that attribute every response to the worker process that served it."""

    def __init__(self, server: Server, pids: list[int]) -> None:
        self.server, self.pids = server, pids
        self.owners: dict[int, int | None] = {}  # client port -> worker pid
        self.lock = threading.Lock()

    def get(self, client: httpx.Client, path: str) -> Served:
        started = time.monotonic()
        try:
            response = client.get(path)
        except httpx.HTTPError as exc:
            return Served(path, started, type(exc).__name__, None)
        port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
        with self.lock:
            if port not in self.owners:  # once per connection: it stays in the worker that accepted it
                self.owners[port] = connection_owner(self.server.port, port, self.pids)
            worker = self.owners[port]
        return Served(path, started, response.status_code, worker, response.content)


def check_multi_worker(
    report: Report,
    label: str,
    b_dir: Path,
    database_url: str | None = None,
    *,
    clients: int = 8,
    per_client: int = 40,
    after_seed: float = 2.0,
) -> None:
    """WEB_CONCURRENCY=2: both workers serve identical 200s; after a re-seed A->B both serve only B."""
    a, b = expected_version("A", SEEDS_DIR), expected_version("B", b_dir)
    position_ids = set(a.summaries)
    with scratch_environment(database_url, "briefing-workers") as (data_dir, url):
        env = make_env(data_dir=data_dir, database_url=url, extra={"WEB_CONCURRENCY": "2"})
        prepare_database(env)
        with Server(env) as server:
            server.start()
            deadline = time.monotonic() + 20
            pids: list[int] = []
            while len(pids) < 2 and time.monotonic() < deadline:
                pids = worker_pids(server.pid)
                time.sleep(0.1)
            probe = WorkerProbe(server, pids)
            # Warm-up: fresh connections until both workers have accepted one (a worker still starting
            # up does not accept yet), and the reference body of every URL.
            accepted: set[int | None] = set()
            while time.monotonic() < deadline and not set(pids) <= accepted:
                with httpx.Client(base_url=server.base_url, timeout=15) as client:
                    accepted.add(probe.get(client, "/readyz").worker)
            with httpx.Client(base_url=server.base_url, timeout=15) as client:
                reference = {path: client.get(path).content for path in MULTI_WORKER_URLS}
            cpu_before = {pid: cpu_seconds(pid) for pid in pids}

            # Phase 1: `clients` threads, a fresh connection every 10 requests, rotating over the mix.

            def drive(offset: int) -> list[Served]:
                out: list[Served] = []
                for batch in range(per_client // 10):
                    with httpx.Client(base_url=server.base_url, timeout=15) as client:
                        for i in range(10):
                            path = MULTI_WORKER_URLS[(offset + batch * 10 + i) % len(MULTI_WORKER_URLS)]
                            result = probe.get(client, path)
                            result.label = "same" if result.body == reference[path] else "different"
                            result.body = b""
                            out.append(result)
                return out

            started = time.monotonic()
            with ThreadPoolExecutor(clients) as pool:
                served = [s for batch in pool.map(drive, range(clients)) for s in batch]
            load_seconds = time.monotonic() - started
            cpu_used = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in pids}
            bad = [s for s in served if s.status != 200 or s.label != "same"]
            per_worker = Counter(s.worker for s in served)
            report.check(
                f"({label}) 2 workers: every response 200 with the expected body",
                len(pids) == 2 and not bad and len(served) == clients * per_client,
                f"{len(served)} requests by {clients} clients over {len(MULTI_WORKER_URLS)} URLs in "
                f"{load_seconds:.2f}s; {len(bad)} bad"
                + (f" (first: {bad[0].path} {bad[0].status})" if bad else ""),
            )
            report.check(
                f"({label}) 2 workers: both worker processes served requests",
                len(pids) == 2
                and all(per_worker[pid] > 0 for pid in pids)
                and None not in per_worker
                and all(cpu_used[pid] > 0 for pid in pids),
                f"worker pids {pids} (children of {server.pid}); responses per worker "
                f"{ {pid: per_worker[pid] for pid in pids} }, unattributed {per_worker[None]}; CPU used "
                f"during the load {', '.join(f'{pid}: {cpu_used[pid]:.2f}s' for pid in pids)}",
            )

            # Phase 2: the same clients read versioned URLs (cached as A in both workers) while a
            # re-seed to B runs; every response started >= 1 s after the seed exited must be B.
            stop = threading.Event()

            def read_versions(offset: int) -> list[Served]:
                out: list[Served] = []
                i = offset
                while not stop.is_set():
                    with httpx.Client(base_url=server.base_url, timeout=15) as client:
                        for _ in range(10):
                            result = probe.get(client, VERSIONED_URLS[i % len(VERSIONED_URLS)])
                            i += 1
                            if result.status == 200:
                                summaries = position_summaries(json.loads(result.body), position_ids)
                                result.label = version_of_summaries(summaries)
                            result.body = b""
                            out.append(result)
                return out

            with ThreadPoolExecutor(clients) as pool:
                futures = [pool.submit(read_versions, n) for n in range(clients)]
                time.sleep(0.5)
                seed_started = time.monotonic()
                run_briefing(["seed"], make_env(data_dir=data_dir, database_url=url, seeds_dir=b_dir))
                seed_done = time.monotonic()
                time.sleep(after_seed)
                stop.set()
                during = [s for future in futures for s in future.result(timeout=30)]
            if url is None:
                stored = inspect_database(database_url_of(data_dir, None), [a, b])[0]
            else:
                stored = inspect_database(url, [a, b])[0]
        bad = [s for s in during if s.status != 200 or s.label not in {"A", "B"}]
        late = [s for s in during if s.started >= seed_done + 1.0]
        stale = [s for s in late if s.label != "B"]
        after_exit = [s for s in during if s.started >= seed_done]
        last_a = max((s.started - seed_done for s in during if s.label == "A"), default=None)
        late_per_worker = Counter(s.worker for s in late)
        labels = Counter((s.worker, s.label) for s in during)
        report.check(
            f"({label}) 2 workers: re-seed A->B while serving: no errors, never mixed",
            not bad and stored == "B" and b.version != a.version,
            f"{len(during)} responses; seed ran {seed_done - seed_started:.2f}s; database holds {stored}; "
            f"{len(bad)} non-200/mixed; per worker "
            + "; ".join(f"{pid}: {labels[(pid, 'A')]} A, {labels[(pid, 'B')]} B" for pid in pids),
        )
        report.check(
            f"({label}) 2 workers: both serve only B within 1 s of the re-seed",
            not stale and all(late_per_worker[pid] > 0 for pid in pids) and None not in late_per_worker,
            f"{len(late)} responses started >= 1 s after the seed exited, {len(stale)} not B, per worker "
            f"{ {pid: late_per_worker[pid] for pid in pids} }; "
            f"{sum(s.label != 'B' for s in after_exit)} of {len(after_exit)} started after the seed exited "
            f"were not B; last A response started "
            + (f"{last_a:+.3f}s relative to the seed's exit" if last_a is not None else "never"),
        )


# --- (h) SIGKILL across the seed's write transaction -------------------------------------------------


def kill_traced_seed(env: dict[str, str], trace: Path, *, delay: float, after_begin: bool) -> str:
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


def check_kill_seed(
    report: Report, label: str, b_dir: Path, database_url: str | None = None, *, runs: int = 20
) -> None:
    """SIGKILL ``briefing seed`` A<->B ``runs`` times with kills aimed across its measured timeline.

    The timeline (launch -> BEGIN -> COMMIT acknowledged) is measured once; then 1 run in 4 draws its
    delay from launch uniformly over [0, committed + 0.3 s] and the others wait for the process's BEGIN
    and draw from [0, 1.25 x the measured transaction length], so most kills land inside the write
    transaction. After each kill the database must hold exactly the old or the new version (and the new
    one only if the kill came during or after the transaction); then a complete seed must give the target.
    """
    rng = random.Random(20250612)
    versions = {"A": expected_version("A", SEEDS_DIR), "B": expected_version("B", b_dir)}
    dirs = {"A": SEEDS_DIR, "B": b_dir}
    outcomes: Counter[tuple[str, str]] = Counter()
    problems: list[str] = []
    with scratch_environment(database_url, "briefing-killtx") as (data_dir, url):
        prepare_database(make_env(data_dir=data_dir, database_url=url))
        db_url = database_url_of(data_dir, url)
        trace = data_dir / "seed-trace"
        b_env = make_env(data_dir=data_dir, database_url=url, seeds_dir=b_dir)
        timeline = measure_seed_timeline(b_env, trace)
        run_briefing(["seed"], make_env(data_dir=data_dir, database_url=url))  # back to A
        window = timeline["committed"] + 0.3
        transaction = timeline["committed"] - timeline["begin"]
        current = "A"
        for run in range(1, runs + 1):
            target = "B" if current == "A" else "A"
            env = make_env(data_dir=data_dir, database_url=url, seeds_dir=dirs[target])
            after_begin = run % 4 != 1
            delay = rng.uniform(0, 1.25 * transaction if after_begin else window)
            phase = kill_traced_seed(env, trace, delay=delay, after_begin=after_begin)
            stored, found = inspect_database(db_url, list(versions.values()))
            outcome = "old" if stored == current else "new" if stored == target else "corrupt"
            outcomes[(phase, outcome)] += 1
            allowed = {"before": {"old"}, "during": {"old", "new"}, "after": {"new"}, "exited": {"new"}}
            if outcome not in allowed[phase]:
                problems.append(f"run {run}: killed {phase} the transaction, database {outcome} {found}")
            completion = run_briefing(["seed"], env, check=False)
            final, found = inspect_database(db_url, list(versions.values()))
            if completion.returncode != 0 or final != target:
                problems.append(f"run {run}: completing seed exited {completion.returncode}, holds {final}")
            else:
                current = target
            print(
                f"    run {run:>2}: ->{target} kill {delay:.3f}s after "
                f"{'BEGIN' if after_begin else 'launch'}: {phase} -> {outcome}",
                flush=True,
            )
    phases = Counter(phase for phase, _ in outcomes.elements())
    report.check(
        f"({label}) SIGKILL across the seed's write transaction: old or new, never mixed",
        not problems and phases["during"] > 0,
        f"timeline: launch->BEGIN {timeline['begin']:.3f}s, COMMIT sent {timeline['commit']:.3f}s, "
        f"acknowledged {timeline['committed']:.3f}s (transaction {transaction * 1000:.0f} ms), exit "
        f"{timeline['exit']:.3f}s; {runs} kills: "
        + ", ".join(
            f"{phase} {phases[phase]} ({outcomes[(phase, 'old')]} old/{outcomes[(phase, 'new')]} new/"
            f"{outcomes[(phase, 'corrupt')]} corrupt)"
            for phase in ("before", "during", "after", "exited")
        )
        + (f"; {'; '.join(problems[:5])}" if problems else ""),
    )


# --- (e) overload, (f) time limit -------------------------------------------------------------------


def check_overload(report: Report, data_dir: Path) -> None:
    env = make_env(
        data_dir=data_dir,
        extra={"BRIEFING_MAX_CONCURRENCY": "2", "BRIEFING_RESPONSE_CACHE_ENTRIES": "0"},
    )
    words = [
        "talks",
        "russia",
        "ukraine",
        "nato",
        "istanbul",
        "peace",
        "territory",
        "ceasefire",
        "putin",
        "zelensky",
    ]
    queries = [f"{words[i % len(words)]} {words[(i * 7 + 3) % len(words)]}" for i in range(50)]
    queries = [f"{q}&limit={1 + i}" for i, q in enumerate(queries)]  # distinct URLs even when words repeat
    with Server(env) as server:
        server.start(wait_for="/healthz")
        barrier = threading.Barrier(50)

        def one(query: str) -> tuple[httpx.Response | None, float, str]:
            with httpx.Client(base_url=server.base_url, timeout=10) as client:
                client.get("/healthz")  # connect first, so the 50 requests really are concurrent
                barrier.wait(10)
                return timed_get(client, f"/v1/search?q={query}")

        started = time.monotonic()
        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(one, queries))
        total = time.monotonic() - started
    statuses = Counter(r.status_code if r is not None else e for r, _, e in answers)
    rejected = [(r, s) for r, s, _ in answers if r is not None and r.status_code == 503]
    prompt = all(s < 1.0 for _, s in rejected)
    well_formed = all(
        is_problem(r, 503) and r.headers.get("retry-after") and r.json()["type"].endswith("overloaded")
        for r, _ in rejected
    )
    slowest_503 = max((s for _, s in rejected), default=0.0)
    report.check(
        "(e) overload: some 503 + Retry-After + problem body, promptly (< 1 s), every request answered",
        bool(rejected) and prompt and well_formed and all(r is not None for r, _, _ in answers),
        f"statuses {dict(statuses)}; slowest 503 {slowest_503 * 1000:.0f} ms; "
        f"all 50 answered in {total:.2f}s",
    )


def check_timeout(report: Report, data_dir: Path) -> None:
    env = make_env(
        data_dir=data_dir,
        extra={"BRIEFING_REQUEST_TIMEOUT": "0.001", "BRIEFING_RESPONSE_CACHE_ENTRIES": "0"},
    )
    with Server(env) as server:
        server.start(wait_for="/healthz")  # /readyz itself is subject to the 1 ms limit
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            response, seconds, error = timed_get(client, f"/v1/briefings/{BRIEFING_ID}")
    ok = response is not None and is_problem(response, 503) and response.json()["type"].endswith("timeout")
    report.check(
        "(f) time limit: 503 problem with type …timeout",
        ok,
        describe(response, seconds, error)
        + (f" type={response.json().get('type')}" if response is not None else ""),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", action="store_true", help="also stop/start the local PostgreSQL cluster"
    )
    parser.add_argument("--database-url", default=DEFAULT_PG_URL, help="PostgreSQL URL for --postgres")
    parser.add_argument("--only", default="abcdefgh", help="which checks, e.g. 'be' (default: all)")
    parser.add_argument("--kill-runs", type=int, default=20, help="SIGKILLs per database in (h)")
    args = parser.parse_args(argv)
    report = Report()
    with tempfile.TemporaryDirectory(prefix="briefing-faults-") as tmp:
        data_dir = Path(tmp)
        b_dir = make_b_seeds(data_dir / "seeds-b")
        prepare_database(make_env(data_dir=data_dir))
        checks: dict[str, Callable[[], None]] = {
            "a": lambda: check_reseed_under_load(report, data_dir, b_dir),
            "b": lambda: check_sqlite_locked(report, data_dir),
            "c": lambda: (
                check_postgres_stopped(report, args.database_url, data_dir)
                if args.postgres
                else report.check("(c) PostgreSQL stopped", True, "SKIPPED: pass --postgres")
            ),
            "d": lambda: check_graceful_shutdown(report, data_dir),
            "e": lambda: check_overload(report, data_dir),
            "f": lambda: check_timeout(report, data_dir),
            "g": lambda: check_multi_worker(report, "g sqlite", b_dir),
            "g-pg": lambda: (
                check_multi_worker(report, "g postgres", b_dir, args.database_url)
                if args.postgres
                else report.check("(g postgres) 2 workers", True, "SKIPPED: pass --postgres")
            ),
            "h": lambda: check_kill_seed(report, "h sqlite", b_dir, runs=args.kill_runs),
            "h-pg": lambda: (
                check_kill_seed(report, "h postgres", b_dir, args.database_url, runs=args.kill_runs)
                if args.postgres
                else report.check("(h postgres) SIGKILL seed", True, "SKIPPED: pass --postgres")
            ),
        }
        try:
            for key, check in checks.items():
                if key[0] not in args.only:
                    continue
                try:
                    check()
                except Exception as exc:
                    report.check(f"({key}) ran to the end", False, f"{type(exc).__name__}: {str(exc)[:300]}")
        finally:
            if args.postgres:  # never leave the local cluster stopped, even after a failure or Ctrl-C
                state = ensure_cluster_online(args.database_url)
                print(f"PostgreSQL cluster {' '.join(PG_CLUSTER)}: {state}")
    failed = [name for name, ok, _ in report.results if not ok]
    print(f"{len(report.results) - len(failed)} passed, {len(failed)} failed")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
