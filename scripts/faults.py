"""Fault injection against a real server process: prints one PASS/FAIL line per check.

    python -m scripts.faults [--postgres [--database-url URL]] [--only a,b,...]

(a) re-seed A->B->A… while a loader reads /v1/positions and the whole briefing: no 5xx, every response
    entirely A or entirely B;
(b) SQLite locked against readers by another process (WAL read-mark locks held; ~10 s per attempt):
    /readyz 503 naming the database, /v1 503 problem+json without traceback, /healthz 200 promptly,
    recovery by itself;
(c) PostgreSQL stopped (only with --postgres and pg_ctlcluster): the same expectations;
(d) SIGTERM while a request is in flight (held up by a SQLite lock): the request completes, clean exit;
(e) overload: BRIEFING_MAX_CONCURRENCY=2, cache off, 50 concurrent distinct searches: prompt 503s with
    Retry-After and a problem body, every request answered;
(f) time limit: BRIEFING_REQUEST_TIMEOUT=0.001, cache off: a 503 problem whose type ends with "timeout".
"""

from __future__ import annotations

import argparse
import fcntl
import os
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from scripts._server import (
    BRIEFING_ID,
    SEEDS_DIR,
    Server,
    expected_version,
    make_b_seeds,
    make_env,
    position_summaries,
    prepare_database,
    run_briefing,
    scratch_postgres,
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


def check_postgres_stopped(report: Report, admin_url: str, data_dir: Path) -> None:
    if not shutil.which("pg_ctlcluster"):
        report.check("(c) PostgreSQL stopped", True, "SKIPPED: pg_ctlcluster not available")
        return
    ctl = ["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER]
    with scratch_postgres(admin_url, prefix="briefing_faults") as url:
        env = make_env(data_dir=data_dir, database_url=url)
        prepare_database(env)
        with Server(env) as server:
            server.start()
            httpx.get(server.base_url + "/v1/positions?kind=demand", timeout=10)

            def start_cluster() -> None:
                subprocess.run([*ctl, "start"], check=True, timeout=60, capture_output=True)

            def stop_cluster() -> None:
                subprocess.run([*ctl, "stop"], check=True, timeout=60, capture_output=True)

            try:
                check_unavailable(report, "c", server, stop_cluster, start_cluster)
            finally:
                status = subprocess.run([*ctl, "status"], timeout=30, capture_output=True, check=False)
                if status.returncode != 0:
                    start_cluster()


# --- (d) SIGTERM during an in-flight request --------------------------------------------------------


def check_graceful_shutdown(report: Report, data_dir: Path) -> None:
    """A request held up ~2 s by a SQLite lock is in flight when SIGTERM arrives; it must complete."""
    env = make_env(data_dir=data_dir, extra={"BRIEFING_RESPONSE_CACHE_ENTRIES": "0"})
    db = data_dir / "briefing.sqlite3"
    with Server(env) as server:
        server.start()
        box: dict[str, Any] = {}
        with sqlite_lock(db):
            fetcher = threading.Thread(
                target=lambda: box.update(
                    r=timed_get(
                        httpx.Client(base_url=server.base_url, timeout=30), f"/v1/briefings/{BRIEFING_ID}"
                    )
                )
            )
            fetcher.start()
            time.sleep(0.5)
            sigterm_at = time.monotonic()
            server.terminate()
            time.sleep(1.5)
        fetcher.join(30)
        assert server.process is not None
        try:
            code = server.process.wait(20)
        except subprocess.TimeoutExpired:
            code = None
        exited_after = time.monotonic() - sigterm_at
        response, seconds, error = box.get("r", (None, 0.0, "no answer"))
        ok = response is not None and response.status_code == 200 and response.json().get("id") == BRIEFING_ID
        report.check(
            "(d) SIGTERM during a slow in-flight request: it completes, then a clean exit",
            ok and code in {0, -signal.SIGTERM},  # uvicorn re-raises SIGTERM after its graceful shutdown
            f"request {describe(response, seconds, error)} (held ~2s by a lock, SIGTERM at 0.5s); "
            f"server exit code {code} {exited_after:.2f}s after SIGTERM",
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
    parser.add_argument("--only", default="abcdef", help="which checks, e.g. 'be' (default: all)")
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
        }
        for key, check in checks.items():
            if key not in args.only:
                continue
            try:
                check()
            except Exception as exc:
                report.check(f"({key}) ran to the end", False, f"{type(exc).__name__}: {str(exc)[:300]}")
    failed = [name for name, ok, _ in report.results if not ok]
    print(f"{len(report.results) - len(failed)} passed, {len(failed)} failed")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
