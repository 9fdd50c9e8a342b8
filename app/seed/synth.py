"""A deterministic synthetic data set for scale tests and benchmarks, written to a NEW SQLite file.

``write_synthetic(rows=N, out=PATH, random_seed=S)`` builds the schema with the project's Alembic
migrations, then fills every table with rows of the same shapes the seed loader produces
(``app.seed.plan``): documents with text, the twelve collections, citations whose ``start``/``end`` point
into the synthetic documents (``text[start:end] == quote``), topic/party/person/round links and search
entries, then rebuilds the full-text index and stores the data set's version.

It is unmistakably synthetic: document and briefing titles start with ``[SYNTHETIC]``, the data set's
``counts`` carry ``"synthetic": 1`` and its version is ``sha256("synthetic:{rows}:{random_seed}")``.
It never touches an existing file (the real seed database included): the target must not exist. The
file is built under a temporary name beside the target and renamed into place when complete.

Sizes: positions and events have ``rows`` rows each (the largest API collections; citations, links and
search entries, which are not collections, are larger); documents ``rows // 100``, parties up to 800,
and the other collections in between. The same ``rows`` and ``random_seed`` give the same rows.
"""

from __future__ import annotations

import calendar
import datetime as dt
import gc
import hashlib
import json
import os
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Connection, Date, Table, create_engine, event, insert

from app.db import migrate, readmodel, search_index
from app.db.models import Base, Dataset
from app.domain.dates import PartialDate
from app.domain.vocab import (
    BarrierCategory,
    DatePrecision,
    EventKind,
    MediatorRole,
    PartyKind,
    PositionHolder,
    PositionKind,
    RoundFormat,
    RoundStatus,
)
from app.seed.rows import date_columns, link_rows, search_row
from app.seed.search_entries import entry_id
from app.settings import Settings

SYNTHETIC_MARK = "[SYNTHETIC]"
CHUNK_ROWS = 5000
SENTENCE_POOL = 6000
TITLE_POOL = 3000
SENTENCES_PER_DOCUMENT = 60

Row = dict[str, Any]

