"""Turn validated seed files into table rows: check every reference, locate every quote, derive dates.

Nothing here touches the database; a ``LoadPlan`` is only built when the whole seed is sound.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from app.db import readmodel
from app.db.collections import BY_NAME
from app.db.listing import CollectionSpec
from app.db.models import table_of
from app.seed import search_entries
from app.seed.errors import SeedError, SeedProblem
from app.seed.provenance import QuoteNotFoundError, locate, not_found
from app.seed.read import seed_file_name
from app.seed.rows import item_links, item_row, link_rows, search_row
from app.seed.schema import CitationSeed, SeedFiles
from app.seed.suggest import unknown_reference

LOADER_VERSION = "5"
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
        """Rows per table, the read model's included."""
        counts = {table: len(rows) for table, rows in self.rows.items()}
        return {**counts, "representations": readmodel.expected_rows(counts)}


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
        for name in ("parties", "topics", "sources", "people", "rounds"):
            self.items(BY_NAME[name])
        self.briefings()
        self.check_implications()
        for name in ("positions", "mediators", "barriers", "implications", "events"):
            self.items(BY_NAME[name])
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

    def items(self, spec: CollectionSpec) -> None:
        """Rows of one collection, derived from its declaration (``app.seed.rows.item_row``): its columns,
        its references checked, its dates, its links checked, its citations located in the document, and
        its searchable text."""
        for i, item in enumerate(getattr(self.seeds, spec.name)):
            path = f"{spec.name}[{i}]"
            row = item_row(spec, item, i)
            for ref in spec.refs:
                self.ref(spec.name, f"{path}.{ref.name}", table_of(ref.target).name, row[ref.column])
            self.plan.add(spec.name, row)
            for link in spec.links:
                self.refs(
                    spec.name, f"{path}.{link.name}", table_of(link.target).name, getattr(item, link.name)
                )
            for table, rows in item_links(spec, item):
                for link_row in rows:
                    self.plan.add(table, link_row)
            quotes = self.cite(spec.name, item.id, f"{path}.citations", item.citations) if spec.cited else []
            title, *parts = SEARCH_TEXT[spec.name](item, self.names["parties"], quotes)
            self.searchable(spec.name, item.id, title or "", *parts)

    def check_implications(self) -> None:
        numbers = [imp.number for imp in self.seeds.implications]
        if numbers != list(range(1, len(numbers) + 1)):
            self.problem("implications", "implications", "numbers must run 1, 2, 3, … in the article's order")
        text = next(iter(self.texts.values()), "")
        for i, imp in enumerate(self.seeds.implications):
            for j, analogue in enumerate(imp.analogues):
                if text and analogue not in text:
                    self.problem(
                        "implications", f"implications[{i}].analogues[{j}]", not_found(text, analogue)
                    )

    def version(self) -> str:
        payload = orjson.dumps(
            {"loader": LOADER_VERSION, "rows": self.plan.rows},
            option=orjson.OPT_SORT_KEYS,
            default=str,
        )
        return hashlib.sha256(payload).hexdigest()


SearchText = Callable[[Any, Mapping[str, str], list[str]], tuple[str | None, ...]]
SEARCH_TEXT: dict[str, SearchText] = {
    "parties": lambda p, parties, quotes: (p.name, p.description, ", ".join(p.aliases)),
    "topics": lambda t, parties, quotes: (t.name, t.description),
    "sources": lambda s, parties, quotes: (f"{s.name}: {s.title}", s.outlet),
    "people": lambda p, parties, quotes: (p.name, p.role),
    "rounds": lambda r, parties, quotes: (r.name, r.summary, r.outcome, r.place, r.venue, *quotes),
    "positions": lambda p, parties, quotes: (f"{parties.get(p.party, p.party)}: {p.summary}", *quotes),
    "mediators": lambda m, parties, quotes: (
        f"{parties.get(m.party, m.party)} ({m.role.value.replace('_', ' ')})",
        m.summary,
        m.approach,
        m.result,
        *quotes,
    ),
    "barriers": lambda b, parties, quotes: (b.name, b.summary, *quotes),
    "implications": lambda i, parties, quotes: (
        f"{i.emoji} {i.number}. {i.heading}",
        i.summary,
        *i.analogues,
        *quotes,
    ),
    "events": lambda e, parties, quotes: (e.title, e.summary, *quotes),
}
"""The searchable text of an item, title first: what differs between collections, beside the declaration."""


def build_plan(
    seeds: SeedFiles, seeds_dir: Path, known_ids: Mapping[str, Collection[str] | None] | None = None
) -> LoadPlan:
    """Check references and quotes of validated seeds; raise ``SeedError`` with every problem.

    ``known_ids`` are the ids each seed file declares, those of items that failed validation included (so
    that a reference to them is not reported too); None for a file that could not be read, whose
    references are then not checked. Without it, the ids of ``seeds`` are the known ones.
    """
    return _Planner(seeds, seeds_dir, known_ids).run()
