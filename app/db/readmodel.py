"""The read model: every item's JSON and every whole briefing, rendered once per data set.

Representations are rendered from the loader-shaped rows (``app.seed.rows``) as they are written, by
the collections' declarations (references, links and citations embedded, fields in the schema's order),
and stored in ``representations`` in the same transaction: readers see the old data set with its
representations or the new one with its own, never a mix. ``briefing seed`` renders its plan's rows
(``render_plan``); ``briefing synth`` feeds the same ``ReadModel`` item by item. The seed composes the
whole briefings last, from the rows already stored (``whole_briefings``); ``briefing synth`` composes each
from the items it has just rendered (``ReadModel.whole_briefing``), with the same ``compose``. Requests
only read the stored bytes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import orjson
from sqlalchemy import Connection, Select, bindparam, select

from app.db.briefing import CITING, Cited, compose
from app.db.collections import BY_NAME, COLLECTIONS
from app.db.facets import Tally, rows_of
from app.db.listing import DETAIL, LIST, CollectionSpec, LinkField, RefField
from app.db.models import (
    Briefing,
    Citation,
    Document,
    Party,
    Person,
    PersonLink,
    Representation,
    Section,
    Topic,
    table_of,
)
from app.domain.utf16 import Utf16Offsets

Row = dict[str, Any]
Emit = Callable[[Row], None]

LINK_TABLES = frozenset(table_of(link.link).name for spec in COLLECTIONS for link in spec.links) | {
    "person_links"
}


def expected_rows(counts: Mapping[str, int]) -> int:
    """How many representations a data set with these row counts has: one per item, a detail for each
    item of a collection whose detail differs from its list item (documents, briefings), and each
    collection's tally (its total and each facet)."""
    items = sum(counts.get(spec.name, 0) * (2 if _has_detail(spec) else 1) for spec in COLLECTIONS)
    return items + sum(rows_of(spec) for spec in COLLECTIONS)


def _has_detail(spec: CollectionSpec) -> bool:
    return spec.detail_schema is not None or spec.name == "briefings"


def _labels() -> dict[str, str]:
    """The field that names an item when another item refers to it, for every collection referred to
    (the photo's people included)."""
    labels = {"people": "name"}
    for spec in COLLECTIONS:
        for ref in spec.refs:
            labels[table_of(ref.target).name] = ref.label
        for link in spec.links:
            labels[table_of(link.target).name] = "name"
    return labels


def _citations(rows: list[Row], offsets: Mapping[str, Utf16Offsets]) -> list[Row]:
    """Citation rows as the API shows them, in their order, with UTF-16 offsets for JavaScript."""
    shown = []
    for c in sorted(rows, key=_ordinal) if len(rows) > 1 else rows:
        utf16 = offsets[c["document_id"]]
        shown.append(
            {
                "document_id": c["document_id"],
                "start": c["start"],
                "end": c["end"],
                "start_utf16": utf16(c["start"]),
                "end_utf16": utf16(c["end"]),
                "quote": c["quote"],
                "source_id": c["source_id"],
            }
        )
    return shown


