"""Logging on stderr (stdlib logging, no extra dependency): one JSON object per line, or with
``BRIEFING_LOG_JSON=false`` a line a person reads, e.g.
``2026-11-26T03:44:55.123Z INFO  GET /v1/rounds?party=russia 200 2.1ms 1834B request_id=… data_version=…``."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import orjson

from app.log_writer import BatchingStreamHandler, LineParts

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


_MILLISECONDS = [f".{ms:03d}Z" for ms in range(1000)]
"""Each millisecond's text, made once (formatting an integer with a width is slow, and this is per line)."""


class _UtcTime:
    _second = -1
    _second_text = ""
    _last: tuple[int, str] = (-1, "")
    """The last line's millisecond (since the epoch) and its text: many lines share a millisecond."""

    def _time(self, created: float) -> str:
        millisecond = int(created * 1000)
        last, text = self._last
        if millisecond == last:
            return text
        second = millisecond // 1000
        if second != self._second:  # strftime once per second, not once per line
            self._second, self._second_text = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        text = self._second_text + _MILLISECONDS[millisecond - second * 1000]
        self._last = (millisecond, text)
        return text


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    """A record's ``fields`` extra (a dict, as the access log passes), or its other extra attributes."""
    fields = record.__dict__.get("fields")
    if isinstance(fields, dict):
        return fields
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD}


class FieldsFormatter(_UtcTime, logging.Formatter):
    """A formatter that makes a line from a record's parts (``format_parts``), so that a line can also be
    made without a record (``app.log_writer.log_access``)."""

    def format(self, record: logging.LogRecord) -> str:
        trace = self.formatException(record.exc_info) if record.exc_info else None
        return self.format_parts(
            LineParts(
                record.created, record.levelname, record.name, record.getMessage(), _extras(record), trace
            )
        )

    def format_parts(self, parts: LineParts) -> str:
        raise NotImplementedError


class JsonFormatter(FieldsFormatter):
    """One JSON object per record, its extras merged in."""

    def format_access(self, created: float, name: str, fields: dict[str, Any]) -> str:
        """An access line (an INFO record whose message is "request"), without making its ``LineParts``."""
        return self._line(created, "info", name, "request", fields, None)

    def format_parts(self, parts: LineParts) -> str:
        level = parts.levelname.lower()
        return self._line(parts.created, level, parts.name, parts.message, parts.fields, parts.traceback)

    def _line(
        self, created: float, level: str, name: str, message: str, fields: dict[str, Any], trace: str | None
    ) -> str:
        entry = {"time": self._time(created), "level": level, "logger": name, "message": message, **fields}
        if trace is not None:
            entry["traceback"] = trace
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(FieldsFormatter):
    """A line a person reads: time, level, then for an access record ``METHOD path?query status
    duration size`` and the ids; for any other record its logger, message and extras."""

    def format_parts(self, parts: LineParts) -> str:
        extras = dict(parts.fields)
        head = f"{self._time(parts.created)} {parts.levelname:<5}"
        if "status" in extras and "method" in extras:
            target = str(extras.pop("path", "") or "-")
            if query := extras.pop("query", ""):
                target += f"?{query}"
            line = (
                f"{head} {extras.pop('method') or '-'} {target} {extras.pop('status')} "
                f"{extras.pop('duration_ms', 0)}ms {extras.pop('bytes', 0)}B"
            )
        else:
            line = f"{head} {parts.name}: {parts.message}"
        line += "".join(f" {k}={_text(v)}" for k, v in extras.items() if v is not None)
        if parts.traceback is not None:
            line += "\n" + parts.traceback
        return line


def _text(value: Any) -> str:
    text = str(value)
    return text if text and not any(c in text for c in ' "=') else orjson.dumps(text).decode()


def configure_logging(level: str, *, as_json: bool) -> None:
    handler = BatchingStreamHandler(sys.stderr)
    if as_json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter())
    # Records need none of these; computing them costs more than formatting the line.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # no caller lookup per record (the logging docs' "Optimization" section)
    root = logging.getLogger()
    for old in root.handlers:
        old.flush()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines describe its own set-up
