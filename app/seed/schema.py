"""The shape of the human-edited seed files under ``seeds/``.

Each YAML file holds one top-level key named after its collection (``rounds: [...]``), so a validation
error reads ``seeds/rounds.yaml: rounds[1].citations[0].quote: ...``. Every model forbids unknown fields.
Summaries are ours; quotes are the article's, copied verbatim (the loader finds them in the text).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

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

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
Text = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]
"""A required string that is not empty or blank."""
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class SeedModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class CitationSeed(SeedModel):
    """A verbatim quote of the document. ``occurrence`` (1-based) picks one when the quote recurs."""

    quote: Text
    occurrence: Annotated[int, Field(ge=1)] | None = None
    source: Slug | None = Field(
        default=None,
        description="The outlet the article credits for the claim: set on the sentence that names the "
        "outlet and on the sentences of the same paragraph that go on with its account; never on sentences "
        "before it.",
    )
    document: Slug | None = Field(default=None, description="Defaults to the briefing's document.")


class Cited(SeedModel):
    citations: Annotated[list[CitationSeed], Field(min_length=1)]


POSSIBILITY = re.compile(r"\b(?:may|might|could|would)\b", re.IGNORECASE)
"""Words that make a statement a possibility: never the basis of a reported outcome or result."""


def check_result_quote(
    field: str, result: str | None, words: str | None, citations: Sequence[CitationSeed]
) -> None:
    """An outcome or result is supported: it carries the article's words it rests on, those words lie in
    one of the item's citations, and they report what happened, not what may happen."""
    quote_field = f"{field}_quote"
    if result is None:
        if words is not None:
            raise ValueError(f"{quote_field} is given but the {field} is null")
        return
    if words is None:
        raise ValueError(
            f"the {field} needs its {quote_field}: the words of one of the item's citations it rests on"
        )
    if not any(words in citation.quote for citation in citations):
        raise ValueError(f"{quote_field} must be words of one of the item's citations")
    possibility = POSSIBILITY.search(words)
    if possibility is not None:
        raise ValueError(
            f"{quote_field} states a possibility ('{possibility.group()}'), not a reported {field}: "
            f"the {field} is null and the summary says what may happen"
        )