class ReadModel:
    """Renders items as their rows arrive (targets of references before the items that refer to them,
    as the loader orders collections), then each collection's tally in ``finish``. It keeps only what
    references embed (the names of parties, topics, people, rounds, documents), each document's UTF-16
    offsets and the tallies, never the rendered items (``item(..., cited=True)`` returns what a whole
    briefing embeds of an item, for the caller to keep as long as it needs), so memory does not grow with
    the items."""

    def __init__(self, emit: Emit) -> None:
        self.emit = emit
        self.written = 0
        self.labels: dict[str, dict[str, str]] = defaultdict(dict)
        self.label_field = _labels()
        self.plans = {spec.name: _ItemPlan(spec) for spec in COLLECTIONS}
        self.offsets: dict[str, Utf16Offsets] = {}
        self.tallies = {spec.name: Tally(spec) for spec in COLLECTIONS}
        # What ``whole_briefing`` needs besides the cited items: every party's and topic's sort key and
        # list representation (few), every document's list representation.
        self.lookups: dict[str, dict[str, tuple[Any, bytes]]] = {"parties": {}, "topics": {}}
        self.documents: dict[str, bytes] = {}

    def _store(self, collection: str, item_id: str, variant: str, body: bytes) -> None:
        self.emit({"collection": collection, "item_id": item_id, "variant": variant, "body": body})
        self.written += 1

    def item(
        self,
        collection: str,
        row: Row,
        links: Mapping[str, list[Row]],
        citations: list[Row],
        *,
        cited: bool = False,
    ) -> Cited | None:
        """Render one item from its row, its link rows (by link table) and its citation rows. With
        ``cited``, return what a whole briefing embeds of it (``whole_briefing``), if it cites."""
        plan = self.plans[collection]
        item_id = row["id"]
        self.tallies[collection].add(row, links)
        if collection in self.label_field:
            self.labels[collection][item_id] = row[self.label_field[collection]]
        if collection == "documents":  # documents come before the items that cite them
            self.offsets[item_id] = Utf16Offsets(row["text"])
        item = plan.render(row, links, _citations(citations, self.offsets), self.labels)
        if plan.list_fields != plan.detail_fields:
            listed = {name: item[name] for name in plan.list_fields}
            body = orjson.dumps(listed)
            if collection != "briefings":  # a briefing's detail is its whole briefing
                self._store(collection, item_id, DETAIL, orjson.dumps(item))
        else:
            listed, body = item, orjson.dumps(item)
        self._store(collection, item_id, LIST, body)
        if cited:
            if collection in self.lookups:
                self.lookups[collection][item_id] = (row[plan.spec.sorts[0].column], body)
            elif collection == "documents":
                self.documents[item_id] = body
            elif collection in CITING:
                return _cited_item(plan, row[plan.spec.sorts[0].column], item_id, body, listed)
        return None

    def whole_briefing(
        self,
        row: Row,
        *,
        cited: Mapping[str, list[Cited]],
        sections: list[Row],
        takeaway: list[Row],
        people: list[str],
    ) -> None:
        """Store the whole briefing of the briefing ``row`` from what this read model has rendered (items kept
        with ``cited=True``): ``cited``, the items citing its document by collection; ``sections`` and
        ``takeaway`` (citation rows), its rows; ``people``, the photo's people's ids. What
        ``whole_briefings`` composes from the stored rows (a test compares both)."""
        names = self.labels["people"]
        whole = compose(
            row,
            document=self.documents[row["document_id"]],
            cited=cited,
            parties=self.lookups["parties"],
            topics=self.lookups["topics"],
            sections=sections,
            takeaway=_citations(takeaway, self.offsets),
            offsets=self.offsets[row["document_id"]],
            people=[{"id": i, "name": names[i]} for i in people],
        )
        self._store("briefings", row["id"], DETAIL, whole)

    def finish(self) -> int:
        """Render every collection's tally; return how many representations were written in all (the
        whole briefings follow, from the stored rows: ``whole_briefings``)."""
        for collection, tally in self.tallies.items():
            for item_id, variant, body in tally.render(self.labels):
                self._store(collection, item_id, variant, body)
        return self.written


Getter = Callable[[Row, Mapping[str, list[Row]], list[Row], Mapping[str, Mapping[str, str]]], Any]


class _ItemPlan:
    """How one collection's item is rendered: its fields in the schema's order, each from a column, a
    reference, a link or the citations."""

    def __init__(self, spec: CollectionSpec) -> None:
        self.spec = spec
        self.detail_fields = spec.output_fields(detail=True)
        self.list_fields = spec.output_fields(detail=False)
        refs = {ref.name: ref for ref in spec.refs}
        links = {link.name: link for link in spec.links}
        self.getters: list[tuple[str, Getter]] = []
        targets = [(r.name, False, r.target) for r in spec.refs] + [
            (k.name, True, k.target) for k in spec.links
        ]
        self.party_fields = tuple((name, many) for name, many, target in targets if target is Party)
        self.topic_fields = tuple((name, many) for name, many, target in targets if target is Topic)
        objects = {obj.name: obj.columns for obj in spec.objects}
        for name in self.detail_fields:
            if name == "citations":
                self.getters.append((name, lambda row, links, citations, labels: citations))
            elif name == "label":
                self.getters.append((name, _label_getter(spec.label, refs.get(spec.label))))
            elif name == "url":
                self.getters.append((name, _url_getter(spec.name)))
            elif name in ("date_start", "date_end"):  # the first and last day a partial date covers
                self.getters.append((name, _column_getter(DATE_BOUNDS[name])))
            elif name in objects:
                self.getters.append((name, _object_getter(objects[name])))
            elif name in refs:
                self.getters.append((name, _ref_getter(refs[name])))
            elif name in links:
                self.getters.append((name, _link_getter(links[name])))
            else:
                self.getters.append((name, _column_getter(name)))

    def render(
        self,
        row: Row,
        links: Mapping[str, list[Row]],
        citations: list[Row],
        labels: Mapping[str, Mapping[str, str]],
    ) -> Row:
        return {name: get(row, links, citations, labels) for name, get in self.getters}


