"""The twelve collections, each declared once: table, schema, embedded references, sorts and filters.
List, detail, pagination, caching and errors are written once, in ``app.api.routers.collections``."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints
from sqlalchemy import ColumnElement, and_

from app.db import filters as f
from app.db import models as m
from app.db.listing import CollectionSpec, Filter, LinkField, ObjectField, RefField, SortKey
from app.domain import schemas as s
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

SlugParam = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
_YEAR = r"[1-9]\d{3}"
_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])(?:-(?:0[1-9]|[12]\d|3[01]))?"  # 31-day months
    r"|(?:0[469]|11)(?:-(?:0[1-9]|[12]\d|30))?"  # 30-day months
    r"|02(?:-(?:0[1-9]|1\d|2\d))?)"  # February (29 checked against the calendar below)
)


def _calendar_date(value: str) -> str:
    PartialDate.parse(value)  # a 29 February outside leap years is the one case the pattern lets through
    return value


DateParam = Annotated[
    str, StringConstraints(pattern=f"^{_YEAR}(?:-{_MONTH_DAY})?$"), AfterValidator(_calendar_date)
]

ARTICLE_ORDER = SortKey("article", "ordinal")
DATE_ORDER = (SortKey("date", "date_sort"), SortKey("-date", "date_sort", descending=True))


_table = m.table_of


def _date_from(model: type[m.Base]) -> Any:
    """Items whose date may fall on or after the (partial) date: a month matches any of its days.

    The bound on ``date_sort`` (an item that matches cannot be dated before that year) lets the index
    that orders the list seek to the first candidate instead of walking from the start.
    """

    def where(value: str) -> ColumnElement[bool]:
        earliest = PartialDate.parse(value).earliest
        table = _table(model)
        return and_(table.c.date_latest >= earliest, table.c.date_sort >= f"{earliest.year:04d}")

    return where


def _date_to(model: type[m.Base]) -> Any:
    def where(value: str) -> ColumnElement[bool]:
        latest = PartialDate.parse(value).latest
        table = _table(model)
        # "~" sorts after every character of a date_sort value ("2022", "2022-03-05 000001", …).
        return and_(table.c.date_earliest <= latest, table.c.date_sort <= f"{latest.year:04d}~")

    return where


def _date_filters(model: type[m.Base]) -> tuple[Filter, ...]:
    return (
        Filter(
            "from",
            DateParam,
            "On or after this date (`2022`, `2022-03` or `2022-03-15`); "
            "a partial date matches any item whose period overlaps it. After `to` is a 422.",
            _date_from(model),
            ("2022-03",),
        ),
        Filter("to", DateParam, "On or before this date (same forms as `from`).", _date_to(model), ("2025",)),
        _enum_filter(model, "date_precision", DatePrecision, "Only items dated to this precision.", "month"),
    )


def _enum_filter(model: type[m.Base], column: str, enum: Any, description: str, example: str) -> Filter:
    return Filter(column, f.enum_list(enum), description + _OR, f.any_of(model, column, enum), (example,))


_OR = " A comma list means any of them."
SLUGS = f.slug_list()


def _evidence_filters(
    model: type[m.Base], collection: str, *, party: Filter | None = None, topic: f.Where | None = None
) -> tuple[Filter, ...]:
    """``party``, ``topic`` and ``briefing``, which every evidence collection accepts."""
    party = party or Filter(
        "party",
        SLUGS,
        "Only items that involve this party id." + _OR,
        f.linked_to(model, m.PartyLink, "party_id", collection),
        ("ukraine",),
    )
    return (
        party,
        Filter(
            "topic",
            SLUGS,
            "Only items about this topic id." + _OR,
            topic or f.linked_to(model, m.TopicLink, "topic_id", collection),
            ("territory",),
        ),
        Filter(
            "briefing",
            SLUGS,
            "Only items the briefing with this id cites (from its document)." + _OR,
            f.citing_briefing(model, collection),
            ("why-peace-talks-fail",),
        ),
    )


def _own_party(model: type[m.Base], description: str, example: str) -> Filter:
    return Filter("party", SLUGS, description + _OR, f.any_of(model, "party_id"), (example,))


TOPICS = LinkField("topics", m.TopicLink, "topic_id", m.Topic)
PARTIES = LinkField("parties", m.PartyLink, "party_id", m.Party, role="involved")

COLLECTIONS: tuple[CollectionSpec, ...] = (
    CollectionSpec(
        name="briefings",
        model=m.Briefing,
        schema=s.BriefingSummary,
        sorts=(ARTICLE_ORDER,),
        refs=(RefField("document", "document_id", m.Document, label="title", keys=("title", "name")),),
        objects=(ObjectField("takeaway", (("summary", "takeaway"),)),),
        label="title",
        summary="Briefings",
        description="Briefings built from the documents. `GET /v1/briefings/{id}` "
        "returns a whole briefing in one response.",
    ),
    CollectionSpec(
        name="documents",
        model=m.Document,
        schema=s.DocumentSummary,
        detail_schema=s.Document,
        sorts=(ARTICLE_ORDER,),
        label="title",
        summary="Documents",
        description="The source documents. Lists omit `text`; a detail includes it, and "
        "`/v1/documents/{id}/text` serves it as plain text.",
    ),
    CollectionSpec(
        name="sources",
        model=m.Source,
        schema=s.Source,
        sorts=(ARTICLE_ORDER,),
        cited=True,
        summary="Sources",
        description="The outlets the article lists as its sources, in its order.",
    ),
    CollectionSpec(
        name="parties",
        model=m.Party,
        schema=s.Party,
        sorts=(ARTICLE_ORDER,),
        summary="Parties",
        description="States, blocs, alliances, organisations and groups the article names.",
        filters=(_enum_filter(m.Party, "kind", PartyKind, "Only parties of this kind.", "state"),),
    ),
    CollectionSpec(
        name="people",
        model=m.Person,
        schema=s.Person,
        sorts=(ARTICLE_ORDER,),
        cited=True,
        summary="People",
        refs=(RefField("party", "party_id", m.Party),),
        description="People the article names.",
        filters=(_own_party(m.Person, "Only people of this party id.", "ukraine"),),
    ),
    CollectionSpec(
        name="topics",
        model=m.Topic,
        schema=s.Topic,
        sorts=(ARTICLE_ORDER,),
        summary="Topics",
        description="Issues at stake (territory, neutrality, NATO membership, …).",
    ),
    CollectionSpec(
        name="rounds",
        model=m.Round,
        schema=s.Round,
        sorts=(*DATE_ORDER, ARTICLE_ORDER),
        cited=True,
        links=(
            LinkField("participants", m.PartyLink, "party_id", m.Party, role="participant"),
            LinkField("hosts", m.PartyLink, "party_id", m.Party, role="host"),
            LinkField("involved", m.PartyLink, "party_id", m.Party, role="involved"),
            TOPICS,
        ),
        summary="Negotiation rounds",
        description="Negotiation rounds and channels, oldest first by "
        "default; undated channels sort after dated rounds.",
        filters=(
            *_evidence_filters(m.Round, "rounds"),
            *_date_filters(m.Round),
            _enum_filter(
                m.Round, "status", RoundStatus, "Only rounds with this outcome status.", "collapsed"
            ),
            _enum_filter(m.Round, "format", RoundFormat, "Only rounds of this format.", "direct"),
        ),
    ),
    CollectionSpec(
        name="positions",
        model=m.Position,
        schema=s.Position,
        sorts=(ARTICLE_ORDER,),
        label="summary",
        cited=True,
        refs=(
            RefField("party", "party_id", m.Party),
            RefField("round", "round_id", m.Round),
            RefField("target", "target_id", m.Party),
        ),
        links=(TOPICS,),
        summary="Party positions",
        description="Each side's demands, red lines, perceptions and accusations, in article order.",
        filters=(
            *_evidence_filters(
                m.Position,
                "positions",
                party=_own_party(m.Position, "Only positions of this party id.", "russia"),
            ),
            Filter(
                "round",
                SLUGS,
                "Only positions the article ties to this round id." + _OR,
                f.any_of(m.Position, "round_id"),
                ("istanbul-2022",),
            ),
            _enum_filter(m.Position, "kind", PositionKind, "Only positions of this kind.", "demand"),
            _enum_filter(m.Position, "holder", PositionHolder, "Only positions held by this.", "leaders"),
        ),
    ),
    CollectionSpec(
        name="mediators",
        model=m.Mediator,
        schema=s.Mediator,
        sorts=(ARTICLE_ORDER,),
        label="party",
        cited=True,
        refs=(RefField("party", "party_id", m.Party),),
        links=(LinkField("rounds", m.RoundLink, "round_id", m.Round), TOPICS),
        summary="Mediators",
        description="Who tried to mediate, how and with what result, and the stance of other outside powers.",
        filters=(
            *_evidence_filters(
                m.Mediator, "mediators", party=_own_party(m.Mediator, "Only this party id.", "turkey")
            ),
            _enum_filter(m.Mediator, "role", MediatorRole, "Mediators or outside powers.", "mediator"),
        ),
    ),
    CollectionSpec(
        name="barriers",
        model=m.Barrier,
        schema=s.Barrier,
        sorts=(ARTICLE_ORDER,),
        cited=True,
        links=(TOPICS, PARTIES),
        summary="Barriers",
        description="Why the talks fail, in article order. Each is in one of the three kinds of barrier "
        "the article names; the sorting is ours, and `category_basis` gives its reason.",
        filters=(
            *_evidence_filters(m.Barrier, "barriers"),
            _enum_filter(
                m.Barrier, "category", BarrierCategory, "Only barriers of this category.", "structural"
            ),
        ),
    ),
    CollectionSpec(
        name="implications",
        model=m.Implication,
        schema=s.Implication,
        sorts=(SortKey("number", "number"),),
        label="heading",
        cited=True,
        links=(TOPICS, PARTIES),
        summary="Implications",
        description="The article's six implications, in its order.",
        filters=_evidence_filters(m.Implication, "implications"),
    ),
    CollectionSpec(
        name="events",
        model=m.Event,
        schema=s.Event,
        sorts=DATE_ORDER,
        label="title",
        cited=True,
        refs=(RefField("round", "round_id", m.Round),),
        links=(PARTIES,),
        summary="Events",
        description="A timeline of the dated happenings the article mentions, oldest first.",
        filters=(
            *_evidence_filters(m.Event, "events", topic=f.round_linked_to(m.Event, m.TopicLink, "topic_id")),
            *_date_filters(m.Event),
            _enum_filter(m.Event, "kind", EventKind, "Only events of this kind.", "talks"),
        ),
    ),
)

BY_NAME = {spec.name: spec for spec in COLLECTIONS}
