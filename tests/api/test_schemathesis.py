"""Schemathesis (pinned) against a live server: every check, examples + coverage + fuzzing, fixed seed.

The PostgreSQL run is in ``test_schemathesis_postgres.py``: a module of its own, so that the two runs (the
longest tests of the suite) go to different pytest-xdist workers (``make pytest`` deals whole modules).
"""

from __future__ import annotations

import re

import pytest

from scripts.schemathesis_run import run

MAX_EXAMPLES = 10
"""Per operation, in the examples and fuzzing phases (the coverage phase's cases do not depend on it): every
operation and every check still runs, about 3,600 cases over 44 operations. ``make fuzz`` runs 500. Most of a
run's cost is generation, not HTTP: the coverage phase draws boundary values, and a string of exactly
``maxLength`` characters that also matches a pattern of alternatives took 70% of it, which is why name lists
are bounded by their pattern alone (``app.db.filters.comma_pattern``)."""
SEED = 20250612


def check_schemathesis(backend: str, database_url: str | None) -> None:
    result = run(max_examples=MAX_EXAMPLES, seed=SEED, database_url=database_url)
    summary = re.search(r"(\d+) generated, (.*)", result.stdout)
    print(f"schemathesis on {backend}: {summary.group(0) if summary else result.stdout[-2000:]}")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    assert summary is not None
    assert int(summary.group(1)) > 1000, "too few cases ran to mean anything"
    for phase in ("Examples", "Coverage", "Fuzzing"):
        assert f"✅ {phase}" in result.stdout, f"phase {phase} did not pass"


@pytest.mark.slow
def test_schemathesis_finds_no_failures_sqlite() -> None:
    check_schemathesis("sqlite", None)
