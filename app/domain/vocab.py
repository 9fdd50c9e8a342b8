"""Closed vocabularies shared by the seed files, the database and the API."""

from __future__ import annotations

from enum import StrEnum


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
