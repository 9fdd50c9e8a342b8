"""``python -m bench.uncached [ROWS ...]``: every request hits the database (response cache off).

Our app (``briefing serve`` with ``BRIEFING_RESPONSE_CACHE_ENTRIES=0`` and, where the setting exists,
``BRIEFING_RESPONSE_CACHE_BYTES=0``) on the synthetic data sets of ``bench.run`` (default 1k and 100k
rows), wrk ``-t2 -c16 -d8s``: the first list page, the list filtered by the busiest party, a detail, a
page about 50 pages deep and the whole briefing; then Datasette 0.65.5 ``--immutable`` on the largest
file with the same two list pages (``positions.json?_size=50`` and ``?party_id=…&_size=50``). Prints
the table, the ratios against Datasette and p50(largest)/p50(smallest), and writes
``bench/work/uncached.json``.

``python -m bench.uncached --pairs N [ROWS]``: on a shared machine, where one sequential run compares
servers measured minutes apart, the two list pages alternately on ours and on Datasette (both started
once, on the largest file), N rounds; prints each pair and the median ratios of req/s and of server CPU
time per request; writes ``bench/work/uncached-pairs.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import statistics
import sys
from dataclasses import asdict
from pathlib import Path

from bench import run
from bench.cache import cpu_seconds
from scripts.harness.wrk import ensure_wrk

CONNECTIONS = 16
ENDPOINTS = ("list", "filtered", "deep", "detail", "briefing")


def busiest_party(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        row = connection.execute(
            "SELECT party_id FROM positions GROUP BY party_id ORDER BY count(*) DESC, party_id LIMIT 1"
        ).fetchone()
    return str(row[0])


def main(sizes: tuple[int, ...]) -> int:
    run.WORK.mkdir(parents=True, exist_ok=True)
    run.WRK_CONNECTIONS = CONNECTIONS
    ensure_wrk()
    peer_python = run.ensure_peer_venv()
    dbs = {rows: run.ensure_synthetic(rows)[0] for rows in sizes}
    off = {"BRIEFING_RESPONSE_CACHE_ENTRIES": "0", "BRIEFING_RESPONSE_CACHE_BYTES": "0"}
    runs: list[run.Measurement] = []
    urls: dict[int, dict[str, str]] = {}
    for rows, db in dbs.items():
        party = busiest_party(db)
        with run.our_app(db, f"uncached-{rows}", **off) as server:
            urls[rows] = {
                "list": "/v1/positions?limit=50",
                "filtered": f"/v1/positions?party={party}&limit=50",
                "deep": run.deep_page(server.base_url, "/v1/positions?limit=50", 50)[0],
                "detail": f"/v1/positions/position-{rows // 2}",
                "briefing": "/v1/briefings/synthetic-briefing-1",
            }
            run.warm(server.base_url, list(urls[rows].values()), times=5)
            for endpoint in ENDPOINTS:
                url = server.base_url + urls[rows][endpoint]
                runs.append(run.wrk(url, server="ours", variant="uncached", rows=rows, endpoint=endpoint))
    big, small = max(sizes), min(sizes)
    party = busiest_party(dbs[big])
    name = dbs[big].stem
    command = run.datasette_command(peer_python, dbs[big])
    peer = {
        "list": f"/{name}/positions.json?_size=50",
        "filtered": f"/{name}/positions.json?party_id={party}&_size=50",
    }
    with run.serving("datasette-uncached", command, dict(os.environ), "/-/versions.json") as server:
        run.warm(server.base_url, list(peer.values()), times=5)
        for endpoint, path in peer.items():
            runs.append(
                run.wrk(
                    server.base_url + path,
                    server="datasette",
                    variant="immutable",
                    rows=big,
                    endpoint=endpoint,
                )
            )

    def find(server: str, rows: int, endpoint: str) -> run.Measurement:
        return next(r for r in runs if (r.server, r.rows, r.endpoint) == (server, rows, endpoint))

    ratios = {
        f"{endpoint}_vs_datasette": round(
            find("ours", big, endpoint).rps / find("datasette", big, endpoint).rps, 2
        )
        for endpoint in peer
    }
    if big != small:
        for endpoint in ENDPOINTS:
            ratios[f"p50_{big}_over_{small}_{endpoint}"] = round(
                find("ours", big, endpoint).p50_ms / find("ours", small, endpoint).p50_ms, 2
            )
    print(run.table(runs))
    print("ratios: " + ", ".join(f"{k}={v}" for k, v in ratios.items()))
    out = {"urls": urls, "runs": [asdict(r) for r in runs], "ratios": ratios, "connections": CONNECTIONS}
    (run.WORK / "uncached.json").write_text(json.dumps(out, indent=2) + "\n")
    return 0


def measured(url: str, pid: int, server: str, rows: int, endpoint: str) -> dict[str, float]:
    before = cpu_seconds(pid)
    result = run.wrk(url, server=server, variant="pairs", rows=rows, endpoint=endpoint)
    cpu = cpu_seconds(pid) - before
    return {"rps": result.rps, "cpu_us_per_request": round(cpu / max(result.requests, 1) * 1e6, 1)}


def pairs(rows: int, rounds: int) -> int:
    run.WORK.mkdir(parents=True, exist_ok=True)
    run.WRK_CONNECTIONS = CONNECTIONS
    ensure_wrk()
    peer_python = run.ensure_peer_venv()
    db = run.ensure_synthetic(rows)[0]
    party = busiest_party(db)
    off = {"BRIEFING_RESPONSE_CACHE_ENTRIES": "0", "BRIEFING_RESPONSE_CACHE_BYTES": "0"}
    mine = {"list": "/v1/positions?limit=50", "filtered": f"/v1/positions?party={party}&limit=50"}
    theirs = {
        "list": f"/{db.stem}/positions.json?_size=50",
        "filtered": f"/{db.stem}/positions.json?party_id={party}&_size=50",
    }
    command = run.datasette_command(peer_python, db)
    results: list[dict[str, object]] = []
    with (
        run.our_app(db, f"pairs-{rows}", **off) as ours,
        run.serving("datasette-pairs", command, dict(os.environ), "/-/versions.json") as peer,
    ):
        run.warm(ours.base_url, list(mine.values()), times=5)
        run.warm(peer.base_url, list(theirs.values()), times=5)
        for round_ in range(rounds):
            for endpoint in mine:
                a = measured(ours.base_url + mine[endpoint], ours.pid, "ours", rows, endpoint)
                b = measured(peer.base_url + theirs[endpoint], peer.pid, "datasette", rows, endpoint)
                pair = {
                    "round": round_,
                    "endpoint": endpoint,
                    "ours": a,
                    "datasette": b,
                    "rps_ratio": round(a["rps"] / b["rps"], 2),
                    "cpu_ratio": round(b["cpu_us_per_request"] / a["cpu_us_per_request"], 2),
                    "load": round(os.getloadavg()[0], 1),
                }
                print(json.dumps(pair))
                results.append(pair)
    medians = {
        f"{endpoint}_{kind}": statistics.median(
            float(str(r[kind])) for r in results if r["endpoint"] == endpoint
        )
        for endpoint in mine
        for kind in ("rps_ratio", "cpu_ratio")
    }
    print("median ratios: " + ", ".join(f"{k}={v}" for k, v in medians.items()))
    out = {"rows": rows, "rounds": rounds, "pairs": results, "medians": medians}
    (run.WORK / "uncached-pairs.json").write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--pairs"]:
        raise SystemExit(pairs(int(sys.argv[3]) if len(sys.argv) > 3 else 100_000, int(sys.argv[2])))
    raise SystemExit(main(tuple(int(a) for a in sys.argv[1:]) or (1_000, 100_000)))
