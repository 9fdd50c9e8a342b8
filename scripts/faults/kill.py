"""(h) SIGKILL ``briefing seed`` A<->B at moments aimed across its write transaction: old or new data,
never mixed. This is ``scripts.kill_seed --aim`` on a scratch database, reported as one check."""

from __future__ import annotations

import random

from scripts.faults.common import Report
from scripts.harness.databases import scratch_environment
from scripts.kill_seed import run_all, summary


def check_kill_seed(report: Report, label: str, database_url: str | None = None, *, runs: int = 20) -> None:
    with scratch_environment(database_url, "briefing-killtx") as (data_dir, url):
        results = run_all(
            runs=runs, data_dir=data_dir, database_url=url, rng=random.Random(20250612), aim=True
        )
    failed = [r for r in results if not r.ok]
    report.check(
        f"({label}) SIGKILL across the seed's write transaction: old or new, never mixed",
        not failed and any(r.phase == "during" for r in results),
        summary(results)
        + "".join(
            f"; run {r.run}: killed {r.phase} the transaction, database {r.after_kill}"
            f"{' (completing seed failed)' if not r.completed else ''}"
            for r in failed[:5]
        ),
    )
