"""Partial dates: what the article gives (a day, a month or a year) and never more."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from app.domain.vocab import DatePrecision

_PATTERNS: dict[DatePrecision, re.Pattern[str]] = {
    DatePrecision.DAY: re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"),
    DatePrecision.MONTH: re.compile(r"([0-9]{4})-([0-9]{2})"),
    DatePrecision.YEAR: re.compile(r"([0-9]{4})"),
}


@dataclass(frozen=True, slots=True)
class PartialDate:
    """An ISO 8601 date of day, month or year precision, with the interval it covers."""

    text: str
    precision: DatePrecision
    earliest: date
    latest: date

    @classmethod
    def parse(cls, text: str, precision: DatePrecision | None = None) -> PartialDate:
        """Parse ``2025-06-02``, ``2022-03`` or ``2022``; with ``precision``, the form must match it."""
        precision = DatePrecision(precision) if precision is not None else None
        for candidate, pattern in _PATTERNS.items():
            match = pattern.fullmatch(text)
            if match is None:
                continue
            if precision is not None and candidate is not precision:
                if candidate is DatePrecision.DAY and precision is DatePrecision.MONTH:
                    raise ValueError(f"{text!r} gives a day, but the date is of month precision")
                raise ValueError(f"{text!r} is of {candidate.value} precision, not {precision.value}")
            parts = [int(p) for p in match.groups()]
            year = parts[0]
            if year < 1:
                raise ValueError(f"{text!r} is not a valid date")
            if candidate is DatePrecision.YEAR:
                return cls(text, candidate, date(year, 1, 1), date(year, 12, 31))
            month = parts[1]
            if not 1 <= month <= 12:
                raise ValueError(f"{text!r} has no month {month}")
            last_day = calendar.monthrange(year, month)[1]
            if candidate is DatePrecision.MONTH:
                return cls(text, candidate, date(year, month, 1), date(year, month, last_day))
            day = parts[2]
            if not 1 <= day <= last_day:
                raise ValueError(f"{text!r} is not a valid date")
            exact = date(year, month, day)
            return cls(text, candidate, exact, exact)
        raise ValueError(f"{text!r} is not an ISO 8601 date of the form YYYY, YYYY-MM or YYYY-MM-DD")
