"""A live server per backend (uvicorn in a thread), Node.js tools and a headless Chromium.

Outside CI, without Chromium or Node.js these tests are skipped, loudly (a line in the summary); under CI
(``CI=true``) they fail instead, as the OpenAPI lint does without Node.js.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

from app.main import create_app
from app.settings import PROJECT_ROOT
from tests.conftest import Database

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CLIENT_DIR = PROJECT_ROOT / "clients" / "typescript"
CHROMIUM = os.environ.get("BRIEFING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_skipped: list[str] = []


def unavailable(reason: str) -> None:
    """Skip loudly, or fail under CI, where every browser and client test must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser and TypeScript client tests")
    if reason not in _skipped:
        _skipped.append(reason)
    pytest.skip(f"SKIPPED: {reason}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for reason in _skipped:
        terminalreporter.write_line(f"reader/client tests SKIPPED: {reason}", yellow=True, bold=True)


@pytest.fixture(scope="session")
def live_server(shared_db: Database) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, over the shared seeded database of the backend."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(shared_db.settings), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def node_client() -> Path:
    """clients/typescript with its pinned packages installed (``npm ci`` when the lock is newer)."""
    for command in ("node", "npm"):
        if shutil.which(command) is None:
            unavailable(f"'{command}' is not on PATH (install Node.js >= 20.19 with npm)")
    installed = CLIENT_DIR / "node_modules" / ".package-lock.json"
    lock = CLIENT_DIR / "package-lock.json"
    if not installed.exists() or lock.stat().st_mtime > installed.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=CLIENT_DIR,
            check=True,
            timeout=600,
        )
    return CLIENT_DIR


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (whose own browser downloads are impossible here).

    Per module, not per session: while Playwright's sync API is started, its event loop counts as running
    in this thread, and the suite's asyncio tests could not start theirs."""
    if not Path(CHROMIUM).exists():
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set BRIEFING_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (make .venv/bin/.dev-installed)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
