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
    tells whether each kill landed before, during or after the transaction: old or new data, never mixed
    (``scripts.kill_seed --aim``).

One module per fault family: ``reseed`` (a), ``outage`` (b, c), ``shutdown`` (d), ``limits`` (e, f),
``workers`` (g, with ``procfs``), ``kill`` (h); ``common`` holds the report and request helpers.

With --postgres the local cluster is stopped and started again by (c); it is always left running and
accepting connections when the script ends, even on failure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from scripts.faults.common import Report
from scripts.faults.kill import check_kill_seed
from scripts.faults.limits import check_overload, check_timeout
from scripts.faults.outage import (
    PG_CLUSTER,
    check_postgres_stopped,
    check_sqlite_locked,
    ensure_cluster_online,
)
from scripts.faults.reseed import check_reseed_under_load
from scripts.faults.shutdown import check_graceful_shutdown
from scripts.faults.workers import check_multi_worker
from scripts.harness.databases import DEFAULT_PG_URL
from scripts.harness.processes import make_env, prepare_database
from scripts.harness.seed_versions import make_b_seeds


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
        checks: dict[str, Callable[[], object]] = {
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
            "h": lambda: check_kill_seed(report, "h sqlite", runs=args.kill_runs),
            "h-pg": lambda: (
                check_kill_seed(report, "h postgres", args.database_url, runs=args.kill_runs)
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
