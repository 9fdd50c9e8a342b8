"""Finding quotes in a document: offsets are Unicode code points into the Python ``str``.

A quote that is not found is explained: the nearest passage of the document and where the two first
differ; an ambiguous one lists where it occurs.
"""

from __future__ import annotations

from app.seed.nearest import describe, excerpt, first_difference, nearest_passage

_LISTED = 5
"""How many occurrences an ambiguity message lists."""


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
        raise QuoteNotFoundError(not_found(text, quote))
    if occurrence is None:
        if len(starts) > 1:
            raise QuoteNotFoundError(
                f"ambiguous: occurs {len(starts)} times in document, {where(text, starts)}; "
                "lengthen it or set occurrence"
            )
        start = starts[0]
    else:
        if occurrence > len(starts):
            raise QuoteNotFoundError(
                f"occurrence {occurrence} asked for, but the quote occurs {len(starts)} times, "
                f"{where(text, starts)}"
            )
        start = starts[occurrence - 1]
    return start, start + len(quote)


def line_at(text: str, offset: int) -> int:
    """The 1-based line of the document that holds ``offset``."""
    return text.count("\n", 0, offset) + 1


def where(text: str, starts: list[int]) -> str:
    """``at offsets 0 (line 1), 20 (line 1) and 39 (line 2)``, the first few of many."""
    shown_ = [f"{s} (line {line_at(text, s)})" for s in starts[:_LISTED]]
    more = len(starts) - len(shown_)
    if more:
        return "at offsets " + ", ".join(shown_) + f" and {more} more"
    if len(shown_) == 1:
        return f"at offset {shown_[0]}"
    return "at offsets " + ", ".join(shown_[:-1]) + f" and {shown_[-1]}"


def not_found(text: str, quote: str) -> str:
    """``not found in document; nearest passage …: "…"; first difference at quote character N: …``."""
    passage = nearest_passage(text, quote)
    if passage is None:
        return "not found in document, nor anything close to it"
    diff = first_difference(text[passage.start : passage.end], quote)
    percent = int(passage.similarity * 100)
    return (
        f"not found in document; nearest passage at offset {passage.start} "
        f"(line {line_at(text, passage.start)}, {percent}% alike): "
        f"{excerpt(text, passage.start, passage.end, passage.start + diff.in_passage)}; "
        f"first difference at quote character {diff.in_quote + 1}: {describe(diff)}"
    )
