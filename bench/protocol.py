"""``python -m bench.run --protocol``: what the request-head guard (``app.protocol``) costs on the hot path.

In one run (three rounds, the order alternated), wrk loads the hot cached detail GET of the app served
with the guarded protocol and with uvicorn's stock httptools protocol, next to the raw-ASGI ceiling (stock
protocol, the same bytes). The ratios to the ceiling are what to compare; absolute numbers move
with the machine's load. Prints a table and writes ``bench/work/protocol.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from dataclasses import asdict

import httpx

from bench.run import (
    PYTHON,
    WORK,
    Measurement,
    app_env,
    ensure_synthetic,
    log,
    serving,
    warm,
    wrk,
)
from scripts.harness.wrk import ensure_wrk

ROWS = 1_000
ROUNDS = 3
DETAIL = f"/v1/positions/position-{ROWS // 2}"


def serve(protocol: str, port: int) -> None:
    """Serve the app as ``briefing serve`` does, with the guarded or the stock protocol."""
    import uvicorn

    from app.cli import SERVER_OPTIONS
    from app.protocol import GuardedHttpToolsProtocol

    http: object = GuardedHttpToolsProtocol if protocol == "guarded" else "httptools"
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=1,
        http=http,  # type: ignore[arg-type]
        **SERVER_OPTIONS,
    )


def measure() -> int:
    WORK.mkdir(parents=True, exist_ok=True)
    ensure_wrk()
    db, _ = ensure_synthetic(ROWS)
    runs: list[Measurement] = []
    body_file = WORK / "protocol-hot-detail.json"
    for round_ in range(ROUNDS):
        for protocol in ("stock", "guarded") if round_ % 2 == 0 else ("guarded", "stock"):
            command = [str(PYTHON), "-m", "bench.protocol", "serve", protocol, "--port", "{port}"]
            with serving(f"protocol-{protocol}", command, app_env(db), "/readyz") as server:
                warm(server.base_url, [DETAIL])
                body_file.write_bytes(httpx.get(server.base_url + DETAIL).content)
                runs.append(
                    wrk(
                        server.base_url + DETAIL,
                        server="ours",
                        variant=protocol,
                        rows=ROWS,
                        endpoint="detail",
                    )
                )
        env = dict(os.environ, BENCH_CEILING_BODY=str(body_file))
        command = [str(PYTHON), "-m", "bench.ceiling", "raw", "--port", "{port}"]
        with serving("protocol-ceiling", command, env, "/") as server:
            warm(server.base_url, ["/"], times=10)
            runs.append(
                wrk(server.base_url + "/", server="ceiling", variant="raw-asgi", rows=None, endpoint="detail")
            )
        log(f"round {round_ + 1} of {ROUNDS} done")
    ratios: dict[str, list[float]] = {"stock": [], "guarded": []}
    for round_ in range(ROUNDS):
        measured = {r.variant: r for r in runs[3 * round_ : 3 * round_ + 3]}
        for protocol in ratios:
            ratios[protocol].append(round(measured[protocol].rps / measured["raw-asgi"].rps, 3))
    result = {
        "runs": [asdict(r) for r in runs],
        "ratio_to_ceiling": ratios,
        "median": {k: statistics.median(v) for k, v in ratios.items()},
    }
    (WORK / "protocol.json").write_text(json.dumps(result, indent=2) + "\n")
    print("\nhot cached detail GET / raw-ASGI ceiling, per round:")
    for protocol, values in ratios.items():
        print(f"  {protocol:8} {values}  median {statistics.median(values)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.protocol")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve")
    run.add_argument("protocol", choices=["stock", "guarded"])
    run.add_argument("--port", type=int, required=True)
    sub.add_parser("measure")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.protocol, args.port)
        return 0
    return measure()


if __name__ == "__main__":
    sys.exit(main())
