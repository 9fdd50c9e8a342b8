"""SIGKILL ``briefing seed`` at chosen moments and prove the database is never left half-swapped.

    python -m scripts.kill_seed --runs 20 [--aim] [--database-url URL] [--random-seed N] [--max-delay 1.5]

Version A is the real seeds/; version B is a copy whose every position summary ends with " (B)". Each run
starts a traced ``briefing seed`` towards the other version and SIGKILLs it: after a random delay from
launch (seeded RNG, printed) or, with ``--aim``, at moments aimed across the seed's measured timeline so
that most kills land inside the write transaction. The tracer in the killed process tells whether the
kill came before, during or after that transaction. The database must then hold exactly A or exactly B,
complete (dataset.version, every table's row count and every position summary of that version), and the
new version only if the kill came during or after the transaction; then the seed is run to completion
and checked. SQLite by default (a temp data dir); with --database-url, a scratch database on that
PostgreSQL server. ``scripts.faults`` check (h) is this script with ``--aim``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scripts.harness.databases import database_url_of, scratch_environment
from scripts.harness.processes import SEEDS_DIR, make_env, prepare_database, run_briefing
from scripts.harness.seed_trace import kill_traced_seed, measure_seed_timeline
from scripts.harness.seed_versions import Version, expected_version, inspect_database, make_b_seeds

# What the database may hold after a kill, by where the kill landed relative to the write transaction.
ALLOWED = {"before": {"old"}, "during": {"old", "new"}, "after": {"new"}, "exited": {"new"}}


@dataclass(frozen=True)
class RunResult:
    run: int
    target: str
    delay: float
    after_begin: bool
    """True when ``delay`` counts from the seed's BEGIN, False from its launch."""
    phase: str  # "before", "during", "after" (the transaction) or "exited" (before the kill)
    after_kill: str  # "old", "new" or "corrupt"
    problems: list[str]
    completed: bool
    completion_problems: list[str]

    @property
    def exited_before_kill(self) -> bool:
        return self.phase == "exited"

    @property
    def ok(self) -> bool:
        return self.after_kill in ALLOWED[self.phase] and self.completed


@dataclass
class Aim:
    """Where kills are aimed. Without a timeline: uniform in [0, ``max_delay``] s from launch (or from the
    seed's BEGIN, with ``after_begin``). With one (``aimed``), 1 run in 4 draws from launch over
    [0, committed + 0.3 s] and the others wait for the seed's BEGIN and draw from [0, 1.25 x the measured
    transaction length]."""

    max_delay: float = 1.5
    timeline: dict[str, float] | None = None
    after_begin: bool = False

    def draw(self, run: int, rng: random.Random) -> tuple[float, bool]:
        if self.timeline is None:
            return round(rng.uniform(0, self.max_delay), 3), self.after_begin
        after_begin = run % 4 != 1
        transaction = self.timeline["committed"] - self.timeline["begin"]
        window = 1.25 * transaction if after_begin else self.timeline["committed"] + 0.3
        return round(rng.uniform(0, window), 3), after_begin


