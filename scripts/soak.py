"""Soak test: the server as ``make run`` starts it (one worker), driven by wrk with a realistic URL mix.

    python -m scripts.soak [--seconds 60] [--connections 256] [--database-url URL]

Sets up a temp data dir (or, with --database-url, a scratch database on that PostgreSQL server), migrates
and seeds, starts ``briefing serve``, waits for /readyz, warms up, records the worker's RSS, runs wrk with
a Lua script that rotates over the URL mix, and checks: 0 connection errors, 0 5xx, RSS growth within the
limit. Prints a table and the path of a JSON results file (in the temp dir, never in the repository).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from scripts.harness.databases import scratch_environment
from scripts.harness.processes import Server, make_env, prepare_database, rss_kib
from scripts.harness.seed_versions import BRIEFING_ID, DOCUMENT_ID
from scripts.harness.wrk import ensure_wrk, run_wrk

# (path, expected status): lists with filters, details, search, the whole briefing, the text, a 404.
URL_MIX: list[tuple[str, int]] = [
    ("/v1/positions", 200),
    ("/v1/positions?party=russia", 200),
    ("/v1/positions?kind=demand&limit=5", 200),
    ("/v1/positions/ukraine-full-withdrawal", 200),
    ("/v1/barriers?category=structural", 200),
    ("/v1/barriers", 200),
    ("/v1/events?from=2022", 200),
    ("/v1/events?kind=talks", 200),
    ("/v1/rounds", 200),
    ("/v1/rounds/istanbul-2022", 200),
    ("/v1/mediators?role=mediator", 200),
    ("/v1/parties?kind=state", 200),
    ("/v1/parties/ukraine", 200),
    ("/v1/topics", 200),
    ("/v1/implications", 200),
    ("/v1/sources", 200),
    ("/v1/people", 200),
    ("/v1/search?q=neutrality", 200),
    ("/v1/search?q=nato&type=positions", 200),
    ("/v1/search?q=istanbul%20talks", 200),
    (f"/v1/briefings/{BRIEFING_ID}", 200),
    ("/v1/briefings", 200),
    (f"/v1/documents/{DOCUMENT_ID}/text", 200),
    (f"/v1/documents/{DOCUMENT_ID}", 200),
    ("/v1/positions/no-such-position", 404),
]

LUA = r"""
local paths = { %(paths)s }
local headers = { ["Accept-Encoding"] = "gzip", ["Accept"] = "application/json" }
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("offset", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  counter = offset * 7
  c2, c3, c4, c5, c503, cother = 0, 0, 0, 0, 0, 0
end

function request()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter], headers)
end

function response(status, hdrs, body)
  if status >= 200 and status < 300 then c2 = c2 + 1
  elseif status < 400 then c3 = c3 + 1
  elseif status < 500 then c4 = c4 + 1
  elseif status < 600 then
    c5 = c5 + 1
    if status == 503 then c503 = c503 + 1 end
  else cother = cother + 1 end
end

