"""The whole briefing in one read: every collection's items that cite the briefing's document."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, select

from app.db import listing
from app.db.collections import BY_NAME
from app.db.listing import CollectionSpec
from app.db.models import Briefing, Citation, PersonLink, Section, table_of
from app.domain.vocab import BarrierCategory

Row = dict[str, Any]


_table = table_of


def _citing(spec: CollectionSpec, document_id: str) -> ColumnElement[bool]:
    citations = _table(Citation)
    cited = select(citations.c.item_id).where(
        citations.c.document_id == document_id, citations.c.collection == spec.name
    )
    return spec.table.c.id.in_(cited)


def _ref_ids(items: list[Row], *fields: str) -> set[str]:
    ids: set[str] = set()
    for item in items:
        for name in fields:
            value = item.get(name)
            for ref in value if isinstance(value, list) else [value]:
                if isinstance(ref, dict):
                    ids.add(ref["id"])
    return ids


def whole_briefing(connection: Connection, briefing_id: str) -> Row | None:
    briefings = _table(Briefing)
    row = connection.execute(select(briefings).where(briefings.c.id == briefing_id)).mappings().first()
    if row is None:
        return None
    document_id = row["document_id"]
    document = listing.get_item(connection, BY_NAME["documents"], document_id)
    document = {k: v for k, v in (document or {}).items() if k != "text"}

    def items(name: str) -> list[Row]:
        spec = BY_NAME[name]
        return listing.all_items(connection, spec, where=[_citing(spec, document_id)])

    rounds, positions, mediators = items("rounds"), items("positions"), items("mediators")
    barriers, implications, events = items("barriers"), items("implications"), items("events")
    sources, people = items("sources"), items("people")
    evidence = [*rounds, *positions, *mediators, *barriers, *implications, *events, *people]
    party_ids = _ref_ids(evidence, "party", "target", "participants", "hosts", "involved", "parties")
    topic_ids = _ref_ids(evidence, "topics")
    parties = listing.all_items(
        connection, BY_NAME["parties"], where=[BY_NAME["parties"].table.c.id.in_(party_ids)]
    )
    topics = listing.all_items(
        connection, BY_NAME["topics"], where=[BY_NAME["topics"].table.c.id.in_(topic_ids)]
    )

    sections = _table(Section)
    section_rows = connection.execute(
        select(sections.c.id, sections.c.heading, sections.c.summary, sections.c.start, sections.c.end)
        .where(sections.c.briefing_id == briefing_id)
        .order_by(sections.c.ordinal)
    ).mappings()
    takeaway_citations = listing.citations_for(connection, "briefings", [briefing_id]).get(briefing_id, [])
    return {
        "id": row["id"],
        "title": row["title"],
        "published_on": row["published_on"],
        "summary": row["summary"],
        "document": document,
        "photo": _photo(connection, briefing_id, row["photo"], rounds),
        "sections": [dict(s) for s in section_rows],
        "takeaway": {"summary": row["takeaway"], "citations": takeaway_citations},
        "rounds": rounds,
        "positions_by_party": _group(
            positions,
            key=lambda p: p["party"]["id"],
            label="party",
            values="positions",
            group_value=lambda p: p["party"],
        ),
        "mediators": mediators,
        "barriers_by_category": [
            {"category": category.value, "barriers": [b for b in barriers if b["category"] == category.value]}
            for category in BarrierCategory
            if any(b["category"] == category.value for b in barriers)
        ],
        "implications": implications,
        "events": events,
        "sources": sources,
        "parties": parties,
        "people": people,
        "topics": topics,
    }


def _group(items: list[Row], *, key: Any, label: str, values: str, group_value: Any) -> list[Row]:
    """Group items in order of first appearance."""
    groups: dict[str, Row] = {}
    for item in items:
        group = groups.setdefault(key(item), {label: group_value(item), values: []})
        group[values].append(item)
    return list(groups.values())


def _photo(connection: Connection, briefing_id: str, photo: Row | None, rounds: list[Row]) -> Row | None:
    if photo is None:
        return None
    links = _table(PersonLink)
    people_table = BY_NAME["people"].table
    people = [
        {"id": r[0], "name": r[1]}
        for r in connection.execute(
            select(people_table.c.id, people_table.c.name)
            .join(links, links.c.person_id == people_table.c.id)
            .where(links.c.collection == "briefings", links.c.item_id == briefing_id)
            .order_by(links.c.ordinal)
        )
    ]
    round_names = {r["id"]: r["name"] for r in rounds}
    round_id = photo.get("round_id")
    round_ref = {"id": round_id, "name": round_names.get(round_id, round_id)} if round_id else None
    return {
        "caption": photo["caption"],
        "place": photo.get("place"),
        "venue": photo.get("venue"),
        "date": photo.get("date"),
        "date_precision": photo.get("date_precision"),
        "credit": photo.get("credit"),
        "round": round_ref,
        "people": people,
    }
