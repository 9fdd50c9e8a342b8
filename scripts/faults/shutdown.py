"""(d) SIGTERM while a request is in flight: it completes, then the server exits by itself in time."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from scripts.faults.common import Report, describe, sqlite_lock, timed_get
from scripts.harness.processes import Server, make_env
from scripts.harness.seed_versions import BRIEFING_ID

GRACEFUL_TIMEOUT = 10.0  # `briefing serve` passes timeout_graceful_shutdown=10 to uvicorn
# A graceful exit: 0, or uvicorn >= 0.29 re-raising the SIGTERM it caught once it has drained (-15 as a
# Popen return code, 143 if a shell or wrapper reports it). SIGKILL (-9) would mean our stop() fallback.
GRACEFUL_EXIT_CODES = {0, -signal.SIGTERM, 128 + signal.SIGTERM}


def check_graceful_shutdown(report: Report, data_dir: Path, hold: float = 2.0) -> None:
    """A request held up ``hold`` s by a SQLite lock is in flight when SIGTERM arrives.

    It must complete with 200 and its body, and the server must exit by itself, after the request and
    within uvicorn's graceful timeout, with a graceful exit code.
    """
    env = make_env(data_dir=data_dir, extra={"BRIEFING_RESPONSE_CACHE_ENTRIES": "0"})
    db = data_dir / "briefing.sqlite3"
    with Server(env) as server:
        server.start()
        process = server.process
        assert process is not None
        box: dict[str, Any] = {}

        def fetch() -> None:
            with httpx.Client(base_url=server.base_url, timeout=30) as client:
                box["r"] = timed_get(client, f"/v1/briefings/{BRIEFING_ID}")
                box["done"] = time.monotonic()

        def watch() -> None:  # the exit time itself, not when we got round to looking
            box["code"] = process.wait()
            box["exited"] = time.monotonic()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        with sqlite_lock(db):
            fetcher = threading.Thread(target=fetch)
            fetcher.start()
            time.sleep(0.5)
            in_flight = fetcher.is_alive()
            sigterm_at = time.monotonic()
            server.terminate()
            time.sleep(hold - 0.5)
            exited_while_locked = "exited" in box
        fetcher.join(30)
        watcher.join(GRACEFUL_TIMEOUT + 10)
        code = box.get("code")
        exited_after = box["exited"] - sigterm_at if "exited" in box else None
    response, seconds, error = box.get("r", (None, 0.0, "no answer"))
    completed = (
        response is not None and response.status_code == 200 and response.json().get("id") == BRIEFING_ID
    )
    after_request = "exited" in box and "done" in box and box["exited"] >= box["done"]
    ok = (
        in_flight
        and completed
        and not exited_while_locked
        and after_request
        and code in GRACEFUL_EXIT_CODES
        and exited_after is not None
        and exited_after <= GRACEFUL_TIMEOUT + 1.0
    )
    report.check(
        "(d) SIGTERM during a slow in-flight request: it completes with 200, then a graceful exit in time",
        ok,
        f"request {describe(response, seconds, error)} (held ~{hold:.0f}s by a lock, in flight at SIGTERM: "
        f"{in_flight}, SIGTERM at 0.5s); server exit code {code} "
        + (f"{exited_after:.2f}s after SIGTERM" if exited_after is not None else "(no exit)")
        + (f", {box['exited'] - box['done']:.2f}s after the response" if after_request else "")
        + f" (graceful timeout {GRACEFUL_TIMEOUT:.0f}s, accepted codes {sorted(GRACEFUL_EXIT_CODES)})",
    )