function done(summary, latency, requests)
  local t = { c2 = 0, c3 = 0, c4 = 0, c5 = 0, c503 = 0, cother = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  io.write("WRK_JSON ")
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "bytes": %%d, "errors": {"connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d}, "latency_us": {"p50": %%d, "p90": %%d, "p99": %%d, ' ..
    '"max": %%d, "mean": %%.1f}, "status": {"2xx": %%d, "3xx": %%d, "4xx": %%d, "5xx": %%d, "503": %%d, ' ..
    '"other": %%d}}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    t.c2, t.c3, t.c4, t.c5, t.c503, t.cother))
end
"""


def write_lua(directory: Path) -> Path:
    paths = ", ".join(json.dumps(path) for path, _ in URL_MIX)
    script = directory / "mix.lua"
    script.write_text(LUA % {"paths": paths}, encoding="utf-8")
    return script


def run_mix(url: str, script: Path, *, seconds: int, connections: int, threads: int) -> dict[str, Any]:
    """One wrk run of the URL mix: the Lua script's counts, with wrk's own output under "raw"."""
    run = run_wrk(
        url, threads=threads, connections=connections, seconds=seconds, script=script, latency=False
    )
    if not run.script_json:
        raise RuntimeError(f"wrk printed no results:\n{run.output}")
    return {**run.script_json, "raw": run.output}


def check_mix(base_url: str) -> None:
    """Every URL of the mix answers as expected before the load starts (a typo would skew the 4xx)."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for path, expected in URL_MIX:
            status = client.get(path).status_code
            if status != expected:
                raise SystemExit(f"URL mix: {path} answered {status}, expected {expected}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--threads", type=int, default=min(4, os.cpu_count() or 2))
    parser.add_argument("--warmup-seconds", type=int, default=5)
    parser.add_argument("--max-rss-growth", type=float, default=20.0, help="percent (default 20)")
    parser.add_argument("--database-url", help="a PostgreSQL URL; a scratch database is created on it")
    args = parser.parse_args(argv)

    ensure_wrk()  # before the data set is built: fail early when it cannot be had
    with scratch_environment(args.database_url, "briefing-soak") as (data_dir, database_url):
        # No overrides: the service's defaults (log level, concurrency cap, cache, timeout) as `make run`.
        env = make_env(data_dir=data_dir, database_url=database_url, log_level=None)
        prepare_database(env)
        script = write_lua(data_dir)
        with Server(env) as server:
            server.start()
            check_mix(server.base_url)
            rss_idle = rss_kib(server.pid)
            warm = run_mix(
                server.base_url,
                script,
                seconds=args.warmup_seconds,
                connections=args.connections,
                threads=args.threads,
            )
            time.sleep(1)
            rss_before = rss_kib(server.pid)
            print(
                f"server pid {server.pid} on {server.base_url} "
                f"({'PostgreSQL' if database_url else 'SQLite'}); "
                f"warm-up {warm['requests']} requests; running wrk {args.connections} connections "
                f"x {args.seconds}s over {len(URL_MIX)} URLs …",
                flush=True,
            )
            result = run_mix(
                server.base_url,
                script,
                seconds=args.seconds,
                connections=args.connections,
                threads=args.threads,
            )
            time.sleep(1)
            rss_after = rss_kib(server.pid)
            alive = server.process is not None and server.process.poll() is None
            try:  # a wedged event loop completes no requests and wrk then reports no errors either
                started = time.monotonic()
                live = httpx.get(server.base_url + "/healthz", timeout=5).status_code == 200
                live = live and time.monotonic() - started < 2
            except httpx.HTTPError:
                live = False
            exit_code = server.stop()

    errors = result["errors"]
    connection_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    status = result["status"]
    growth = (rss_after - rss_before) / rss_before * 100
    rps = result["requests"] / (result["duration_us"] / 1e6)
    summary = {
        "backend": "postgresql" if args.database_url else "sqlite",
        "connections": args.connections,
        "seconds": args.seconds,
        "requests": result["requests"],
        "requests_per_s": round(rps, 1),
        "connection_errors": connection_errors,
        "errors": errors,
        "status": status,
        "latency_ms": {k: round(v / 1000, 2) for k, v in result["latency_us"].items()},
        "rss_kib": {"idle": rss_idle, "after_warmup": rss_before, "after_run": rss_after},
        "rss_growth_pct": round(growth, 1),
        "server_alive_after_run": alive,
        "server_exit_code": exit_code,
        "warmup": {"requests": warm["requests"], "status": warm["status"], "errors": warm["errors"]},
    }
    checks = {
        "0 connection errors": connection_errors == 0,
        "0 5xx": status["5xx"] == 0,
        f"RSS growth <= {args.max_rss_growth:g}%": growth <= args.max_rss_growth,
        "server alive after the run": alive,
        "/healthz answers < 2 s after the run": live,
        # wrk does not count requests still waiting at the end; a stalled server must not pass.
        f"every connection completed requests (>= {args.connections * 10} requests)": (
            result["requests"] >= args.connections * 10
        ),
    }
    rows = [
        ("requests", f"{result['requests']}"),
        ("requests/s", f"{rps:.0f}"),
        ("connection errors", f"{connection_errors} ({errors})"),
        ("2xx / 3xx", f"{status['2xx']} / {status['3xx']}"),
        ("4xx (deliberate 404s)", f"{status['4xx']}"),
        ("5xx (of which 503)", f"{status['5xx']} ({status['503']})"),
        ("latency p50 / p90 / p99 / max", "{p50} / {p90} / {p99} / {max} ms".format(**summary["latency_ms"])),
        ("RSS idle / after warm-up / after run", f"{rss_idle} / {rss_before} / {rss_after} KiB"),
        ("RSS change", f"{growth:+.1f}%"),
    ]
    width = max(len(k) for k, _ in rows)
    print()
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    print()
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    with tempfile.NamedTemporaryFile("w", prefix="soak-results-", suffix=".json", delete=False) as out:
        json.dump(summary, out, indent=2)
    print(f"results: {out.name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