class Dated(SeedModel):
    """A partial date and its precision; both or neither. The precision comes first so the date can
    be checked against it."""

    date_precision: DatePrecision | None = None
    date: str | None = None

    @field_validator("date")
    @classmethod
    def _check_date(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        precision = info.data.get("date_precision")
        if precision is None:
            raise ValueError("a date needs its date_precision (day, month or year)")
        PartialDate.parse(value, precision)
        return value

    @model_validator(mode="after")
    def _check_pair(self) -> Self:
        if self.date is None and self.date_precision is not None:
            raise ValueError("date_precision is given without a date")
        return self

    @property
    def partial_date(self) -> PartialDate | None:
        if self.date is None or self.date_precision is None:
            return None
        return PartialDate.parse(self.date, self.date_precision)


class DocumentSeed(SeedModel):
    id: Slug
    file: Text = Field(description="Path of the byte-exact text, relative to seeds/.")
    sha256: Sha256
    title: Text = Field(description="Our descriptive title: the article prints no headline.")
    published_on: dt.date
    kind: Text = "news-analysis"
    language: Text = "en"


class SectionSeed(SeedModel):
    """A part of the article; ``heading`` is the heading line as printed (None for the lead)."""

    id: Slug
    heading: Text | None
    summary: Text


class PhotoSeed(Dated):
    """The facts the photo caption states."""

    caption: Text
    people: list[Slug] = []
    place: Text | None = None
    venue: Text | None = None
    credit: Text | None = None
    round: Slug | None = None


class BriefingSeed(SeedModel):
    id: Slug
    document: Slug
    title: Text = Field(description="Our own title for the briefing.")
    published_on: dt.date
    summary: Text
    takeaway: Text
    takeaway_citations: Annotated[list[CitationSeed], Field(min_length=1)]
    photo: PhotoSeed | None = None
    sections: Annotated[list[SectionSeed], Field(min_length=1)]


class SourceSeed(SeedModel):
    id: Slug
    outlet: Text = Field(description="The outlet's name as the article prints it in its list.")
    name: Text = Field(description="The outlet's usual name.")
    title: Text = Field(description="The cited article's title as given.")
    citations: Annotated[list[CitationSeed], Field(min_length=1)]


SEARCH_ALIASES = (
    "Other spellings readers may type that the article does not use (Zelensky for Zelenskyy, Kiev for Kyiv): "
    "a search for one also finds the name and aliases. Used by search only."
)


class PartySeed(SeedModel):
    id: Slug
    name: Text
    kind: PartyKind
    aliases: list[Text] = []
    search_aliases: list[Text] = Field(default=[], description=SEARCH_ALIASES)
    description: Text | None = None


class PersonSeed(SeedModel):
    id: Slug
    name: Text = Field(description="As the article spells it.")
    role: Text
    party: Slug | None = None
    search_aliases: list[Text] = Field(default=[], description=SEARCH_ALIASES)
    citations: list[CitationSeed] = []


class TopicSeed(SeedModel):
    id: Slug
    name: Text
    description: Text


class RoundSeed(Cited, Dated):
    id: Slug
    name: Text
    place: Text | None = None
    venue: Text | None = None
    format: RoundFormat
    status: RoundStatus
    participants: list[Slug] = Field(
        default=[], description="Parties the article names as taking part; empty when it names none."
    )
    hosts: list[Slug] = Field(
        default=[], description="Parties the article names as hosts; empty when it names none."
    )
    involved: list[Slug] = Field(
        default=[],
        description="Parties the article ties to the round without saying whether they took part or "
        "hosted it.",
    )
    outcome: Text | None = Field(default=None, description="Null when the article reports none.")
    outcome_quote: Text | None = Field(
        default=None,
        description="The article's words the outcome rests on, verbatim, from one of the round's citations; "
        "required with an outcome.",
    )
    summary: Text
    topics: list[Slug] = []

    @model_validator(mode="after")
    def _check_outcome(self) -> Self:
        check_result_quote("outcome", self.outcome, self.outcome_quote, self.citations)
        return self


class PositionSeed(Cited):
    id: Slug
    party: Slug
    holder: PositionHolder = Field(
        description="Who holds it, as the cited sentence names them: the party's government (or the party as "
        "a state or bloc), its leaders, or its public."
    )
    kind: PositionKind
    summary: Text
    round: Slug | None = None
    topics: list[Slug] = []
    target: Slug | None = Field(default=None, description="The party an accusation or demand is aimed at.")


class MediatorSeed(Cited):
    id: Slug
    party: Slug
    role: MediatorRole
    approach: Text
    result: Text | None = Field(default=None, description="Null when the article reports none.")
    result_quote: Text | None = Field(
        default=None,
        description="The article's words the result rests on, verbatim, from one of the item's citations; "
        "required with a result.",
    )
    summary: Text
    rounds: list[Slug] = []
    topics: list[Slug] = []

    @model_validator(mode="after")
    def _check_result(self) -> Self:
        check_result_quote("result", self.result, self.result_quote, self.citations)
        return self


class BarrierSeed(Cited):
    id: Slug
    category: BarrierCategory
    category_basis: Text = Field(
        description="Why we put the barrier in its category, in a sentence: the article names the three "
        "kinds but does not sort its barriers into them."
    )
    name: Text
    summary: Text
    topics: list[Slug] = []
    parties: list[Slug] = []


class ImplicationSeed(Cited):
    id: Slug
    number: Annotated[int, Field(ge=1)]
    emoji: Text
    heading: Text = Field(description="The heading as printed, without its emoji and number.")
    summary: Text
    analogues: list[Text] = Field(default=[], description="Named historical analogues, as printed.")
    topics: list[Slug] = []
    parties: list[Slug] = []


class EventSeed(Cited, Dated):
    id: Slug
    kind: EventKind
    title: Text
    summary: Text
    round: Slug | None = None
    parties: list[Slug] = []

    @model_validator(mode="after")
    def _require_date(self) -> Self:
        if self.date is None:
            raise ValueError("an event needs a date and its precision")
        return self


class SeedFiles(SeedModel):
    """Which file holds which collection, in load order."""

    documents: list[DocumentSeed]
    briefings: list[BriefingSeed]
    sources: list[SourceSeed]
    parties: list[PartySeed]
    people: list[PersonSeed]
    topics: list[TopicSeed]
    rounds: list[RoundSeed]
    positions: list[PositionSeed]
    mediators: list[MediatorSeed]
    barriers: list[BarrierSeed]
    implications: list[ImplicationSeed]
    events: list[EventSeed]


SEED_FILES: tuple[str, ...] = tuple(SeedFiles.model_fields)
"""Collection names; each is read from ``seeds/<name>.yaml``."""


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the seed files, committed as ``seeds/schema.json``."""
    return SeedFiles.model_json_schema()
