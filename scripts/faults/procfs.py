"""Which worker process is which, from /proc: a supervisor's uvicorn workers, their CPU time, and the
worker holding the server side of a loopback TCP connection (Linux)."""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path


def _proc_stat(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name (so index 0 is the state, 1 the ppid)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2 :].split()


def worker_pids(supervisor: int) -> list[int]:
    """The uvicorn worker processes (multiprocessing spawn children) of the supervisor process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int(_proc_stat(int(entry.name))[1]) != supervisor:
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, ValueError, IndexError):
            continue
        if b"spawn_main" in cmdline:  # not multiprocessing's resource tracker
            found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    fields = _proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def connection_owner(server_port: int, client_port: int, pids: list[int]) -> int | None:
    """Which worker process holds the server side of the TCP connection from ``client_port``.

    The server side is the /proc/net/tcp entry 127.0.0.1:server_port -> 127.0.0.1:client_port; its socket
    inode is then looked up among the workers' open file descriptors.
    """
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[2] == remote:
            inode = fields[9]
            break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        with suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with suppress(OSError):
                    if os.readlink(fd) == target:
                        return pid
    return None
