"""Reference servers for the benchmark, served exactly as ``briefing serve`` serves the app.

- ``raw_app``: the ceiling, a minimal raw ASGI app answering every request with fixed bytes (the hot
  detail GET's body, read from the file named by ``BENCH_CEILING_BODY``) and the same content type.
- ``bare_fastapi``: FastAPI with one route (``/healthz``), the reference for cold start.

``python -m bench.ceiling raw|bare --port P`` runs one of them with the uvicorn options of
``app.cli._serve`` (uvloop and httptools via "auto", one worker, no access log, no server header).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.responses import Response

from app.cli import SERVER_OPTIONS

_BODY_FILE = os.environ.get("BENCH_CEILING_BODY")
BODY = Path(_BODY_FILE).read_bytes() if _BODY_FILE else b'{"status":"ok"}'
_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())],
}
_BODY = {"type": "http.response.body", "body": BODY}


async def raw_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send(_START)
    await send(_BODY)


bare_fastapi = FastAPI()


@bare_fastapi.get("/healthz")
async def healthz() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("app", choices=["raw", "bare"])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        "bench.ceiling:raw_app" if args.app == "raw" else "bench.ceiling:bare_fastapi",
        host="127.0.0.1",
        port=args.port,
        workers=1,
        **SERVER_OPTIONS,
    )


if __name__ == "__main__":
    main()
