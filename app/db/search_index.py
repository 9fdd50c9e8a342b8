"""The full-text index, derived from ``search_entries`` inside the seed's transaction.

Both dialects store the same terms (``app.domain.search_terms``): SQLite in the contentless FTS5 table
``search_fts`` (rowid = entry id), PostgreSQL in ``search_tsv`` (entry id, tsvector) with a GIN index. The
database stays the source of truth: the index is rebuilt from the entries whenever they change, in the
same transaction, so a search sees the old data set or the new one, never a mix. (``briefing synth``
writes SQLite's rows itself, as it writes the entries: ``app.seed.synth_writer``.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from app.domain.search_terms import IndexTerms, index_terms

BATCH = 2000

_CLEAR = {
    "sqlite": "INSERT INTO search_fts(search_fts) VALUES ('delete-all')",
    "postgresql": "DELETE FROM search_tsv",
}
_INSERT = {
    "sqlite": "INSERT INTO search_fts(rowid, t, b, tw, bw) VALUES (:id, :t, :b, :tw, :bw)",
    "postgresql": "INSERT INTO search_tsv(id, tsv) VALUES (:id, CAST(:tsv AS tsvector))",
}
"""The statement that indexes one entry, its parameters a ``_terms_row``."""
_ENTRIES = text("SELECT id, title, body FROM search_entries WHERE id > :after ORDER BY id LIMIT :batch")


def _terms_row(entry_id: int, terms: IndexTerms) -> dict[str, Any]:
    """The parameters of ``_INSERT`` for one entry."""
    return {
        "id": entry_id,
        "t": terms.title_stems,
        "b": terms.body_stems,
        "tw": terms.title_words,
        "bw": terms.body_words,
        "tsv": terms.tsvector,
    }


def rebuild(connection: Connection) -> int:
    """Replace the index with the terms of every stored entry; returns how many were indexed."""
    dialect = connection.dialect.name
    connection.execute(text(_CLEAR[dialect]))
    insert = text(_INSERT[dialect])
    after, count = -1, 0
    while True:
        entries = connection.execute(_ENTRIES, {"after": after, "batch": BATCH}).all()
        if not entries:
            return count
        rows = [
            _terms_row(e.id, index_terms(e.title, e.body, tsvector=dialect == "postgresql")) for e in entries
        ]
        connection.execute(insert, rows)
        after, count = entries[-1].id, count + len(entries)
