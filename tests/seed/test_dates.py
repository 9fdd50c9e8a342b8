"""Partial dates: a day, a month or a year, with the interval each covers, and nothing invented."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.domain.dates import PartialDate
from app.domain.vocab import DatePrecision

DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR


@pytest.mark.parametrize(
    ("text", "precision", "earliest", "latest"),
    [
        ("2025-06-02", DAY, dt.date(2025, 6, 2), dt.date(2025, 6, 2)),
        ("2024-02-29", DAY, dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
        ("2022-03", MONTH, dt.date(2022, 3, 1), dt.date(2022, 3, 31)),
        ("2024-02", MONTH, dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2025-02", MONTH, dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
        ("1900-02", MONTH, dt.date(1900, 2, 1), dt.date(1900, 2, 28)),
        ("2000-02", MONTH, dt.date(2000, 2, 1), dt.date(2000, 2, 29)),
        ("2022-04", MONTH, dt.date(2022, 4, 1), dt.date(2022, 4, 30)),
        ("2022-12", MONTH, dt.date(2022, 12, 1), dt.date(2022, 12, 31)),
        ("2022", YEAR, dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
    ],
)
def test_parse_with_and_without_precision(
    text: str, precision: DatePrecision, earliest: dt.date, latest: dt.date
) -> None:
    for given in (precision, None):
        parsed = PartialDate.parse(text, given)
        assert parsed == PartialDate(text, precision, earliest, latest)
        assert parsed.text == text  # never widened to a full date
        assert parsed.precision is precision


@pytest.mark.parametrize(
    ("text", "precision", "message"),
    [
        ("2025-02-30", DAY, "'2025-02-30' is not a valid date"),
        ("2025-02-29", DAY, "'2025-02-29' is not a valid date"),
        ("2022-04-31", DAY, "'2022-04-31' is not a valid date"),
        ("2022-03-00", DAY, "'2022-03-00' is not a valid date"),
        ("0000", YEAR, "'0000' is not a valid date"),
        ("2025-13", MONTH, "'2025-13' has no month 13"),
        ("2025-00", MONTH, "'2025-00' has no month 0"),
        ("2025-13-01", DAY, "'2025-13-01' has no month 13"),
        ("2022-03-15", MONTH, "'2022-03-15' gives a day, but the date is of month precision"),
        ("2022-03-15", YEAR, "'2022-03-15' is of day precision, not year"),
        ("2022-03", DAY, "'2022-03' is of month precision, not day"),
        ("2022", MONTH, "'2022' is of year precision, not month"),
    ],
)
def test_refusals(text: str, precision: DatePrecision, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        PartialDate.parse(text, precision)


def test_day_on_a_month_precision_date_mentions_the_day() -> None:
    with pytest.raises(ValueError, match="gives a day"):
        PartialDate.parse("2022-03-15", MONTH)


@pytest.mark.parametrize(
    "text",
    ["", "2022-3", "2022-3-1", "22-03-01", "2022/03/01", "March 2022", "2022-03-01T00:00", " 2022", "20222"],
)
def test_wrong_forms(text: str) -> None:
    message = f"{text!r} is not an ISO 8601 date of the form YYYY, YYYY-MM or YYYY-MM-DD"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        PartialDate.parse(text)


@pytest.mark.parametrize("text", ["2022\n", "2022-03\n", "2025-06-02\n"])
def test_trailing_newline_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not an ISO 8601 date"):
        PartialDate.parse(text)


@pytest.mark.parametrize("text", ["٢٠٢٢", "２０２２-03"])
def test_non_ascii_digits_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not an ISO 8601 date"):
        PartialDate.parse(text)
