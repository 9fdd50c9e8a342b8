"""A deterministic synthetic data set for scale tests and benchmarks, written to a NEW SQLite file.

``write_synthetic(rows=N, out=PATH, random_seed=S)`` builds the schema with the project's Alembic
migrations, then fills every table with rows of the shapes the seed loader produces, through the same
code: the items of every collection are seed items (the models of ``app.seed.schema``) whose fields are
drawn from their declarations (``app.db.collections``: references and links pick ids of their target
collections, enum fields a member, dates a partial date of mixed precision), turned into rows by
``app.seed.rows`` as the loader turns the seed files, with citations whose ``start``/``end`` point into
the synthetic documents (``text[start:end] == quote``) and search entries (``app.seed.plan.SEARCH_TEXT``).
The read model is rendered as the rows are written (``app.db.readmodel``). The items of the collections
that others refer to are drawn first; the others document by document (an item's home document follows
from its index), each document's whole briefing composed from its items as soon as they are written and
then dropped, so memory holds one document's items, not the data set's. A new
collection needs nothing here beyond, perhaps, its size (``SIZES``). Documents and briefings are the
exceptions: their text, sections and photo are built here.

The rows are generated in a forked child process and inserted by this one as they arrive, a chunk at a
time (``app.seed.synth_pipe``): the two halves of the work, Python and SQLite, run on two cores. The
file is what one process would write.

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
import functools
import gc
import hashlib
import os
import random
import time
import types
import typing
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, insert

from app.db import migrate, readmodel
from app.db.briefing import Cited
from app.db.collections import COLLECTIONS
from app.db.listing import CollectionSpec
from app.db.models import Base, Dataset, table_of
from app.domain.annotations import unwrap
from app.domain.dates import PartialDate
from app.domain.vocab import DatePrecision
from app.seed import synth_words as pool
from app.seed.plan import SEARCH_TEXT
from app.seed.rows import item_links, item_row, link_rows, search_row
from app.seed.schema import SeedFiles, SeedModel
from app.seed.search_entries import entry_id
from app.seed.synth_pipe import Producer
from app.seed.synth_writer import BULK_PRAGMAS, SIZED, Loader, Send, Writer, check_constraints
from app.settings import Settings

SYNTHETIC_MARK = "[SYNTHETIC]"
SENTENCE_POOL = 6000
TITLE_POOL = 3000
SENTENCES_PER_DOCUMENT = 60

Row = dict[str, Any]
Draw = tuple[str, Callable[[int], Any]]
"""A field's name and what draws its value for the ``i``-th item."""

SIZES: dict[str, tuple[float, int, int | None]] = {
    "positions": (1, 1, None),
    "events": (1, 1, None),
    "barriers": (1 / 20, 6, None),
    "people": (1 / 50, 10, None),
    "mediators": (1 / 50, 5, None),
    "documents": (1 / 100, 2, None),
    "rounds": (1 / 100, 5, None),
    "parties": (1 / 100, 12, 800),
    "sources": (1 / 500, 6, 60),
    "topics": (1 / 1000, len(pool.TOPIC_NAMES), 60),
    "implications": (1 / 1000, 6, None),
}
"""Items per collection: ``(share of rows, at least, at most)``; briefings: one per document."""
DEFAULT_SIZE = (1 / 100, 5, None)

LINK_COUNTS = {"participants": (2, 4), "hosts": (0, 1), "involved": (0, 1)}
"""How many ids a link field lists (default 1 or 2)."""
OPTIONAL_SHARE = {"round": 0.35, "target": 0.5, "party": 0.9}
"""How often an optional reference is set (default half the time)."""
POOLS: dict[str, Sequence[str]] = {
    "place": pool.CITIES,
    "emoji": pool.EMOJI,
    "outlet": pool.OUTLETS,
    "role": pool.ROLES,
}
"""Text fields drawn from a small pool of names."""
TITLE_FIELDS = frozenset({"name", "title", "heading", "venue"})
"""Text fields that get a short title (else a sentence)."""