# A topical core vocabulary, most frequent first (after the function words), then pseudo-words. Some
# words carry diacritics so that folding is exercised; search terms such as "ceasefire", "neutrality"
# and "guarantees" are common but far from universal.
_FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "that",
    "a",
    "for",
    "on",
    "with",
    "as",
    "by",
    "is",
    "was",
    "were",
    "its",
    "their",
    "from",
    "at",
    "which",
    "has",
    "have",
    "not",
    "but",
    "would",
    "could",
    "this",
    "be",
    "or",
    "an",
    "it",
    "they",
    "are",
    "after",
    "over",
    "before",
    "between",
    "while",
    "both",
    "than",
]
_TOPICAL_WORDS = [
    "talks",
    "negotiations",
    "russia",
    "ukraine",
    "peace",
    "war",
    "forces",
    "security",
    "sovereignty",
    "territory",
    "kyiv",
    "moscow",
    "delegation",
    "envoy",
    "proposal",
    "agreement",
    "officials",
    "ceasefire",
    "withdrawal",
    "troops",
    "sanctions",
    "mediation",
    "neutrality",
    "guarantees",
    "border",
    "annexation",
    "referendum",
    "prisoners",
    "exchange",
    "humanitarian",
    "corridor",
    "grain",
    "exports",
    "nuclear",
    "plant",
    "zaporizhzhia",
    "donbas",
    "crimea",
    "istanbul",
    "geneva",
    "minsk",
    "memorandum",
    "framework",
    "summit",
    "diplomats",
    "minister",
    "president",
    "kremlin",
    "alliance",
    "nato",
    "membership",
    "europe",
    "washington",
    "ankara",
    "beijing",
    "offensive",
    "counteroffensive",
    "frontline",
    "occupied",
    "regions",
    "demands",
    "concessions",
    "red",
    "lines",
    "trust",
    "leverage",
    "stalemate",
    "momentum",
    "attrition",
    "drones",
    "missiles",
    "infrastructure",
    "energy",
    "reconstruction",
    "reparations",
    "tribunal",
    "accountability",
    "elections",
    "legitimacy",
    "constitution",
    "demilitarisation",
    "guarantors",
    "observers",
    "monitoring",
    "verification",
    "timetable",
    "roadmap",
    "phased",
    "interim",
    "settlement",
    "compromise",
    "recognition",
    "autonomy",
    "federalisation",
    "language",
    "minorities",
    "church",
    "assets",
    "frozen",
    "reserves",
    "arms",
    "shipments",
    "aid",
    "package",
    "coalition",
    "partners",
    "allies",
    "adversaries",
    "channel",
    "backchannel",
    "shuttle",
    "diplomacy",
    "communique",
    "statement",
    "declaration",
    "accusations",
    "violations",
    "shelling",
    "casualties",
    "civilians",
    "refugees",
    "mines",
    "reservoir",
    "dam",
    "port",
    "blockade",
    "shipping",
    "insurance",
    "fertiliser",
    "ammonia",
    "pipeline",
    "gas",
    "transit",
    "türkiye",
    "erdoğan",
    "çırağan",
    "dolmabahçe",
    "kraków",
    "gdańsk",
    "łódź",
    "zürich",
    "genève",
    "sjælland",
]
_SYLLABLES = [
    "ka",
    "lo",
    "ve",
    "ri",
    "sta",
    "mon",
    "del",
    "pra",
    "ten",
    "vor",
    "isk",
    "ul",
    "an",
    "bel",
    "cor",
    "dun",
    "fa",
    "gri",
    "hal",
    "jor",
    "kel",
    "lum",
    "mar",
    "nes",
    "ost",
    "pel",
    "quin",
    "ros",
    "sal",
    "tor",
    "ur",
    "val",
    "wen",
    "yar",
    "zel",
    "bra",
    "cle",
    "dro",
    "fli",
    "gro",
    "pla",
    "tri",
]
_CITIES = (
    "Istanbul",
    "Geneva",
    "Minsk",
    "Antalya",
    "Jeddah",
    "Riyadh",
    "Vienna",
    "Helsinki",
    "Doha",
    "Abu Dhabi",
    "Vatican City",
    "Belovezh",
    "Gomel",
    "Zürich",
    "Kraków",
)
_VENUES = ("Palace", "Conference Centre", "Embassy", "Hotel", "Ministry", "Residence", "Forum")
_EMOJI = ("🕊️", "⚖️", "🛡️", "🌍", "🔥", "🤝", "📜", "⛓️", "🧭", "🏛️")
_OUTLETS = ("Reuters", "Associated Press", "Foreign Affairs", "The Economist", "Le Monde", "Kyiv Independent")
_ROLES = ("foreign minister", "president", "chief negotiator", "envoy", "spokesperson", "defence minister")
_TOPIC_NAMES = (
    "territory",
    "sovereignty",
    "neutrality",
    "nato-membership",
    "security-guarantees",
    "sanctions",
    "prisoners",
    "grain-exports",
    "nuclear-safety",
    "reparations",
    "elections",
    "language-rights",
    "ceasefire-monitoring",
    "frozen-assets",
    "reconstruction",
    "accountability",
)


def _dates(year: int, month: int, day: int, precision: DatePrecision) -> tuple[str, dt.date, dt.date]:
    """The ISO text and the interval of a partial date (as ``PartialDate.parse`` would give)."""
    if precision is DatePrecision.YEAR:
        return f"{year:04d}", dt.date(year, 1, 1), dt.date(year, 12, 31)
    if precision is DatePrecision.MONTH:
        last = calendar.monthrange(year, month)[1]
        return f"{year:04d}-{month:02d}", dt.date(year, month, 1), dt.date(year, month, last)
    exact = dt.date(year, month, day)
    return exact.isoformat(), exact, exact


