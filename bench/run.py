"""``python -m bench.run`` (``make bench``): load-test the API on synthetic data sets of 1k, 10k and 100k
rows with wrk, against a raw-ASGI ceiling and Datasette on the same SQLite file. Bounded to about five
minutes on the 2-core machine; loads only 127.0.0.1. Writes bench/results.json and bench/chart.png and
prints a table and PASS/FAIL lines. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import importlib
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from scripts.harness.processes import NotReadyError, Server, make_env
from scripts.harness.wrk import ensure_wrk, run_wrk

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / "work"
PEER_VENV = BENCH / ".venv-datasette"
BRIEFING = ROOT / ".venv" / "bin" / "briefing"
PYTHON = ROOT / ".venv" / "bin" / "python"

SIZES = (1_000, 10_000, 100_000)
RANDOM_SEED = 20250612
PEER_PACKAGES = ("datasette==0.65.5", "matplotlib==3.10.7")
WRK_THREADS, WRK_CONNECTIONS, WRK_SECONDS = 2, 64, 8
DRAIN_SECONDS = 3
DEEP_PAGES = 50
COLD_STARTS = 3

TARGETS = {
    "hot_get_vs_ceiling": 0.35,
    "list_vs_datasette": 5.0,
    "p50_growth": 2.0,
    "rss_mb": 150.0,
    "cold_start_vs_bare": 3.0,
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- tools ------------------------------------------------------------------------------------------------
def ensure_peer_venv() -> Path:
    """Datasette and matplotlib live in their own venv, outside the project's lock files."""
    python = PEER_VENV / "bin" / "python"
    marker = PEER_VENV / ".bench-packages"
    if marker.exists() and marker.read_text() == "\n".join(PEER_PACKAGES):
        return python
    log(f"creating {PEER_VENV.relative_to(ROOT)} with {', '.join(PEER_PACKAGES)}")
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PEER_PACKAGES]
    subprocess.run(pip, check=True)
    marker.write_text("\n".join(PEER_PACKAGES))
    return python


def synth_fingerprint() -> str:
    return hashlib.sha256((ROOT / "app" / "seed" / "synth.py").read_bytes()).hexdigest()[:16]


def ensure_synthetic(rows: int) -> tuple[Path, float | None]:
    """The synthetic database for ``rows``; rebuilt only when missing or made by another generator."""
    from app.seed.synth import write_synthetic

    db = WORK / f"synth-{rows}.sqlite3"
    meta = WORK / f"synth-{rows}.meta.json"
    wanted = {"rows": rows, "random_seed": RANDOM_SEED, "generator": synth_fingerprint()}
    if db.exists() and meta.exists() and json.loads(meta.read_text()).get("params") == wanted:
        return db, json.loads(meta.read_text()).get("seconds")
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), meta):
        stale.unlink(missing_ok=True)
    log(f"writing synthetic data set: {rows} rows")
    seconds = write_synthetic(rows=rows, out=db, random_seed=RANDOM_SEED)
    meta.write_text(json.dumps({"params": wanted, "seconds": round(seconds, 2)}))
    return db, round(seconds, 2)


# -- servers (scripts.harness) -----------------------------------------------------------------------------
def serving(name: str, command: list[str], env: dict[str, str], ready: str) -> Server:
    """A started server (``{port}`` in ``command`` is its port), logging to bench/work/NAME.log; retried
    twice, since the work tree may be caught mid-edit by a colleague (an import error) while the bench runs.
    Use it as a context manager: leaving it stops the server."""
    server = Server(env, command=command, name=name, log_path=WORK / f"{name}.log")
    try:
        return server.start(ready_timeout=60, wait_for=ready, attempts=3)
    except NotReadyError as exc:
        server.close()
        raise SystemExit(str(exc)) from None


def app_env(db: Path, **extra: str) -> dict[str, str]:
    return make_env(database_url=f"sqlite:///{db}", extra=extra)


def our_app(db: Path, name: str, **extra: str) -> Server:
    command = [str(BRIEFING), "serve", "--host", "127.0.0.1", "--port", "{port}"]
    return serving(name, command, app_env(db, **extra), "/readyz")


