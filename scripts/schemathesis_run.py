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
import os
import queue
import re
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator
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
    replay_on: Server | None = None,
) -> tuple[subprocess.CompletedProcess[str], Replay | None]:
    """One Schemathesis run (``database_url`` and ``prepared`` as for ``serving``); ``har``: also record
    every request and response there (HAR, with the exact bytes); ``replay_on``: replay each recorded
    request on that server (``replay``) as soon as the run has written it, so that the replay ends with
    the run instead of starting after it."""
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
        elif replay_on is not None:
            raise ValueError("a replay needs the run's recording (har)")
        with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
            process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=_direct_env(), stdout=stdout, stderr=stderr, text=True
            )
            try:
                replayed = None
                if har is not None and replay_on is not None:
                    replayed = replay(har_entries(har, process), replay_on)
                process.wait()
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            stdout.seek(0)
            stderr.seek(0)
            result = subprocess.CompletedProcess(command, process.returncode, stdout.read(), stderr.read())
        return result, replayed


def _direct_env() -> dict[str, str]:
    """The environment, with the server's address among the hosts reached without a proxy: requests (under
    Schemathesis) otherwise looks for proxy settings in every environment variable twice a request, a fifth
    of its CPU per request (0.3-0.5 ms)."""
    bypassed = os.environ.get("no_proxy") or os.environ.get("NO_PROXY")
    return {**os.environ, "no_proxy": f"{HOST},{bypassed}" if bypassed else HOST}


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


_ENTRIES = '"entries": ['
_BETWEEN_ENTRIES = " \t\r\n,"


def har_entries(har: Path, writer: subprocess.Popen[str] | None = None) -> Iterator[dict[str, Any]]:
    """The entries of a HAR file, each as soon as it is written whole while ``writer`` (the process writing
    the file) runs: HAR writers, Schemathesis' among them, write a run's entries one after the other
    between a preamble and the closing brackets. Ends at the closing bracket of the entries, or when the
    writer has exited and the file holds no more (a run that crashed: its count of entries says so)."""
    decoder = json.JSONDecoder()
    with contextlib.ExitStack() as stack:
        file = None
        text, position = "", -1  # -1: the entries have not begun
        while True:
            exited = writer is None or writer.poll() is not None
            if file is None and har.exists():
                file = stack.enter_context(har.open(encoding="utf-8"))
            chunk = file.read() if file is not None else ""
            text += chunk
            if position < 0 and (start := text.find(_ENTRIES)) >= 0:
                position = start + len(_ENTRIES)
            while position >= 0:
                while position < len(text) and text[position] in _BETWEEN_ENTRIES:
                    position += 1
                if text.startswith("]", position):
                    return
                try:
                    entry, position = decoder.raw_decode(text, position)
                except json.JSONDecodeError:  # not written whole yet
                    break
                yield entry
            if position > 0:
                text, position = text[position:], 0
            if not chunk:
                if exited:
                    return
                time.sleep(0.05)


def replay(entries: Iterable[dict[str, Any]], server: Server, *, connections: int = 2) -> Replay:
    """Send every request of a recorded run (HAR entries) to ``server`` as it was sent, and compare each
    answer with the recorded one (``_difference``).

    The client is the standard library's ``http.client``, the layer under requests (which Schemathesis
    uses): the same request line and header lines reach the server, for half the client's CPU (requests
    adds a session, adapters, a cookie jar and hooks to every request). ``connections`` kept-alive
    connections share the requests, so that the server always has a request to answer while a client
    reads or compares the previous one: no request depends on another (requests never write, and a
    cached answer is the same bytes as a fresh one: ``tests/api/test_hits.py``)."""
    pending: queue.SimpleQueue[tuple[int, dict[str, Any]] | None] = queue.SimpleQueue()
    found: dict[int, str | None] = {}

    def send() -> None:
        connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
        try:
            while (item := pending.get()) is not None:
                index, entry = item
                request = entry["request"]
                found[index] = _difference(request, entry["response"], _exchange(connection, request))
        finally:
            connection.close()

    sent = 0
    with ThreadPoolExecutor(connections) as pool:
        senders = [pool.submit(send) for _ in range(connections)]
        try:
            for entry in entries:
                if entry["request"]["bodySize"] not in (0, -1):
                    url = entry["request"]["url"]
                    raise ValueError(f"a recorded request with a body cannot be replayed: {url}")
                pending.put((sent, entry))
                sent += 1
        finally:
            for _ in senders:
                pending.put(None)
        for sender in senders:
            sender.result()
    differences = [difference for _, difference in sorted(found.items()) if difference]
    return Replay(sent=sent, differences=differences)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20250612)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--har", type=Path, default=None, help="record every request and response here")
    args = parser.parse_args()
    result, _ = run(
        max_examples=args.max_examples, seed=args.seed, database_url=args.database_url, har=args.har
    )
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
