"""Logging plumbing for the hot path: access records made cheaply, and lines formatted and written off
the event loop, in batches.

Profiled on a cached GET, the standard path (``Logger.info`` making a record, then the handler
formatting it and writing and flushing one line) was about 40% of the request's CPU time. Here:

- ``log_access`` makes the access record from a prepared template and hands it to the logger's handlers
  (``Logger.handle``): handlers, filters and levels work as usual, only the per-record set-up is skipped.
  When the only handler it would reach is a ``BatchingStreamHandler`` without filters (the service's own
  set-up), it makes no record at all: the handler queues the line's parts, and its formatter makes the
  line from them in the writer thread (``app.logs.FieldsFormatter.format_parts``).
- ``BatchingStreamHandler`` queues records; a background thread formats and writes them in order, many
  lines per write, at most ``FLUSH_SECONDS`` later (a warning or error wakes it at once). ``flush()``
  (called at exit by ``logging.shutdown``) writes everything pending; a process killed with SIGKILL loses
  at most the last ``FLUSH_SECONDS`` of lines.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple, TextIO

FLUSH_SECONDS = 0.05
MAX_PENDING = 10_000
"""Past this many pending records (the writer starved of CPU), the caller writes them itself."""

_TEMPLATE = logging.LogRecord("app.access", logging.INFO, "", 0, "request", (), None).__dict__
Access = tuple[float, str, dict[str, Any]]
"""An access line's parts: its time, logger name and fields."""


class LineParts(NamedTuple):
    """What a log line is made of: a record's time, level name, logger name, message, fields (its extras)
    and traceback."""

    created: float
    levelname: str
    name: str
    message: str
    fields: dict[str, Any]
    traceback: str | None = None


def log_access(logger: logging.Logger, fields: dict[str, Any]) -> None:
    """What ``logger.info("request", extra={"fields": fields})`` does, for a logger of no caller info.

    When the line can only go to one ``BatchingStreamHandler`` (no filter on the logger or the handler, no
    other handler: the service's own configuration), no record is made: the handler queues the line's
    parts and its formatter makes the line from them, in the writer thread."""
    now = time.time()
    handler = _only_handler(logger)
    if handler is not None:
        handler.enqueue((now, logger.name, fields))
        return
    logger.handle(_record(now, logger.name, fields))


def _record(created: float, name: str, fields: dict[str, Any]) -> logging.LogRecord:
    record = logging.LogRecord.__new__(logging.LogRecord)
    attributes = _TEMPLATE.copy()
    attributes["name"] = name
    attributes["created"] = created
    attributes["msecs"] = (created - int(created)) * 1000
    attributes["fields"] = fields
    record.__dict__ = attributes
    return record


def _only_handler(logger: logging.Logger) -> BatchingStreamHandler | None:
    """The one handler an INFO record of ``logger`` would reach (as ``Logger.handle`` finds them), if it is a
    ``BatchingStreamHandler`` without filters whose formatter can format parts, and nothing else would."""
    if logger.disabled or logger.filters:
        return None
    found = None
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            if (
                found is not None
                or type(handler) is not BatchingStreamHandler
                or handler.filters
                or handler.level > logging.INFO
                or not callable(getattr(handler.formatter, "format_parts", None))
            ):
                return None
            found = handler
        current = current.parent if current.propagate else None
    return found


class BatchingStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.queue: deque[logging.LogRecord | Access] = deque()
        self.write_lock = threading.Lock()
        self.writer = _writer()
        self.writer.add(self)

    def _format_access(self, created: float, name: str, fields: dict[str, Any]) -> str:
        format_access: Callable[[float, str, dict[str, Any]], str] | None = getattr(
            self.formatter, "format_access", None
        )
        if format_access is not None:
            return format_access(created, name, fields)
        format_parts: Callable[[LineParts], str] | None = getattr(self.formatter, "format_parts", None)
        if format_parts is not None:
            return format_parts(LineParts(created, "INFO", name, "request", fields))
        return self.format(_record(created, name, fields))  # the formatter was changed since

    def handle(self, record: logging.LogRecord) -> bool:
        """``Handler.handle`` without its lock: ``emit`` only appends to a deque, which is thread-safe."""
        accepted = self.filter(record)
        if accepted:
            # From Python 3.12 a filter may return a replacement record.
            self.emit(accepted if isinstance(accepted, logging.LogRecord) else record)
        return accepted

    def emit(self, record: logging.LogRecord) -> None:
        self.queue.append(record)  # deque appends are atomic: the writer thread takes no handler lock
        if len(self.queue) >= MAX_PENDING:
            self.flush()
        elif record.levelno >= logging.WARNING:
            self.writer.wake.set()

    def enqueue(self, access: Access) -> None:
        """An INFO access line's parts (``log_access``), made into a line by the formatter when written."""
        self.queue.append(access)
        if len(self.queue) >= MAX_PENDING:
            self.flush()

    def flush(self) -> None:
        with self.write_lock:
            lines = []
            while self.queue:
                item = self.queue.popleft()
                try:
                    if isinstance(item, tuple):
                        lines.append(self._format_access(*item) + self.terminator)
                    else:
                        lines.append(self.format(item) + self.terminator)
                except Exception:
                    self.handleError(item if isinstance(item, logging.LogRecord) else _record(*item))
            if lines:
                try:
                    self.stream.write("".join(lines))
                    self.stream.flush()
                except (OSError, ValueError):  # a closed or broken stream: the lines cannot go anywhere
                    pass


class _Writer:
    """One daemon thread per process flushing every live ``BatchingStreamHandler``."""

    def __init__(self) -> None:
        self.handlers: weakref.WeakSet[BatchingStreamHandler] = weakref.WeakSet()
        self.wake = threading.Event()
        threading.Thread(target=self._run, name="log-writer", daemon=True).start()

    def add(self, handler: BatchingStreamHandler) -> None:
        self.handlers.add(handler)

    def _run(self) -> None:
        while True:
            self.wake.wait(FLUSH_SECONDS)
            self.wake.clear()
            for handler in list(self.handlers):
                if handler.queue:
                    handler.flush()


_writer_lock = threading.Lock()
_writers: list[_Writer] = []


def _writer() -> _Writer:
    with _writer_lock:
        if not _writers:
            _writers.append(_Writer())
        return _writers[0]
