"""Finding quotes in a document: offsets are Unicode code points into the Python ``str``."""

from __future__ import annotations


class QuoteNotFoundError(ValueError):
    pass


def occurrences(text: str, quote: str) -> list[int]:
    """Every start offset of ``quote`` in ``text``, overlapping ones included."""
    found: list[int] = []
    start = text.find(quote)
    while start != -1:
        found.append(start)
        start = text.find(quote, start + 1)
    return found


def locate(text: str, quote: str, occurrence: int | None = None) -> tuple[int, int]:
    """The ``(start, end)`` of a quote, so that ``text[start:end] == quote``.

    A quote that occurs more than once must name which occurrence (1-based) it means.
    """
    starts = occurrences(text, quote)
    if not starts:
        raise QuoteNotFoundError("not found in document")
    if occurrence is None:
        if len(starts) > 1:
            raise QuoteNotFoundError(
                f"ambiguous: occurs {len(starts)} times in document; lengthen it or set occurrence"
            )
        start = starts[0]
    else:
        if occurrence > len(starts):
            raise QuoteNotFoundError(
                f"occurrence {occurrence} asked for, but the quote occurs {len(starts)} times"
            )
        start = starts[occurrence - 1]
    return start, start + len(quote)