def _dates(year: int, month: int, day: int, precision: DatePrecision) -> PartialDate:
    """A partial date (as ``PartialDate.parse`` would give it)."""
    if precision is DatePrecision.YEAR:
        return PartialDate(f"{year:04d}", precision, dt.date(year, 1, 1), dt.date(year, 12, 31))
    if precision is DatePrecision.MONTH:
        last = calendar.monthrange(year, month)[1]
        return PartialDate(
            f"{year:04d}-{month:02d}", precision, dt.date(year, month, 1), dt.date(year, month, last)
        )
    exact = dt.date(year, month, day)
    return PartialDate(exact.isoformat(), precision, exact, exact)


def _item_model(spec: CollectionSpec) -> type[SeedModel]:
    """The seed model of one item of ``spec`` (``list[XSeed]`` in ``SeedFiles``)."""
    model: type[SeedModel] = typing.get_args(SeedFiles.model_fields[spec.name].annotation)[0]
    return model


def _load_order() -> list[CollectionSpec]:
    """The collections drawn from their declarations, targets of references and links first."""
    pending = [spec for spec in COLLECTIONS if spec.name not in ("documents", "briefings")]
    done = {"documents", "briefings"}
    ordered: list[CollectionSpec] = []
    while pending:
        spec = next(
            s
            for s in pending
            if all(table_of(t).name in done for t in [r.target for r in s.refs] + [k.target for k in s.links])
        )
        pending.remove(spec)
        ordered.append(spec)
        done.add(spec.name)
    return ordered


class _Ids(Sequence[str]):
    """``prefix-1`` … ``prefix-count``, made when asked for: a million ids would hold 60 MB."""

    def __init__(self, prefix: str, count: int) -> None:
        self.prefix, self.size = prefix, count

    def __len__(self) -> int:
        return self.size

    @typing.overload
    def __getitem__(self, index: int) -> str: ...
    @typing.overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if index.__class__ is int and 0 <= index < self.size:
            return f"{self.prefix}-{index + 1}"
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.size))]
        if not 0 <= index < self.size:
            raise IndexError(index)
        return f"{self.prefix}-{index + 1}"


LISTED_IDS = 50_000
"""Collections up to this size keep their ids in a list (picked often, made once); larger ones make
them when asked for (``_Ids``)."""


def _ids(prefix: str, count: int) -> Sequence[str]:
    return [f"{prefix}-{i}" for i in range(1, count + 1)] if count <= LISTED_IDS else _Ids(prefix, count)


