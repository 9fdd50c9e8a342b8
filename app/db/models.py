"""The relational schema (SQLAlchemy 2 typed ORM). Only ``briefing seed`` writes these tables.

Items of the evidence collections share three generic side tables keyed by ``(collection, item_id)``:
``citations``, ``topic_links`` and ``party_links``. The loader guarantees that every key names a stored
item (a test checks there are no orphans), which lets one query mechanism serve every collection.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

COLLECTIONS_WITH_LINKS = (
    "briefings",
    "sources",
    "people",
    "rounds",
    "positions",
    "mediators",
    "barriers",
    "implications",
    "events",
)
_COLLECTION_CHECK = "collection IN (" + ", ".join(f"'{c}'" for c in COLLECTIONS_WITH_LINKS) + ")"


def _sortable(length: int) -> String:
    """Text compared bytewise on both backends ("C" collation on PostgreSQL, SQLite's default), so ids
    and sort keys order (and paginate) identically everywhere."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


Slug = _sortable(80)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


def table_of(model: type[Base]) -> Table:
    """The Core ``Table`` of a mapped class (typed, for Core selects)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a Table")
    return table


class Dataset(Base):
    """One row: the version (content hash) of the loaded data set. ETags derive from it."""

    __tablename__ = "dataset"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    seeded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    counts: Mapped[dict[str, Any]]


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(Slug, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(16))
    published_on: Mapped[dt.date] = mapped_column(Date)
    sha256: Mapped[str] = mapped_column(String(64))
    length: Mapped[int] = mapped_column(Integer, comment="Length of text in Unicode code points.")
    text: Mapped[str] = mapped_column(Text)


class Party(Base):
    __tablename__ = "parties"

    id: Mapped[str] = mapped_column(Slug, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    aliases: Mapped[list[str]]


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[str] = mapped_column(Slug, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(Slug, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, unique=True)
    outlet: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (Index(None, "party_id", "ordinal", "id"),)

    id: Mapped[str] = mapped_column(Slug, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    party_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (
        Index(None, "date_sort", "id"),
        Index(None, "status", "ordinal", "id"),
        Index(None, "date_latest", "date_earliest"),
    )

    id: Mapped[str] = mapped_column(Slug, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)
    venue: Mapped[str | None] = mapped_column(Text)
    date: Mapped[str | None] = mapped_column(String(10), comment="ISO 8601 at the stated precision.")
    date_precision: Mapped[str | None] = mapped_column(String(5))
    date_earliest: Mapped[dt.date | None] = mapped_column(Date, comment="First day the date can mean.")
    date_latest: Mapped[dt.date | None] = mapped_column(Date, comment="Last day the date can mean.")
    date_sort: Mapped[str] = mapped_column(_sortable(20), comment="date (or 9999) and seed order.")
    format: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(Text)
    outcome_quote: Mapped[str | None] = mapped_column(
        Text, comment="The article's words the outcome rests on."
    )
    summary: Mapped[str] = mapped_column(Text)


class Briefing(Base):
    __tablename__ = "briefings"

    id: Mapped[str] = mapped_column(Slug, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, unique=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    published_on: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    takeaway: Mapped[str] = mapped_column(Text)
    photo: Mapped[dict[str, Any] | None] = mapped_column(JSON, comment="The photo caption's facts.")


class Section(Base):
    __tablename__ = "sections"
    __table_args__ = (Index(None, "briefing_id", "ordinal", unique=True),)

    id: Mapped[str] = mapped_column(Slug, primary_key=True)
    briefing_id: Mapped[str] = mapped_column(ForeignKey("briefings.id"))
    ordinal: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)


class Position(Base):
    __tablename__ = "positions"
    __table_args__ = (
        Index(None, "party_id", "ordinal", "id"),
        Index(None, "round_id", "ordinal", "id"),
        Index(None, "kind", "ordinal", "id"),
    )

    id: Mapped[str] = mapped_column(Slug, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, unique=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    holder: Mapped[str] = mapped_column(String(20), comment="government, leaders or public.")
    kind: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    round_id: Mapped[str | None] = mapped_column(ForeignKey("rounds.id"))
    target_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"), index=True)


class Mediator(Base):
    __tablename__ = "mediators"
    __table_args__ = (Index(None, "party_id", "ordinal", "id"), Index(None, "role", "ordinal", "id"))

    id: Mapped[str] = mapped_column(Slug, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, unique=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    role: Mapped[str] = mapped_column(String(20))
    approach: Mapped[str] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    result_quote: Mapped[str | None] = mapped_column(Text, comment="The article's words the result rests on.")
    summary: Mapped[str] = mapped_column(Text)


class Barrier(Base):
    __tablename__ = "barriers"
    __table_args__ = (Index(None, "category", "ordinal", "id"),)

    id: Mapped[str] = mapped_column(Slug, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, unique=True)
    category: Mapped[str] = mapped_column(String(20))
    category_basis: Mapped[str] = mapped_column(Text, comment="Why the barrier is in its category (ours).")
    name: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)


class Implication(Base):
    __tablename__ = "implications"

    id: Mapped[str] = mapped_column(Slug, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, unique=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    emoji: Mapped[str] = mapped_column(String(16))
    heading: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    analogues: Mapped[list[str]]


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index(None, "date_sort", "id"),
        Index(None, "kind", "date_sort", "id"),
        Index(None, "date_latest", "date_earliest"),
    )

    id: Mapped[str] = mapped_column(Slug, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, unique=True)
    date: Mapped[str] = mapped_column(String(10))
    date_precision: Mapped[str] = mapped_column(String(5))
    date_earliest: Mapped[dt.date] = mapped_column(Date)
    date_latest: Mapped[dt.date] = mapped_column(Date)
    date_sort: Mapped[str] = mapped_column(_sortable(20), comment="date and seed order.")
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    round_id: Mapped[str | None] = mapped_column(ForeignKey("rounds.id"), index=True)


class Citation(Base):
    """A verbatim span of a document: ``document.text[start:end] == quote`` (code points)."""

    __tablename__ = "citations"
    __table_args__ = (
        CheckConstraint(_COLLECTION_CHECK, name="collection"),
        CheckConstraint('start >= 0 AND "end" > start', name="span"),
        Index(None, "collection", "item_id", "ordinal", unique=True),
        Index(None, "source_id", "collection", "item_id"),
        Index(None, "document_id", "collection", "item_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    collection: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[str] = mapped_column(Slug)
    ordinal: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str | None] = mapped_column(ForeignKey("sources.id"))


class TopicLink(Base):
    __tablename__ = "topic_links"
    __table_args__ = (
        CheckConstraint(_COLLECTION_CHECK, name="collection"),
        Index(None, "topic_id", "collection", "item_id"),
    )

    collection: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[str] = mapped_column(Slug, primary_key=True)
    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id"), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer)


class PartyLink(Base):
    """A party's part in an item: ``participant`` or ``host`` of a round, ``involved`` elsewhere."""

    __tablename__ = "party_links"
    __table_args__ = (
        CheckConstraint(_COLLECTION_CHECK, name="collection"),
        Index(None, "party_id", "collection", "item_id"),
    )

    collection: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[str] = mapped_column(Slug, primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer)


class PersonLink(Base):
    """People an item names (the photo's people, for the briefing)."""

    __tablename__ = "person_links"
    __table_args__ = (
        CheckConstraint(_COLLECTION_CHECK, name="collection"),
        Index(None, "person_id", "collection", "item_id"),
    )

    collection: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[str] = mapped_column(Slug, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer)


class RoundLink(Base):
    """Rounds an item refers to (mediators' rounds)."""

    __tablename__ = "round_links"
    __table_args__ = (
        CheckConstraint(_COLLECTION_CHECK, name="collection"),
        Index(None, "round_id", "collection", "item_id"),
    )

    collection: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[str] = mapped_column(Slug, primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer)


class Representation(Base):
    """The read model: an item's JSON exactly as the API serves it, rendered once per data set by
    ``app.db.readmodel`` in the seed's transaction. ``list`` is the item in a list page (and its detail,
    unless a ``detail`` row exists: a document with its text, the whole briefing). Lists select these
    bytes beside the keyset columns of the item's own table and concatenate them; no JSON is built per
    request."""

    __tablename__ = "representations"
    __table_args__ = ({"sqlite_with_rowid": False},)

    collection: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[str] = mapped_column(Slug, primary_key=True)
    variant: Mapped[str] = mapped_column(String(8), primary_key=True, comment="list or detail.")
    body: Mapped[bytes] = mapped_column(LargeBinary, comment="UTF-8 JSON, as served.")


class SearchEntry(Base):
    """The searchable text of one item (``body`` includes its labels and linked names). The full-text
    index is derived from these rows in the seed's transaction (``app.db.search_index``): FTS5 on SQLite,
    a tsvector table with a GIN index on PostgreSQL. Ids order hits within a tier: collection, then
    seed order (``app.seed.search_entries``)."""

    __tablename__ = "search_entries"
    __table_args__ = (Index(None, "collection", "item_id", unique=True),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    collection: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[str] = mapped_column(Slug)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)


class SearchAlias(Base):
    """A spelling readers may type for a name (``zelensky``), as folded words, and the names it finds."""

    __tablename__ = "search_aliases"

    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    names: Mapped[list[str]] = mapped_column(JSON)
