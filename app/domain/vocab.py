"""Closed vocabularies shared by the seed files, the database and the API."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class DatePrecision(StrEnum):
    """How much of a date the article actually gives."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class PartyKind(StrEnum):
    STATE = "state"
    BLOC = "bloc"
    ALLIANCE = "alliance"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    GROUP = "group"
    ORGANISATION = "organisation"


class RoundFormat(StrEnum):
    DIRECT = "direct"
    MEDIATED = "mediated"
    BACK_CHANNEL = "back_channel"
    MULTILATERAL = "multilateral"
    UNSPECIFIED = "unspecified"


class RoundStatus(StrEnum):
    COLLAPSED = "collapsed"
    STALLED = "stalled"
    INCONCLUSIVE = "inconclusive"
    ONGOING = "ongoing"
    NOT_REPORTED = "not_reported"


class PositionKind(StrEnum):
    DEMAND = "demand"
    RED_LINE = "red_line"
    PERCEPTION = "perception"
    ACCUSATION = "accusation"
    STANCE = "stance"


class PositionHolder(StrEnum):
    """Who within a party holds a position, as the sentence the position cites names them."""

    GOVERNMENT = "government"
    LEADERS = "leaders"
    PUBLIC = "public"


class MediatorRole(StrEnum):
    MEDIATOR = "mediator"
    OUTSIDE_POWER = "outside_power"


class BarrierCategory(StrEnum):
    """The three kinds of barrier the article names ("structural, political, and psychological").

    The article does not sort its barriers into them: each barrier's category is our reading, and its
    ``category_basis`` says why."""

    STRUCTURAL = "structural"
    POLITICAL = "political"
    PSYCHOLOGICAL = "psychological"


class EventKind(StrEnum):
    WAR = "war"
    TALKS = "talks"
    MILITARY = "military"
    STATEMENT = "statement"
    PUBLICATION = "publication"


class CollectionName(StrEnum):
    """The API's collections (what a search hit or an exported citation belongs to)."""

    BRIEFINGS = "briefings"
    DOCUMENTS = "documents"
    SOURCES = "sources"
    PARTIES = "parties"
    PEOPLE = "people"
    TOPICS = "topics"
    ROUNDS = "rounds"
    POSITIONS = "positions"
    MEDIATORS = "mediators"
    BARRIERS = "barriers"
    IMPLICATIONS = "implications"
    EVENTS = "events"


class Term(NamedTuple):
    """How a vocabulary value reads in a UI: a display label and a one-line description."""

    label: str
    description: str


TERMS: dict[type[StrEnum], dict[StrEnum, Term]] = {
    DatePrecision: {
        DatePrecision.DAY: Term("Day", "The article gives the day."),
        DatePrecision.MONTH: Term("Month", "The article gives the month but not the day."),
        DatePrecision.YEAR: Term("Year", "The article gives only the year."),
    },
    PartyKind: {
        PartyKind.STATE: Term("State", "A sovereign state or its government."),
        PartyKind.BLOC: Term("Bloc", "States the article treats as one (the European Union, the West)."),
        PartyKind.ALLIANCE: Term("Alliance", "A military alliance of states (NATO)."),
        PartyKind.INTERNATIONAL_ORGANISATION: Term(
            "International organisation", "An organisation of states (the United Nations)."
        ),
        PartyKind.GROUP: Term("Group", "An informal group of delegations or actors."),
        PartyKind.ORGANISATION: Term("Organisation", "A non-state organisation."),
    },
    RoundFormat: {
        RoundFormat.DIRECT: Term("Direct", "The parties' delegations met face to face."),
        RoundFormat.MEDIATED: Term("Mediated", "A third party carried messages or chaired the talks."),
        RoundFormat.BACK_CHANNEL: Term("Back channel", "Quiet, unofficial contacts."),
        RoundFormat.MULTILATERAL: Term("Multilateral", "Many states at one table (a summit, a forum)."),
        RoundFormat.UNSPECIFIED: Term("Unspecified", "The article does not say how the talks were held."),
    },
    RoundStatus: {
        RoundStatus.COLLAPSED: Term("Collapsed", "The talks broke down."),
        RoundStatus.STALLED: Term("Stalled", "The talks stopped making progress without breaking down."),
        RoundStatus.INCONCLUSIVE: Term("Inconclusive", "The talks ended without a settlement."),
        RoundStatus.ONGOING: Term("Ongoing", "The talks continue."),
        RoundStatus.NOT_REPORTED: Term("Not reported", "The article does not say how the talks ended."),
    },
    PositionKind: {
        PositionKind.DEMAND: Term("Demand", "What a party asks of the other side."),
        PositionKind.RED_LINE: Term("Red line", "What a party says it will never accept."),
        PositionKind.PERCEPTION: Term("Perception", "How a party sees the war or the other side."),
        PositionKind.ACCUSATION: Term("Accusation", "What a party blames the other side for."),
        PositionKind.STANCE: Term("Stance", "A party's general attitude to the talks."),
    },
    PositionHolder: {
        PositionHolder.GOVERNMENT: Term("Government", "The party as a state or bloc, or its government."),
        PositionHolder.LEADERS: Term("Leaders", "The party's leaders, or a named leader."),
        PositionHolder.PUBLIC: Term("Public", "The party's society or public opinion."),
    },
    MediatorRole: {
        MediatorRole.MEDIATOR: Term("Mediator", "Tried to bring the sides together."),
        MediatorRole.OUTSIDE_POWER: Term(
            "Outside power", "A power that shapes the talks from outside without mediating."
        ),
    },
    BarrierCategory: {
        BarrierCategory.STRUCTURAL: Term(
            "Structural", "The war's incentives and the machinery of talks and of a settlement."
        ),
        BarrierCategory.POLITICAL: Term(
            "Political", "What governments and publics demand, accept or say of each other."
        ),
        BarrierCategory.PSYCHOLOGICAL: Term("Psychological", "Trust, identity, memory and trauma."),
    },
    EventKind: {
        EventKind.WAR: Term("War", "A turn of the war (an invasion, an annexation)."),
        EventKind.TALKS: Term("Talks", "A negotiation round or contact."),
        EventKind.MILITARY: Term("Military", "A military operation or strike."),
        EventKind.STATEMENT: Term("Statement", "Something a party said or announced."),
        EventKind.PUBLICATION: Term("Publication", "An article or report was published."),
    },
}
"""Every vocabulary's values with a label and a description (served by ``GET /v1/meta``)."""


def term(value: StrEnum) -> Term:
    return TERMS[type(value)][value]
