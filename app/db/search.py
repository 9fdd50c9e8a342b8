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

from app.seed.plan import fold_diacritics

MARK_START = "[["
MARK_END = "]]"
MAX_TOKENS = 16
_TOKEN = re.compile(r"[^\W_]+")

Row = dict[str, Any]


def tokens(query: str) -> list[str]:
    """Word tokens of the query, diacritics folded, at most ``MAX_TOKENS`` of at most 64 characters."""
    return [t[:64] for t in _TOKEN.findall(fold_diacritics(query))][:MAX_TOKENS]


_SQLITE = """
SELECT collection, item_id, title, snippet, score, entry_id FROM (
    SELECT e.collection AS collection, e.item_id AS item_id, e.title AS title, e.id AS entry_id,
           snippet(search_fts, -1, :mark_start, :mark_end, '…', 16) AS snippet,
           -bm25(search_fts, 5.0, 1.0) AS score
    FROM search_fts JOIN search_entries AS e ON e.id = search_fts.rowid
    WHERE search_fts MATCH :match AND (:type IS NULL OR e.collection = :type)
) AS hits
WHERE :after_score IS NULL OR score < :after_score OR (score = :after_score AND entry_id > :after_id)
ORDER BY score DESC, entry_id
LIMIT :limit
"""

_POSTGRESQL = """
WITH q AS (SELECT plainto_tsquery('english'::regconfig, :match) AS query),
hits AS (
    SELECT e.collection, e.item_id, e.title, e.id AS entry_id, e.body,
           ts_rank_cd(to_tsvector('english'::regconfig, e.folded), q.query)::float8 AS score
    FROM search_entries AS e, q
    WHERE to_tsvector('english'::regconfig, e.folded) @@ q.query
      AND (CAST(:type AS text) IS NULL OR e.collection = CAST(:type AS text))
)
SELECT collection, item_id, title, entry_id, score,
       ts_headline('english'::regconfig, title || E'\n' || body, q.query,
                   'StartSel=' || :mark_start || ', StopSel=' || :mark_end
                   || ', MaxWords=30, MinWords=12, MaxFragments=1, FragmentDelimiter=" … "') AS snippet
FROM hits, q
WHERE CAST(:after_score AS float8) IS NULL OR score < CAST(:after_score AS float8)
   OR (score = CAST(:after_score AS float8) AND entry_id > CAST(:after_id AS integer))
ORDER BY score DESC, entry_id
LIMIT :limit
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
    if connection.dialect.name == "sqlite":
        statement = text(_SQLITE)
        match = " ".join('"' + w + '"' for w in words)
    else:
        statement = text(_POSTGRESQL)
        match = " ".join(words)
    statement = statement.bindparams(
        bindparam("after_score", type_=None), bindparam("after_id", type_=None), bindparam("type", type_=None)
    )
    rows = connection.execute(
        statement,
        {
            "match": match,
            "type": collection,
            "mark_start": MARK_START,
            "mark_end": MARK_END,
            "after_score": after[0] if after else None,
            "after_id": after[1] if after else None,
            "limit": limit + 1,
        },
    ).mappings()
    hits = [dict(r) for r in rows]
    next_position = None
    if len(hits) > limit:
        hits = hits[:limit]
        next_position = (float(hits[-1]["score"]), int(hits[-1]["entry_id"]))
    items = [
        {
            "type": h["collection"],
            "id": h["item_id"],
            "title": h["title"],
            "snippet": h["snippet"],
            "score": round(float(h["score"]), 6),
        }
        for h in hits
    ]
    return items, next_position
