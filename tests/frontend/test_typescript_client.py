"""The TypeScript client (clients/typescript): generated types match openapi.json, everything compiles
under ``tsc --strict`` (the reader's modules too, against the same types), and its live test passes
against a running server on each backend."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _run(client: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=client, capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})}
    )


def test_generated_types_match_openapi_json(node_client: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "schema.d.ts"
    result = _run(
        node_client, "node_modules/.bin/openapi-typescript", "../../openapi.json", "--output", str(fresh)
    )
    assert result.returncode == 0, result.stderr
    committed = (node_client / "src" / "schema.d.ts").read_text(encoding="utf-8")
    assert fresh.read_text(encoding="utf-8") == committed, "regenerate with: make client"


@pytest.fixture(scope="session")
def compiled(node_client: Path) -> subprocess.CompletedProcess[str]:
    """``tsc --strict`` of the client and its test into dist/, once per session."""
    return _run(node_client, "node_modules/.bin/tsc", "-p", "tsconfig.json")


def test_client_and_reader_compile_strict(
    node_client: Path, compiled: subprocess.CompletedProcess[str]
) -> None:
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    reader = _run(node_client, "node_modules/.bin/tsc", "-p", "tsconfig.reader.json")
    assert reader.returncode == 0, reader.stdout + reader.stderr


def test_live_client_against_the_server(
    node_client: Path, compiled: subprocess.CompletedProcess[str], live_server: str
) -> None:
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    result = _run(node_client, "node", "--test", "dist/test/", env={"BRIEFING_BASE_URL": live_server})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 4" in result.stdout, result.stdout
    assert "# fail 0" in result.stdout, result.stdout
