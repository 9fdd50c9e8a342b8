"""Schemathesis (pinned) against a live server: every check, examples + coverage + fuzzing, fixed seed.

Schemathesis runs on SQLite, recording every request and response (HAR); each recorded request is sent, as
soon as the run has written it, to a server on PostgreSQL, which must answer it byte for byte as the SQLite
server did (but for the clock, request ids and the time the data set was loaded). The PostgreSQL server so
passes every check the SQLite one passed, on the same 3,600 cases, and the two backends are shown to agree
on all of them, at a fraction of the cost of generating the same cases again (generation is most of a run),
and in the run's time: the replay ends with it.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.schemathesis_run import Replay, run, serving
from tests.conftest import SeededTemplates, postgres_url_or_skip

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 10
"""Per operation, in the examples and fuzzing phases (the coverage phase's cases do not depend on it): every
operation and every check still runs, about 3,600 cases over 44 operations. ``make fuzz`` runs 500. Most of a
run's cost is generation, not HTTP: the coverage phase draws boundary values, and a string of exactly
``maxLength`` characters that also matches a pattern of alternatives took 70% of it, which is why name lists
are bounded by their pattern alone (``app.db.filters.comma_pattern``)."""
SEED = 20250612
SUMMARY = re.compile(r"(\d+) generated, (.*)")


@dataclass
class Runs:
    result: subprocess.CompletedProcess[str]
    har: Path
    replayed: Replay | None
    """On PostgreSQL; ``None`` when PostgreSQL is unreachable."""


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory,
    seeded_templates: SeededTemplates,
    postgres_status: str | None,
) -> Iterator[Runs]:
    """The Schemathesis run on SQLite (a copy of the seeded template), its recording, and its replay on
    PostgreSQL (a copy of that template), made while it runs."""
    har = tmp_path_factory.mktemp("schemathesis") / "run.har"
    with contextlib.ExitStack() as stack:
        sqlite = stack.enter_context(seeded_templates.copy("sqlite", tmp_path_factory.mktemp("sqlite")))
        postgresql = None
        if postgres_status is None:
            database = stack.enter_context(
                seeded_templates.copy("postgresql", tmp_path_factory.mktemp("postgresql"))
            )
            postgresql = stack.enter_context(serving(database.settings.resolved_database_url, prepared=True))
        result, replayed = run(
            max_examples=MAX_EXAMPLES,
            seed=SEED,
            database_url=sqlite.settings.resolved_database_url,
            prepared=True,
            har=har,
            replay_on=postgresql,
        )
        yield Runs(result, har, replayed)


def test_schemathesis_finds_no_failures_sqlite(runs: Runs) -> None:
    result = runs.result
    summary = SUMMARY.search(result.stdout)
    print(f"schemathesis on sqlite: {summary.group(0) if summary else result.stdout[-2000:]}")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    assert summary is not None
    assert int(summary.group(1)) > 1000, "too few cases ran to mean anything"
    for phase in ("Examples", "Coverage", "Fuzzing"):
        assert f"✅ {phase}" in result.stdout, f"phase {phase} did not pass"
    assert runs.har.stat().st_size > 0


def test_postgresql_answers_every_case_as_sqlite_does(runs: Runs, postgres_status: str | None) -> None:
    if runs.replayed is None:
        postgres_url_or_skip(postgres_status)
    found = runs.replayed
    assert found is not None
    summary = SUMMARY.search(runs.result.stdout)
    assert summary is not None, runs.result.stdout[-2000:]
    print(f"replayed on postgresql: {found.sent} requests, {len(found.differences)} answered differently")
    assert found.sent == int(summary.group(1)), "every generated case is replayed"
    assert not found.differences, "\n".join(found.differences[:20])
