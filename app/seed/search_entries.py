"""Search entries derived from the planned rows, in one place for the loader and the generator.

An entry is an item's title and text. To its text the loader adds what a reader may look for without
the article's words: the item's labels (a position's kind, a barrier's category, a round's status and
format, …, as words: ``red_line`` → "Red line") and the names of the parties, topics and people it links.

Entry ids order hits: ``rank << RANK_SHIFT | sequence`` where ``rank`` is the collection's place in
``SEARCH_ORDER`` (the analysis before the index entities and the full text), so ids group by collection
and per-collection counts need no join (``id >> RANK_SHIFT``).

Search aliases (``search_aliases`` of parties and people in the seed files) are spellings readers may
type that the article does not use: a search for one also finds the entity's names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from app.domain.search_terms import words

Row = dict[str, Any]

SEARCH_ORDER = (
    "briefings",
    "implications",
    "barriers",
    "positions",
    "rounds",
    "mediators",
    "events",
    "people",
    "parties",
    "topics",
    "sources",
    "documents",
)
RANK_SHIFT = 32
LABEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "positions": ("kind",),
    "barriers": ("category",),
    "rounds": ("status", "format"),
    "mediators": ("role",),
    "events": ("kind",),
    "parties": ("kind",),
}
NAME_COLUMNS = ("party_id", "target_id")
LINKS = (
    ("party_links", "parties", "party_id"),
    ("topic_links", "topics", "topic_id"),
    ("person_links", "people", "person_id"),
)


def entry_id(collection: str, sequence: int) -> int:
    return (SEARCH_ORDER.index(collection) + 1) << RANK_SHIFT | sequence


def id_range(collection: str) -> tuple[int, int]:
    """The first and last id an entry of ``collection`` can have."""
    first = entry_id(collection, 0)
    return first, first + (1 << RANK_SHIFT) - 1


def collection_of(rank: int) -> str:
    """The collection of ``id >> RANK_SHIFT``."""
    return SEARCH_ORDER[rank - 1]


def label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def derive(entries: Sequence[Row], rows: Mapping[str, Sequence[Row]]) -> list[Row]:
    """The stored entries: ids assigned, labels and linked names added to each entry's text."""
    names = {
        table: {r["id"]: r["name"] for r in rows.get(table, ())} for table in ("parties", "topics", "people")
    }
    items = {(c, r["id"]): r for c in LABEL_COLUMNS | {"people": ()} for r in rows.get(c, ())}
    linked: dict[tuple[str, str], list[str]] = defaultdict(list)
    for table, target, column in LINKS:
        for link in rows.get(table, ()):
            linked[(link["collection"], link["item_id"])].append(names[target].get(link[column], ""))
    sequence: dict[str, int] = defaultdict(int)
    out: list[Row] = []
    for entry in entries:
        collection, key = entry["collection"], (entry["collection"], entry["item_id"])
        row = items.get(key, {})
        extras = [label(row[c]) for c in LABEL_COLUMNS.get(collection, ()) if row.get(c)]
        extras += [names["parties"].get(row[c], "") for c in NAME_COLUMNS if row.get(c)]
        extras += linked.get(key, [])
        extras = [e for e in dict.fromkeys(extras) if e]
        sequence[collection] += 1
        body = "\n".join(p for p in (entry["body"], " · ".join(extras)) if p)
        out.append({**entry, "id": entry_id(collection, sequence[collection]), "body": body})
    return out


def alias_rows(
    entities: Sequence[tuple[str, str, str, Sequence[str], Sequence[str]]],
) -> tuple[list[Row], list[tuple[str, str, str]]]:
    """``search_aliases`` rows from ``(collection, id, path, names, search aliases)`` of each party and
    person, and the problems found: ``(collection, path, reason)``. A repeated id (reported as such) is
    skipped."""
    rows: dict[str, Row] = {}
    problems: list[tuple[str, str, str]] = []
    known = {" ".join(words(n)) for *_, entity_names, _a in entities for n in entity_names}
    seen: set[tuple[str, str]] = set()
    for collection, item_id, path, entity_names, aliases in entities:
        if (collection, item_id) in seen:
            continue
        seen.add((collection, item_id))
        for index, alias in enumerate(aliases):
            key = " ".join(words(alias))
            where = f"{path}.search_aliases[{index}]"
            if not key:
                problems.append((collection, where, "has no letters or digits to search for"))
            elif key in known:
                problems.append((collection, where, f"'{alias}' is already a name or alias: nothing to add"))
            elif key in rows:
                problems.append((collection, where, f"'{alias}' is also a search alias of another entry"))
            else:
                rows[key] = {"alias": key, "names": [" ".join(words(n)) for n in entity_names]}
    return list(rows.values()), problems
