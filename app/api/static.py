"""``/static``: the vendored documentation assets, served from disk with conditional and range requests.

The directory is fixed at start. Each file gets a strong ETag (a hash of its bytes) and a gzip variant
(its own strong ETag), both prepared once in a background thread at start: nothing is compressed on the
event loop, and until a file's variant is ready it is served uncompressed. Bodies are read from disk in a
worker thread per request and never kept by the response cache, and the query string is ignored, so
``?v=N`` cache-busting URLs are one resource, not a new entry each.

Preconditions follow RFC 9110 §13.2.2: ``If-Match`` (strong comparison; ``412`` when none matches), then
``If-None-Match`` (weak comparison; ``304``), then ``Range`` with ``If-Range``: one byte range of the
uncompressed file is answered ``206`` when ``If-Range`` is absent or names the current strong ETag, and
the whole file (``200``) otherwise; a range past the end is ``416``. Several ranges get the whole file.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from app.api.middleware.representation import accepts_gzip, header
from app.api.problems import ProblemType, send_problem

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
Headers = list[tuple[bytes, bytes]]


@dataclass(slots=True)
class Asset:
    path: Path
    size: int
    etag: bytes
    content_type: bytes
    gzipped: bytes | None = None

    @property
    def gzip_etag(self) -> bytes:
        return self.etag[:-1] + b'-gzip"'


def _strong_match(condition: bytes, etag: bytes) -> bool:
    if condition.strip() == b"*":
        return True
    return any(tag.strip() == etag and not etag.startswith(b"W/") for tag in condition.split(b","))


def _weak_match(condition: bytes, etag: bytes) -> bool:
    if condition.strip() == b"*":
        return True
    return any(tag.strip().removeprefix(b"W/") == etag for tag in condition.split(b","))


def _byte_range(value: bytes, size: int) -> tuple[int, int] | bool | None:
    """(first, last) of a single satisfiable range; False when unsatisfiable; None to ignore it."""
    match = _RANGE.fullmatch(value.decode("latin-1").replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        return (max(size - length, 0), size - 1) if length > 0 and size > 0 else False
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None  # invalid: ignored, as RFC 9110 §14.2 allows
    return (start, end) if start < size else False


class StaticAssets:
    def __init__(self, directory: Path, *, cache_control: str) -> None:
        self.directory = directory.resolve()
        self.cache_control = cache_control.encode()
        self.assets: dict[str, Asset] | None = None
        self.lock = threading.Lock()
        self.prepare_lock = threading.Lock()
        self.prepared = False

    def prepare(self) -> dict[str, Asset]:
        """Index every file, then make the gzip variants (in a thread: at start, or for the first request
        when no start-up ran); once per process."""
        with self.prepare_lock:
            assets = self._index()
            if not self.prepared:
                for asset in assets.values():
                    if asset.content_type.startswith((b"text/", b"application/javascript")):
                        asset.gzipped = gzip.compress(asset.path.read_bytes(), compresslevel=9, mtime=0)
                self.prepared = True
            return assets

    def _index(self) -> dict[str, Asset]:
        with self.lock:
            if self.assets is None:
                assets = {}
                for path in sorted(self.directory.rglob("*")):
                    if path.is_file():
                        data = path.read_bytes()
                        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
                        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                        if content_type.startswith("text/") or content_type == "application/javascript":
                            content_type += "; charset=utf-8"
                        assets["/" + path.relative_to(self.directory).as_posix()] = Asset(
                            path, len(data), f'"{digest}"'.encode(), content_type.encode()
                        )
                self.assets = assets
            return self.assets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in {"GET", "HEAD"}:
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        assets = (
            self.assets if self.prepared and self.assets else await anyio.to_thread.run_sync(self.prepare)
        )
        asset = assets.get(scope["path"].removeprefix(scope.get("root_path", "")))
        if asset is None:
            raise HTTPException(404)
        range_header = header(scope, b"range") if scope["method"] == "GET" else None
        use_gzip = asset.gzipped is not None and range_header is None and accepts_gzip(scope)
        etag = asset.gzip_etag if use_gzip else asset.etag
        headers: Headers = [
            (b"etag", etag),
            (b"cache-control", self.cache_control),
            (b"accept-ranges", b"bytes"),
            (b"vary", b"Accept-Encoding"),
        ]
        if_match = header(scope, b"if-match")
        if if_match is not None and not _strong_match(if_match, etag):
            await _problem(
                send, scope, ProblemType.PRECONDITION_FAILED, "the If-Match condition does not hold"
            )
            return
        if_none_match = header(scope, b"if-none-match")
        if if_none_match is not None and _weak_match(if_none_match, etag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-type", asset.content_type))
        if range_header is not None:
            if_range = header(scope, b"if-range")
            wanted = _byte_range(range_header, asset.size)
            if if_range is None or (_strong_match(if_range, asset.etag) and if_range.strip() != b"*"):
                if wanted is False:
                    await _problem(
                        send,
                        scope,
                        ProblemType.RANGE_NOT_SATISFIABLE,
                        "the range is past the end of the file",
                        [(b"content-range", f"bytes */{asset.size}".encode())],
                    )
                    return
                if isinstance(wanted, tuple):
                    first, last = wanted
                    body = await anyio.to_thread.run_sync(_read, asset.path, first, last + 1 - first)
                    headers.append((b"content-range", f"bytes {first}-{last}/{asset.size}".encode()))
                    await _send(send, 206, headers, body)
                    return
        if use_gzip and asset.gzipped is not None:
            headers.append((b"content-encoding", b"gzip"))
            await _send(send, 200, headers, asset.gzipped, head=scope["method"] == "HEAD")
            return
        if scope["method"] == "HEAD":
            await _send(send, 200, headers, b"", length=asset.size, head=True)
            return
        body = await anyio.to_thread.run_sync(asset.path.read_bytes)
        await _send(send, 200, headers, body)


def _read(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as file:
        file.seek(offset)
        return file.read(length)


async def _send(
    send: Send, status: int, headers: Headers, body: bytes, *, length: int | None = None, head: bool = False
) -> None:
    size = len(body) if length is None else length
    headers = [*headers, (b"content-length", str(size).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def _problem(
    send: Send, scope: Scope, kind: ProblemType, detail: str, headers: Headers | None = None
) -> None:
    head = scope["method"] == "HEAD"
    await send_problem(send, kind, detail, instance=scope["path"], head=head, headers=headers)