class _Writer:
    """Buffers rows per table and inserts them in chunks with the driver's ``executemany``.

    Rows have the loader's shapes (dates as ``datetime.date``, JSON columns as lists and dicts). They are
    stored as SQLAlchemy's SQLite types store them (ISO dates, ``json.dumps``), but bypassing its
    per-row parameter processing, which would otherwise cost more than SQLite itself."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.tables: dict[str, Table] = dict(Base.metadata.tables)
        self.buffers: dict[str, list[Row]] = {}
        self.counts: dict[str, int] = {}
        self.statements: dict[str, tuple[str, list[str], list[str]]] = {}
        self.stream = readmodel.ItemStream(readmodel.ReadModel(lambda row: self.put("representations", row)))

    def _statement(self, table: str, row: Row) -> tuple[str, list[str], list[str]]:
        cached = self.statements.get(table)
        if cached is None:
            columns = self.tables[table].c
            names = list(row)
            unknown = [n for n in names if n not in columns]
            if unknown:
                raise ValueError(f"{table} has no column(s) {unknown}")
            # Table and column names come from the models' metadata (checked above), never from input.
            quoted = ", ".join(f'"{n}"' for n in names)
            placeholders = ", ".join(":" + n for n in names)
            sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({placeholders})'  # noqa: S608
            dates = [n for n in names if isinstance(columns[n].type, Date)]
            documents = [n for n in names if isinstance(columns[n].type, JSON)]
            cached = self.statements[table] = (sql, dates, documents)
        return cached

    def add(self, table: str, row: Row) -> None:
        """Write a row; the read model renders it (and its item's links and citations) on the way."""
        self.stream.add(table, row)
        self.put(table, row)

    def put(self, table: str, row: Row) -> None:
        buffer = self.buffers.setdefault(table, [])
        buffer.append(row)
        if len(buffer) >= CHUNK_ROWS:
            self.flush(table)

    def flush(self, table: str) -> None:
        buffer = self.buffers.get(table)
        if buffer:
            sql, dates, documents = self._statement(table, buffer[0])
            if dates or documents:  # converted copies: the read model may still hold the rows
                buffer = [
                    {
                        **row,
                        **{n: row[n].isoformat() for n in dates if row[n] is not None},
                        **{n: json.dumps(row[n]) for n in documents},
                    }
                    for row in buffer
                ]
            self.connection.exec_driver_sql(sql, buffer)
            self.counts[table] = self.counts.get(table, 0) + len(buffer)
            self.buffers[table] = []

    def flush_all(self) -> None:
        for table in list(self.buffers):
            self.flush(table)

    def finish(self) -> None:
        """Render the whole briefings and write every row still buffered."""
        written = self.stream.finish()
        self.flush_all()
        if self.counts.get("representations", 0) != written:
            raise RuntimeError(
                f"read model: {written} rendered, {self.counts.get('representations')} written"
            )


class _Synth:
    def __init__(self, rows: int, random_seed: int, writer: _Writer) -> None:
        self.rows = rows
        self.rng = random.Random(random_seed)  # noqa: S311 -- test data, not cryptography
        self.rand: Callable[[], float] = self.rng.random
        self.w = writer
        self.sort_width = max(6, len(str(rows)))
        self.n_documents = max(2, rows // 100)
        self.n_parties = max(12, min(800, rows // 100))
        self.n_topics = max(len(_TOPIC_NAMES), min(60, rows // 1000))
        self.n_sources = max(6, min(60, rows // 500))
        self.n_people = max(10, rows // 50)
        self.n_rounds = max(5, rows // 100)
        self.n_mediators = max(5, rows // 50)
        self.n_barriers = max(6, rows // 20)
        self.n_implications = max(6, rows // 1000)
        self.search_id = 0
        self.citation_id = 0
        self.vocabulary = self._vocabulary()
        self.sentences = [self._sentence() for _ in range(SENTENCE_POOL)]
        self.titles = [self._title() for _ in range(TITLE_POOL)]
        # Per document: (start, end, sentence index) of every sentence of its text.
        self.spans: list[list[tuple[int, int, int]]] = []
        self.headings: list[list[str]] = []
        self.document_ids = [f"synthetic-document-{i + 1}" for i in range(self.n_documents)]
        self.party_ids = [f"party-{i + 1}" for i in range(self.n_parties)]
        self.party_names: list[str] = []
        self.topic_ids = [
            _TOPIC_NAMES[i] if i < len(_TOPIC_NAMES) else f"topic-{i + 1}" for i in range(self.n_topics)
        ]
        self.source_ids = [f"source-{i + 1}" for i in range(self.n_sources)]
        self.person_ids = [f"person-{i + 1}" for i in range(self.n_people)]
        self.round_ids = [f"round-{i + 1}" for i in range(self.n_rounds)]

    # -- text -------------------------------------------------------------------------------------------
    def _vocabulary(self) -> tuple[list[str], list[float]]:
        rng = self.rng
        pseudo: set[str] = set()
        while len(pseudo) < 1500:
            pseudo.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
        words = [*_FUNCTION_WORDS, *_TOPICAL_WORDS, *sorted(pseudo)]
        cumulative: list[float] = []
        total = 0.0
        for rank in range(len(words)):
            total += 1.0 / (rank + 8)
            cumulative.append(total)
        return words, cumulative

    def _words(self, count: int) -> list[str]:
        words, cumulative = self.vocabulary
        return self.rng.choices(words, cum_weights=cumulative, k=count)

    def _sentence(self) -> str:
        words = self._words(self.rng.randint(7, 22))
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."

    def _title(self) -> str:
        return " ".join(w.capitalize() for w in self._words(self.rng.randint(3, 7)))

    def pick(self, values: Sequence[str]) -> str:
        return values[int(self.rand() * len(values))]

    def sentence(self) -> str:
        return self.sentences[int(self.rand() * SENTENCE_POOL)]

    def title(self) -> str:
        return self.titles[int(self.rand() * TITLE_POOL)]

    def sample(self, values: Sequence[str], low: int, high: int) -> list[str]:
        """``low`` to ``high`` distinct values, drawn in order."""
        count = min(len(values), low + int(self.rand() * (high - low + 1)))
        chosen: list[str] = []
        while len(chosen) < count:
            value = values[int(self.rand() * len(values))]
            if value not in chosen:
                chosen.append(value)
        return chosen

    def date(self, ordinal: int, *, undated_share: float = 0.0) -> Row:
        """Date columns as the loader derives them (``app.seed.rows.date_columns``)."""
        if undated_share and self.rand() < undated_share:
            return date_columns(None, ordinal, width=self.sort_width)
        roll = self.rand()
        precision = (
            DatePrecision.DAY if roll < 0.6 else DatePrecision.MONTH if roll < 0.9 else DatePrecision.YEAR
        )
        year = 2014 + int(self.rand() * 12)
        month = 1 + int(self.rand() * 12)
        day = 1 + int(self.rand() * 28)
        text_, earliest, latest = _dates(year, month, day, precision)
        return date_columns(PartialDate(text_, precision, earliest, latest), ordinal, width=self.sort_width)

    # -- shared side tables -----------------------------------------------------------------------------
    def cite(self, collection: str, item_id: str, count: int) -> list[str]:
        """``count`` citations of one document (the item's home document); returns the quotes."""
        document = int(self.rand() * self.n_documents)
        spans = self.spans[document]
        quotes: list[str] = []
        for ordinal in range(count):
            start, end, index = spans[int(self.rand() * len(spans))]
            quote = self.sentences[index]
            if self.rand() < 0.3:  # a shorter quote: the sentence's first words
                cut = quote.find(" ", quote.find(" ", quote.find(" ") + 1) + 1)
                if cut > 0:
                    quote = quote[:cut]
                    end = start + cut
            self.citation_id += 1
            self.w.add(
                "citations",
                {
                    "id": self.citation_id,
                    "collection": collection,
                    "item_id": item_id,
                    "ordinal": ordinal,
                    "document_id": self.document_ids[document],
                    "start": start,
                    "end": end,
                    "quote": quote,
                    "source_id": self.pick(self.source_ids) if self.rand() < 0.6 else None,
                },
            )
            quotes.append(quote)
        return quotes

    def link(
        self, table: str, column: str, collection: str, item_id: str, values: list[str], **extra: Any
    ) -> None:
        for row in link_rows(collection, item_id, column, values, **extra):
            self.w.add(table, row)

    def searchable(self, collection: str, item_id: str, title: str, *parts: str | None) -> None:
        self.search_id += 1
        self.w.add(
            "search_entries",
            {**search_row(collection, item_id, title, *parts), "id": entry_id(collection, self.search_id)},
        )

    def citations_count(self) -> int:
        return 1 if self.rand() < 0.7 else 2

    # -- collections, in the loader's order ---------------------------------------------------------------
    def run(self) -> None:
        self.documents()
        self.parties()
        self.topics()
        self.sources()
        self.people()
        self.rounds()
        self.briefings()
        self.positions()
        self.mediators()
        self.barriers()
        self.implications()
        self.events()
        self.w.finish()

    def documents(self) -> None:
        for i, document_id in enumerate(self.document_ids):
            parts: list[str] = []
            spans: list[tuple[int, int, int]] = []
            headings: list[str] = []
            offset = 0
            for k in range(SENTENCES_PER_DOCUMENT):
                if k and k % 15 == 0:  # a heading line, which the briefing's sections point at
                    headings.append(f"Part {k // 15}: {self.title()}")
                    line = f"\n{headings[-1]}\n\n"
                    parts.append(line)
                    offset += len(line)
                elif k and k % 5 == 0:
                    parts.append("\n\n")
                    offset += 2
                elif k:
                    parts.append(" ")
                    offset += 1
                index = int(self.rand() * SENTENCE_POOL)
                sentence = self.sentences[index]
                parts.append(sentence)
                spans.append((offset, offset + len(sentence), index))
                offset += len(sentence)
            body = "".join(parts) + "\n"
            self.spans.append(spans)
            self.headings.append(headings)
            title = f"{SYNTHETIC_MARK} {self.title()}"
            self.w.add(
                "documents",
                {
                    "id": document_id,
                    "ordinal": i,
                    "title": title,
                    "kind": "analysis",
                    "language": "en",
                    "published_on": dt.date(2025, 6, 12) - dt.timedelta(days=i % 3650),
                    "sha256": hashlib.sha256(body.encode()).hexdigest(),
                    "length": len(body),
                    "text": body,
                },
            )
            self.searchable("documents", document_id, title, body)

    def parties(self) -> None:
        kinds = list(PartyKind)
        for i, party_id in enumerate(self.party_ids):
            base = self.title().split(" ")[0]
            name = f"{base} {i + 1}" if i % 3 else f"Republic of {base} {i + 1}"
            self.party_names.append(name)
            description = self.sentence() if self.rand() < 0.8 else None
            aliases = [f"{base}-{i + 1}"] if self.rand() < 0.5 else []
            self.w.add(
                "parties",
                {
                    "id": party_id,
                    "ordinal": i,
                    "name": name,
                    "kind": kinds[int(self.rand() * len(kinds))].value,
                    "description": description,
                    "aliases": aliases,
                },
            )
            self.searchable("parties", party_id, name, description, ", ".join(aliases))

    def topics(self) -> None:
        for i, topic_id in enumerate(self.topic_ids):
            name = topic_id.replace("-", " ").capitalize()
            description = self.sentence()
            self.w.add("topics", {"id": topic_id, "ordinal": i, "name": name, "description": description})
            self.searchable("topics", topic_id, name, description)

    def sources(self) -> None:
        for i, source_id in enumerate(self.source_ids):
            outlet = _OUTLETS[i % len(_OUTLETS)]
            name = f"{outlet} {i + 1}"
            title = self.title()
            self.w.add(
                "sources", {"id": source_id, "ordinal": i, "outlet": outlet, "name": name, "title": title}
            )
            self.cite("sources", source_id, 1)
            self.searchable("sources", source_id, f"{name}: {title}", outlet)

    def people(self) -> None:
        for i, person_id in enumerate(self.person_ids):
            name = f"{self.title().split(' ')[0]} {self.title().split(' ')[-1]}"
            role = self.pick(_ROLES)
            self.w.add(
                "people",
                {
                    "id": person_id,
                    "ordinal": i,
                    "name": name,
                    "role": role,
                    "party_id": self.pick(self.party_ids) if self.rand() < 0.9 else None,
                },
            )
            self.cite("people", person_id, 1)
            self.searchable("people", person_id, name, role)

    def rounds(self) -> None:
        formats, statuses = list(RoundFormat), list(RoundStatus)
        for i, round_id in enumerate(self.round_ids):
            name = f"{self.pick(_CITIES)} talks {i + 1}"
            place = self.pick(_CITIES) if self.rand() < 0.9 else None
            venue = f"{self.title().split(' ')[0]} {self.pick(_VENUES)}" if self.rand() < 0.5 else None
            outcome, summary = self.sentence(), self.sentence()
            self.w.add(
                "rounds",
                {
                    "id": round_id,
                    "ordinal": i,
                    "name": name,
                    "place": place,
                    "venue": venue,
                    "format": formats[int(self.rand() * len(formats))].value,
                    "status": statuses[int(self.rand() * len(statuses))].value,
                    "outcome": outcome,
                    "outcome_quote": None,
                    "summary": summary,
                    **self.date(i, undated_share=0.1),
                },
            )
            participants = self.sample(self.party_ids, 2, 4)
            hosts = self.sample([p for p in self.party_ids[:40] if p not in participants], 0, 1)
            self.link("party_links", "party_id", "rounds", round_id, participants, role="participant")
            self.link("party_links", "party_id", "rounds", round_id, hosts, role="host")
            self.link("topic_links", "topic_id", "rounds", round_id, self.sample(self.topic_ids, 1, 3))
            quotes = self.cite("rounds", round_id, self.citations_count())
            self.searchable("rounds", round_id, name, summary, outcome, place, venue, *quotes)

    def briefings(self) -> None:
        """One briefing per document, with a lead, three headed sections and a photo."""
        for i, document_id in enumerate(self.document_ids):
            briefing_id = f"synthetic-briefing-{i + 1}"
            spans = self.spans[i]
            title = f"{SYNTHETIC_MARK} {self.title()}"
            summary, takeaway = self.sentence(), self.sentence()
            caption = self.sentences[spans[1][2]]
            photo = {
                "caption": caption,
                "place": self.pick(_CITIES),
                "venue": None,
                "date": "2025-06-02",
                "date_precision": "day",
                "credit": "Synthetic Photo Agency",
                "round_id": self.pick(self.round_ids),
            }
            self.link(
                "person_links", "person_id", "briefings", briefing_id, self.sample(self.person_ids, 2, 2)
            )
            self.w.add(
                "briefings",
                {
                    "id": briefing_id,
                    "ordinal": i,
                    "document_id": document_id,
                    "title": title,
                    "published_on": dt.date(2025, 6, 12) - dt.timedelta(days=i % 3650),
                    "summary": summary,
                    "takeaway": takeaway,
                    "photo": photo,
                },
            )
            quotes = self.cite("briefings", briefing_id, 1)
            self.searchable("briefings", briefing_id, title, summary, takeaway, *quotes)
            # Sections start at the heading lines written by documents(): before sentences 15, 30, 45.
            starts = [0] + [spans[k - 1][1] + 1 for k in (15, 30, 45)]
            ends = [*starts[1:], spans[-1][1] + 1]
            for ordinal, (start, end) in enumerate(zip(starts, ends, strict=True)):
                self.w.add(
                    "sections",
                    {
                        "id": f"{briefing_id}-section-{ordinal + 1}",
                        "briefing_id": briefing_id,
                        "ordinal": ordinal,
                        "heading": None if ordinal == 0 else self.headings[i][ordinal - 1],
                        "summary": self.sentence(),
                        "start": start,
                        "end": end,
                    },
                )

    def positions(self) -> None:
        kinds, holders = list(PositionKind), list(PositionHolder)
        for i in range(self.rows):
            position_id = f"position-{i + 1}"
            party = int(self.rand() * self.n_parties)
            summary = self.sentence()
            self.w.add(
                "positions",
                {
                    "id": position_id,
                    "ordinal": i,
                    "kind": kinds[int(self.rand() * len(kinds))].value,
                    "holder": holders[i % len(holders)].value,
                    "summary": summary,
                    "party_id": self.party_ids[party],
                    "round_id": self.pick(self.round_ids) if self.rand() < 0.4 else None,
                    "target_id": self.pick(self.party_ids) if self.rand() < 0.5 else None,
                },
            )
            self.link("topic_links", "topic_id", "positions", position_id, self.sample(self.topic_ids, 1, 2))
            quotes = self.cite("positions", position_id, self.citations_count())
            self.searchable("positions", position_id, f"{self.party_names[party]}: {summary}", *quotes)

    def mediators(self) -> None:
        roles = list(MediatorRole)
        for i in range(self.n_mediators):
            mediator_id = f"mediator-{i + 1}"
            party = int(self.rand() * self.n_parties)
            role = roles[int(self.rand() * len(roles))].value
            approach, result, summary = self.sentence(), self.sentence(), self.sentence()
            self.w.add(
                "mediators",
                {
                    "id": mediator_id,
                    "ordinal": i,
                    "role": role,
                    "approach": approach,
                    "result": result,
                    "result_quote": None,
                    "summary": summary,
                    "party_id": self.party_ids[party],
                },
            )
            self.link("round_links", "round_id", "mediators", mediator_id, self.sample(self.round_ids, 1, 2))
            self.link("topic_links", "topic_id", "mediators", mediator_id, self.sample(self.topic_ids, 1, 2))
            quotes = self.cite("mediators", mediator_id, self.citations_count())
            self.searchable(
                "mediators",
                mediator_id,
                f"{self.party_names[party]} ({role.replace('_', ' ')})",
                summary,
                approach,
                result,
                *quotes,
            )

    def barriers(self) -> None:
        categories = list(BarrierCategory)
        for i in range(self.n_barriers):
            barrier_id = f"barrier-{i + 1}"
            name, summary = self.title(), self.sentence()
            category = categories[int(self.rand() * len(categories))].value
            self.w.add(
                "barriers",
                {
                    "id": barrier_id,
                    "ordinal": i,
                    "category": category,
                    "category_basis": f"{SYNTHETIC_MARK} read as {category}.",
                    "name": name,
                    "summary": summary,
                },
            )
            self.link("topic_links", "topic_id", "barriers", barrier_id, self.sample(self.topic_ids, 1, 2))
            self.link(
                "party_links",
                "party_id",
                "barriers",
                barrier_id,
                self.sample(self.party_ids, 0, 2),
                role="involved",
            )
            quotes = self.cite("barriers", barrier_id, self.citations_count())
            self.searchable("barriers", barrier_id, name, summary, *quotes)

    def implications(self) -> None:
        for i in range(self.n_implications):
            implication_id = f"implication-{i + 1}"
            emoji, heading, summary = self.pick(_EMOJI), self.title(), self.sentence()
            analogues = [f"the {self.pick(_CITIES)} accords"]
            self.w.add(
                "implications",
                {
                    "id": implication_id,
                    "ordinal": i,
                    "number": i + 1,
                    "emoji": emoji,
                    "heading": heading,
                    "summary": summary,
                    "analogues": analogues,
                },
            )
            topics = self.sample(self.topic_ids, 1, 2)
            self.link("topic_links", "topic_id", "implications", implication_id, topics)
            parties = self.sample(self.party_ids, 1, 3)
            self.link("party_links", "party_id", "implications", implication_id, parties, role="involved")
            quotes = self.cite("implications", implication_id, self.citations_count())
            self.searchable(
                "implications",
                implication_id,
                f"{emoji} {i + 1}. {heading}",
                summary,
                *analogues,
                *quotes,
            )

    def events(self) -> None:
        kinds = list(EventKind)
        for i in range(self.rows):
            event_id = f"event-{i + 1}"
            title, summary = self.title(), self.sentence()
            self.w.add(
                "events",
                {
                    "id": event_id,
                    "ordinal": i,
                    "kind": kinds[int(self.rand() * len(kinds))].value,
                    "title": title,
                    "summary": summary,
                    "round_id": self.pick(self.round_ids) if self.rand() < 0.3 else None,
                    **self.date(i),
                },
            )
            parties = self.sample(self.party_ids, 1, 2)
            self.link("party_links", "party_id", "events", event_id, parties, role="involved")
            quotes = self.cite("events", event_id, self.citations_count())
            self.searchable("events", event_id, title, summary, *quotes)


def synthetic_version(rows: int, random_seed: int) -> str:
    return hashlib.sha256(f"synthetic:{rows}:{random_seed}".encode()).hexdigest()


def write_synthetic(*, rows: int, out: str | Path, random_seed: int) -> float:
    """Write the synthetic data set to the new SQLite file ``out``; return the seconds it took.

    Raises ``FileExistsError`` if ``out`` exists (nothing is ever overwritten) and ``ValueError`` for
    fewer than 100 rows.
    """
    started = time.perf_counter()
    if rows < 100:
        raise ValueError("rows must be at least 100")
    target = Path(out).resolve()
    if target.exists():
        raise FileExistsError(f"{target} exists; the synthetic data set is only written to a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm"), Path(f"{partial}-journal")):
        leftover.unlink(missing_ok=True)
    collecting = gc.isenabled()
    try:
        migrate.upgrade(Settings(database_url=f"sqlite:///{partial}"))
        # Millions of long-lived rows and rendered items and no reference cycles: the cyclic collector
        # would only walk the growing heap again and again.
        gc.disable()
        _fill(partial, rows, random_seed)
        if target.exists():
            raise FileExistsError(f"{target} appeared while the synthetic data set was being written")
        partial.rename(target)
    finally:
        if collecting:
            gc.enable()
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm"), Path(f"{partial}-journal")):
            leftover.unlink(missing_ok=True)
    return time.perf_counter() - started


def _fill(path: Path, rows: int, random_seed: int) -> None:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _bulk_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # A private file that is thrown away on any failure: no journal, no fsync while loading.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode = OFF")
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = -262144")
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.close()

    try:
        with engine.begin() as connection:
            # Secondary indexes are built once at the end (a sort) rather than row by row; the same
            # statements recreate them, so the schema is exactly the migrated one.
            indexes = connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).all()
            for name, _sql in indexes:
                connection.exec_driver_sql(f'DROP INDEX "{name}"')
            writer = _Writer(connection)
            _Synth(rows, random_seed, writer).run()
            for _name, sql in indexes:
                connection.exec_driver_sql(sql)
            search_index.rebuild(connection)
            counts = {**dict(sorted(writer.counts.items())), "synthetic": 1}
            connection.execute(
                insert(Dataset).values(
                    id=1,
                    version=synthetic_version(rows, random_seed),
                    seeded_at=dt.datetime.now(dt.UTC),
                    counts=counts,
                )
            )
        with engine.connect() as connection:
            # Serve like a seeded database: WAL, as `briefing seed` leaves it.
            connection.exec_driver_sql("PRAGMA journal_mode = WAL")
    finally:
        engine.dispose()
