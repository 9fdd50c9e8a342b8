"""SIGKILL ``briefing seed`` at random moments and prove the database is never left half-swapped.

    python -m scripts.kill_seed --runs 20 [--database-url URL] [--random-seed N] [--max-delay 1.5]

Version A is the real seeds/; version B is a copy whose every position summary ends with " (B)". Each run
starts ``briefing seed`` towards the other version, SIGKILLs it after a random delay (seeded RNG, printed),
inspects the database (it must hold exactly A or exactly B, complete: dataset.version, every table's row
count and every position summary of that version), then runs the seed to completion and checks it.
SQLite by default (a temp data dir); with --database-url, a scratch database on that PostgreSQL server.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scripts._server import (
    SEEDS_DIR,
    Version,
    briefing_bin,
    database_url_of,
    expected_version,
    inspect_database,
    make_b_seeds,
    make_env,
    prepare_database,
    run_briefing,
    scratch_environment,
)


@dataclass(frozen=True)
class RunResult:
    run: int
    target: str
    delay: float
    exited_before_kill: bool
    after_kill: str  # "old", "new" or "corrupt"
    problems: list[str]
    completed: bool
    completion_problems: list[str]

    @property
    def ok(self) -> bool:
        return self.after_kill in {"old", "new"} and self.completed


def kill_seed_once(
    env: Mapping[str, str], url: str, versions: dict[str, Version], *, target: str, current: str, delay: float
) -> tuple[bool, str, list[str]]:
    """Start ``briefing seed`` towards ``target``, SIGKILL it after ``delay`` s, and classify the database."""
    process = subprocess.Popen(
        [briefing_bin(), "seed"],
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(delay)
    exited = process.poll() is not None
    if not exited:
        process.send_signal(signal.SIGKILL)
    process.wait(30)
    label, problems = inspect_database(url, list(versions.values()))
    if label == current:
        return exited, "old", problems
    if label == target:
        return exited, "new", problems
    return exited, "corrupt", problems


def complete_seed(env: Mapping[str, str], url: str, versions: dict[str, Version], target: str) -> list[str]:
    result = run_briefing(["seed"], env, check=False)
    if result.returncode != 0:
        return [f"seed exited {result.returncode}: {result.stderr.strip()[-500:]}"]
    label, problems = inspect_database(url, list(versions.values()))
    if label != target:
        return [f"after a completed seed the database holds {label}, expected {target}", *problems]
    return []


def run_all(
    *,
    runs: int,
    data_dir: Path,
    database_url: str | None,
    rng: random.Random,
    max_delay: float,
    log: bool = True,
    prepare: bool = True,
) -> list[RunResult]:
    """Seed A, then ``runs`` kill/inspect/complete cycles alternating towards B and back to A."""
    b_dir = make_b_seeds(data_dir / "seeds-b")
    dirs = {"A": SEEDS_DIR, "B": b_dir}
    versions = {"A": expected_version("A", SEEDS_DIR), "B": expected_version("B", b_dir)}
    url = database_url_of(data_dir, database_url)
    if prepare:  # migrate and seed version A (callers with a seeded database may skip it)
        prepare_database(make_env(data_dir=data_dir, database_url=database_url, seeds_dir=SEEDS_DIR))
    label, problems = inspect_database(url, list(versions.values()))
    if label != "A":
        raise RuntimeError(f"initial seed did not give version A: {label} {problems}")
    if log:
        print(
            f"version A {versions['A'].version[:12]}  version B {versions['B'].version[:12]}  "
            f"({url.split('@')[-1]})"
        )
    current = "A"
    results: list[RunResult] = []
    for run in range(1, runs + 1):
        target = "B" if current == "A" else "A"
        env = make_env(data_dir=data_dir, database_url=database_url, seeds_dir=dirs[target])
        delay = round(rng.uniform(0, max_delay), 3)
        exited, after_kill, problems = kill_seed_once(
            env, url, versions, target=target, current=current, delay=delay
        )
        completion = complete_seed(env, url, versions, target)
        result = RunResult(run, target, delay, exited, after_kill, problems, not completion, completion)
        results.append(result)
        current = target if not completion else current
        if log:
            source = "A" if target == "B" else "B"
            state = {"old": f"old ({source})", "new": f"new ({target})"}.get(after_kill, "CORRUPT")
            note = " (seed had already exited)" if exited else ""
            done = "complete" if not completion else "COMPLETION FAILED"
            print(
                f"run {run:>2}: {source}->{target}  kill after {delay:.3f}s  -> {state}{note}; re-seed {done}"
            )
            for problem in problems + completion:
                print(f"        {problem}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", help="a PostgreSQL URL; a scratch database is created on it")
    parser.add_argument(
        "--random-seed", type=int, default=int(os.environ.get("KILL_SEED_RANDOM_SEED", "20250612"))
    )
    parser.add_argument("--max-delay", type=float, default=1.5, help="seconds (default 1.5)")
    args = parser.parse_args(argv)
    print(f"random seed {args.random_seed}; kill delays uniform in [0, {args.max_delay}] s")
    rng = random.Random(args.random_seed)
    with scratch_environment(args.database_url, "briefing-killseed") as (data_dir, database_url):
        results = run_all(
            runs=args.runs, data_dir=data_dir, database_url=database_url, rng=rng, max_delay=args.max_delay
        )
    outcomes = Counter(r.after_kill for r in results)
    exited = sum(r.exited_before_kill for r in results)
    failed = [r for r in results if not r.ok]
    print(
        f"summary: {len(results)} runs: {outcomes['old']} old, {outcomes['new']} new "
        f"({exited} of them had exited before the kill), {outcomes['corrupt']} mixed/corrupt; "
        f"{sum(r.completed for r in results)} re-seeds completed"
    )
    print("PASS" if not failed else f"FAIL: runs {', '.join(str(r.run) for r in failed)}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
