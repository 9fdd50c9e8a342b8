"""Full-text search, the same on SQLite (FTS5) and PostgreSQL (tsvector + GIN), for any string a user types.

The query is parsed by ``app.domain.search_query`` and written for the engine as quoted terms only: no
user text ever reaches ``MATCH`` or a tsquery parser. Both engines store the same terms
(``app.domain.search_terms``), so both find the same entries.

Order, without scoring every match: hits whose title matches the query come first (tier 0), then the
others (tier 1); within a tier, entries in id order (collection, then seed order; see
``app.seed.search_entries``). Each tier is one index scan in id order that stops at the page's end, so a
page costs the same with 20 matches or 20,000. Counts are one more scan of the matches, reading ids only.
Snippets are made for the page's rows alone, from the stored text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Executable,
    String,
    bindparam,
    column,
    func,
    literal,
    select,
    table,
    text,
    union_all,
)

from app.domain import search_query
from app.domain.search_query import Node, Word
from app.seed.search_entries import RANK_SHIFT, SEARCH_ORDER, collection_of, id_range

MARK_START = "[["
MARK_END = "]]"
SNIPPET_WORDS = 24
TITLE, TEXT = 0, 1
"""Tiers: the query matches the title / only the text. A hit's ``score`` is 1 for tier 0, 0 for tier 1."""

Row = dict[str, Any]

_PAGE = {
    "sqlite": "SELECT rowid AS id FROM search_fts WHERE search_fts MATCH :q "
    "AND rowid > :after AND rowid <= :last ORDER BY rowid LIMIT :limit",
    "postgresql": "SELECT id FROM search_tsv WHERE tsv @@ CAST(:q AS tsquery) "
    "AND id > :after AND id <= :last ORDER BY id LIMIT :limit",
}


def _range_counts() -> Executable:
    """SQLite, a one-word query: one count per collection's id range. FTS5 seeks each range in the index,
    where a GROUP BY sorts every match (4x slower for 18.6k matches). A phrase, a prefix or several words
    cost more to match twelve times than to sort: those use ``_COUNTS["grouped"]``."""
    fts = table("search_fts", column("rowid"))
    return union_all(
        *(
            select(literal(rank).label("r"), func.count().label("n"))
            .select_from(fts)
            .where(text("search_fts MATCH :q"), fts.c.rowid.between(*id_range(collection)))
            for rank, collection in enumerate(SEARCH_ORDER, start=1)
        )
    )


_COUNTS: dict[str, Executable] = {
    "sqlite": _range_counts(),
    "grouped": text(
        "SELECT rowid >> :shift AS r, count(*) AS n FROM search_fts WHERE search_fts MATCH :q GROUP BY r"
    ).bindparams(shift=RANK_SHIFT),
    "postgresql": text(
        "SELECT id >> CAST(:shift AS integer) AS r, count(*) AS n FROM search_tsv "
        "WHERE tsv @@ CAST(:q AS tsquery) GROUP BY r"
    ).bindparams(shift=RANK_SHIFT),
}
_ALIASES = (
    text("SELECT alias, names FROM search_aliases WHERE alias IN :keys")
    .bindparams(bindparam("keys", expanding=True))
    .columns(alias=String, names=JSON)
)
_ENTRIES = text(
    "SELECT id, collection, item_id, title, body FROM search_entries WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))


@dataclass
class Results:
    items: list[Row] = field(default_factory=list)
    next_position: tuple[int, int] | None = None
    total: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


def search(
    connection: Connection,
    query: str,
    *,
    collection: str | None,
    after: tuple[int, int] | None,
    limit: int,
    counts: bool = True,
) -> Results:
    """One page of hits after the keyset position ``after`` (tier, entry id), with the counts unless
    ``counts`` is false (an export reads page after page and shows none)."""
    tree = search_query.parse(query)
    if tree is None:
        return Results(by_type=dict.fromkeys(SEARCH_ORDER, 0))
    tree = with_aliases(connection, tree)
    dialect = connection.dialect.name
    if dialect == "sqlite":
        everything, in_title = search_query.fts5(tree), search_query.fts5(tree, title_only=True)
        only_text = f"({everything}) NOT ({in_title})"
    else:
        everything, in_title = search_query.tsquery(tree), search_query.tsquery(tree, title_only=True)
        only_text = f"({everything}) & !({in_title})"
    queries = {TITLE: in_title, TEXT: only_text}
    first, last = id_range(collection) if collection else (0, (len(SEARCH_ORDER) + 1) << RANK_SHIFT)
    page_sql = text(_PAGE[dialect])
    hits: list[tuple[int, int]] = []
    tier, position = after if after is not None else (TITLE, first - 1)
    while tier <= TEXT and len(hits) <= limit:
        found = connection.execute(
            page_sql,
            {
                "q": queries[tier],
                "after": max(position, first - 1),
                "last": last,
                "limit": limit + 1 - len(hits),
            },
        ).scalars()
        hits += [(tier, entry) for entry in found]
        tier, position = tier + 1, first - 1
    results = Results()
    if counts:
        counts_sql = _COUNTS[dialect] if dialect != "sqlite" or isinstance(tree, Word) else _COUNTS["grouped"]
        per_type = {collection_of(rank): n for rank, n in connection.execute(counts_sql, {"q": everything})}
        results.by_type = {name: per_type.get(name, 0) for name in SEARCH_ORDER}
        results.total = results.by_type[collection] if collection else sum(results.by_type.values())
    if len(hits) > limit:
        hits = hits[:limit]
        results.next_position = hits[-1]
    results.items = _render(connection, hits, tree)
    return results


def with_aliases(connection: Connection, tree: Node) -> Node:
    keys = search_query.alias_keys(tree)
    if not keys:
        return tree
    found = connection.execute(_ALIASES, {"keys": sorted(set(keys))}).all()
    aliases = {alias: [tuple(name.split()) for name in names] for alias, names in found}
    return search_query.expand(tree, aliases) if aliases else tree


def _render(connection: Connection, hits: Sequence[tuple[int, int]], tree: Node) -> list[Row]:
    if not hits:
        return []
    entries = {row.id: row for row in connection.execute(_ENTRIES, {"ids": [entry for _, entry in hits]})}
    items = []
    for tier, entry_id in hits:
        entry = entries[entry_id]
        items.append(
            {
                "type": entry.collection,
                "id": entry.item_id,
                "title": entry.title,
                "snippet": _snippet(entry.title, entry.body, tree),
                "score": 1.0 if tier == TITLE else 0.0,
            }
        )
    return items


def _snippet(title: str, body: str, tree: Node) -> str:
    """The best part of the text with its matches marked, else of the title; else the text's start."""
    for part in (body, title):
        marked = search_query.highlight(part, tree, start=MARK_START, end=MARK_END, width=SNIPPET_WORDS)
        if marked is not None:
            return marked
    return search_query.highlight(body, None, start=MARK_START, end=MARK_END, width=SNIPPET_WORDS) or ""
