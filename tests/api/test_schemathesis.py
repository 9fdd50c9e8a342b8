"""Schemathesis (pinned) against a live server: every check, examples + coverage + fuzzing, fixed seed.

Schemathesis runs on SQLite, recording every request and response (HAR); the same requests are then sent
to a server on PostgreSQL, which must answer each one byte for byte as the SQLite server did (but for the
clock, request ids and the time the data set was loaded). The PostgreSQL server so passes every check the
SQLite one passed, on the same 3,600 cases, and the two backends are shown to agree on all of them, at a
fraction of the cost of generating the same cases again (generation is most of a run).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.schemathesis_run import replay, run, serving
from tests.conftest import SeededTemplates

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 10
"""Per operation, in the examples and fuzzing phases (the coverage phase's cases do not depend on it): every
operation and every check still runs, about 3,600 cases over 44 operations. ``make fuzz`` runs 500. Most of a
run's cost is generation, not HTTP: the coverage phase draws boundary values, and a string of exactly
``maxLength`` characters that also matches a pattern of alternatives took 70% of it, which is why name lists
are bounded by their pattern alone (``app.db.filters.comma_pattern``)."""
SEED = 20250612
SUMMARY = re.compile(r"(\d+) generated, (.*)")


@pytest.fixture(scope="module")
def sqlite_run(
    tmp_path_factory: pytest.TempPathFactory, seeded_templates: SeededTemplates
) -> Iterator[tuple[subprocess.CompletedProcess[str], Path]]:
    """The Schemathesis run on SQLite (a copy of the seeded template) and its recording."""
    tmp = tmp_path_factory.mktemp("schemathesis")
    with seeded_templates.copy("sqlite", tmp) as database:
        url = database.settings.resolved_database_url
        yield (
            run(max_examples=MAX_EXAMPLES, seed=SEED, database_url=url, prepared=True, har=tmp / "run.har"),
            tmp / "run.har",
        )


def test_schemathesis_finds_no_failures_sqlite(
    sqlite_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, har = sqlite_run
    summary = SUMMARY.search(result.stdout)
    print(f"schemathesis on sqlite: {summary.group(0) if summary else result.stdout[-2000:]}")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    assert summary is not None
    assert int(summary.group(1)) > 1000, "too few cases ran to mean anything"
    for phase in ("Examples", "Coverage", "Fuzzing"):
        assert f"✅ {phase}" in result.stdout, f"phase {phase} did not pass"
    assert har.stat().st_size > 0


def test_postgresql_answers_every_case_as_sqlite_does(
    sqlite_run: tuple[subprocess.CompletedProcess[str], Path],
    seeded_templates: SeededTemplates,
    tmp_path: Path,
) -> None:
    result, har = sqlite_run
    summary = SUMMARY.search(result.stdout)
    assert summary is not None, result.stdout[-2000:]
    with (
        seeded_templates.copy("postgresql", tmp_path) as database,
        serving(database.settings.resolved_database_url, prepared=True) as server,
    ):
        found = replay(har, server)
    print(f"replayed on postgresql: {found.sent} requests, {len(found.differences)} answered differently")
    assert found.sent == int(summary.group(1)), "every generated case is replayed"
    assert not found.differences, "\n".join(found.differences[:20])
