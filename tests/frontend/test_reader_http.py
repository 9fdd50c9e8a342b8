"""The reader's files as HTTP serves them (no browser needed): routes, CSP, types, compression, budget."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from app.api.routers.reader import READER_HTML
from tests.conftest import BACKENDS, BRIEFING_ID, DOCUMENT_ID, SeededTemplates, make_client

pytestmark = pytest.mark.anyio

ASSETS = ["/static/reader/reader.css", "/static/reader/reader.js", "/static/reader/search.js"]
# Everything the reader requests in the browser tests (tests/frontend/test_reader_browser.py): its page,
# assets, the API reads of reader.js and search.js (the search the tests type), and an unknown briefing.
READER_READS = [
    "/",
    f"/briefings/{BRIEFING_ID}",
    *ASSETS,
    "/v1/briefings?limit=1",
    f"/v1/briefings/{BRIEFING_ID}",
    f"/v1/documents/{DOCUMENT_ID}/text",
    "/v1/briefings/no-such-briefing",
    "/v1/search?q=Istanbul&limit=20",
]


@pytest.mark.parametrize("path", ["/", f"/briefings/{BRIEFING_ID}", "/briefings/anything"])
async def test_reader_routes_serve_the_page_with_a_strict_csp(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.content == READER_HTML.read_bytes()
    csp = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert "unsafe" not in response.headers["content-security-policy"]


async def test_the_api_keeps_its_own_csp(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/briefings/{BRIEFING_ID}")
    assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_the_html_has_nothing_inline_and_nothing_external() -> None:
    html = READER_HTML.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert "<style" not in html, "inline style"
    assert " style=" not in html, "inline style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    for url in re.findall(r'(?:src|href|action)="([^"]+)"', html):
        assert url.startswith(("/", "#", "data:")), url


@pytest.mark.parametrize("path", ASSETS)
async def test_assets_are_typed_cached_and_compressed(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    kind = "text/css" if path.endswith(".css") else "javascript"
    assert kind in response.headers["content-type"]
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["etag"]
    assert int(response.headers["content-length"]) < 20_000


def test_modules_reach_only_the_same_origin() -> None:
    for path in ASSETS:
        source = (READER_HTML.parent / path.rsplit("/", 1)[1]).read_text(encoding="utf-8")
        assert "://" not in re.sub(r"//.*|/\*[\s\S]*?\*/", "", source), (
            path
        )  # no absolute URL outside comments
        assert "innerHTML" not in source
        assert "eval(" not in source


async def test_the_reader_reads_the_same_bytes_on_both_backends(
    seeded_templates: SeededTemplates, tmp_path: Path
) -> None:
    """Why the browser tests run on SQLite only: every response the reader gets there (status, type and
    body) is the same on PostgreSQL, so the page cannot behave differently."""
    answers: dict[str, list[tuple[str, int, str, bytes]]] = {}
    for backend in BACKENDS:
        (tmp_path / backend).mkdir()
        with seeded_templates.copy(backend, tmp_path / backend) as database:
            async with make_client(database.settings) as client:
                answers[backend] = []
                for path in READER_READS:
                    response = await client.get(path, headers={"Accept-Encoding": "gzip"})
                    kind = response.headers["content-type"]
                    answers[backend].append((path, response.status_code, kind, response.content))
    statuses = {path: status for path, status, _, _ in answers["sqlite"]}
    assert statuses == {path: 404 if "no-such" in path else 200 for path in READER_READS}
    assert len(answers["sqlite"][-1][3]) > 500  # the search finds something
    assert answers["sqlite"] == answers["postgresql"]
