"""Turn validated seed files into table rows: check every reference, locate every quote, derive dates.

Nothing here touches the database; a ``LoadPlan`` is only built when the whole seed is sound.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from app.seed import search_entries
from app.seed.errors import SeedError, SeedProblem
from app.seed.provenance import QuoteNotFoundError, locate, not_found
from app.seed.read import seed_file_name
from app.seed.rows import date_columns, link_rows, search_row
from app.seed.schema import CitationSeed, SeedFiles
from app.seed.suggest import unknown_reference

LOADER_VERSION = "3"
"""Bump when the loader derives rows differently, so that a re-seed is not mistaken for a no-op."""

Row = dict[str, Any]


@dataclass
class LoadPlan:
    """Rows per table, in insertion order, and the data set's version (a hash of its content)."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    version: str = ""

    def add(self, table: str, row: Row) -> None:
        self.rows.setdefault(table, []).append(row)

    def counts(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.rows.items()}


class _Planner:
    def __init__(
        self, seeds: SeedFiles, seeds_dir: Path, known_ids: Mapping[str, Collection[str] | None] | None
    ) -> None:
        self.seeds = seeds
        self.seeds_dir = seeds_dir
        self.known_ids = known_ids
        self.problems: list[SeedProblem] = []
        self.plan = LoadPlan()
        self.ids: dict[str, dict[str, str]] = {}
        self.texts: dict[str, str] = {}
        self.names: dict[str, dict[str, str]] = {}
        self.search: list[Row] = []

    # -- checks -----------------------------------------------------------------------------------------
    def problem(self, collection: str, path: str, reason: str) -> None:
        self.problems.append(SeedProblem(seed_file_name(collection), path, reason))

    def register_ids(self, collection: str, items: Sequence[Any]) -> None:
        """Duplicate ids are reported by ``app.seed.read``, which knows both lines."""
        self.ids[collection] = {item.id: f"{collection}[{index}]" for index, item in enumerate(items)}

    def ref(self, collection: str, path: str, target: str, value: str | None) -> str | None:
        known = self.ids.get(target, {}) if self.known_ids is None else self.known_ids.get(target, ())
        if value is not None and known is not None and value not in known:
            self.problem(collection, path, unknown_reference(target, value, known))
        return value

    def refs(self, collection: str, path: str, target: str, values: Iterable[str]) -> list[str]:
        values = list(values)
        for index, value in enumerate(values):
            self.ref(collection, f"{path}[{index}]", target, value)
        if len(set(values)) != len(values):
            self.problem(collection, path, "lists the same id twice")
        return values

    # -- rows -------------------------------------------------------------------------------------------
    def cite(self, collection: str, item_id: str, path: str, citations: Sequence[CitationSeed]) -> list[str]:
        default_document = self.seeds.documents[0].id if self.seeds.documents else ""
        quotes: list[str] = []
        for ordinal, citation in enumerate(citations):
            cpath = f"{path}[{ordinal}]"
            document_id = self.ref(collection, f"{cpath}.document", "documents", citation.document)
            document_id = document_id or default_document
            self.ref(collection, f"{cpath}.source", "sources", citation.source)
            text = self.texts.get(document_id)
            if text is None:
                continue
            try:
                start, end = locate(text, citation.quote, citation.occurrence)
            except QuoteNotFoundError as exc:
                self.problem(collection, f"{cpath}.quote", str(exc))
                continue
            quotes.append(citation.quote)
            self.plan.add(
                "citations",
                {
                    "collection": collection,
                    "item_id": item_id,
                    "ordinal": ordinal,
                    "document_id": document_id,
                    "start": start,
                    "end": end,
                    "quote": citation.quote,
                    "source_id": citation.source,
                },
            )
        return quotes

    def link(
        self, table: str, column: str, collection: str, item_id: str, values: Sequence[str], **extra: Any
    ) -> None:
        for row in link_rows(collection, item_id, column, values, **extra):
            self.plan.add(table, row)

    def searchable(self, collection: str, item_id: str, title: str, *parts: str | None) -> None:
        self.search.append(search_row(collection, item_id, title, *parts))

    # -- collections ------------------------------------------------------------------------------------
    def run(self) -> LoadPlan:
        s = self.seeds
        for collection in type(s).model_fields:
            self.register_ids(collection, getattr(s, collection))
        self.documents()
        self.names["parties"] = {p.id: p.name for p in s.parties}
        for i, party in enumerate(s.parties):
            self.plan.add(
                "parties",
                {
                    "id": party.id,
                    "ordinal": i,
                    "name": party.name,
                    "kind": party.kind.value,
                    "description": party.description,
                    "aliases": list(party.aliases),
                },
            )
            self.searchable("parties", party.id, party.name, party.description, ", ".join(party.aliases))
        for i, topic in enumerate(s.topics):
            self.plan.add(
                "topics", {"id": topic.id, "ordinal": i, "name": topic.name, "description": topic.description}
            )
            self.searchable("topics", topic.id, topic.name, topic.description)
        for i, source in enumerate(s.sources):
            path = f"sources[{i}]"
            self.plan.add(
                "sources",
                {
                    "id": source.id,
                    "ordinal": i,
                    "outlet": source.outlet,
                    "name": source.name,
                    "title": source.title,
                },
            )
            self.cite("sources", source.id, f"{path}.citations", source.citations)
            self.searchable("sources", source.id, f"{source.name}: {source.title}", source.outlet)
        for i, person in enumerate(s.people):
            path = f"people[{i}]"
            self.plan.add(
                "people",
                {
                    "id": person.id,
                    "ordinal": i,
                    "name": person.name,
                    "role": person.role,
                    "party_id": self.ref("people", f"{path}.party", "parties", person.party),
                },
            )
            self.cite("people", person.id, f"{path}.citations", person.citations)
            self.searchable("people", person.id, person.name, person.role)
        self.rounds()
        self.briefings()
        self.positions()
        self.mediators()
        self.barriers()
        self.implications()
        self.events()
        self.search_entries()
        if self.problems:
            raise SeedError(self.problems)
        self.plan.version = self.version()
        return self.plan

    def search_entries(self) -> None:
        for row in search_entries.derive(self.search, self.plan.rows):
            self.plan.add("search_entries", row)
        entities = [
            ("parties", p.id, f"parties[{i}]", [p.name, *p.aliases], p.search_aliases)
            for i, p in enumerate(self.seeds.parties)
        ] + [
            ("people", p.id, f"people[{i}]", [p.name], p.search_aliases)
            for i, p in enumerate(self.seeds.people)
        ]
        rows, problems = search_entries.alias_rows(entities)
        for row in rows:
            self.plan.add("search_aliases", row)
        for problem in problems:
            self.problem(*problem)

    def documents(self) -> None:
        for i, doc in enumerate(self.seeds.documents):
            path = f"documents[{i}]"
            file = self.seeds_dir / doc.file
            try:
                data = file.read_bytes()
            except OSError as exc:
                self.problem("documents", f"{path}.file", f"cannot read {doc.file}: {exc.strerror}")
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest != doc.sha256:
                self.problem(
                    "documents", f"{path}.sha256", f"{doc.file} has sha256 {digest}, not the recorded one"
                )
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                self.problem("documents", f"{path}.file", f"{doc.file} is not UTF-8")
                continue
            self.texts[doc.id] = text
            self.plan.add(
                "documents",
                {
                    "id": doc.id,
                    "ordinal": i,
                    "title": doc.title,
                    "kind": doc.kind,
                    "language": doc.language,
                    "published_on": doc.published_on,
                    "sha256": digest,
                    "length": len(text),
                    "text": text,
                },
            )
            self.searchable("documents", doc.id, doc.title, text)

    def rounds(self) -> None:
        for i, rnd in enumerate(self.seeds.rounds):
            path = f"rounds[{i}]"
            self.plan.add(
                "rounds",
                {
                    "id": rnd.id,
                    "ordinal": i,
                    "name": rnd.name,
                    "place": rnd.place,
                    "venue": rnd.venue,
                    "format": rnd.format.value,
                    "status": rnd.status.value,
                    "outcome": rnd.outcome,
                    "outcome_quote": rnd.outcome_quote,
                    "summary": rnd.summary,
                    **date_columns(rnd.partial_date, i),
                },
            )
            participants = self.refs("rounds", f"{path}.participants", "parties", rnd.participants)
            hosts = self.refs("rounds", f"{path}.hosts", "parties", rnd.hosts)
            involved = self.refs("rounds", f"{path}.involved", "parties", rnd.involved)
            self.link("party_links", "party_id", "rounds", rnd.id, participants, role="participant")
            self.link("party_links", "party_id", "rounds", rnd.id, hosts, role="host")
            self.link("party_links", "party_id", "rounds", rnd.id, involved, role="involved")
            topics = self.refs("rounds", f"{path}.topics", "topics", rnd.topics)
            self.link("topic_links", "topic_id", "rounds", rnd.id, topics)
            quotes = self.cite("rounds", rnd.id, f"{path}.citations", rnd.citations)
            self.searchable(
                "rounds", rnd.id, rnd.name, rnd.summary, rnd.outcome, rnd.place, rnd.venue, *quotes
            )

    def briefings(self) -> None:
        for i, brief in enumerate(self.seeds.briefings):
            path = f"briefings[{i}]"
            self.ref("briefings", f"{path}.document", "documents", brief.document)
            photo: Row | None = None
            if brief.photo is not None:
                p = brief.photo
                ppath = f"{path}.photo"
                self.refs("briefings", f"{ppath}.people", "people", p.people)
                self.ref("briefings", f"{ppath}.round", "rounds", p.round)
                text = self.texts.get(brief.document, "")
                if text:
                    try:
                        locate(text, p.caption)
                    except QuoteNotFoundError as exc:
                        self.problem("briefings", f"{ppath}.caption", str(exc))
                photo = {
                    "caption": p.caption,
                    "place": p.place,
                    "venue": p.venue,
                    "date": p.date,
                    "date_precision": p.date_precision.value if p.date_precision else None,
                    "credit": p.credit,
                    "round_id": p.round,
                }
                self.link("person_links", "person_id", "briefings", brief.id, p.people)
            self.plan.add(
                "briefings",
                {
                    "id": brief.id,
                    "ordinal": i,
                    "document_id": brief.document,
                    "title": brief.title,
                    "published_on": brief.published_on,
                    "summary": brief.summary,
                    "takeaway": brief.takeaway,
                    "photo": photo,
                },
            )
            quotes = self.cite("briefings", brief.id, f"{path}.takeaway_citations", brief.takeaway_citations)
            self.searchable("briefings", brief.id, brief.title, brief.summary, brief.takeaway, *quotes)
            self.sections(brief.id, brief.document, path, brief)

    def sections(self, briefing_id: str, document_id: str, path: str, brief: Any) -> None:
        """Sections run from their heading's line to the next section's heading (or the text's end)."""
        text = self.texts.get(document_id)
        if text is None:
            return
        starts: list[int] = []
        for index, section in enumerate(brief.sections):
            if section.heading is None:
                if index != 0:
                    self.problem(
                        "briefings", f"{path}.sections[{index}].heading", "only the lead has no heading"
                    )
                starts.append(0)
                continue
            line = f"\n{section.heading}\n"
            found = text.find(line)
            if found == -1 or text.find(line, found + 1) != -1:
                self.problem(
                    "briefings",
                    f"{path}.sections[{index}].heading",
                    "must be a line of the document that occurs exactly once",
                )
                starts.append(-1)
                continue
            starts.append(found + 1)
        if any(a >= b for a, b in itertools.pairwise(starts) if a >= 0 and b >= 0):
            self.problem("briefings", f"{path}.sections", "sections must follow the article's order")
        ends = [*starts[1:], len(text)]
        for index, (section, start, end) in enumerate(zip(brief.sections, starts, ends, strict=True)):
            if start < 0:
                continue
            self.plan.add(
                "sections",
                {
                    "id": section.id,
                    "briefing_id": briefing_id,
                    "ordinal": index,
                    "heading": section.heading,
                    "summary": section.summary,
                    "start": start,
                    "end": end,
                },
            )
        if len({s.id for s in brief.sections}) != len(brief.sections):
            self.problem("briefings", f"{path}.sections", "section ids must be unique")

    def positions(self) -> None:
        for i, pos in enumerate(self.seeds.positions):
            path = f"positions[{i}]"
            self.plan.add(
                "positions",
                {
                    "id": pos.id,
                    "ordinal": i,
                    "holder": pos.holder.value,
                    "kind": pos.kind.value,
                    "summary": pos.summary,
                    "party_id": self.ref("positions", f"{path}.party", "parties", pos.party),
                    "round_id": self.ref("positions", f"{path}.round", "rounds", pos.round),
                    "target_id": self.ref("positions", f"{path}.target", "parties", pos.target),
                },
            )
            topics = self.refs("positions", f"{path}.topics", "topics", pos.topics)
            self.link("topic_links", "topic_id", "positions", pos.id, topics)
            quotes = self.cite("positions", pos.id, f"{path}.citations", pos.citations)
            party = self.names["parties"].get(pos.party, pos.party)
            self.searchable("positions", pos.id, f"{party}: {pos.summary}", *quotes)

    def mediators(self) -> None:
        for i, med in enumerate(self.seeds.mediators):
            path = f"mediators[{i}]"
            self.plan.add(
                "mediators",
                {
                    "id": med.id,
                    "ordinal": i,
                    "role": med.role.value,
                    "approach": med.approach,
                    "result": med.result,
                    "result_quote": med.result_quote,
                    "summary": med.summary,
                    "party_id": self.ref("mediators", f"{path}.party", "parties", med.party),
                },
            )
            self.link(
                "round_links",
                "round_id",
                "mediators",
                med.id,
                self.refs("mediators", f"{path}.rounds", "rounds", med.rounds),
            )
            self.link(
                "topic_links",
                "topic_id",
                "mediators",
                med.id,
                self.refs("mediators", f"{path}.topics", "topics", med.topics),
            )
            quotes = self.cite("mediators", med.id, f"{path}.citations", med.citations)
            party = self.names["parties"].get(med.party, med.party)
            self.searchable(
                "mediators",
                med.id,
                f"{party} ({med.role.value.replace('_', ' ')})",
                med.summary,
                med.approach,
                med.result,
                *quotes,
            )

    def barriers(self) -> None:
        for i, bar in enumerate(self.seeds.barriers):
            path = f"barriers[{i}]"
            self.plan.add(
                "barriers",
                {
                    "id": bar.id,
                    "ordinal": i,
                    "category": bar.category.value,
                    "category_basis": bar.category_basis,
                    "name": bar.name,
                    "summary": bar.summary,
                },
            )
            self.link(
                "topic_links",
                "topic_id",
                "barriers",
                bar.id,
                self.refs("barriers", f"{path}.topics", "topics", bar.topics),
            )
            self.link(
                "party_links",
                "party_id",
                "barriers",
                bar.id,
                self.refs("barriers", f"{path}.parties", "parties", bar.parties),
                role="involved",
            )
            quotes = self.cite("barriers", bar.id, f"{path}.citations", bar.citations)
            self.searchable("barriers", bar.id, bar.name, bar.summary, *quotes)

    def implications(self) -> None:
        numbers = [imp.number for imp in self.seeds.implications]
        if numbers != list(range(1, len(numbers) + 1)):
            self.problem("implications", "implications", "numbers must run 1, 2, 3, … in the article's order")
        for i, imp in enumerate(self.seeds.implications):
            path = f"implications[{i}]"
            text = next(iter(self.texts.values()), "")
            for j, analogue in enumerate(imp.analogues):
                if text and analogue not in text:
                    self.problem("implications", f"{path}.analogues[{j}]", not_found(text, analogue))
            self.plan.add(
                "implications",
                {
                    "id": imp.id,
                    "ordinal": i,
                    "number": imp.number,
                    "emoji": imp.emoji,
                    "heading": imp.heading,
                    "summary": imp.summary,
                    "analogues": list(imp.analogues),
                },
            )
            self.link(
                "topic_links",
                "topic_id",
                "implications",
                imp.id,
                self.refs("implications", f"{path}.topics", "topics", imp.topics),
            )
            self.link(
                "party_links",
                "party_id",
                "implications",
                imp.id,
                self.refs("implications", f"{path}.parties", "parties", imp.parties),
                role="involved",
            )
            quotes = self.cite("implications", imp.id, f"{path}.citations", imp.citations)
            self.searchable(
                "implications",
                imp.id,
                f"{imp.emoji} {imp.number}. {imp.heading}",
                imp.summary,
                *imp.analogues,
                *quotes,
            )

    def events(self) -> None:
        for i, ev in enumerate(self.seeds.events):
            path = f"events[{i}]"
            self.plan.add(
                "events",
                {
                    "id": ev.id,
                    "ordinal": i,
                    "kind": ev.kind.value,
                    "title": ev.title,
                    "summary": ev.summary,
                    "round_id": self.ref("events", f"{path}.round", "rounds", ev.round),
                    **date_columns(ev.partial_date, i),
                },
            )
            self.link(
                "party_links",
                "party_id",
                "events",
                ev.id,
                self.refs("events", f"{path}.parties", "parties", ev.parties),
                role="involved",
            )
            quotes = self.cite("events", ev.id, f"{path}.citations", ev.citations)
            self.searchable("events", ev.id, ev.title, ev.summary, *quotes)

    def version(self) -> str:
        payload = orjson.dumps(
            {"loader": LOADER_VERSION, "rows": self.plan.rows},
            option=orjson.OPT_SORT_KEYS,
            default=str,
        )
        return hashlib.sha256(payload).hexdigest()


def build_plan(
    seeds: SeedFiles, seeds_dir: Path, known_ids: Mapping[str, Collection[str] | None] | None = None
) -> LoadPlan:
    """Check references and quotes of validated seeds; raise ``SeedError`` with every problem.

    ``known_ids`` are the ids each seed file declares, those of items that failed validation included (so
    that a reference to them is not reported too); None for a file that could not be read, whose
    references are then not checked. Without it, the ids of ``seeds`` are the known ones.
    """
    return _Planner(seeds, seeds_dir, known_ids).run()
