"""Run Schemathesis (pinned, every check, examples + coverage + fuzzing phases, fixed seed) against a live
server started as ``make run`` starts it, on a scratch database; and replay a run's requests against another
server, which must answer every one of them byte for byte as the first did. ``make test`` runs a bounded
pass on SQLite through ``tests/api/test_schemathesis.py`` and replays it on PostgreSQL; ``make fuzz`` runs a
longer one.

    python -m scripts.schemathesis_run [--max-examples N] [--seed S] [--database-url URL] [--har PATH]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from scripts.harness.databases import scratch_environment
from scripts.harness.processes import PROJECT_ROOT, Server, make_env, prepare_database

PHASES = "examples,coverage,fuzzing"


@contextlib.contextmanager
def serving(database_url: str | None, *, prepared: bool = False) -> Iterator[Server]:
    """``briefing serve`` on a scratch database (``database_url``: a PostgreSQL server), migrated and
    seeded as ``make run`` does; ``prepared``: ``database_url`` is a seeded database to serve as it is."""
    if prepared:
        assert database_url is not None
        with (
            scratch_environment(None, "briefing_st") as (data_dir, _),
            Server(make_env(data_dir=data_dir, database_url=database_url)).start() as server,
        ):
            yield server
        return
    with scratch_environment(database_url, "briefing_st") as (data_dir, url):
        env = make_env(data_dir=data_dir, database_url=url)
        prepare_database(env)
        with Server(env).start() as server:
            yield server


def run(
    *,
    max_examples: int,
    seed: int,
    database_url: str | None,
    prepared: bool = False,
    har: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """One Schemathesis run (``database_url`` and ``prepared`` as for ``serving``); ``har``: also record
    every request and response there (HAR, with the exact bytes)."""
    with serving(database_url, prepared=prepared) as server:
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
        if har is not None:
            command += ["--report", "har", "--report-har-path", str(har), "--report-preserve-bytes"]
            command += ["--output-sanitize", "false"]
        return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)


PER_SERVER_HEADERS = frozenset({"date", "x-request-id", "last-modified"})
"""Headers that differ between any two servers: the clock, a fresh id per request, and the time the data
set was loaded (``Last-Modified``)."""
_LOADED_AT = re.compile(rb'"loaded_at":"[^"]*"')
"""``/v1/meta`` says when the data set was loaded: its body, and so its ``ETag`` and length, differ there."""
_LOADED_AT_HEADERS = frozenset({"etag", "content-length"})


@dataclass
class Replay:
    """What a replay found: how many requests were sent, and each one answered differently."""

    sent: int = 0
    differences: list[str] = field(default_factory=list)


def _headers(
    pairs: list[dict[str, str]] | list[tuple[str, str]], skip: frozenset[str]
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for pair in pairs:
        name, value = (pair["name"], pair["value"]) if isinstance(pair, dict) else pair
        if name.lower() not in skip:
            found.setdefault(name.lower(), []).append(value)
    return found


def replay(har: Path, server: Server) -> Replay:
    """Send every request of a recorded run to ``server`` as it was sent (same method, target and headers,
    through the HTTP stack Schemathesis uses), and compare each answer with the recorded one: status, body
    bytes and headers, but for ``PER_SERVER_HEADERS`` (and ``loaded_at`` with what follows from it)."""
    found = Replay()
    session = requests.Session()
    # Not from the environment: no proxy for 127.0.0.1, and requests would otherwise scan every
    # environment variable for proxy settings on each request (a third of the replay's CPU).
    session.trust_env = False
    for entry in json.loads(har.read_text())["log"]["entries"]:
        request, expected = entry["request"], entry["response"]
        if request["bodySize"] not in (0, -1):
            raise ValueError(f"a recorded request with a body cannot be replayed: {request['url']}")
        parts = urlsplit(request["url"])
        prepared = requests.PreparedRequest()
        prepared.method = request["method"]
        prepared.url = server.base_url + request["url"].removeprefix(f"{parts.scheme}://{parts.netloc}")
        prepared.headers = requests.structures.CaseInsensitiveDict(
            {h["name"]: h["value"] for h in request["headers"]}
        )
        prepared.body = None
        response = session.send(prepared, allow_redirects=False)
        found.sent += 1
        body = response.content
        expected_body = base64.b64decode(expected["content"].get("text", ""))
        skip = PER_SERVER_HEADERS
        if body != expected_body and _LOADED_AT.sub(b"", body) == _LOADED_AT.sub(b"", expected_body):
            body, expected_body, skip = b"", b"", skip | _LOADED_AT_HEADERS
        headers = _headers(list(response.raw.headers.items()), skip)
        expected_headers = _headers(expected["headers"], skip)
        what = [
            *(
                [f"status {expected['status']} -> {response.status_code}"]
                if response.status_code != expected["status"]
                else []
            ),
            *(
                f"{name}: {expected_headers.get(name)} -> {headers.get(name)}"
                for name in sorted(set(headers) | set(expected_headers))
                if headers.get(name) != expected_headers.get(name)
            ),
            *([f"body {expected_body[:300]!r} -> {body[:300]!r}"] if body != expected_body else []),
        ]
        if what:
            found.differences.append(f"{request['method']} {request['url']}: " + "; ".join(what))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20250612)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--har", type=Path, default=None, help="record every request and response here")
    args = parser.parse_args()
    result = run(max_examples=args.max_examples, seed=args.seed, database_url=args.database_url, har=args.har)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
