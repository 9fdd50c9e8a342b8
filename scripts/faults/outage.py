"""(b) SQLite locked against readers, (c) PostgreSQL stopped: /readyz 503 naming the database, /v1 503
problem+json, /healthz 200 promptly, recovery by itself. (c) stops and restarts the local cluster and
always leaves it accepting connections."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app.api.routers.health import ReadinessCheck
from scripts.faults.common import Report, describe, is_problem, sqlite_lock, timed_get
from scripts.harness.databases import scratch_postgres
from scripts.harness.processes import Server, make_env, prepare_database

PG_CLUSTER = ("15", "main")


def check_unavailable(
    report: Report, label: str, server: Server, break_it: Callable[[], None], restore: Callable[[], None]
) -> None:
    """While the database is broken: /readyz 503 with reason, /v1 503 problem, /healthz 200 promptly."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        break_it()
        try:
            time.sleep(ReadinessCheck.TTL)  # a ready result is reused for up to this long (issue 14)
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
