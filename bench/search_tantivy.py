"""Run by ``bench.search`` in its own venv (Tantivy is not a project dependency): build a Tantivy index
from the terms file, then time the top 20 + count of each query. Prints JSON."""

from __future__ import annotations

import json
import re
import statistics
import sys
import tempfile
import time

import tantivy  # type: ignore[import-not-found]


def main(terms_file: str, queries_json: str, repeats: int) -> None:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, fast=True)
    for field in ("t", "b", "tw", "bw"):
        builder.add_text_field(field, stored=False, tokenizer_name="default", index_option="position")
    schema = builder.build()
    started = time.perf_counter()
    index = tantivy.Index(schema, path=tempfile.mkdtemp(prefix="bench-tantivy-"))
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    with open(terms_file, encoding="utf-8") as lines:
        for line in lines:
            entry_id, t, b, tw, bw = json.loads(line)
            document = tantivy.Document()
            document.add_unsigned("id", entry_id)
            for field, value in (("t", t), ("b", b), ("tw", tw), ("bw", bw)):
                document.add_text(field, value)
            writer.add_document(document)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    build = time.perf_counter() - started
    searcher = index.searcher()
    should = tantivy.Occur.Should

    def query(spec: dict[str, object]) -> object:
        terms = spec["terms"]
        assert isinstance(terms, list)
        if spec["kind"] == "word":
            fields, make = ("t", "b"), lambda f: tantivy.Query.term_query(schema, f, terms[0])
        elif spec["kind"] == "phrase":
            fields, make = ("tw", "bw"), lambda f: tantivy.Query.phrase_query(schema, f, terms)
        else:
            fields, make = (
                ("tw", "bw"),
                lambda f: tantivy.Query.regex_query(schema, f, re.escape(terms[0]) + ".*"),
            )
        boost = {"t": 5.0, "tw": 5.0, "b": 1.0, "bw": 1.0}
        return tantivy.Query.boolean_query(
            [(should, tantivy.Query.boost_query(make(f), boost[f])) for f in fields]
        )

    out: dict[str, object] = {"build_s": round(build, 1)}
    for name, spec in json.loads(queries_json).items():
        q = query(spec)
        result = searcher.search(q, limit=20, count=True)
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            searcher.search(q, limit=20, count=True)
            samples.append((time.perf_counter() - start) * 1000)
        out[name] = {"ms": round(statistics.median(samples), 2), "total": result.count}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
