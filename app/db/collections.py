"""The twelve collections, each declared once: table, schema, embedded references, sorts and filters.
List, detail, pagination, caching and errors are written once, in ``app.api.routers.collections``."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints
from sqlalchemy import ColumnElement, and_, select

from app.db import models as m
from app.db.listing import CollectionSpec, Filter, LinkField, RefField, SortKey
from app.domain import schemas as s
from app.domain.dates import PartialDate
from app.domain.vocab import (
    BarrierCategory,
    EventKind,
    MediatorRole,
    PartyKind,
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


def _equals(model: type[m.Base], column: str) -> Any:
    return lambda value: _table(model).c[column] == value


def _linked_to(model: type[m.Base], link: type[m.Base], column: str, collection: str) -> Any:
    """Items of ``collection`` linked to the given id through a generic link table."""
    link_table = _table(link)

    def where(value: str) -> ColumnElement[bool]:
        linked = select(link_table.c.item_id).where(
            link_table.c[column] == value, link_table.c.collection == collection
        )
        return _table(model).c.id.in_(linked)

    return where


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


def _date_filters(model: type[m.Base]) -> tuple[Filter, Filter]:
    return (
        Filter(
            "from",
            DateParam,
            "On or after this date (`2022`, `2022-03` or `2022-03-15`); "
            "a partial date matches any item whose period overlaps it.",
            _date_from(model),
            ("2022-03",),
        ),
        Filter("to", DateParam, "On or before this date (same forms as `from`).", _date_to(model), ("2025",)),
    )


def _party_filter(model: type[m.Base], collection: str, description: str) -> Filter:
    return Filter(
        "party", SlugParam, description, _linked_to(model, m.PartyLink, "party_id", collection), ("ukraine",)
    )


def _topic_filter(model: type[m.Base], collection: str) -> Filter:
    return Filter(
        "topic",
        SlugParam,
        "Only items about this topic id.",
        _linked_to(model, m.TopicLink, "topic_id", collection),
        ("territory",),
    )


TOPICS = LinkField("topics", m.TopicLink, "topic_id", m.Topic)
PARTIES = LinkField("parties", m.PartyLink, "party_id", m.Party, role="involved")

COLLECTIONS: tuple[CollectionSpec, ...] = (
    CollectionSpec(
        name="briefings",
        model=m.Briefing,
        schema=s.BriefingSummary,
        sorts=(ARTICLE_ORDER,),
        refs=(RefField("document", "document_id", m.Document, label="title"),),
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
        filters=(
            Filter("kind", PartyKind, "Only parties of this kind.", _equals(m.Party, "kind"), ("state",)),
        ),
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
        filters=(
            Filter(
                "party",
                SlugParam,
                "Only people of this party id.",
                _equals(m.Person, "party_id"),
                ("ukraine",),
            ),
        ),
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
            _party_filter(m.Round, "rounds", "Only rounds this party id took part in, hosted or is tied to."),
            *_date_filters(m.Round),
            Filter(
                "status",
                RoundStatus,
                "Only rounds with this outcome status.",
                _equals(m.Round, "status"),
                ("collapsed",),
            ),
            Filter(
                "format", RoundFormat, "Only rounds of this format.", _equals(m.Round, "format"), ("direct",)
            ),
        ),
    ),
    CollectionSpec(
        name="positions",
        model=m.Position,
        schema=s.Position,
        sorts=(ARTICLE_ORDER,),
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
            Filter(
                "party",
                SlugParam,
                "Only positions of this party id.",
                _equals(m.Position, "party_id"),
                ("russia",),
            ),
            _topic_filter(m.Position, "positions"),
            Filter(
                "round",
                SlugParam,
                "Only positions the article ties to this round id.",
                _equals(m.Position, "round_id"),
                ("istanbul-2022",),
            ),
            Filter(
                "kind", PositionKind, "Only positions of this kind.", _equals(m.Position, "kind"), ("demand",)
            ),
        ),
    ),
    CollectionSpec(
        name="mediators",
        model=m.Mediator,
        schema=s.Mediator,
        sorts=(ARTICLE_ORDER,),
        cited=True,
        refs=(RefField("party", "party_id", m.Party),),
        links=(LinkField("rounds", m.RoundLink, "round_id", m.Round), TOPICS),
        summary="Mediators",
        description="Who tried to mediate, how and with what result, and the stance of other outside powers.",
        filters=(
            Filter("party", SlugParam, "Only this party id.", _equals(m.Mediator, "party_id"), ("turkey",)),
            Filter(
                "role",
                MediatorRole,
                "Mediators or outside powers.",
                _equals(m.Mediator, "role"),
                ("mediator",),
            ),
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
            Filter(
                "category",
                BarrierCategory,
                "Only barriers of this category.",
                _equals(m.Barrier, "category"),
                ("structural",),
            ),
            _topic_filter(m.Barrier, "barriers"),
        ),
    ),
    CollectionSpec(
        name="implications",
        model=m.Implication,
        schema=s.Implication,
        sorts=(SortKey("number", "number"),),
        cited=True,
        links=(TOPICS, PARTIES),
        summary="Implications",
        description="The article's six implications, in its order.",
    ),
    CollectionSpec(
        name="events",
        model=m.Event,
        schema=s.Event,
        sorts=DATE_ORDER,
        cited=True,
        refs=(RefField("round", "round_id", m.Round),),
        links=(PARTIES,),
        summary="Events",
        description="A timeline of the dated happenings the article mentions, oldest first.",
        filters=(
            *_date_filters(m.Event),
            Filter("kind", EventKind, "Only events of this kind.", _equals(m.Event, "kind"), ("talks",)),
        ),
    ),
)

BY_NAME = {spec.name: spec for spec in COLLECTIONS}
