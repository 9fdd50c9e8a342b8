"""``python -m bench.run --scenario facets`` (also run by ``make bench``): what ``count=true`` and
``facet=`` cost at 100k rows (issue 10, item 3).

Our app uncached (``BRIEFING_RESPONSE_CACHE_ENTRIES=0``, ``BRIEFING_RESPONSE_CACHE_BYTES=0``: every
request runs its queries) on the largest synthetic data set, wrk ``-t2 -c16 -d8s`` on four URLs: the first
positions page, the same with ``count=true&facet=party,topic,kind``, and both again filtered by the busiest
party. Reports p50(faceted)/p50(plain) for each pair; the target is at most 3. Under no filter the total and
facets come from the read model's seed-time tally; under the party filter, the kind and topic facets and the
total are counted on the indexes (the party facet, under no other filter, is the tally's).
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench import run
from bench.uncached import busiest_party

CONNECTIONS = 16
FACETS = "count=true&facet=party,topic,kind"
TARGET = 3.0


def scenario(dbs: dict[int, Path]) -> run.Scenario:
    rows = max(dbs)
    db = dbs[rows]
    party = busiest_party(db)
    urls = {
        "plain": "/v1/positions?limit=50",
        "faceted": f"/v1/positions?limit=50&{FACETS}",
        "filtered": f"/v1/positions?party={party}&limit=50",
        "filtered+facets": f"/v1/positions?party={party}&limit=50&{FACETS}",
    }
    off = {"BRIEFING_RESPONSE_CACHE_ENTRIES": "0", "BRIEFING_RESPONSE_CACHE_BYTES": "0"}
    connections, run.WRK_CONNECTIONS = run.WRK_CONNECTIONS, CONNECTIONS
    runs: list[run.Measurement] = []
    try:
        with run.our_app(db, f"facets-{rows}", **off) as server:
            run.warm(server.base_url, list(urls.values()), times=5)
            for endpoint, path in urls.items():
                url = server.base_url + path
                runs.append(run.wrk(url, server="ours", variant="uncached", rows=rows, endpoint=endpoint))
    finally:
        run.WRK_CONNECTIONS = connections
    p50 = {m.endpoint: m.p50_ms for m in runs}
    ratios = {
        "faceted_over_plain": round(p50["faceted"] / p50["plain"], 2),
        "filtered_faceted_over_filtered": round(p50["filtered+facets"] / p50["filtered"], 2),
    }
    targets = [
        {
            "target": f"p50 {name.replace('_', ' ')} at {rows} rows (uncached)",
            "value": value,
            "limit": TARGET,
            "ok": value <= TARGET,
        }
        for name, value in ratios.items()
    ]
    return run.Scenario(runs=runs, info={"urls": urls, "ratios": ratios}, targets=targets)


if __name__ == "__main__":
    sys.exit(run.main(["--scenario", "facets"]))
