"""The passage of a document nearest to a quote that is not in it, and where the two first differ.

Candidate places come from the quote's short substrings (k-grams) found verbatim in the text: each votes
for the start it implies. The best few are aligned with difflib around that start, so the cost is a
handful of small alignments, not one per offset of the document.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import Counter
from dataclasses import dataclass

_CANDIDATES = 5
_CLOSE_ENOUGH = 0.6
"""Below this difflib ratio a passage is not shown: it would mislead more than help."""


@dataclass(frozen=True, slots=True)
class Passage:
    start: int
    end: int
    similarity: float
    """difflib's ratio between the passage and the quote, 0 to 1."""


def nearest_passage(text: str, quote: str) -> Passage | None:
    """The passage of ``text`` most like ``quote``, if one is at least 60% alike."""
    if not text or not quote:
        return None
    best: Passage | None = None
    for start in _candidate_starts(text, quote):
        passage = _align(text, quote, start)
        if passage is not None and (best is None or passage.similarity > best.similarity):
            best = passage
    return best if best is not None and best.similarity >= _CLOSE_ENOUGH else None


def _candidate_starts(text: str, quote: str) -> list[int]:
    k = max(3, min(8, len(quote) // 3))
    votes: Counter[int] = Counter()
    for offset in range(max(1, len(quote) - k + 1)):
        gram = quote[offset : offset + k]
        found = text.find(gram)
        while found != -1:
            votes[found - offset] += 1
            found = text.find(gram, found + 1)
    if not votes:
        match = difflib.SequenceMatcher(None, text, quote, autojunk=False).find_longest_match()
        return [match.a - match.b] if match.size >= 3 else []
    starts: list[int] = []
    slack = _slack(quote)
    ranked = votes.most_common()
    enough = ranked[0][1] / 3  # a place with far fewer shared k-grams than the best is not worth aligning
    for start, count in ranked:
        if count < enough:
            break
        if all(abs(start - s) > slack for s in starts):
            starts.append(start)
            if len(starts) == _CANDIDATES:
                break
    return starts


def _slack(quote: str) -> int:
    return len(quote) // 4 + 4


def _align(text: str, quote: str, start: int) -> Passage | None:
    """Align the quote with the text around ``start``; the passage runs from where the quote's first
    character falls to where its last one does."""
    slack = _slack(quote)
    lo = max(0, start - slack)
    region = text[lo : start + len(quote) + slack]
    blocks = [
        b
        for b in difflib.SequenceMatcher(None, region, quote, autojunk=False).get_matching_blocks()
        if b.size >= 2
    ]
    if not blocks:
        return None
    first, last = blocks[0], blocks[-1]
    begin = max(0, first.a - first.b)
    end = min(len(region), last.a + last.size + (len(quote) - last.b - last.size))
    aligned = Passage(lo + begin, lo + end, _ratio(region[begin:end], quote))
    # A stray short block near an edge (a "re" of "press" for the "re" of "reference") can stretch the
    # aligned passage; the window the k-grams voted for, as long as the quote, is the other candidate.
    if start < 0:
        return aligned
    window = Passage(start, start + len(quote), _ratio(text[start : start + len(quote)], quote))
    return window if window.similarity > aligned.similarity else aligned


def _ratio(passage: str, quote: str) -> float:
    return difflib.SequenceMatcher(None, passage, quote, autojunk=False).ratio()


@dataclass(frozen=True, slots=True)
class Difference:
    """Where a passage and a quote first differ: the index in each, and each one's differing part."""

    in_passage: int
    in_quote: int
    passage_part: str
    quote_part: str


def first_difference(passage: str, quote: str) -> Difference:
    matcher = difflib.SequenceMatcher(None, passage, quote, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            return Difference(i1, j1, passage[i1:i2], quote[j1:j2])
    return Difference(len(passage), len(quote), "", "")


def describe(difference: Difference) -> str:
    """``the document has '’' (U+2019 …), the quote "'" (U+0027 APOSTROPHE)``: a difference of a
    character or two gets its code points named, since those are the ones easy to confuse (’ and ',
    — and -, O and 0, a no-break space and a space)."""
    parts = (difference.passage_part, difference.quote_part)
    named = all(len(p) <= 2 for p in parts)
    ours, theirs = (_shown(p, named) for p in parts)
    if not difference.quote_part:
        return f"the quote lacks {ours}"
    if not difference.passage_part:
        return f"the quote adds {theirs}"
    return f"the document has {ours}, the quote {theirs}"


def _shown(part: str, named: bool) -> str:
    if not named:
        return repr(part)
    names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in part)
    return f"{part!r} ({names})"


def excerpt(text: str, start: int, end: int, around: int, width: int = 30) -> str:
    """``text[start:end]`` cut to ``width`` characters either side of ``around``, quoted, with ellipses."""
    lo, hi = max(start, around - width), min(end, around + width)
    body = text[lo:hi].replace("\n", "\\n")
    return '"' + ("…" if lo > start else "") + body + ("…" if hi < end else "") + '"'
