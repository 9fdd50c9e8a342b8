"""The synthetic data's two processes: chunks arrive whole and in order, and a failure on either side ends
both and leaves no file (``app.seed.synth_pipe``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from app.seed import synth
from app.seed.synth_pipe import Producer
from app.seed.synth_writer import Send


def _numbers(send: Send) -> int:
    for chunk in range(200):  # about 60 MB: more than the inbox holds, so the child waits for room
        send("numbers", ("n", "text"), [(chunk, "x" * 300_000)])
    return 200


def test_chunks_arrive_in_order_then_the_result() -> None:
    producer = Producer(_numbers)
    try:
        received = [(table, names, rows[0][0], len(rows[0][1])) for table, names, rows in producer.chunks()]
    finally:
        producer.close()
    assert received == [("numbers", ("n", "text"), n, 300_000) for n in range(200)]
    assert producer.result == 200
    assert producer.process.exitcode == 0


def _fails(send: Send) -> None:
    send("numbers", None, [(1,)])
    raise ValueError("no more numbers")


def _dies(send: Send) -> None:
    send("numbers", None, [(1,)])
    os._exit(3)


@pytest.mark.parametrize(
    ("produce", "reported", "exitcode"),
    [
        (_fails, r"(?s)generator failed:.*ValueError: no more numbers", 1),
        (_dies, r"generator exited \(code 3\) before it finished", 3),
    ],
)
def test_a_failing_or_dying_generator_is_reported(
    produce: Callable[[Send], None], reported: str, exitcode: int
) -> None:
    producer: Producer[None] = Producer(produce)
    chunks = producer.chunks()
    assert next(chunks) == ("numbers", None, [(1,)])
    with pytest.raises(RuntimeError, match=reported):
        next(chunks)
    producer.close()
    assert producer.process.exitcode == exitcode


def _endless(send: Send) -> None:
    while True:
        send("numbers", None, [(0, "x" * 100_000)])


def test_closing_ends_a_running_generator() -> None:
    producer: Producer[None] = Producer(_endless)
    next(producer.chunks())
    time.sleep(0.2)  # the child fills the inbox and waits for room
    started = time.monotonic()
    producer.close()
    assert time.monotonic() - started < 10
    assert not producer.process.is_alive()
    assert not producer.reader.is_alive()


def test_a_failing_generator_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def produce(rows: int, random_seed: int, send: Send) -> tuple[int, dict[str, int]]:
        raise ValueError("generator broke")

    monkeypatch.setattr(synth, "produce", produce)  # before the fork: the child runs it
    target = tmp_path / "synthetic.sqlite3"
    with pytest.raises(RuntimeError, match="generator broke"):
        synth.write_synthetic(rows=100, out=target, random_seed=1)
    assert list(tmp_path.iterdir()) == []


def test_a_failing_load_ends_the_generator_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    pid_file = tmp_path / "child.pid"

    def produce(rows: int, random_seed: int, send: Send) -> tuple[int, dict[str, int]]:
        pid_file.write_text(str(os.getpid()))
        send("topics", ("id", "ordinal", "name"), [("t-1", 0, "Topic")])  # no description: refused
        while True:
            send("topics", ("id", "ordinal", "name"), [("t-2", 1, "Topic")])

    monkeypatch.setattr(synth, "produce", produce)
    with pytest.raises(IntegrityError, match=r"NOT NULL constraint failed: topics\.description"):
        synth.write_synthetic(rows=100, out=out / "synthetic.sqlite3", random_seed=1)
    assert list(out.iterdir()) == []
    with pytest.raises(ProcessLookupError):  # ended and reaped
        os.kill(int(pid_file.read_text()), 0)
