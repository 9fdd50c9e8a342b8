"""``python -m bench.cache`` (also ``python -m bench.run --cache``): the response cache and the hot path as
a hostile client meets them, each scenario against a fresh ``briefing serve`` with ``make run``'s defaults
(log level INFO: one access line per request, written to bench/work/<name>.log).

- ``hot``: the cached hot GET against the raw-ASGI ceiling serving the same bytes, wrk runs interleaved
  (ours, ceiling, ours, ceiling); reports req/s and the server's CPU time per request for each. CPU per
  request is the steadier measure on a shared machine; req/s is what wrk saw.
- ``burst``: right after start, 256 simultaneous requests on each of five cold URLs (the whole briefing,
  a list, a filtered list, a detail, a search): non-2xx count and wall time. That each burst is one
  render is proven by tests/api/test_cache.py (it counts SQL statements).
- ``memory``: 2,000 distinct ``?v=N`` on the largest static file, then 2,000 distinct search queries,
  with a hot URL fetched between them: RSS before and after, and the hot URL's latency throughout.
- ``flood``: wrk with 100 connections on distinct uncached URLs for 10 s while a client polls ``/readyz``
  and a warm URL every 50 ms: their statuses and the warm URL's p50/p99.

Data: the synthetic 10k-row data set (bench/work/synth-10000.sqlite3, made by bench.run's generator).
Writes bench/cache-results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.run import (
    BENCH,
    BRIEFING,
    PYTHON,
    WORK,
    app_env,
    ensure_synthetic,
    log,
    rss_mb,
    serving,
    wrk,
)
from scripts.harness.processes import Server
from scripts.harness.wrk import ensure_wrk

ROWS = 10_000
BURST = 256
DISTINCT = 2_000
FLOOD_SECONDS = 10
FLOOD_CONNECTIONS = 100
STATIC_DIR = BENCH.parent / "app" / "static"
FLOOD_SCRIPT = """
request = function()
  local limit = math.random(1, 200)
  local party = math.random(1, 60)
  return wrk.format("GET", "/v1/positions?limit=" .. limit .. "&party=party-" .. party)
