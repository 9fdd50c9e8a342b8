"""(e) overload: prompt 503s with Retry-After and a problem body; (f) time limit: a 503 …timeout problem."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from scripts.faults.common import Report, describe, is_problem, timed_get
from scripts.harness.processes import Server, make_env
from scripts.harness.seed_versions import BRIEFING_ID


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
