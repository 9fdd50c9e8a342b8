"""(a) Re-seed A->B->A… while a loader reads: no 5xx, every response entirely A or entirely B."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from scripts.faults.common import Report
from scripts.harness.processes import SEEDS_DIR, Server, make_env, run_briefing
from scripts.harness.seed_versions import (
    BRIEFING_ID,
    expected_version,
    position_summaries,
    version_of_summaries,
)


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
