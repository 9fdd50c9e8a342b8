"""Access lines written without a record (``app.log_writer.log_access``'s short route) are the lines the
record route writes, in both formats; any filter or second handler takes the record route."""

from __future__ import annotations

import io
import logging
import re

import pytest

from app.log_writer import BatchingStreamHandler, log_access
from app.logs import FieldsFormatter, JsonFormatter, TextFormatter

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
FIELDS = {
    "request_id": "0d1db666c9a615d3f7c5712f219fca24",
    "method": "GET",
    "path": "/v1/rounds",
    "query": "party=russia&limit=2",
    "status": 200,
    "duration_ms": 0.33,
    "bytes": 1173,
    "user_agent": 'probe "1.0"',
    "data_version": None,
}


@pytest.fixture
def logger() -> logging.Logger:
    """A logger of no hierarchy (pytest attaches its capturing handlers to every registered logger that
    does not propagate): the test's handlers are the only ones."""
    return logging.Logger("tests.access", logging.INFO)


def written(logger: logging.Logger, formatter: FieldsFormatter) -> tuple[str, bool]:
    """What one ``log_access`` call writes through a batching handler, and whether it made a record."""
    stream = io.StringIO()
    handler = BatchingStreamHandler(stream)
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    log_access(logger, dict(FIELDS))
    made_record = any(isinstance(item, logging.LogRecord) for item in handler.queue)
    handler.flush()
    logger.removeHandler(handler)
    return stream.getvalue(), made_record


@pytest.mark.parametrize("formatter", [JsonFormatter, TextFormatter])
def test_a_line_without_a_record_is_the_line_of_the_record(
    logger: logging.Logger, formatter: type[FieldsFormatter]
) -> None:
    short, made_record = written(logger, formatter())
    assert not made_record
    assert short.endswith("\n")
    assert short.count("\n") == 1

    # The record route: a filter on the logger (one that lets everything through) means a record is made.
    logger.addFilter(lambda record: True)
    long, made_record = written(logger, formatter())
    assert made_record
    assert re.search(STAMP, short)
    assert re.sub(STAMP, "", short) == re.sub(STAMP, "", long)  # two lines, a moment apart
    assert "request_id" in short
    assert "/v1/rounds" in short


def test_a_second_handler_gets_a_record(logger: logging.Logger) -> None:
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    logger.addHandler(Keep())
    line, _ = written(logger, JsonFormatter())
    assert len(seen) == 1
    assert seen[0].__dict__["fields"]["path"] == "/v1/rounds"
    assert '"path":"/v1/rounds"' in line


def test_a_filter_that_drops_the_line_is_obeyed(logger: logging.Logger) -> None:
    logger.addFilter(lambda record: False)
    line, _ = written(logger, JsonFormatter())
    assert line == ""
