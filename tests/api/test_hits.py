"""The cache-hit path (``app.api.middleware.hits``) answers exactly as the full stack does.

Each request is sent twice to a warm cache: once with the hit path switched off (every layer runs, the
representation layer serves the stored bytes) and once with it on. Status, headers (but ``Date`` and a
generated request id), body and the access line (but the request id and duration) must be the same, and
the hit path must have answered the requests it is meant to answer and left the others to the full stack.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.api.middleware.hits import ARRIVAL, Arrivals, CacheHitMiddleware, SharedVersionReads
from tests.api.test_cache import serving
from tests.conftest import BRIEFING_ID, Database

pytestmark = pytest.mark.anyio

DETAIL = "/v1/parties/russia"
LIST = "/v1/positions?limit=20"
GZIP = {"Accept-Encoding": "gzip"}
ORIGIN = "https://reader.example"

Case = tuple[str, str, dict[str, str]]


def cases(etag_detail: str, etag_list: str) -> list[tuple[Case, bool]]:
    """(method, URL, headers) and whether the hit path answers it."""
    return [
        (("GET", DETAIL, {}), True),
        (("HEAD", DETAIL, {}), True),
        (("GET", DETAIL, {"X-Request-ID": "client-chosen.id-1"}), True),
        (("GET", DETAIL, {"X-Request-ID": "not a valid id"}), True),  # a new one instead
        (("GET", DETAIL, {"User-Agent": 'probe "1.0"'}), True),  # in the access line
        (("GET", DETAIL, {"If-None-Match": etag_detail}), True),  # 304
        (("HEAD", DETAIL, {"If-None-Match": etag_detail}), True),
        (("GET", DETAIL, {"If-None-Match": '"other", W/"x"'}), True),  # 200
        (("GET", LIST, {}), True),
        (("GET", LIST, {"Accept-Encoding": "identity"}), True),
        (("GET", LIST, GZIP), True),
        (("HEAD", LIST, GZIP), True),
        (("GET", LIST, {**GZIP, "If-None-Match": etag_list}), True),  # 304
        (("GET", LIST, {"Accept": "application/json"}), True),
        (("GET", "/v1/positions?limit=+20&&", {}), True),  # the same canonical key
        (("GET", f"/v1/briefings/{BRIEFING_ID}", GZIP), True),
        (("GET", "/v1/parties/no-such-party", {}), True),  # a cached 404
        (("GET", "/openapi.json", GZIP), True),
        (("GET", DETAIL, {"Host": "evil.example"}), True),  # to the full stack when hosts are listed
        # To the full stack:
        (("GET", LIST, {"Accept": "text/csv"}), False),  # an export
        (("GET", DETAIL, {"Origin": ORIGIN}), False),
        (("GET", DETAIL, {"Origin": "https://elsewhere.example"}), False),
        (("GET", DETAIL, {"Range": "bytes=0-9"}), False),
        (("GET", DETAIL, {"Range": "bytes=0-9", "If-Range": etag_detail}), False),
        (("GET", DETAIL, {"If-Match": '"nope"'}), False),  # 412
        (("GET", DETAIL, {"If-Match": "*"}), False),
        (("GET", DETAIL, {"If-Modified-Since": "Thu, 01 Jan 2099 00:00:00 GMT"}), False),
        (("GET", DETAIL, {"If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}), False),
        (("GET", "/v1/positions?party=%D1%80ussia&limit=20", {}), False),  # percent-escapes
        (("GET", "/v1/positions?limit=20&nope=1", {}), False),  # no canonical form: a 400
        (("GET", "/v1/positions?limit=20&x=" + "a" * 17_000, {}), False),  # a 414
        (("GET", "/healthz", {}), False),
        (("POST", DETAIL, {}), False),
    ]


def hits_of(app: FastAPI) -> CacheHitMiddleware:
    layer: Any = app.middleware_stack
    assert isinstance(layer, CacheHitMiddleware)
    return layer


def comparable(response: httpx.Response, case: Case) -> tuple[int, list[tuple[str, str]], bytes, bool]:
    """Status, headers but the date and request id, body, and whether the request id sent was echoed."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k not in {"date", "x-request-id"}]
    echoed = response.headers["x-request-id"] == case[2].get("X-Request-ID")
    return response.status_code, headers, response.content, echoed