def rss_mb(server: Server, field: str = "VmRSS") -> float:
    return round(server.rss_kib(field) / 1024, 1)


# -- wrk ----------------------------------------------------------------------------------------------------
@dataclass
class Measurement:
    server: str
    variant: str
    rows: int | None
    endpoint: str
    url: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def wrk(url: str, *, server: str, variant: str, rows: int | None, endpoint: str) -> Measurement:
    run = run_wrk(
        url, threads=WRK_THREADS, connections=WRK_CONNECTIONS, seconds=WRK_SECONDS, log=WORK / "wrk.log"
    )
    # wrk drops its connections when its time is up, but the server still finishes the requests they
    # sent: let it drain, or the next run starts against requests in flight and meets the 503 limit.
    time.sleep(DRAIN_SECONDS)
    assert run.p50_ms is not None
    assert run.p99_ms is not None
    result = Measurement(
        server,
        variant,
        rows,
        endpoint,
        url,
        round(run.rps, 1),
        run.p50_ms,
        run.p99_ms,
        run.requests,
        run.errors,
    )
    log(
        f"  {server:9} {variant:9} {rows or '-':>7} {endpoint:9} {run.rps:9.0f} req/s  "
        f"p50 {run.p50_ms:7.2f} ms"
    )
    return result


def warm(base: str, paths: list[str], times: int = 30) -> None:
    with httpx.Client(base_url=base, timeout=30.0) as client:
        for path in paths:
            for _ in range(times):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code, response.text[:200])


def deep_page(base: str, path: str = "/v1/events?limit=50", depth: int = DEEP_PAGES) -> tuple[str, int]:
    """A cursor URL about ``depth`` pages into ``path`` (the events timeline by default; fewer pages when
    the list is shorter), and how many pages deep it is."""
    url, pages = path, 0
    with httpx.Client(base_url=base, timeout=30.0) as client:
        while pages < depth:
            cursor = client.get(url).json()["next_cursor"]
            if cursor is None:
                break
            url, pages = f"{path}&cursor={cursor}", pages + 1
    return url, pages


