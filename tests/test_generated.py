"""One drift test for every generated file: each committed file is exactly what ``make generate`` writes."""

from __future__ import annotations

import pytest

from app.generate import GENERATED
from app.settings import PROJECT_ROOT


@pytest.mark.parametrize("name", list(GENERATED))
def test_generated_file_is_current(name: str) -> None:
    committed = (PROJECT_ROOT / name).read_text(encoding="utf-8")
    assert committed == GENERATED[name](), f"{name} is stale: run `make generate` and commit it"
