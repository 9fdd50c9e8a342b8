"""Row shapes shared by the seed loader and the synthetic data generator, so both write what the
database and the read API expect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain.dates import PartialDate

Row = dict[str, Any]

UNDATED_SORT_KEY = "9999"
SORT_ORDINAL_WIDTH = 6


def date_columns(partial: PartialDate | None, ordinal: int, *, width: int = SORT_ORDINAL_WIDTH) -> Row:
    """Date columns. ``date_sort`` orders by date, then seed order; a space sorts before ``-``, so a
    year comes before its months and a month before its days; undated items sort last."""
    tiebreak = f" {ordinal:0{width}d}"
    if partial is None:
        return {
            "date": None,
            "date_precision": None,
            "date_earliest": None,
            "date_latest": None,
            "date_sort": UNDATED_SORT_KEY + tiebreak,
        }
    return {
        "date": partial.text,
        "date_precision": partial.precision.value,
        "date_earliest": partial.earliest,
        "date_latest": partial.latest,
        "date_sort": partial.text + tiebreak,
    }


def link_rows(collection: str, item_id: str, column: str, values: Sequence[str], **extra: Any) -> list[Row]:
    """Rows of a generic link table (``topic_links``, ``party_links``, …) for one item, in order."""
    return [
        {"collection": collection, "item_id": item_id, column: value, "ordinal": ordinal, **extra}
        for ordinal, value in enumerate(values)
    ]


def search_row(collection: str, item_id: str, title: str, *parts: str | None) -> Row:
    """The searchable text of one item (``app.seed.search_entries`` adds its id, labels and names)."""
    return {
        "collection": collection,
        "item_id": item_id,
        "title": title,
        "body": "\n".join(p for p in parts if p),
    }
