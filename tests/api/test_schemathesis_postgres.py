"""Schemathesis against a live server on PostgreSQL (the SQLite run and the checks: test_schemathesis.py)."""

from __future__ import annotations

import pytest

from tests.api.test_schemathesis import check_schemathesis
from tests.conftest import postgres_url_or_skip


@pytest.mark.slow
def test_schemathesis_finds_no_failures_postgresql(postgres_status: str | None) -> None:
    check_schemathesis("postgresql", postgres_url_or_skip(postgres_status))
