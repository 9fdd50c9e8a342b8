"""Schemathesis (pinned) against a live server: every check, examples + coverage + fuzzing, fixed seed."""

from __future__ import annotations

import re

import pytest

from scripts.schemathesis_run import run
from tests.conftest import postgres_url_or_skip

MAX_EXAMPLES = 25
SEED = 20250612


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_schemathesis_finds_no_failures(backend: str, postgres_status: str | None) -> None:
    database_url = postgres_url_or_skip(postgres_status) if backend == "postgresql" else None
    result = run(max_examples=MAX_EXAMPLES, seed=SEED, database_url=database_url)
    summary = re.search(r"(\d+) generated, (.*)", result.stdout)
    print(f"schemathesis on {backend}: {summary.group(0) if summary else result.stdout[-2000:]}")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    assert summary is not None
    assert int(summary.group(1)) > 500, "too few cases ran to mean anything"
    for phase in ("Examples", "Coverage", "Fuzzing"):
        assert f"✅ {phase}" in result.stdout, f"phase {phase} did not pass"
