"""Full-text search with the database's own engine, safe for any string a user can type.

User input never reaches ``MATCH`` or a tsquery parser raw: it is split into word tokens (letters and
digits only, diacritics folded), each quoted for FTS5 or passed to ``plainto_tsquery``: every word must
match on both engines (``websearch_to_tsquery`` would read a typed "or" as an operator).
Ranking: bm25 on SQLite (title weighted 5×), ``ts_rank_cd`` on PostgreSQL; snippets come from the engine.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, bindparam, text

from app.domain.text import fold_diacritics

MARK_START = "[["
MARK_END = "]]"
MAX_TOKENS = 16
_TOKEN = re.compile(r"[^\W_]+")

Row = dict[str, Any]


def tokens(query: str) -> list[str]:
    """Word tokens of the query, diacritics folded, at most ``MAX_TOKENS`` of at most 64 characters."""
    return [t[:64] for t in _TOKEN.findall(fold_diacritics(query))][:MAX_TOKENS]


# Phase 1 ranks every match but reads only the full-text index (and, with a type filter, one primary-key
# lookup per match); phase 2 fetches titles and builds snippets for the page's rows alone.
_SQLITE_RANK = """
SELECT entry_id, score FROM (
    SELECT rowid AS entry_id, -bm25(search_fts, 5.0, 1.0) AS score
    FROM search_fts WHERE search_fts MATCH :match
) AS hits
WHERE (:type IS NULL OR EXISTS (
        SELECT 1 FROM search_entries AS e WHERE e.id = hits.entry_id AND e.collection = :type))
  AND (:after_score IS NULL OR score < :after_score OR (score = :after_score AND entry_id > :after_id))
ORDER BY score DESC, entry_id
LIMIT :limit
"""

_SQLITE_PAGE = """
SELECT e.id AS entry_id, e.collection, e.item_id, e.title,
       snippet(search_fts, -1, :mark_start, :mark_end, '…', 16) AS snippet
FROM search_fts JOIN search_entries AS e ON e.id = search_fts.rowid
WHERE search_fts MATCH :match AND search_fts.rowid IN :ids
"""

_POSTGRESQL_RANK = """
SELECT entry_id, score FROM (
    SELECT e.id AS entry_id, ts_rank_cd(e.search_tsv, q.query)::float8 AS score
    FROM search_entries AS e, plainto_tsquery('english'::regconfig, :match) AS q(query)
    WHERE e.search_tsv @@ q.query AND (CAST(:type AS text) IS NULL OR e.collection = CAST(:type AS text))
) AS hits
WHERE CAST(:after_score AS float8) IS NULL OR score < CAST(:after_score AS float8)
   OR (score = CAST(:after_score AS float8) AND entry_id > CAST(:after_id AS integer))
ORDER BY score DESC, entry_id
LIMIT :limit
"""

_POSTGRESQL_PAGE = """
SELECT e.id AS entry_id, e.collection, e.item_id, e.title,
       ts_headline('english'::regconfig, e.title || E'\\n' || e.body,
                   plainto_tsquery('english'::regconfig, :match),
                   'StartSel=' || :mark_start || ', StopSel=' || :mark_end
                   || ', MaxWords=30, MinWords=12, MaxFragments=1, FragmentDelimiter=" … "') AS snippet
FROM search_entries AS e
WHERE e.id IN :ids
"""


def search(
    connection: Connection,
    query: str,
    *,
    collection: str | None,
    after: tuple[float, int] | None,
    limit: int,
) -> tuple[list[Row], tuple[float, int] | None]:
    """One page of ranked hits after the keyset position ``after`` (score, entry id)."""
    words = tokens(query)
    if not words:
        return [], None
    sqlite = connection.dialect.name == "sqlite"
    match = " ".join('"' + w + '"' for w in words) if sqlite else " ".join(words)
    rank = text(_SQLITE_RANK if sqlite else _POSTGRESQL_RANK).bindparams(
        bindparam("after_score", type_=None), bindparam("after_id", type_=None), bindparam("type", type_=None)
    )
    ranked = connection.execute(
        rank,
        {
            "match": match,
            "type": collection,
            "after_score": after[0] if after else None,
            "after_id": after[1] if after else None,
            "limit": limit + 1,
        },
    ).all()
    next_position = None
    if len(ranked) > limit:
        ranked = ranked[:limit]
        next_position = (float(ranked[-1].score), int(ranked[-1].entry_id))
    if not ranked:
        return [], None
    page = text(_SQLITE_PAGE if sqlite else _POSTGRESQL_PAGE).bindparams(bindparam("ids", expanding=True))
    details = {
        row["entry_id"]: row
        for row in connection.execute(
            page,
            {
                "match": match,
                "ids": [r.entry_id for r in ranked],
                "mark_start": MARK_START,
                "mark_end": MARK_END,
            },
        ).mappings()
    }
    items = [
        {
            "type": details[r.entry_id]["collection"],
            "id": details[r.entry_id]["item_id"],
            "title": details[r.entry_id]["title"],
            "snippet": details[r.entry_id]["snippet"],
            "score": round(float(r.score), 6),
        }
        for r in ranked
    ]
    return items, next_position
