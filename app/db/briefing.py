"""The whole briefing: every collection's items that cite the briefing's document, assembled from their
rendered list representations (embedded as ready JSON, never re-serialised). Built once per data set by
``app.db.readmodel``; served as one stored row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson

from app.domain.dates import PartialDate
from app.domain.utf16 import Utf16Offsets
from app.domain.vocab import BarrierCategory

Row = dict[str, Any]

CITING = ("rounds", "positions", "mediators", "barriers", "implications", "events", "sources", "people")
"""The collections whose items a whole briefing embeds when they cite its document."""
EVIDENCE = tuple(name for name in CITING if name != "sources")
"""Whose references name the parties and topics a whole briefing lists."""


class Cited(NamedTuple):
    """An item that cites a document: its sort key, id, list JSON, and what a whole briefing needs of it.
    (A named tuple: a data set has one per citing item, and it is made faster than a frozen dataclass.)"""

    key: Any
    id: str
    body: bytes
    party: Row | None
    category: str | None
    name: str | None
    party_ids: tuple[str, ...]
    topic_ids: tuple[str, ...]


def compose(
    row: Row,
    *,
    document: bytes,
    cited: Mapping[str, list[Cited]],
    parties: Mapping[str, tuple[Any, bytes]],
    topics: Mapping[str, tuple[Any, bytes]],
    sections: list[Row],
    takeaway: list[Row],
    people: list[Row],
    offsets: Utf16Offsets,
) -> bytes:
    """The whole briefing of the briefing ``row`` as JSON bytes."""

    def items(name: str) -> list[Cited]:
        return sorted(cited.get(name, ()), key=lambda c: (c.key, c.id))

    def bodies(found: list[Cited]) -> list[orjson.Fragment]:
        return [orjson.Fragment(c.body) for c in found]

    def listed(lookup: Mapping[str, tuple[Any, bytes]], ids: set[str]) -> list[orjson.Fragment]:
        return [
            orjson.Fragment(lookup[i][1]) for _, i in sorted((lookup[i][0], i) for i in ids if i in lookup)
        ]

    by_name = {name: items(name) for name in CITING}
    evidence = [c for name in EVIDENCE for c in by_name[name]]
    party_ids = {i for c in evidence for i in c.party_ids}
    topic_ids = {i for c in evidence for i in c.topic_ids}
    barriers = by_name["barriers"]
    whole = {
        "id": row["id"],
        "label": row["title"],
        "url": f"/v1/briefings/{row['id']}",
        "title": row["title"],
        "published_on": row["published_on"],
        "summary": row["summary"],
        "document": orjson.Fragment(document),
        "photo": _photo(row["photo"], by_name["rounds"], people),
        "sections": [
            {
                **{k: s[k] for k in ("id", "heading", "summary", "start", "end")},
                "start_utf16": offsets(s["start"]),
                "end_utf16": offsets(s["end"]),
            }
            for s in sorted(sections, key=lambda s: s["ordinal"])
        ],
        "takeaway": {"summary": row["takeaway"], "citations": takeaway},
        "rounds": bodies(by_name["rounds"]),
        "positions_by_party": _by_party(by_name["positions"]),
        "mediators": bodies(by_name["mediators"]),
        "barriers_by_category": [
            {
                "category": category.value,
                "barriers": bodies([b for b in barriers if b.category == category.value]),
            }
            for category in BarrierCategory
            if any(b.category == category.value for b in barriers)
        ],
        "implications": bodies(by_name["implications"]),
        "events": bodies(by_name["events"]),
        "sources": bodies(by_name["sources"]),
        "parties": listed(parties, party_ids),
        "people": bodies(by_name["people"]),
        "topics": listed(topics, topic_ids),
    }
    return orjson.dumps(whole)


def _by_party(positions: list[Cited]) -> list[Row]:
    """Positions grouped by party, in order of first appearance."""
    groups: dict[str, Row] = {}
    for position in positions:
        party = position.party or {}
        group = groups.setdefault(party["id"], {"party": party, "positions": []})
        group["positions"].append(orjson.Fragment(position.body))
    return list(groups.values())


def _bounds(date: str | None) -> Row:
    """``date_start``/``date_end``: the first and last day a partial date covers."""
    if date is None:
        return {"date_start": None, "date_end": None}
    partial = PartialDate.parse(date)
    return {"date_start": partial.earliest, "date_end": partial.latest}


def _photo(photo: Row | None, rounds: list[Cited], people: list[Row]) -> Row | None:
    if photo is None:
        return None
    round_names = {r.id: r.name for r in rounds}
    round_id = photo.get("round_id")
    round_ref = {"id": round_id, "name": round_names.get(round_id, round_id)} if round_id else None
    return {
        "caption": photo["caption"],
        "place": photo.get("place"),
        "venue": photo.get("venue"),
        "date": photo.get("date"),
        "date_precision": photo.get("date_precision"),
        **_bounds(photo.get("date")),
        "credit": photo.get("credit"),
        "round": round_ref,
        "people": people,
    }