def endpoints(rows: int, db: Path, base: str) -> tuple[dict[str, str], int]:
    """The measured URLs (ids as app.seed.synth names them): the party in the middle of the parties, a
    position half-way down the list, the first briefing, and a deep page of the timeline."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        parties = connection.execute("SELECT count(*) FROM parties").fetchone()[0]
    party = f"party-{parties // 2}"
    url, pages = deep_page(base)
    return {
        "detail": f"/v1/positions/position-{rows // 2}",
        "list": f"/v1/positions?party={party}&limit=50",
        "deep": url,
        "search": "/v1/search?q=ceasefire&limit=20",
        "briefing": "/v1/briefings/synthetic-briefing-1",
    }, pages


# -- phases -------------------------------------------------------------------------------------------------
def bench_ours(dbs: dict[int, Path]) -> tuple[list[Measurement], dict[str, Any]]:
    runs: list[Measurement] = []
    info: dict[str, Any] = {"rss_mb": {}, "private_mb": {}, "deep_pages": {}, "urls": {}}
    for rows, db in dbs.items():
        with our_app(db, f"ours-{rows}") as server:
            urls, pages = endpoints(rows, db, server.base_url)
            info["deep_pages"][rows] = pages
            info["urls"][rows] = urls
            warm(server.base_url, list(urls.values()))
            for endpoint, path in urls.items():
                runs.append(
                    wrk(server.base_url + path, server="ours", variant="cached", rows=rows, endpoint=endpoint)
                )
            info["rss_mb"][f"cached-{rows}"] = rss_mb(server)
            info["private_mb"][f"cached-{rows}"] = rss_mb(server, "RssAnon")
            if rows == max(SIZES):
                hot = httpx.get(server.base_url + urls["detail"]).content
                (WORK / "hot-detail.json").write_bytes(hot)
                info["hot_detail_bytes"] = len(hot)
    for rows in (min(SIZES), max(SIZES)):
        with our_app(dbs[rows], f"ours-uncached-{rows}", BRIEFING_RESPONSE_CACHE_ENTRIES="0") as server:
            urls = dict(info["urls"][rows])
            urls["deep"], _ = deep_page(server.base_url)  # cursors are opaque: make them on this server
            warm(server.base_url, [urls["list"], urls["deep"], urls["search"]], times=10)
            for endpoint in ("list", "deep", "search"):
                url = server.base_url + urls[endpoint]
                runs.append(wrk(url, server="ours", variant="uncached", rows=rows, endpoint=endpoint))
            info["rss_mb"][f"uncached-{rows}"] = rss_mb(server)
            info["private_mb"][f"uncached-{rows}"] = rss_mb(server, "RssAnon")
    return runs, info


def bench_ceiling() -> Measurement:
    env = dict(os.environ, BENCH_CEILING_BODY=str(WORK / "hot-detail.json"))
    command = [str(PYTHON), "-m", "bench.ceiling", "raw", "--port", "{port}"]
    with serving("ceiling", command, env, "/") as server:
        warm(server.base_url, ["/"], times=10)
        return wrk(server.base_url + "/", server="ceiling", variant="raw-asgi", rows=None, endpoint="detail")


def datasette_command(peer_python: Path, db: Path, *extra: str) -> list[str]:
    """Datasette serving ``db`` read-only (``--immutable``) on ``{port}``, 50 rows a page, facet
    suggestions off."""
    return [
        str(peer_python.parent / "datasette"),
        "serve",
        "--immutable",
        str(db),
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        *extra,
        "--setting",
        "default_page_size",
        "50",
        "--setting",
        "sql_time_limit_ms",
        "5000",
        "--setting",
        "suggest_facets",
        "off",
    ]


def bench_datasette(peer_python: Path, db: Path, rows: int, party: str) -> tuple[list[Measurement], str]:
    name = db.stem
    metadata = WORK / "datasette-metadata.json"
    metadata.write_text(
        json.dumps(
            {"databases": {name: {"tables": {"search_entries": {"fts_table": "search_fts", "fts_pk": "id"}}}}}
        )
    )
    command = datasette_command(peer_python, db, "--metadata", str(metadata))
    version = subprocess.run(
        [str(peer_python.parent / "datasette"), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    urls = {
        "list": f"/{name}/positions.json?party_id={party}&_size=50",
        "search": f"/{name}/search_entries.json?_search=ceasefire&_size=20",
    }
    runs = []
    with serving("datasette", command, dict(os.environ), "/-/versions.json") as server:
        warm(server.base_url, list(urls.values()), times=10)
        for endpoint, path in urls.items():
            runs.append(
                wrk(
                    server.base_url + path,
                    server="datasette",
                    variant="immutable",
                    rows=rows,
                    endpoint=endpoint,
                )
            )
    return runs, version


def cold_starts(db: Path) -> dict[str, Any]:
    ours, bare = [], []
    for i in range(COLD_STARTS):
        command = [str(BRIEFING), "serve", "--host", "127.0.0.1", "--port", "{port}"]
        with serving(f"cold-ours-{i}", command, app_env(db), "/healthz") as server:
            ours.append(server.ready_seconds or float("nan"))
        command = [str(PYTHON), "-m", "bench.ceiling", "bare", "--port", "{port}"]
        with serving(f"cold-bare-{i}", command, dict(os.environ), "/healthz") as server:
            bare.append(server.ready_seconds or float("nan"))
    return {
        "ours_s": [round(s, 3) for s in ours],
        "bare_fastapi_s": [round(s, 3) for s in bare],
        "ours_median_s": round(statistics.median(ours), 3),
        "bare_fastapi_median_s": round(statistics.median(bare), 3),
    }


# -- extra scenarios --------------------------------------------------------------------------------------
@dataclass
class Scenario:
    """What an extra benchmark returns: its wrk runs, anything else to keep, and PASS/FAIL targets
    (dicts with "target", "value", "limit", "ok", as ``evaluate`` makes)."""

    runs: list[Measurement]
    info: dict[str, Any] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)


# An extra scenario lives in its own module under bench/ and is registered here as "module:function"
# (imported when run, so the module may import this one); the function takes the synthetic databases by
# row count and returns a Scenario. `make bench` runs every one after the main phases;
# `python -m bench.run --scenario NAME` runs only the named ones (no Datasette, chart or README update).
SCENARIOS: dict[str, str] = {"facets": "bench.facets:scenario", "export": "bench.export:scenario"}


def run_scenario(name: str, dbs: dict[int, Path]) -> Scenario:
    module, _, function = SCENARIOS[name].partition(":")
    scenario: Callable[[dict[int, Path]], Scenario] = getattr(importlib.import_module(module), function)
    log(f"scenario {name}")
    return scenario(dbs)


def run_scenarios_only(names: list[str], dbs: dict[int, Path]) -> int:
    results = {name: run_scenario(name, dbs) for name in names}
    for name, result in results.items():
        out = WORK / f"scenario-{name}.json"
        out.write_text(json.dumps(asdict(result), indent=2))
        print(f"\n{name} ({out.relative_to(ROOT)}):\n{table(result.runs)}")
        for t in result.targets:
            print(f"{'PASS' if t['ok'] else 'FAIL'}  {t['target']}: {t['value']} (limit {t['limit']})")
    return 0 if all(t["ok"] for r in results.values() for t in r.targets) else 1


# -- report -------------------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = next(
        line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    from importlib.metadata import version

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory.split(":", 1)[1].strip(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {
            p: version(p)
            for p in ("fastapi", "starlette", "uvicorn", "uvloop", "httptools", "sqlalchemy", "orjson")
        },
        "wrk": (wrk_version.stdout + wrk_version.stderr).split("\n")[0].strip(),
        "wrk_options": f"-t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{WRK_SECONDS}s --latency",
    }


def find(runs: list[Measurement], server: str, variant: str, rows: int | None, endpoint: str) -> Measurement:
    return next(
        r for r in runs if (r.server, r.variant, r.rows, r.endpoint) == (server, variant, rows, endpoint)
    )


def _div(a: float, b: float) -> float:
    return a / b if b else float("nan")


def evaluate(
    runs: list[Measurement], info: dict[str, Any], cold: dict[str, Any]
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    big, small = max(SIZES), min(SIZES)
    ceiling = find(runs, "ceiling", "raw-asgi", None, "detail")
    hot = find(runs, "ours", "cached", big, "detail")

    def rps(server: str, variant: str, endpoint: str) -> float:
        return find(runs, server, variant, big, endpoint).rps

    peer = "immutable"
    ratios: dict[str, float] = {
        "hot_get_vs_ceiling": _div(hot.rps, ceiling.rps),
        "list_vs_datasette_cached": _div(rps("ours", "cached", "list"), rps("datasette", peer, "list")),
        "list_vs_datasette_uncached": _div(rps("ours", "uncached", "list"), rps("datasette", peer, "list")),
        "search_vs_datasette_cached": _div(rps("ours", "cached", "search"), rps("datasette", peer, "search")),
        "search_vs_datasette_uncached": _div(
            rps("ours", "uncached", "search"), rps("datasette", peer, "search")
        ),
        "cold_start_vs_bare": _div(cold["ours_median_s"], cold["bare_fastapi_median_s"]),
    }
    for variant in ("cached", "uncached"):
        for endpoint in ("list", "deep", "search"):
            ratios[f"p50_{big}_over_{small}_{endpoint}_{variant}"] = _div(
                find(runs, "ours", variant, big, endpoint).p50_ms,
                find(runs, "ours", variant, small, endpoint).p50_ms,
            )
    ratios = {k: round(v, 3) for k, v in ratios.items()}
    # Private memory: the RSS also counts the database's pages that SQLite reads through mmap (shared with
    # the page cache, dropped by the kernel under pressure), which grow with the pages the runs touched.
    rss = info["private_mb"][f"cached-{big}"]
    targets = [
        {
            "target": "hot GET >= 35% of ceiling (req/s)",
            "value": ratios["hot_get_vs_ceiling"],
            "limit": 0.35,
            "ok": ratios["hot_get_vs_ceiling"] >= 0.35,
        },
        {
            "target": "filtered list >= 5x Datasette (cached)",
            "value": ratios["list_vs_datasette_cached"],
            "limit": 5.0,
            "ok": ratios["list_vs_datasette_cached"] >= 5.0,
        },
        {
            "target": "filtered list >= 5x Datasette (uncached)",
            "value": ratios["list_vs_datasette_uncached"],
            "limit": 5.0,
            "ok": ratios["list_vs_datasette_uncached"] >= 5.0,
        },
    ]
    for variant in ("cached", "uncached"):
        for endpoint in ("list", "deep", "search"):
            key = f"p50_{big}_over_{small}_{endpoint}_{variant}"
            targets.append(
                {
                    "target": f"p50(100k)/p50(1k) <= 2: {endpoint} ({variant})",
                    "value": ratios[key],
                    "limit": 2.0,
                    "ok": ratios[key] <= 2.0,
                }
            )
    targets.append(
        {
            "target": "private RSS (RssAnon) <= 150 MB (100k, cached, after run)",
            "value": rss,
            "limit": 150.0,
            "ok": rss <= 150.0,
        }
    )
    failed = [f"{r.server}/{r.variant}/{r.rows}/{r.endpoint}: {r.errors}" for r in runs if r.errors]
    targets.append(
        {"target": "no errors in any run", "value": "; ".join(failed) or 0, "limit": 0, "ok": not failed}
    )
    targets.append(
        {
            "target": "cold start <= 3x bare FastAPI",
            "value": ratios["cold_start_vs_bare"],
            "limit": 3.0,
            "ok": ratios["cold_start_vs_bare"] <= 3.0,
        }
    )
    return ratios, targets


def table(runs: list[Measurement]) -> str:
    head = ("server", "variant", "rows", "endpoint", "req/s", "p50 ms", "p99 ms", "errors")
    lines = ["{:10} {:10} {:>8} {:9} {:>9} {:>8} {:>8} {:>6}".format(*head)]
    lines.append("-" * len(lines[0]))
    for r in runs:
        lines.append(
            f"{r.server:10} {r.variant:10} {r.rows or '-':>8} {r.endpoint:9} {r.rps:9.0f} "
            f"{r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.errors:6d}"
        )
    return "\n".join(lines)


CHART = r"""
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
results = json.load(open(sys.argv[1]))
runs = [r for r in results["runs"] if r["server"] == "ours"]
series = sorted({(r["endpoint"], r["variant"]) for r in runs})
fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharex=True)
for ax, key, label in ((axes[0], "p50_ms", "p50"), (axes[1], "p99_ms", "p99")):
    for endpoint, variant in series:
        points = sorted(
            (r["rows"], r[key]) for r in runs if (r["endpoint"], r["variant"]) == (endpoint, variant)
        )
        style = "-o" if variant == "cached" else "--s"
        ax.plot([p[0] for p in points], [p[1] for p in points], style, label=f"{endpoint} ({variant})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rows in the largest collection")
    ax.set_ylabel(f"{label} latency, ms (log)")
    ax.set_title(f"{label} per endpoint, wrk {results['machine']['wrk_options']}")
    ax.grid(True, which="both", alpha=0.3)
