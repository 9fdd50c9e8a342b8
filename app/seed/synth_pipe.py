"""``briefing synth`` on two cores: the rows are generated in a child process while this one inserts them.

Per 100,000 rows, generating and rendering the items takes about 26 seconds of one core (Python), and
inserting them about 22 (SQLite, and the search terms' Python, ``Loader``). ``Producer`` forks a child that
runs the generator (``app.seed.synth``) and sends each chunk of rows its ``Writer`` flushes over a pipe,
while this process (which alone opens the database) receives the chunks in the order sent and inserts
them. The rows, their order and so the file's content are what one process would write.

The child is forked (not spawned): it shares the parent's imported modules and starts at once. A child
that fails sends its traceback, which ``chunks`` raises in the parent; a child that dies ends the pipe,
which ``chunks`` reports. ``close`` ends a child that is still running (the parent failed).
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import pickle
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from app.seed.synth_writer import Names, Send

R = TypeVar("R")

_ROWS, _DONE, _FAILED = "rows", "done", "failed"
QUEUED_BYTES = 64 << 20
"""At most this many bytes of chunks received wait to be loaded (the child runs ahead while this process
migrates the new file, and whenever loading is slower than generating)."""
PIPE_BYTES = 1 << 20
EXITING_SECONDS = 10


class Producer(Generic[R]):
    """``produce(send)`` running in a forked child; its chunks come out of ``chunks``, then its result.

    A thread here reads the pipe as the chunks arrive, so that the child's writes do not wait for the
    chunks before to be loaded; they wait as bytes (``QUEUED_BYTES`` at most) to be unpickled and loaded."""

    def __init__(self, produce: Callable[[Send], R]) -> None:
        context = multiprocessing.get_context("fork")
        reader, writer = context.Pipe(duplex=False)
        with contextlib.suppress(AttributeError, OSError):  # Linux: fewer, larger reads and writes
            fcntl.fcntl(writer.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        self.process = context.Process(
            target=_run, args=(produce, writer), name="synth-producer", daemon=True
        )
        self.process.start()
        writer.close()  # the child's end: once the child exits, reading ends (EOFError)
        self.inbox = _Inbox(QUEUED_BYTES)
        self.reader = threading.Thread(
            target=_receive, args=(reader, self.inbox), name="synth-reader", daemon=True
        )
        self.reader.start()
        self.result: R | None = None

    def chunks(self) -> Iterator[tuple[str, Names, list[Any]]]:
        """``(table, names, rows)`` in the order the child sent them; then ``result`` is set."""
        while (message := self.inbox.get()) is not None:
            kind, *content = pickle.loads(message)  # noqa: S301 -- from the child this process forked
            if kind == _ROWS:
                yield content[0], content[1], content[2]
                continue
            self.process.join(EXITING_SECONDS)  # it exits once it has sent this (``close`` ends it if not)
            if kind == _DONE:
                self.result = content[0]
                return
            raise RuntimeError(f"the synthetic data's generator failed:\n{content[0]}")
        self.process.join()
        raise RuntimeError(
            f"the synthetic data's generator exited (code {self.process.exitcode}) before it finished"
        )

    def close(self) -> None:
        """End the child if it still runs (this process failed), then the reading thread."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.inbox.close()  # the reading thread reads to the pipe's end, then ends
        self.reader.join()


class _Inbox:
    """Messages received, in order, holding at most about ``limit`` bytes (one message may exceed it)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.messages: deque[bytes | None] = deque()
        self.size = 0
        self.closed = False
        self.changed = threading.Condition()

    def put(self, message: bytes | None) -> None:
        """Add a message once there is room (at once when closed: it is dropped)."""
        with self.changed:
            while self.size >= self.limit and not self.closed:
                self.changed.wait()
            if not self.closed:
                self.messages.append(message)
                self.size += len(message or b"")
                self.changed.notify_all()

    def get(self) -> bytes | None:
        with self.changed:
            while not self.messages:
                self.changed.wait()
            message = self.messages.popleft()
            self.size -= len(message or b"")
            self.changed.notify_all()
            return message

    def close(self) -> None:
        with self.changed:
            self.closed = True
            self.messages.clear()
            self.changed.notify_all()


def _receive(reader: Connection, inbox: _Inbox) -> None:
    """The reading thread: each message as bytes, then None once the child has closed its end."""
    with reader:
        while True:
            try:
                inbox.put(reader.recv_bytes())
            except (EOFError, OSError):  # the child has exited (or was ended mid-message)
                inbox.put(None)
                return


def _run(produce: Callable[[Send], Any], writer: Connection) -> None:
    """The child: run ``produce``, sending its chunks, then its result or its failure."""

    def send(table: str, names: Names, rows: list[Any]) -> None:
        writer.send_bytes(pickle.dumps((_ROWS, table, names, rows), protocol=pickle.HIGHEST_PROTOCOL))

    try:
        result: Any = (_DONE, produce(send))
    except BaseException:  # reported to the parent, which raises it
        result = (_FAILED, traceback.format_exc())
    with contextlib.suppress(BrokenPipeError), writer:  # broken: the parent has gone
        writer.send_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    sys.exit(0 if result[0] == _DONE else 1)
