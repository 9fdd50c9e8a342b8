"""(g) WEB_CONCURRENCY=2: both workers serve identical 200s (each response attributed to a worker via its
TCP connection); after a re-seed A->B while serving, both serve only B within a second."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from scripts.faults.common import Report
from scripts.faults.procfs import connection_owner, cpu_seconds, worker_pids
from scripts.harness.databases import database_url_of, scratch_environment
from scripts.harness.processes import SEEDS_DIR, Server, make_env, prepare_database, run_briefing
from scripts.harness.seed_versions import (
    BRIEFING_ID,
    DOCUMENT_ID,
    expected_version,
    inspect_database,
    position_summaries,
    version_of_summaries,
)

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