end
"""
"""Distinct list pages (12,000 combinations): each one a render, none served from the cache twice."""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def ours(db: Path, name: str) -> Iterator[Server]:
    command = [str(BRIEFING), "serve", "--host", "127.0.0.1", "--port", "{port}"]
    env = {**app_env(db), "BRIEFING_LOG_LEVEL": "INFO"}  # make run's default: an access line per request
    with serving(name, command, env, "/readyz") as server:
        yield server


def measured(url: str, pid: int, label: str) -> dict[str, Any]:
    before = cpu_seconds(pid)
    result = wrk(url, server=label, variant="hot", rows=None, endpoint="detail")
    cpu = cpu_seconds(pid) - before
    return {
        "rps": result.rps,
        "p99_ms": result.p99_ms,
        "errors": result.errors,
        "cpu_us_per_request": round(cpu / max(result.requests, 1) * 1e6, 1),
    }


def scenario_hot(db: Path, rounds: int = 2) -> dict[str, Any]:
    url = f"/v1/positions/position-{ROWS // 2}"
    with ours(db, "cache-hot") as server:
        for _ in range(5):
            httpx.get(server.base_url + url)
        body = WORK / "cache-hot-body.json"
        body.write_bytes(httpx.get(server.base_url + url).content)
        env = dict(os.environ, BENCH_CEILING_BODY=str(body))
        command = [str(PYTHON), "-m", "bench.ceiling", "raw", "--port", "{port}"]
        with serving("cache-ceiling", command, env, "/") as ceiling:
            runs = []
            for _ in range(rounds):
                runs.append(("ours", measured(server.base_url + url, server.pid, "ours")))
                runs.append(("ceiling", measured(ceiling.base_url + "/", ceiling.pid, "ceiling")))
    mine = [r for name, r in runs if name == "ours"]
    top = [r for name, r in runs if name == "ceiling"]
    return {
        "url": url,
        "runs": runs,
        "rps_ratio": round(sum(r["rps"] for r in mine) / sum(r["rps"] for r in top), 3),
        "cpu_ratio": round(
            statistics.mean(r["cpu_us_per_request"] for r in top)
            / statistics.mean(r["cpu_us_per_request"] for r in mine),
            3,
        ),
    }


def scenario_burst(db: Path) -> dict[str, Any]:
    urls = [
        "/v1/briefings/synthetic-briefing-1",
        "/v1/positions?limit=50",
        "/v1/positions?party=party-5&limit=50",
        f"/v1/positions/position-{ROWS // 3}",
        "/v1/search?q=ceasefire&limit=20",
    ]
    results = {}
    with ours(db, "cache-burst") as server:

        async def burst(url: str) -> tuple[Counter[int], float]:
            limits = httpx.Limits(max_connections=BURST, max_keepalive_connections=BURST)
            async with httpx.AsyncClient(base_url=server.base_url, timeout=60, limits=limits) as client:
                started = time.perf_counter()
                responses = await asyncio.gather(*(client.get(url) for _ in range(BURST)))
                return Counter(r.status_code for r in responses), time.perf_counter() - started

        for url in urls:
            statuses, seconds = asyncio.run(burst(url))
            non_2xx = sum(n for status, n in statuses.items() if not 200 <= status < 300)
            results[url] = {"statuses": dict(statuses), "non_2xx": non_2xx, "seconds": round(seconds, 2)}
            log(f"  burst {url}: {dict(statuses)} in {seconds:.2f}s")
    return results


def scenario_memory(db: Path) -> dict[str, Any]:
    largest = max((p for p in STATIC_DIR.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    static_url = "/static/" + largest.relative_to(STATIC_DIR).as_posix()
    hot = f"/v1/positions/position-{ROWS // 2}"
    out: dict[str, Any] = {"static_url": static_url}
    with ours(db, "cache-memory") as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        for _ in range(3):
            client.get(hot)
            client.get(static_url)
        time.sleep(1)  # the static files' gzip variants are made in a thread at start
        out["rss_start_mb"] = rss_mb(server)
        hot_ms: list[float] = []
        statuses: Counter[int] = Counter()

        def fetch_hot() -> None:
            started = time.perf_counter()
            statuses[client.get(hot).status_code] += 1
            hot_ms.append((time.perf_counter() - started) * 1000)

        for n in range(DISTINCT):
            statuses[client.get(f"{static_url}?v={n}", headers={"Accept-Encoding": "gzip"}).status_code] += 1
            if n % 20 == 0:
                fetch_hot()
        out["rss_after_static_mb"] = rss_mb(server)
        for n in range(DISTINCT):
            query = f"/v1/search?q=talks+{n}&limit=20"
            statuses[client.get(query, headers={"Accept-Encoding": "gzip"}).status_code] += 1
            if n % 20 == 0:
                fetch_hot()
        out["rss_end_mb"] = rss_mb(server)
        out["rss_growth_mb"] = round(out["rss_end_mb"] - out["rss_start_mb"], 1)
        out["statuses"] = dict(statuses)
        out["hot_p50_ms"] = round(statistics.median(hot_ms), 2)
        out["hot_max_ms"] = round(max(hot_ms), 2)
    log(f"  memory: {out}")
    return out


def scenario_flood(db: Path) -> dict[str, Any]:
    warm = f"/v1/positions/position-{ROWS // 2}"
    script = WORK / "cache-flood.lua"
    script.write_text(FLOOD_SCRIPT)
    out: dict[str, Any] = {}
    with ours(db, "cache-flood") as server:
        for _ in range(3):
            httpx.get(server.base_url + warm)
        polled: dict[str, list[tuple[int, float]]] = {"/readyz": [], warm: []}
        stop = threading.Event()

        def poll() -> None:
            with httpx.Client(base_url=server.base_url, timeout=10) as client:
                while not stop.is_set():
                    for path, seen in polled.items():
                        started = time.perf_counter()
                        try:
                            status = client.get(path).status_code
                        except httpx.HTTPError:
                            status = 0
                        seen.append((status, (time.perf_counter() - started) * 1000))
                    time.sleep(0.05)

        poller = threading.Thread(target=poll)
        poller.start()
        command = [
            "wrk",
            "-t2",
            f"-c{FLOOD_CONNECTIONS}",
            f"-d{FLOOD_SECONDS}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            server.base_url,
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        stop.set()
        poller.join()
        (WORK / "cache-flood-wrk.txt").write_text(output)
        for path, seen in polled.items():
            latencies = sorted(ms for _, ms in seen)
            out[path] = {
                "statuses": dict(Counter(status for status, _ in seen)),
                "p50_ms": round(statistics.median(latencies), 2),
                "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2),
                "max_ms": round(latencies[-1], 2),
            }
        out["flood_wrk"] = [
            line.strip() for line in output.splitlines() if "Requests/sec" in line or "Non-2xx" in line
        ]
    log(f"  flood: {out}")
    return out


SCENARIOS = {"hot": scenario_hot, "burst": scenario_burst, "memory": scenario_memory, "flood": scenario_flood}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cache")
    parser.add_argument("scenarios", nargs="*", help=f"any of {', '.join(SCENARIOS)} (default: all)")
    args = parser.parse_args(argv)
    if unknown := set(args.scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    WORK.mkdir(parents=True, exist_ok=True)
    ensure_wrk()
    db, _ = ensure_synthetic(ROWS)
    results: dict[str, Any] = {"rows": ROWS}
    for name in args.scenarios or list(SCENARIOS):
        log(f"scenario {name}")
        results[name] = SCENARIOS[name](db)
    path = BENCH / "cache-results.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**previous, **results}, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
