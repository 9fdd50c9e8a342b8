"""Run Schemathesis (pinned, every check, examples + coverage + fuzzing phases, fixed seed) against a live
server started as ``make run`` starts it, on a scratch database. ``make test`` runs a bounded pass through
``tests/api/test_schemathesis.py``; ``make fuzz`` runs a longer one.

    python -m scripts.schemathesis_run [--max-examples N] [--seed S] [--database-url URL]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from scripts.harness.databases import scratch_environment
from scripts.harness.processes import PROJECT_ROOT, Server, make_env, prepare_database

PHASES = "examples,coverage,fuzzing"


def run(*, max_examples: int, seed: int, database_url: str | None) -> subprocess.CompletedProcess[str]:
    with scratch_environment(database_url, "briefing_st") as (data_dir, url):
        env = make_env(data_dir=data_dir, database_url=url)
        prepare_database(env)
        with Server(env).start() as server:
            command = [
                str(Path(sys.executable).parent / "st"),
                "run",
                f"http://127.0.0.1:{server.port}/openapi.json",
                "--checks",
                "all",
                "--phases",
                PHASES,
                "--seed",
                str(seed),
                "--max-examples",
                str(max_examples),
                "--no-color",
                "--workers",  # one: Hypothesis in threads trips a CPython 3.11 AST race
                "1",
            ]
            return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20250612)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    result = run(max_examples=args.max_examples, seed=args.seed, database_url=args.database_url)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
