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
import http.client
import json
import re
import subprocess
import sys
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scripts.harness.databases import scratch_environment
from scripts.harness.processes import HOST, PROJECT_ROOT, Server, make_env, prepare_database

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
            # No example database: a run is what its seed makes, whatever ran before on this machine. With
            # one (Schemathesis keeps it in .hypothesis/), each operation first replays cases saved by
            # earlier runs, and every case is weighed against a Pareto front kept to save more: a sixth of
            # a run's CPU, spent on cases that differ from one machine, or one run, to the next.
            "--generation-database",
            "none",
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


Answer = tuple[int, list[tuple[str, str]], bytes]
"""Status, header lines (name, value) as received, and the body as a client reads it (chunks joined, a
``gzip`` or ``deflate`` content-coding undone, as requests does and so as Schemathesis recorded it)."""


def _headers(pairs: list[tuple[str, str]], skip: frozenset[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in pairs:
        if name.lower() not in skip:
            found.setdefault(name.lower(), []).append(value)
    return found


def _decoded(headers: list[tuple[str, str]], body: bytes) -> bytes:
    codings = [value.strip().lower() for name, value in headers if name.lower() == "content-encoding"]
    coding = codings[0] if codings else ""
    if body and coding in ("gzip", "x-gzip"):
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if body and coding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:  # a raw deflate stream, without zlib's header
            return zlib.decompress(body, -zlib.MAX_WBITS)
    return body


def _send(connection: http.client.HTTPConnection, request: dict[str, Any], target: str) -> Answer:
    connection.putrequest(request["method"], target, skip_accept_encoding=True)
    for header in request["headers"]:
        connection.putheader(header["name"], header["value"])
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    headers = response.getheaders()
    if response.will_close:
        connection.close()
    return response.status, headers, _decoded(headers, body)


def _exchange(connection: http.client.HTTPConnection, request: dict[str, Any]) -> Answer:
    """One recorded request sent as it was (method, target and header lines; ``Host`` is this server's),
    on a kept-alive connection, opened again when the server had closed it."""
    parts = urlsplit(request["url"])
    target = request["url"].removeprefix(f"{parts.scheme}://{parts.netloc}")
    reused = connection.sock is not None
    try:
        return _send(connection, request, target)
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        connection.close()
        if not reused:
            raise
    return _send(connection, request, target)  # the server had closed the connection before this request


def _difference(request: dict[str, Any], expected: dict[str, Any], answer: Answer) -> str | None:
    """How ``answer`` differs from the recorded response, or ``None``: status, body bytes and headers, but
    for ``PER_SERVER_HEADERS`` (and ``loaded_at`` with what follows from it)."""
    status, header_lines, body = answer
    expected_body = base64.b64decode(expected["content"].get("text", ""))
    skip = PER_SERVER_HEADERS
    if body != expected_body and _LOADED_AT.sub(b"", body) == _LOADED_AT.sub(b"", expected_body):
        body, expected_body, skip = b"", b"", skip | _LOADED_AT_HEADERS
    headers = _headers(header_lines, skip)
    expected_headers = _headers([(h["name"], h["value"]) for h in expected["headers"]], skip)
    what = [
        *([f"status {expected['status']} -> {status}"] if status != expected["status"] else []),
        *(
            f"{name}: {expected_headers.get(name)} -> {headers.get(name)}"
            for name in sorted(set(headers) | set(expected_headers))
            if headers.get(name) != expected_headers.get(name)
        ),
        *([f"body {expected_body[:300]!r} -> {body[:300]!r}"] if body != expected_body else []),
    ]
    return f"{request['method']} {request['url']}: " + "; ".join(what) if what else None


def replay(har: Path, server: Server, *, connections: int = 2) -> Replay:
    """Send every request of a recorded run to ``server`` as it was sent, and compare each answer with the
    recorded one (``_difference``).

    The client is the standard library's ``http.client``, the layer under requests (which Schemathesis
    uses): the same request line and header lines reach the server, for half the client's CPU (requests
    adds a session, adapters, a cookie jar and hooks to every request). ``connections`` kept-alive
    connections share the requests (each sends its share in the recorded order), so that the server
    always has a request to answer while a client reads or compares the previous one: no request depends
    on another (requests never write, and a cached answer is the same bytes as a fresh one:
    tests/api/test_hits.py``)."""
    entries = json.loads(har.read_text())["log"]["entries"]
    for entry in entries:
        if entry["request"]["bodySize"] not in (0, -1):
            raise ValueError(f"a recorded request with a body cannot be replayed: {entry['request']['url']}")
    found: list[str | None] = [None] * len(entries)

    def send_share(share: int) -> None:
        connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
        try:
            for index in range(share, len(entries), connections):
                request, expected = entries[index]["request"], entries[index]["response"]
                found[index] = _difference(request, expected, _exchange(connection, request))
        finally:
            connection.close()

    with ThreadPoolExecutor(connections) as pool:
        for done in [pool.submit(send_share, share) for share in range(connections)]:
            done.result()
    return Replay(sent=len(entries), differences=[difference for difference in found if difference])


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