axes[1].legend(fontsize=8)
fig.suptitle("Peacetalks Briefing API on synthetic SQLite data sets (" + results["timestamp"] + ")")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
"""


def update_readme(results: dict[str, Any], printed: str) -> None:
    readme = BENCH / "README.md"
    text = readme.read_text()
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    if start not in text or end not in text:
        return
    machine_info = results["machine"]
    section = (
        f"{start}\n## Latest results ({results['timestamp']})\n\n"
        f"{machine_info['cores']} cores ({machine_info['cpu']}), Python {machine_info['python']}, SQLite "
        f"{machine_info['sqlite']}, uvicorn {machine_info['packages']['uvicorn']}, "
        f"{machine_info['datasette']}, {machine_info['wrk']}; wrk {machine_info['wrk_options']}. "
        f"The bench took {results['bench_seconds']} s.\n\n```\n{printed}\n```\n\n"
        "![p50 and p99 per endpoint against rows](chart.png)\n"
        f"{end}"
    )
    before, rest = text.split(start, 1)
    readme.write_text(before + section + rest.split(end, 1)[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenario", action="append", choices=sorted(SCENARIOS), help="run only this extra scenario"
    )
    parser.add_argument(
        "--protocol", action="store_true", help="only the request-head guard's cost on the hot path"
    )
    args = parser.parse_args(argv)
    if args.protocol:  # bench/protocol.py
        from bench.protocol import measure

        return measure()
    if "--cache" in sys.argv[1:]:  # the response cache and hot path as a hostile client meets them
        from bench.cache import main as cache_main

        return cache_main([a for a in sys.argv[1:] if a != "--cache"])
    began = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "wrk.log").write_text("")
    ensure_wrk()
    dbs: dict[int, Path] = {}
    synth_seconds: dict[int, float | None] = {}
    for rows in SIZES:
        dbs[rows], synth_seconds[rows] = ensure_synthetic(rows)
    if args.scenario:
        return run_scenarios_only(args.scenario, dbs)
    peer_python = ensure_peer_venv()
    log("our app (briefing serve, one worker)")
    runs, info = bench_ours(dbs)
    log("ceiling (raw ASGI, same bytes as the hot detail GET)")
    runs.append(bench_ceiling())
    big = max(SIZES)
    party = info["urls"][big]["list"].split("party=")[1].split("&")[0]
    log("Datasette")
    peer_runs, datasette_version = bench_datasette(peer_python, dbs[big], big, party)
    runs.extend(peer_runs)
    log("cold starts")
    cold = cold_starts(dbs[big])
    ratios, targets = evaluate(runs, info, cold)
    scenarios = {name: run_scenario(name, dbs) for name in SCENARIOS}
    for scenario in scenarios.values():  # their runs stay apart: the table and chart are the main phases'
        targets.extend(scenario.targets)
    results = {
        "timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {**machine(), "datasette": datasette_version},
        "random_seed": RANDOM_SEED,
        "synth_seconds": synth_seconds,
        "deep_pages": info["deep_pages"],
        "urls": info["urls"],
        "hot_detail_bytes": info.get("hot_detail_bytes"),
        "rss_mb": info["rss_mb"],
        "private_mb": info["private_mb"],
        "cold_start": cold,
        "runs": [asdict(r) for r in runs],
        "scenarios": {name: asdict(scenario) for name, scenario in scenarios.items()},
        "ratios": ratios,
        "targets": targets,
        "bench_seconds": round(time.perf_counter() - began, 1),
    }
    (BENCH / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    chart = subprocess.run(
        [str(peer_python), "-c", CHART, str(BENCH / "results.json"), str(BENCH / "chart.png")],
        capture_output=True,
        text=True,
        check=False,
    )
    if chart.returncode != 0:
        log(f"chart failed: {chart.stderr.strip()[-500:]}")
    lines = [
        table(runs),
        *(f"\nscenario {name}:\n{table(scenario.runs)}" for name, scenario in scenarios.items()),
        "",
        f"synthetic data set build, seconds (None = reused): {synth_seconds}",
        f"RSS MB after the runs: {info['rss_mb']}; private (RssAnon): {info['private_mb']}",
        f"cold start (median of {COLD_STARTS}): ours {cold['ours_median_s']}s, "
        f"bare FastAPI {cold['bare_fastapi_median_s']}s",
        "ratios: " + ", ".join(f"{k}={v}" for k, v in ratios.items()),
        "",
        *(
            f"{'PASS' if t['ok'] else 'FAIL'}  {t['target']}: {t['value']} (limit {t['limit']})"
            for t in targets
        ),
    ]
    printed = "\n".join(lines)
    print()
    print(printed)
    update_readme(results, printed)
    print(f"\nbench took {results['bench_seconds']}s; wrote bench/results.json, chart.png and README.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