def _column_getter(name: str) -> Getter:
    return lambda row, links, citations, labels: row[name]


DATE_BOUNDS = {"date_start": "date_earliest", "date_end": "date_latest"}


def _ref_getter(ref: RefField) -> Getter:
    column, target, keys = ref.column, table_of(ref.target).name, ref.keys

    def get(row: Row, links: Any, citations: Any, labels: Mapping[str, Mapping[str, str]]) -> Any:
        value = row[column]
        if value is None:
            return None
        label = labels[target][value]
        return {"id": value, **dict.fromkeys(keys, label)}

    return get


def _label_getter(field: str, ref: RefField | None) -> Getter:
    """The item's display name: a column, or the name of the item a reference names (a mediator's
    party)."""
    if ref is None:
        return _column_getter(field)
    target = table_of(ref.target).name
    return lambda row, links, citations, labels: labels[target][row[ref.column]]


def _url_getter(collection: str) -> Getter:
    return lambda row, links, citations, labels: f"/v1/{collection}/{row['id']}"


def _object_getter(columns: tuple[tuple[str, str], ...]) -> Getter:
    return lambda row, links, citations, labels: {key: row[column] for key, column in columns}


def _link_getter(link: LinkField) -> Getter:
    target, table, column, role = table_of(link.target).name, table_of(link.link).name, link.column, link.role

    def get(
        row: Row, links: Mapping[str, list[Row]], citations: Any, labels: Mapping[str, Mapping[str, str]]
    ) -> Any:
        names = labels[target]
        rows = links.get(table, ())
        if role is not None:
            rows = [r for r in rows if r["role"] == role]
        ordered = sorted(rows, key=_ordinal) if len(rows) > 1 else rows
        return [{"id": r[column], "name": names[r[column]]} for r in ordered]

    return get


def _ids(item: Row, fields: tuple[tuple[str, bool], ...]) -> tuple[str, ...]:
    """The ids an item's reference fields name (``(name, is_list)``)."""
    ids: list[str] = []
    for name, many in fields:
        value = item[name]
        if many:
            ids.extend(ref["id"] for ref in value)
        elif value is not None:
            ids.append(value["id"])
    return tuple(ids)


def _ordinal(row: Row) -> int:
    value: int = row["ordinal"]
    return value


