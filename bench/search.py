"""Search at scale (issue 11): ``python -m bench.search`` (about 4 minutes; ``make bench-search``).

1. Engine options, in process, on the 100k-row synthetic file: the time to get the top 20 and the count of
   four queries (a common word, a rare one, a phrase, a prefix) with
   - the chosen design: FTS5 read in id order, title matches first (``app.db.search.search``, which also
     counts per collection and makes the page's snippets);
   - FTS5 ranked by bm25 over the same terms (``ORDER BY bm25`` scores every match: the former design);
   - Tantivy (official Python bindings), an index built from ``search_entries`` with the same terms, BM25
     with block-max WAND for the top 20.
2. Over HTTP with wrk, uncached (``BRIEFING_RESPONSE_CACHE_ENTRIES=0``): our ``/v1/search`` at 1k and 100k
   rows for the four queries, and Datasette's unranked ``search_entries.json?_search=`` on the same file.

Results go to ``bench/work/search.json`` and are printed as Markdown tables for ``bench/README.md``.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench import run

QUERIES = {
    "common": "ceasefire",
    "rare": "ulanjor",  # a word of the synthetic vocabulary in 0.3% of the entries (ceasefire: 9%)
    "phrase": '"ceasefire talks"',
    "prefix": "neutr*",
}
REPEATS = 15
TANTIVY_VERSION = "tantivy==0.27.0"


def timed(call: Any) -> float:
    """Median milliseconds of ``REPEATS`` calls (after one warm-up)."""
    call()
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 2)


# -- 1. engine options ---------------------------------------------------------------------------------------
def option_ours(db: Path) -> dict[str, Any]:
    from sqlalchemy import create_engine

    from app.db.search import search

    engine = create_engine(f"sqlite:///file:{db}?mode=ro&uri=true")
    out: dict[str, Any] = {}
    with engine.connect() as connection:
        for name, q in QUERIES.items():
            results = search(connection, q, collection=None, after=None, limit=20)
            out[name] = {
                "ms": timed(lambda q=q: search(connection, q, collection=None, after=None, limit=20)),
                "total": results.total,
            }
    engine.dispose()
    return out


def write_terms(db: Path) -> Path:
    """Every entry's terms (``app.domain.search_terms``), one JSON line each, for the other engines."""
    from app.domain.search_terms import index_terms

    terms = run.WORK / "search-terms.jsonl"
    if terms.exists() and terms.stat().st_mtime > db.stat().st_mtime:
        return terms
    with (
        contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection,
        terms.open("w") as out,
    ):
        for entry_id, title, body in connection.execute("SELECT id, title, body FROM search_entries"):
            t = index_terms(title, body)
            out.write(json.dumps([entry_id, t.title_stems, t.body_stems, t.title_words, t.body_words]) + "\n")
    return terms


def option_bm25(db: Path, terms: Path) -> dict[str, Any]:
    """bm25 needs column sizes, which the contentless table does not keep: a copy with them, same terms."""
    from app.domain.search_query import fts5, parse

    work = Path(tempfile.mkdtemp(prefix="bench-bm25-"))
    copy = work / "copy.sqlite3"
    shutil.copy(db, copy)
    started = time.perf_counter()
    with contextlib.closing(sqlite3.connect(copy)) as connection:
        connection.execute(
            "CREATE VIRTUAL TABLE ranked USING fts5(t, b, tw, bw, tokenize='unicode61 remove_diacritics 0')"
        )
        with terms.open(encoding="utf-8") as lines:
            connection.executemany(
                "INSERT INTO ranked(rowid, t, b, tw, bw) VALUES (?, ?, ?, ?, ?)",
                (json.loads(line) for line in lines),
            )
        connection.commit()
        build = time.perf_counter() - started
        out: dict[str, Any] = {"build_s": round(build, 1)}
        for name, q in QUERIES.items():
            tree = parse(q)
            assert tree is not None
            match = fts5(tree)
            top = "SELECT rowid FROM ranked WHERE ranked MATCH ? ORDER BY bm25(ranked, 5, 1, 5, 1) LIMIT 20"
            count = "SELECT count(*) FROM ranked WHERE ranked MATCH ?"
            out[name] = {
                "ms": timed(
                    lambda m=match, top=top, count=count: (
                        connection.execute(top, [m]).fetchall(),
                        connection.execute(count, [m]).fetchone(),
                    )
                ),
                "total": connection.execute(count, [match]).fetchone()[0],
            }
    shutil.rmtree(work)
    return out