class _Draws(typing.NamedTuple):
    """How a collection's items are drawn: its seed model, a draw per field, the fields left empty, its
    size and the number of documents (an item's home document follows from its index)."""

    spec: CollectionSpec
    model: type[SeedModel]
    draws: list[Draw]
    empty: Row
    size: int
    documents: int

    def first(self, document: int) -> int:
        """The first item whose home document is ``document`` or later (``i * documents // size``)."""
        return min(self.size, -(-document * self.size // self.documents))


def _targets() -> frozenset[str]:
    """The collections that items refer to or link to (and the people in a briefing's photo)."""
    return frozenset(
        {"people"}
        | {table_of(ref.target).name for spec in COLLECTIONS for ref in spec.refs}
        | {table_of(link.target).name for spec in COLLECTIONS for link in spec.links}
    )


class _Synth:
    def __init__(self, rows: int, random_seed: int, writer: Writer) -> None:
        self.rows = rows
        self.rng = random.Random(random_seed)  # noqa: S311 -- test data, not cryptography
        self.rand: Callable[[], float] = self.rng.random
        # Each collection (and the briefings) draws from its own stream, so its items do not depend on
        # the order in which the collections' items are interleaved (``run``).
        self.streams = {
            spec.name: random.Random(f"{random_seed}:{spec.name}")  # noqa: S311
            for spec in COLLECTIONS
        }
        self.w = writer
        self.model = readmodel.ReadModel(writer.representation)
        self.sort_width = max(6, len(str(rows)))
        self.search_id = 0
        self.citation_id = 0
        self.vocabulary = self._vocabulary()
        self.sentences = [self._sentence() for _ in range(SENTENCE_POOL)]
        self.titles = [self._title() for _ in range(TITLE_POOL)]
        # Per document: (start, end, sentence index) of every sentence of its text, and its headings.
        self.spans: list[list[tuple[int, int, int]]] = []
        self.headings: list[list[str]] = []
        self.ids = {spec.name: self._ids(spec) for spec in COLLECTIONS}
        self.ids["briefings"] = _ids("synthetic-briefing", len(self.ids["documents"]))
        # Per document: what its whole briefing embeds of the items citing it, by collection.
        self.cited: dict[int, dict[str, list[Cited]]] = defaultdict(dict)

    def size(self, name: str) -> int:
        share, low, high = SIZES.get(name, DEFAULT_SIZE)
        count = max(low, int(self.rows * share))
        return count if high is None else min(high, count)

    def _ids(self, spec: CollectionSpec) -> Sequence[str]:
        count = self.size(spec.name)
        if spec.name == "documents":
            return _ids("synthetic-document", count)
        if spec.name == "topics":
            names = pool.TOPIC_NAMES
            return [names[i] if i < len(names) else f"topic-{i + 1}" for i in range(count)]
        return _ids("party" if spec.name == "parties" else spec.singular, count)

    # -- text -------------------------------------------------------------------------------------------
    def _vocabulary(self) -> tuple[list[str], list[float]]:
        rng = self.rng
        pseudo: set[str] = set()
        while len(pseudo) < 1500:
            pseudo.add("".join(rng.choice(pool.SYLLABLES) for _ in range(rng.randint(2, 4))))
        words = [*pool.FUNCTION_WORDS, *pool.TOPICAL_WORDS, *sorted(pseudo)]
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

    def pick(self, values: Sequence[Any]) -> Any:
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

    def date(self) -> PartialDate:
        """A partial date: 60% days, 30% months, 10% years, 2014 to 2025."""
        roll = self.rand()
        precision = (
            DatePrecision.DAY if roll < 0.6 else DatePrecision.MONTH if roll < 0.9 else DatePrecision.YEAR
        )
        year = 2014 + int(self.rand() * 12)
        month = 1 + int(self.rand() * 12)
        day = 1 + int(self.rand() * 28)
        return _dates(year, month, day, precision)

    # -- shared side tables -----------------------------------------------------------------------------
    def cite(self, collection: str, item_id: str, count: int, document: int) -> list[Row]:
        """``count`` citations of one document (the item's home document)."""
        spans = self.spans[document]
        rows: list[Row] = []
        for ordinal in range(count):
            start, end, index = spans[int(self.rand() * len(spans))]
            quote = self.sentences[index]
            if self.rand() < 0.3:  # a shorter quote: the sentence's first words
                cut = quote.find(" ", quote.find(" ", quote.find(" ") + 1) + 1)
                if cut > 0:
                    quote = quote[:cut]
                    end = start + cut
            self.citation_id += 1
            rows.append(
                {
                    "id": self.citation_id,
                    "collection": collection,
                    "item_id": item_id,
                    "ordinal": ordinal,
                    "document_id": self.ids["documents"][document],
                    "start": start,
                    "end": end,
                    "quote": quote,
                    "source_id": self.pick(self.ids["sources"]) if self.rand() < 0.6 else None,
                }
            )
        return rows

    def write(
        self,
        collection: str,
        row: Row,
        links: dict[str, list[Row]],
        citations: list[Row],
        search: Sequence[str | None],
    ) -> Cited | None:
        """One item: its read model rendered, then its row, link rows, citations and search entry (its
        title and the parts of its text) with its terms. Returns what a whole briefing embeds of it."""
        cited = self.model.item(collection, row, links, citations, cited=True)
        if collection in SIZED:
            self.w.put_sized(collection, row, len(row["text"]))
        else:
            self.w.put(collection, row)
        for table, rows in links.items():
            self.w.put_all(table, rows)
        if citations:
            self.w.put_all("citations", citations)
        self.search_id += 1
        key, (title, *parts) = entry_id(collection, self.search_id), search
        entry = search_row(collection, row["id"], title or "", *parts)
        entry["id"] = key
        self.w.put_sized("search_entries", entry, len(entry["body"]))
        self.w.put_fts((key, title or "", parts))  # its terms are computed as it is loaded
        return cited

    # -- collections ------------------------------------------------------------------------------------
    def run(self) -> None:
        """Documents; then every collection that other items refer to (in the load order); then, document
        by document, the items of the other collections whose home is that document and its briefing,
        composed whole from the items kept in memory (``self.cited``: a document's items are dropped once
        its briefing is written, so memory holds the referred-to collections' few and one document's)."""
        self.documents()
        order = _load_order()
        targets = _targets()
        draws = {spec.name: self.draws(spec) for spec in order}
        for spec in order:
            if spec.name in targets:
                self.items(draws[spec.name], 0, len(self.ids[spec.name]))
        rest = [draws[spec.name] for spec in order if spec.name not in targets]
        for document in range(len(self.spans)):
            for plan in rest:
                self.items(plan, plan.first(document), plan.first(document + 1))
            self.briefing(document)

    def field_values(self, spec: CollectionSpec, model: type[SeedModel]) -> list[Draw]:
        """For each field of the seed model, its name and what draws its value for the ``i``-th item (a
        date: its ``partial_date``, from which ``items`` sets ``date`` and ``date_precision``)."""
        refs = {ref.name: table_of(ref.target).name for ref in spec.refs}
        links = {link.name: table_of(link.target).name for link in spec.links}
        draws: list[Draw] = []
        for name, info in model.model_fields.items():
            kind, optional = unwrap(info.annotation)
            if name in ("id", "citations", "search_aliases", "date_precision"):
                continue
            if name in refs:
                draws.append((name, self._ref(name, self.ids[refs[name]], optional)))
            elif name in links:
                draws.append((name, self._link(name, self.ids[links[name]])))
            elif name == "date":
                draws.append(("partial_date", self._date(bool(spec.table.c.date.nullable))))
            elif isinstance(kind, type) and issubclass(kind, Enum):
                draws.append((name, self._member(list(kind))))
            else:
                draws.append((name, self._other(name, kind, optional)))
        return draws

    def _member(self, members: list[Enum]) -> Callable[[int], Any]:
        return lambda i: self.pick(members)

    def _other(self, name: str, kind: Any, optional: bool) -> Callable[[int], Any]:
        """Numbers count items, days count back from the data set's day, lists hold a title half the
        time; anything else is text."""
        if kind is int:
            return lambda i: i + 1
        if kind is dt.date:
            return lambda i: dt.date(2025, 6, 12) - dt.timedelta(days=i % 3650)
        if typing.get_origin(kind) is list:
            return lambda i: [self.title()] if self.rand() < 0.5 else []
        return self._text(name, optional)

    def _ref(self, name: str, ids: Sequence[str], optional: bool) -> Callable[[int], Any]:
        share = OPTIONAL_SHARE.get(name, 0.5) if optional else 1.0
        if share == 1.0:
            return lambda i: self.pick(ids)
        return lambda i: self.pick(ids) if self.rand() < share else None

    def _link(self, name: str, ids: Sequence[str]) -> Callable[[int], Any]:
        low, high = LINK_COUNTS.get(name, (1, 2))
        return lambda i: self.sample(ids, low, high)

    def _date(self, optional: bool) -> Callable[[int], Any]:
        if optional:  # a tenth undated
            return lambda i: None if self.rand() < 0.1 else self.date()
        return lambda i: self.date()

    def _text(self, name: str, optional: bool) -> Callable[[int], Any]:
        if name.endswith("_quote"):  # words of the item's citations it rests on: none here
            return lambda i: None
        if name in POOLS:
            values = POOLS[name]
            return lambda i: self.pick(values)
        draw = self.title if name in TITLE_FIELDS else self.sentence
        numbered = name == "name"  # names tell items apart
        if optional:
            return lambda i: draw() if self.rand() < 0.8 else None
        if numbered:
            return lambda i: f"{draw()} {i + 1}"
        return lambda i: draw()

    def draws(self, spec: CollectionSpec) -> _Draws:
        model = _item_model(spec)
        return _Draws(
            spec,
            model,
            self.field_values(spec, model),
            {name: [] for name in ("citations", "search_aliases") if name in model.model_fields},
            len(self.ids[spec.name]),
            len(self.spans),
        )

    def items(self, plan: _Draws, start: int, stop: int) -> None:
        """Items ``start`` to ``stop`` of a collection, drawn from its declaration and seed model."""
        spec, model, draws, empty, size, documents = plan
        dated = "partial_date" in (field for field, _ in draws)
        name = spec.name
        self.rand = self.streams[name].random
        search = SEARCH_TEXT[name]
        names = self.model.labels["parties"]
        ids = self.ids[name]
        for i in range(start, stop):
            item_id = ids[i]
            values: Row = {"id": item_id, **empty}
            for field, draw in draws:
                values[field] = draw(i)
            if dated:
                date = values["partial_date"]
                values["date"], values["date_precision"] = (
                    (None, None) if date is None else (date.text, date.precision)
                )
            # The seed item's fields as attributes (what the loader's row code and SEARCH_TEXT read): a
            # namespace, as building the pydantic model would cost more than the rest of the item.
            item = types.SimpleNamespace(**values)
            row = item_row(spec, item, i, model=model, width=self.sort_width)
            links: dict[str, list[Row]] = {}
            for table, rows in item_links(spec, item):
                links.setdefault(table, []).extend(rows)
            # An item's home document: the items of a collection that cite one document are neighbours
            # (in their table and in the read model), and whole briefings are composed a document at a time.
            home = i * documents // size
            citations = self.cite(name, item_id, 1 if self.rand() < 0.7 else 2, home) if spec.cited else []
            cited = self.write(
                name, row, links, citations, search(item, names, [c["quote"] for c in citations])
            )
            if cited is not None:
                self.cited[home].setdefault(name, []).append(cited)

    def documents(self) -> None:
        for i, document_id in enumerate(self.ids["documents"]):
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
            row = {
                "id": document_id,
                "ordinal": i,
                "title": title,
                "kind": "analysis",
                "language": "en",
                "published_on": dt.date(2025, 6, 12) - dt.timedelta(days=i % 3650),
                "sha256": hashlib.sha256(body.encode()).hexdigest(),
                "length": len(body),
                "text": body,
            }
            self.write("documents", row, {}, [], (title, body))

    def briefing(self, i: int) -> None:
        """The document's briefing, with a lead, three headed sections and a photo, and its whole briefing
        composed from the items citing the document (``self.cited[i]``)."""
        self.rand = self.streams["briefings"].random
        briefing_id, spans = self.ids["briefings"][i], self.spans[i]
        title = f"{SYNTHETIC_MARK} {self.title()}"
        summary, takeaway = self.sentence(), self.sentence()
        photo = {
            "caption": self.sentences[spans[1][2]],
            "place": self.pick(pool.CITIES),
            "venue": None,
            "date": "2025-06-02",
            "date_precision": "day",
            "credit": "Synthetic Photo Agency",
            "round_id": self.pick(self.ids["rounds"]),
        }
        people = self.sample(self.ids["people"], 2, 2)
        row = {
            "id": briefing_id,
            "ordinal": i,
            "document_id": self.ids["documents"][i],
            "title": title,
            "published_on": dt.date(2025, 6, 12) - dt.timedelta(days=i % 3650),
            "summary": summary,
            "takeaway": takeaway,
            "photo": photo,
        }
        citations = self.cite("briefings", briefing_id, 1, i)
        # Sections start at the heading lines written by documents(): before sentences 15, 30, 45.
        starts = [0] + [spans[k - 1][1] + 1 for k in (15, 30, 45)]
        ends = [*starts[1:], spans[-1][1] + 1]
        sections = [
            {
                "id": f"{briefing_id}-section-{ordinal + 1}",
                "briefing_id": briefing_id,
                "ordinal": ordinal,
                "heading": None if ordinal == 0 else self.headings[i][ordinal - 1],
                "summary": self.sentence(),
                "start": start,
                "end": end,
            }
            for ordinal, (start, end) in enumerate(zip(starts, ends, strict=True))
        ]
        # Composed before the rows are written (the writer turns their dates and JSON into text).
        self.model.whole_briefing(
            row, cited=self.cited.pop(i, {}), sections=sections, takeaway=citations, people=people
        )
        quotes = [c["quote"] for c in citations]
        links = {"person_links": link_rows("briefings", briefing_id, "person_id", people)}
        self.write("briefings", row, links, citations, (title, summary, takeaway, *quotes))
        for section in sections:
            self.w.put("sections", section)


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
    for leftover in _leftovers(partial):
        leftover.unlink(missing_ok=True)
    collecting = gc.isenabled()
    # Short-lived rows and no reference cycles: the cyclic collector would only walk the heap.
    gc.disable()
    # The rows are generated in a child process (``app.seed.synth_pipe``), started first so that it works
    # while this process migrates the new file.
    producer = Producer(functools.partial(produce, rows, random_seed))
    try:
        migrate.upgrade(Settings(database_url=f"sqlite:///{partial}"))
        _fill(partial, producer, synthetic_version(rows, random_seed))
        if target.exists():
            raise FileExistsError(f"{target} appeared while the synthetic data set was being written")
        partial.rename(target)
    finally:
        producer.close()
        if collecting:
            gc.enable()
        for leftover in _leftovers(partial):
            leftover.unlink(missing_ok=True)
    return time.perf_counter() - started


def produce(rows: int, random_seed: int, send: Send) -> tuple[int, dict[str, int]]:
    """Generate every row, the read model's included, into ``send`` (``app.seed.synth_writer``: a table's
    rows a chunk at a time, the full-text index's as ``(entry id, title, parts)``); return how many
    representations the read model rendered and the rows of each table."""
    writer = Writer(send)
    synth = _Synth(rows, random_seed, writer)
    synth.run()
    written = synth.model.finish()  # the tallies
    writer.flush_all()
    return written, writer.counts


def dataset_row(result: tuple[int, dict[str, int]], version: str) -> Row:
    """The ``dataset`` row of a data set ``produce`` returned ``result`` for; raises unless the read model
    rendered every representation it should have."""
    written, counts = result
    expected = readmodel.expected_rows(counts)
    if not written == counts.get("representations") == expected:
        raise RuntimeError(f"read model: {written} rendered, {expected} expected, {counts}")
    tables = {t: n for t, n in sorted(counts.items()) if t in Base.metadata.tables}
    return {
        "id": 1,
        "version": version,
        "seeded_at": dt.datetime.now(dt.UTC),
        "counts": {**tables, "synthetic": 1},
    }


def _leftovers(partial: Path) -> Iterator[Path]:
    yield partial
    for suffix in ("-wal", "-shm", "-journal"):
        yield Path(f"{partial}{suffix}")


def _fill(path: Path, producer: Producer[tuple[int, dict[str, int]]], version: str) -> None:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _bulk_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in BULK_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    try:
        with engine.begin() as connection:
            # Secondary indexes are built once after the rows (a sort) rather than row by row; the same
            # statements recreate them, so the schema is exactly the migrated one.
            indexes = connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).all()
            for name, _sql in indexes:
                connection.exec_driver_sql(f'DROP INDEX "{name}"')
            loader = Loader(connection)
            for table, names, chunk in producer.chunks():
                loader.load(table, names, chunk)
            assert producer.result is not None  # noqa: S101 -- set once the chunks are all out
            for _name, sql in indexes:
                connection.exec_driver_sql(sql)
            connection.execute(insert(Dataset).values(dataset_row(producer.result, version)))
            check_constraints(connection)
        with engine.connect() as connection:
            # Serve like a seeded database: WAL, as `briefing seed` leaves it.
            connection.exec_driver_sql("PRAGMA journal_mode = WAL")
    finally:
        engine.dispose()