def render_plan(rows: Mapping[str, list[Row]], emit: Emit) -> int:
    """Render the items and tallies of a seed plan's rows (``LoadPlan.rows``); return how many
    representations. The whole briefings follow once these are stored (``whole_briefings``)."""
    links: dict[tuple[str, str], dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for table in LINK_TABLES:
        for row in rows.get(table, ()):
            links[(row["collection"], row["item_id"])][table].append(row)
    citations: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows.get("citations", ()):
        citations[(row["collection"], row["item_id"])].append(row)
    model = ReadModel(emit)
    for collection in _load_order(rows):
        for row in rows[collection]:
            key = (collection, row["id"])
            model.item(collection, row, links.get(key, {}), citations.get(key, []))
    return model.finish()


def _load_order(rows: Mapping[str, list[Row]]) -> Iterator[str]:
    """Collections in the order the plan holds them (targets of references first)."""
    return (table for table in rows if table in BY_NAME)


def whole_briefings(connection: Connection, emit: Emit) -> int:
    """Compose every whole briefing from the rows already stored in this transaction (the items' list
    representations, the citations, sections and photo people), one briefing at a time; return how many.
    Memory holds one briefing's items, however large the data set."""
    reps, cites = table_of(Representation), table_of(Citation)
    plans = {name: _ItemPlan(BY_NAME[name]) for name in CITING}
    lookups = {name: _lookup(connection, name) for name in ("parties", "topics")}
    documents = select(reps.c.body).where(
        reps.c.collection == "documents", reps.c.variant == LIST, reps.c.item_id == bindparam("document_id")
    )
    texts = select(table_of(Document).c.text).where(table_of(Document).c.id == bindparam("document_id"))
    sections = select(table_of(Section)).where(table_of(Section).c.briefing_id == bindparam("briefing_id"))
    takeaway = select(cites).where(
        cites.c.collection == "briefings", cites.c.item_id == bindparam("briefing_id")
    )
    links, people = table_of(PersonLink), table_of(Person)
    photo_people = (
        select(people.c.id, people.c.name)
        .join(links, links.c.person_id == people.c.id)
        .where(links.c.collection == "briefings", links.c.item_id == bindparam("briefing_id"))
        .order_by(links.c.ordinal)
    )
    cited_statements = {name: _cited_statement(name) for name in CITING}
    count = 0
    for row in connection.execute(
        select(table_of(Briefing)).order_by(table_of(Briefing).c.ordinal)
    ).mappings():
        briefing, document_id = dict(row), row["document_id"]
        offsets = Utf16Offsets(connection.execute(texts, {"document_id": document_id}).scalar_one())
        cited_rows = [dict(c) for c in connection.execute(takeaway, {"briefing_id": row["id"]}).mappings()]
        docs = {c["document_id"] for c in cited_rows}
        cited = {
            name: [
                _cited(plans[name], body, key, item_id)
                for body, key, item_id in connection.execute(statement, {"document_id": document_id})
            ]
            for name, statement in cited_statements.items()
        }
        whole = compose(
            briefing,
            document=bytes(connection.execute(documents, {"document_id": document_id}).scalar_one()),
            cited=cited,
            parties=lookups["parties"],
            topics=lookups["topics"],
            sections=[dict(s) for s in connection.execute(sections, {"briefing_id": row["id"]}).mappings()],
            takeaway=_citations(
                cited_rows, {d: _offsets(connection, texts, d, document_id, offsets) for d in docs}
            ),
            offsets=offsets,
            people=[
                {"id": p.id, "name": p.name}
                for p in connection.execute(photo_people, {"briefing_id": row["id"]})
            ],
        )
        emit({"collection": "briefings", "item_id": row["id"], "variant": DETAIL, "body": whole})
        count += 1
    return count


def _offsets(
    connection: Connection, texts: Select[Any], document_id: str, home: str, offsets: Utf16Offsets
) -> Utf16Offsets:
    """The UTF-16 offsets of a document a takeaway cites (its briefing's own, already made, or another)."""
    if document_id == home:
        return offsets
    return Utf16Offsets(connection.execute(texts, {"document_id": document_id}).scalar_one())


def _cited_statement(name: str) -> Select[Any]:
    """The list representation, sort key and id of every item of ``name`` citing one document."""
    spec, reps, cites = BY_NAME[name], table_of(Representation), table_of(Citation)
    table = spec.table
    citing = select(cites.c.item_id).where(
        cites.c.document_id == bindparam("document_id"), cites.c.collection == name
    )
    return select(reps.c.body, table.c[spec.sorts[0].column], table.c.id).where(
        table.c.id.in_(citing),
        reps.c.collection == name,
        reps.c.variant == LIST,
        reps.c.item_id == table.c.id,
    )


def _cited(plan: _ItemPlan, body: bytes, key: Any, item_id: str) -> Cited:
    body = bytes(body)
    return _cited_item(plan, key, item_id, body, orjson.loads(body))


def _cited_item(plan: _ItemPlan, key: Any, item_id: str, body: bytes, listed: Row) -> Cited:
    """What a whole briefing embeds of a cited item: its sort key, id, list JSON and, from its list
    representation's fields (``listed``), its party, category, name and the parties and topics it names."""
    return Cited(
        key,
        item_id,
        body,
        listed.get("party"),
        listed.get("category"),
        listed.get("name"),
        _ids(listed, plan.party_fields),
        _ids(listed, plan.topic_fields),
    )


def _lookup(connection: Connection, name: str) -> dict[str, tuple[Any, bytes]]:
    """Every item of ``name`` (parties, topics: few) by id: its sort key and list representation."""
    spec, reps = BY_NAME[name], table_of(Representation)
    table = spec.table
    statement = select(table.c.id, table.c[spec.sorts[0].column], reps.c.body).where(
        reps.c.collection == name, reps.c.variant == LIST, reps.c.item_id == table.c.id
    )
    return {item_id: (key, bytes(body)) for item_id, key, body in connection.execute(statement)}