def option_tantivy(terms: Path) -> dict[str, Any]:
    """Tantivy in a throw-away venv (not a project dependency), fed the same terms."""
    venv = run.WORK / ".venv-tantivy"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([run.PYTHON, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", TANTIVY_VERSION], check=True)
    from app.domain.search_query import parse
    from app.domain.search_terms import stem

    queries = {}
    for name, q in QUERIES.items():
        tree = parse(q)
        if type(tree).__name__ == "Word":
            queries[name] = {"kind": "word", "terms": [stem(tree.word)]}  # type: ignore[union-attr]
        else:
            queries[name] = {"kind": "prefix" if tree.prefix else "phrase", "terms": list(tree.words)}  # type: ignore[union-attr]
    script = Path(__file__).with_name("search_tantivy.py")
    result = subprocess.run(
        [str(python), str(script), str(terms), json.dumps(queries), str(REPEATS)],
        capture_output=True,
        text=True,
        check=True,
    )
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


# -- 2. HTTP ------------------------------------------------------------------------------------------------
def http(dbs: dict[int, Path], peer_python: Path) -> dict[str, Any]:
    """Measured like ``make bench`` measures search (``bench.run.wrk``, ``bench.run.bench_datasette``)."""
    out: dict[str, Any] = {"ours": {}, "datasette": {}}
    for rows, db in dbs.items():
        with run.our_app(db, f"search-{rows}", BRIEFING_RESPONSE_CACHE_ENTRIES="0") as server:
            urls = {name: f"/v1/search?q={quote(q)}&limit=20" for name, q in QUERIES.items()}
            run.warm(server.base_url, list(urls.values()), times=5)
            out["ours"][rows] = {
                name: asdict(
                    run.wrk(
                        server.base_url + url, server="ours", variant="uncached", rows=rows, endpoint=name
                    )
                )
                for name, url in urls.items()
            }
    big = max(dbs)
    with contextlib.closing(sqlite3.connect(f"file:{dbs[big]}?mode=ro", uri=True)) as connection:
        parties = connection.execute("SELECT count(*) FROM parties").fetchone()[0]
    runs, version = run.bench_datasette(peer_python, dbs[big], big, f"party-{parties // 2}")
    out["datasette"] = {
        "version": version,
        big: {"common": asdict(run.find(runs, "datasette", "immutable", big, "search"))},
    }
    return out


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| option (100k rows, in process) | " + " | ".join(f"{n} `{q}`" for n, q in QUERIES.items()) + " |",
        "|---|" + "---|" * len(QUERIES),
    ]
    for option, label in (
        ("ours", "FTS5 in id order, title matches first (chosen; with per-collection counts and snippets)"),
        ("bm25", "FTS5 ranked by bm25 (scores every match; the former design)"),
        ("tantivy", "Tantivy 0.27, BM25 top 20 + count"),
    ):
        row = results["options"][option]
        lines.append(
            f"| {label} | "
            + " | ".join(f"{row[n]['ms']} ms ({row[n]['total']} hits)" for n in QUERIES)
            + " |"
        )
    build = results["options"]
    lines += [
        "",
        f"Index build at 100k: bm25 copy {build['bm25']['build_s']} s, "
        f"Tantivy {build['tantivy']['build_s']} s "
        "(ours is built by the seed; see `briefing synth` time).",
        "",
    ]
    ours, peer = results["http"]["ours"], results["http"]["datasette"]
    ratio = round(ours[max(ours)]["common"]["rps"] / max(peer[max(ours)]["common"]["rps"], 0.1), 2)
    small, big = min(ours), max(ours)
    lines += [
        f"| over HTTP, uncached, wrk -t{run.WRK_THREADS} -c{run.WRK_CONNECTIONS} -d{run.WRK_SECONDS}s "
        "| req/s 1k | req/s 100k | p50 1k | p50 100k | p50 100k / 1k |",
        "|---|---|---|---|---|---|",
    ]
    for name, q in QUERIES.items():
        a, b = ours[small][name], ours[big][name]
        lines.append(
            f"| ours `{q}` | {a['rps']} | {b['rps']} | {a['p50_ms']} ms | {b['p50_ms']} ms | "
            f"{round(b['p50_ms'] / a['p50_ms'], 2)} |"
        )
    d = peer[big]["common"]
    lines.append(
        f"| {peer['version']} `_search={QUERIES['common']}` (unranked) "
        f"| | {d['rps']} | | {d['p50_ms']} ms | |"
    )
    lines.append("")
    lines.append(f"Ours / Datasette at 100k, `{QUERIES['common']}`: {ratio}x.")
    return "\n".join(lines)


WRK_CONNECTIONS = 16
"""As issue 11 measured search (``make bench`` uses 64: Datasette's search then completes nothing in 8 s)."""


def main() -> int:
    run.WRK_CONNECTIONS = WRK_CONNECTIONS
    run.WORK.mkdir(exist_ok=True)
    peer_python = run.ensure_peer_venv()
    dbs = {rows: run.ensure_synthetic(rows)[0] for rows in (1_000, 100_000)}
    run.log(f"queries: {QUERIES}")
    results: dict[str, Any] = {"queries": dict(QUERIES)}
    terms = write_terms(dbs[100_000])
    results["options"] = {}
    for name, option in (
        ("ours", lambda: option_ours(dbs[100_000])),
        ("bm25", lambda: option_bm25(dbs[100_000], terms)),
        ("tantivy", lambda: option_tantivy(terms)),
    ):
        results["options"][name] = option()
        run.log(f"{name}: {results['options'][name]}")
    results["http"] = http(dbs, peer_python)
    (run.WORK / "search.json").write_text(json.dumps(results, indent=2))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
