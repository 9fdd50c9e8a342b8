"""``python -m bench.export`` (also ``make bench``, as the ``export`` scenario): export every position of the
100k synthetic data set as CSV and as NDJSON, streamed from one ``briefing serve``; reports items/s and the
server's RSS growth (peak during the export, sampled every 20 ms, minus the RSS before it), and its anonymous
memory (``RssAnon``: the heap, without the database file's pages that SQLite's memory map brings into RSS)
from the cold server to the end.

Targets (issue 10): at least 20,000 items/s and under 30 MB of RSS growth, for each format.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.run import Scenario, ensure_synthetic, log, our_app

ROWS = 100_000
TARGET_ITEMS_PER_SECOND = 20_000
TARGET_RSS_GROWTH_MB = 30.0
FORMATS = ("csv", "ndjson")


class PeakRss:
    """Samples a process's RSS in a thread while it is entered; ``peak_mb`` is the highest."""

    def __init__(self, read_kib: Any, every: float = 0.02) -> None:
        self.read_kib = read_kib
        self.every = every
        self.peak_kib = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.done.is_set():
            self.peak_kib = max(self.peak_kib, self.read_kib())
            time.sleep(self.every)

    def __enter__(self) -> PeakRss:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()
        self.peak_kib = max(self.peak_kib, self.read_kib())

    @property
    def peak_mb(self) -> float:
        return self.peak_kib / 1024


def rss_anon_mb(pid: int) -> float:
    """The process's anonymous resident memory (heap and stacks, not mapped files), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no RssAnon for pid {pid}")


def export_once(base: str, fmt: str) -> tuple[int, int, float]:
    """Stream ``/v1/positions.<fmt>`` to the end: (items, bytes, seconds)."""
    lines = size = 0
    began = time.perf_counter()
    with httpx.stream("GET", f"{base}/v1/positions.{fmt}", timeout=120) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            size += len(chunk)
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - began
    items = lines - 1 if fmt == "csv" else lines  # the CSV header; no field of a position spans lines
    return items, size, seconds


def measure(db: Path) -> Scenario:
    info: dict[str, Any] = {"rows": ROWS}
    targets = []
    with our_app(db, "export") as server:
        base = server.base_url
        info["rss_start_mb"] = round(server.rss_kib() / 1024, 1)
        info["rss_anon_start_mb"] = round(rss_anon_mb(server.pid), 1)
        export_once(base, "ndjson")  # warm the page cache and the server's imports; not measured
        info["rss_after_warm_up_mb"] = round(server.rss_kib() / 1024, 1)
        for fmt in FORMATS:
            before = server.rss_kib() / 1024
            with PeakRss(server.rss_kib) as peak:
                items, size, seconds = export_once(base, fmt)
            growth = round(peak.peak_mb - before, 1)
            rate = round(items / seconds)
            info[fmt] = {
                "items": items,
                "bytes": size,
                "seconds": round(seconds, 2),
                "items_per_second": rate,
                "rss_before_mb": round(before, 1),
                "rss_peak_mb": round(peak.peak_mb, 1),
                "rss_growth_mb": growth,
            }
            log(
                f"export {fmt}: {items} items, {size / 1e6:.1f} MB in {seconds:.2f}s = {rate} items/s; "
                f"RSS {before:.1f} -> peak {peak.peak_mb:.1f} MB (+{growth} MB)"
            )
            targets.append(
                {
                    "target": f"export {fmt} items/s",
                    "value": rate,
                    "limit": TARGET_ITEMS_PER_SECOND,
                    "ok": rate >= TARGET_ITEMS_PER_SECOND and items >= ROWS,
                }
            )
            targets.append(
                {
                    "target": f"export {fmt} RSS growth MB",
                    "value": growth,
                    "limit": TARGET_RSS_GROWTH_MB,
                    "ok": growth < TARGET_RSS_GROWTH_MB,
                }
            )
        info["rss_anon_end_mb"] = round(rss_anon_mb(server.pid), 1)
    return Scenario(runs=[], info=info, targets=targets)


def scenario(dbs: dict[int, Path]) -> Scenario:
    """The ``export`` scenario of ``bench.run``."""
    return measure(dbs[ROWS])


def main() -> int:
    db, _ = ensure_synthetic(ROWS)
    result = measure(db)
    for target in result.targets:
        verdict = "PASS" if target["ok"] else "FAIL"
        print(f"{verdict}  {target['target']}: {target['value']} (limit {target['limit']})")
    return 0 if all(t["ok"] for t in result.targets) else 1


if __name__ == "__main__":
    sys.exit(main())
