"""The API's JSON shapes (Pydantic v2). Responses are built as plain dicts by Core queries and serialised
with orjson; these models document them in OpenAPI and validate them in the tests."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

from app.domain.vocab import (
    BarrierCategory,
    CollectionName,
    DatePrecision,
    EventKind,
    MediatorRole,
    PartyKind,
    PositionHolder,
    PositionKind,
    RoundFormat,
    RoundStatus,
)

OFFSETS_NOTE = (
    "`start`/`end` count Unicode code points of the document's `text` (Python `str` indices), so that "
    "`text[start:end] == quote`. `start_utf16`/`end_utf16` count UTF-16 code units (JavaScript string "
    "indices), so that `text.slice(start_utf16, end_utf16) === quote`; the two differ after an emoji."
)


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class Ref(Schema):
    """A reference to another item, with the name a client needs to render it."""

    id: str
    name: str


class Citation(Schema):
    __doc__ = "A verbatim quote of the document that supports an item. " + OFFSETS_NOTE

    document_id: str
    start: Annotated[int, Field(ge=0, description="First code point of the quote. " + OFFSETS_NOTE)]
    end: Annotated[int, Field(ge=1, description="One past the last code point of the quote.")]
    start_utf16: Annotated[
        int, Field(ge=0, description="`start` in UTF-16 code units, for JavaScript's `text.slice()`.")
    ]
    end_utf16: Annotated[int, Field(ge=1, description="`end` in UTF-16 code units.")]
    quote: str = Field(description="The article's words, exactly as printed.")
    source_id: str | None = Field(description="The outlet the article attributes the claim to, if any.")


CitationEntry = create_model(
    "CitationEntry",
    __base__=Schema,
    __doc__="One citation of one item (`/v1/citations`): which item it supports, then the citation.",
    collection=(CollectionName, Field(description="The collection of the item it supports.")),
    item_id=(str, Field(description="The id of the item it supports.")),
    **{name: (info.annotation, info) for name, info in Citation.model_fields.items()},  # type: ignore[call-overload]
)


class Cited(Schema):
    citations: list[Citation] = Field(description="Where the document says so (at least one).")


class Dated(Schema):
    date: str | None = Field(
        description="ISO 8601 at the precision the article gives: `2025-06-02` (day), `2022-03` (month) "
        "or `2022` (year). Never more precise than the article."
    )
    date_precision: DatePrecision | None
    date_start: dt.date | None = Field(
        description="The first day `date` covers (`2022-03` → `2022-03-01`); a tool can parse it."
    )
    date_end: dt.date | None = Field(description="The last day `date` covers (`2022-03` → `2022-03-31`).")


class Item(Schema):
    """What every item of a collection carries, whatever the collection."""

    id: str
    label: str = Field(
        description="The item's display name, whatever the collection calls it (`name`, `title`, "
        "`heading`, a position's `summary`, a mediator's party)."
    )
    url: str = Field(description="The item's canonical API path (`/v1/{collection}/{id}`).")


class Party(Item):
    name: str
    kind: PartyKind
    description: str | None
    aliases: list[str] = Field(description="Other names the article uses (e.g. Kyiv, the Kremlin).")


class Topic(Item):
    name: str
    description: str


class References(Schema):
    count: int = Field(description="How many items of the collection refer to this one.")
    url: str = Field(description="The collection's list filtered on this item.")


class PartyDetail(Party):
    referenced_by: dict[CollectionName, References] = Field(
        description="Per collection, the items that refer to the party (its `party` filter)."
    )


class TopicDetail(Topic):
    referenced_by: dict[CollectionName, References] = Field(
        description="Per collection, the items about the topic (its `topic` filter)."
    )


class Source(Cited, Item):
    outlet: str = Field(description="As printed in the article's source list.")
    name: str
    title: str = Field(description="The cited article's title, as given.")


class Person(Cited, Item):
    name: str = Field(description="As the article spells it.")
    role: str
    party: Ref | None


class DocumentSummary(Item):
    title: str
    kind: str
    language: str
    published_on: dt.date
    sha256: str = Field(description="sha256 of the document's UTF-8 bytes.")
    length: int = Field(description="Length of `text` in Unicode code points.")


class Document(DocumentSummary):
    text: str = Field(description="The full text, byte-exact. " + OFFSETS_NOTE)


class DocumentRef(Schema):
    """The document a briefing is built from."""

    id: str
    title: str = Field(description="The document's `title`.")
    name: str = Field(deprecated=True, description="Deprecated: the same as `title`, kept for older clients.")


class TakeawaySummary(Schema):
    summary: str = Field(description="The article's closing takeaway, in our words.")


class BriefingSummary(Item):
    title: str
    published_on: dt.date
    document: DocumentRef
    summary: str
    takeaway: TakeawaySummary = Field(
        description="The takeaway; the whole briefing (`GET /v1/briefings/{id}`) adds its citations."
    )


class Round(Cited, Dated, Item):
    name: str
    place: str | None
    venue: str | None
    format: RoundFormat
    status: RoundStatus
    outcome: str | None = Field(description="Null when the article reports none.")
    outcome_quote: str | None = Field(
        description="The article's words the outcome rests on, verbatim, inside one of the round's "
        "citations; null with the outcome."
    )
    summary: str
    participants: list[Ref] = Field(
        description="Parties the article names as taking part. Empty when it names none: not a claim "
        "that nobody took part."
    )
    hosts: list[Ref] = Field(description="Parties the article names as hosts; empty when it names none.")
    involved: list[Ref] = Field(
        description="Parties the article ties to the round without saying whether they took part or "
        "hosted it (the United Nations, for appeals made through it)."
    )
    topics: list[Ref]


class Position(Cited, Item):
    party: Ref
    holder: PositionHolder = Field(
        description="Who holds the position, as the cited sentence names them: the party's `government` "
        '(or the party as a state or bloc: "Ukraine demands", "the Kremlin accuses"), its `leaders` '
        '("its leaders", a named president) or its `public` ("Ukrainian society", public opinion).'
    )
    kind: PositionKind
    summary: str
    round: Ref | None
    target: Ref | None = Field(description="The party a demand or accusation is aimed at.")
    topics: list[Ref]


class Mediator(Cited, Item):
    party: Ref
    role: MediatorRole
    approach: str
    result: str | None = Field(
        description='Null when the article reports none; a possibility ("may provoke") is not a result.'
    )
    result_quote: str | None = Field(
        description="The article's words the result rests on, verbatim, inside one of the item's "
        "citations; null with the result."
    )
    summary: str
    rounds: list[Ref]
    topics: list[Ref]


class Barrier(Cited, Item):
    category: BarrierCategory = Field(
        description="One of the three kinds of barrier the article names (structural, political, "
        "psychological). The article does not sort its barriers into them: the category is our reading, "
        "and `category_basis` says why. Structural: the war's incentives and the machinery of talks and "
        "of a settlement (channels, brokers, ceasefire enforcement, guarantees, oversight), missing or "
        "disputed. Political: what governments and publics demand, accept or say of each other. "
        "Psychological: trust, identity, memory and trauma."
    )
    category_basis: str = Field(description="Why we put the barrier in its category (our words).")
    name: str
    summary: str
    topics: list[Ref]
    parties: list[Ref]


class Implication(Cited, Item):
    number: int = Field(description="The article's numbering, 1 to 6.")
    emoji: str
    heading: str = Field(description="As printed.")
    summary: str
    analogues: list[str] = Field(description="Historical analogues the article names, as printed.")
    topics: list[Ref]
    parties: list[Ref]


class Event(Cited, Dated, Item):
    kind: EventKind
    title: str
    summary: str
    round: Ref | None
    parties: list[Ref]


ItemT = TypeVar("ItemT")


class FacetValue(Schema):
    value: str
    label: str = Field(description="The value's display label (a vocabulary label or the item's name).")
    count: int = Field(description="Matching items with this value, under the other filters.")


class Page(Schema, Generic[ItemT]):
    """A page of a collection; follow ``next_cursor`` (or the ``Link: rel="next"`` header) for more."""

    items: list[ItemT]
    next_cursor: str | None = Field(description="Opaque; null on the last page.")
    total: int | None = Field(default=None, description="With `count=true`: how many items match in all.")
    facets: dict[str, list[FacetValue]] | None = Field(
        default=None,
        description="With `facet=`: per faceted filter, its values' counts under the other filters, "
        "most frequent first.",
    )


class SearchHit(Schema):
    type: CollectionName = Field(description="The collection the hit belongs to (`documents` for the text).")
    id: str
    title: str
    snippet: str = Field(
        description="The best part of the hit's text (or title), each match between `[[` and `]]`; "
        "`…` where the text is cut."
    )
    score: float = Field(
        description="1 when the query matches the title, 0 when it matches only the text. Hits come "
        "title matches first, then by collection and the article's order."
    )


class SearchPage(Schema):
    items: list[SearchHit]
    next_cursor: str | None
    total: int = Field(description="Hits of the query (of `type`, when given), on every page.")
    by_type: dict[str, int] = Field(
        description="Hits per collection, ignoring `type`; every collection is listed, zero or not."
    )


class Photo(Schema):
    caption: str = Field(description="As printed, typos included.")
    place: str | None
    venue: str | None
    date: str | None
    date_precision: DatePrecision | None
    date_start: dt.date | None = Field(description="The first day `date` covers.")
    date_end: dt.date | None = Field(description="The last day `date` covers.")
    credit: str | None
    round: Ref | None
    people: list[Ref]


class Section(Schema):
    id: str
    heading: str | None = Field(description="As printed; null for the lead.")
    summary: str
    start: int = Field(description="Span of the section in the document (code points).")
    end: int
    start_utf16: int = Field(description="`start` in UTF-16 code units, for JavaScript's `text.slice()`.")
    end_utf16: int = Field(description="`end` in UTF-16 code units.")


class PositionsOfParty(Schema):
    party: Ref
    positions: list[Position]


class BarriersOfCategory(Schema):
    category: BarrierCategory
    barriers: list[Barrier]


class Takeaway(Cited, TakeawaySummary):
    pass


class BriefingDocument(DocumentSummary):
    text: str | None = Field(
        default=None,
        description="The full text, only with `?include=text` (so the briefing renders alone). "
        + OFFSETS_NOTE,
    )


class BriefingDetail(Item):
    """Everything a client needs to render the briefing, in one response."""

    title: str
    published_on: dt.date
    summary: str
    document: BriefingDocument
    photo: Photo | None
    sections: list[Section]
    takeaway: Takeaway
    rounds: list[Round]
    positions_by_party: list[PositionsOfParty]
    mediators: list[Mediator]
    barriers_by_category: list[BarriersOfCategory]
    implications: list[Implication]
    events: list[Event]
    sources: list[Source]
    parties: list[Party]
    people: list[Person]
    topics: list[Topic]


class Health(Schema):
    status: str


class Readiness(Schema):
    status: str
    checks: dict[str, str]
    data_version: str | None


class VocabularyTerm(Schema):
    value: str
    label: str = Field(description="How a UI shows the value.")
    description: str = Field(description="What the value means, in one line.")


class Meta(Schema):
    """The loaded data set: its version, when it was loaded, its document and the vocabularies."""

    data_version: str = Field(description="Content hash of the data set; every response's `X-Data-Version`.")
    loaded_at: dt.datetime = Field(description="When the data set was loaded; `Last-Modified` of responses.")
    documents: list[DocumentSummary] = Field(description="The source documents (with their `sha256`).")
    counts: dict[str, int] = Field(description="Items per collection.")
    vocabularies: dict[str, list[VocabularyTerm]] = Field(
        description="Every closed vocabulary, by its schema name in OpenAPI (`PositionKind`, …): each "
        "value with a display label and a one-line description."
    )


class FieldError(Schema):
    field: str
    message: str
    type: str
    allowed: list[str] | None = Field(default=None, description="For a choice: the values it takes.")


class Problem(Schema):
    """An RFC 9457 problem document (``application/problem+json``)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