class AccessLines(logging.Handler):
    """The access lines' fields, but the request id and duration."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        fields = record.__dict__.get("fields")
        if isinstance(fields, dict):
            self.lines.append({k: v for k, v in fields.items() if k not in {"request_id", "duration_ms"}})

    def take(self) -> list[dict[str, Any]]:
        lines, self.lines = self.lines, []
        return lines


@pytest.mark.parametrize("guarded", [False, True], ids=["defaults", "cors-and-trusted-hosts"])
async def test_hits_are_answered_as_the_full_stack_answers(shared_db: Database, guarded: bool) -> None:
    overrides: dict[str, Any] = {"log_level": "INFO"}  # make run's level: an access line per request
    if guarded:
        overrides |= {"cors_origins": [ORIGIN], "trusted_hosts": ["testserver"]}
    access = logging.getLogger("app.access")
    level = logging.getLogger().level
    lines = AccessLines()
    async with serving(shared_db, **overrides) as (client, app):
        access.addHandler(lines)
        detail = await client.get(DETAIL)
        listed = await client.get(LIST, headers=GZIP)
        hits = hits_of(app)
        all_cases = cases(detail.headers["etag"], listed.headers["etag"])
        hits.enabled = False
        for (method, url, headers), _ in all_cases:  # warm: every entry and gzip variant made
            await client.request(method, url, headers=headers)
        lines.take()
        for case, answered_by_hits in all_cases:
            method, url, headers = case
            hits.enabled = False
            full = await client.request(method, url, headers=headers)
            full_log = lines.take()
            hits.enabled = True
            served = hits.served
            fast = await client.request(method, url, headers=headers)
            fast_log = lines.take()
            assert comparable(fast, case) == comparable(full, case), case
            assert fast_log == full_log, case
            assert len(fast_log) == 1, case
            expected = answered_by_hits and not (guarded and headers.get("Host") == "evil.example")
            assert hits.served == served + expected, case
        assert detail.status_code == 200
        assert listed.headers["content-encoding"] == "gzip"
    access.removeHandler(lines)
    logging.getLogger().setLevel(level)  # the tests' own level (conftest.QUIET) for the tests after this one


async def test_a_304_and_a_gzip_body_from_the_hit_path(shared_db: Database) -> None:
    """Not only equal to the full stack: right."""
    async with serving(shared_db) as (client, app):
        first = await client.get(DETAIL)
        await client.get(LIST, headers=GZIP)  # the gzip variant is made on the first gzip request
        served = hits_of(app).served
        again = await client.get(DETAIL, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == first.headers["etag"]
        assert again.headers["vary"] == "Accept-Encoding, Origin"
        gzipped = await client.get(LIST, headers=GZIP)
        assert gzipped.headers["content-encoding"] == "gzip"
        assert gzipped.headers["vary"] == "Accept-Encoding, Accept, Origin"
        assert gzipped.json()["items"]  # httpx decodes it
        head = await client.head(DETAIL)
        assert head.content == b""
        assert head.headers["content-length"] == first.headers["content-length"]
        assert hits_of(app).served == served + 3


async def test_a_version_read_is_shared_only_by_requests_that_arrived_before_it() -> None:
    reads: list[str] = []
    current = ["v1"]

    async def read() -> str:
        reads.append(current[0])
        return current[0]

    shared = SharedVersionReads(read)
    Arrivals.last += 2
    first, second = Arrivals.last - 1, Arrivals.last
    assert await shared({ARRIVAL: first}) == "v1"  # reads: both had arrived
    assert await shared({ARRIVAL: second}) == "v1"  # shares it
    current[0] = "v2"  # a re-seed commits; the next request arrives after it
    Arrivals.last += 1
    assert await shared({ARRIVAL: Arrivals.last}) == "v2"
    assert await shared({}) == "v2"  # no arrival number (an in-process client): always its own read
    assert reads == ["v1", "v2", "v2"]