def classify(label: str, *, current: str, target: str) -> str:
    return "old" if label == current else "new" if label == target else "corrupt"


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
    max_delay: float = 1.5,
    aim: bool = False,
    after_begin: bool = False,
    log: bool = True,
    prepare: bool = True,
) -> list[RunResult]:
    """Seed A, then ``runs`` kill/inspect/complete cycles alternating towards B and back to A.

    ``after_begin`` (without ``aim``): each kill comes ``max_delay`` s at most after the seed's BEGIN, inside
    its write transaction, rather than after its launch (a second or more before BEGIN)."""
    b_dir = make_b_seeds(data_dir / "seeds-b")
    dirs = {"A": SEEDS_DIR, "B": b_dir}
    versions = {"A": expected_version("A", SEEDS_DIR), "B": expected_version("B", b_dir)}
    url = database_url_of(data_dir, database_url)
    trace = data_dir / "seed-trace"
    if prepare:  # migrate and seed version A (callers with a seeded database may skip it)
        prepare_database(make_env(data_dir=data_dir, database_url=database_url, seeds_dir=SEEDS_DIR))
    label, problems = inspect_database(url, list(versions.values()))
    if label != "A":
        raise RuntimeError(f"initial seed did not give version A: {label} {problems}")
    aiming = Aim(max_delay, after_begin=after_begin)
    if aim:  # one complete traced seed A->B measures the timeline; then back to A
        aiming.timeline = measure_seed_timeline(
            make_env(data_dir=data_dir, database_url=database_url, seeds_dir=b_dir), trace
        )
        run_briefing(["seed"], make_env(data_dir=data_dir, database_url=database_url))
    if log:
        print(
            f"version A {versions['A'].version[:12]}  version B {versions['B'].version[:12]}  "
            f"({url.split('@')[-1]})" + (f"; timeline {describe_timeline(aiming.timeline)}" if aim else "")
        )
    current = "A"
    results: list[RunResult] = []
    for run in range(1, runs + 1):
        target = "B" if current == "A" else "A"
        env = make_env(data_dir=data_dir, database_url=database_url, seeds_dir=dirs[target])
        delay, after_begin = aiming.draw(run, rng)
        phase = kill_traced_seed(env, trace, delay=delay, after_begin=after_begin)
        stored, problems = inspect_database(url, list(versions.values()))
        after_kill = classify(stored, current=current, target=target)
        completion = complete_seed(env, url, versions, target)
        result = RunResult(
            run, target, delay, after_begin, phase, after_kill, problems, not completion, completion
        )
        results.append(result)
        current = target if not completion else current
        if log:
            source = "A" if target == "B" else "B"
            state = {"old": f"old ({source})", "new": f"new ({target})"}.get(after_kill, "CORRUPT")
            done = "complete" if not completion else "COMPLETION FAILED"
            print(
                f"run {run:>2}: {source}->{target}  kill {delay:.3f}s after "
                f"{'BEGIN' if after_begin else 'launch'} ({phase} the transaction) -> {state}"
                f"{'' if result.ok else ' NOT ALLOWED'}; re-seed {done}",
                flush=True,
            )
            for problem in problems + completion:
                print(f"        {problem}")
    return results


def describe_timeline(timeline: dict[str, float] | None) -> str:
    if timeline is None:
        return "not measured"
    transaction = timeline["committed"] - timeline["begin"]
    return (
        f"launch->BEGIN {timeline['begin']:.3f}s, COMMIT sent {timeline['commit']:.3f}s, acknowledged "
        f"{timeline['committed']:.3f}s (transaction {transaction * 1000:.0f} ms), "
        f"exit {timeline['exit']:.3f}s"
    )


def summary(results: list[RunResult]) -> str:
    """Kills per phase, with what the database held after each."""
    outcomes = Counter((r.phase, r.after_kill) for r in results)
    phases = Counter(r.phase for r in results)
    return f"{len(results)} kills: " + ", ".join(
        f"{phase} {phases[phase]} ({outcomes[(phase, 'old')]} old/{outcomes[(phase, 'new')]} new/"
        f"{outcomes[(phase, 'corrupt')]} corrupt)"
        for phase in ("before", "during", "after", "exited")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--aim", action="store_true", help="aim the kills at the write transaction")
    parser.add_argument("--database-url", help="a PostgreSQL URL; a scratch database is created on it")
    parser.add_argument(
        "--random-seed", type=int, default=int(os.environ.get("KILL_SEED_RANDOM_SEED", "20250612"))
    )
    parser.add_argument("--max-delay", type=float, default=1.5, help="seconds from launch (default 1.5)")
    args = parser.parse_args(argv)
    how = "aimed at the write transaction" if args.aim else f"uniform in [0, {args.max_delay}] s"
    print(f"random seed {args.random_seed}; kill delays {how}")
    rng = random.Random(args.random_seed)
    with scratch_environment(args.database_url, "briefing-killseed") as (data_dir, database_url):
        results = run_all(
            runs=args.runs,
            data_dir=data_dir,
            database_url=database_url,
            rng=rng,
            max_delay=args.max_delay,
            aim=args.aim,
        )
    failed = [r for r in results if not r.ok]
    print(f"summary: {summary(results)}; {sum(r.completed for r in results)} re-seeds completed")
    print("PASS" if not failed else f"FAIL: runs {', '.join(str(r.run) for r in failed)}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
