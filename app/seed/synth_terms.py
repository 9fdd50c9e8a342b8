"""Search terms of the synthetic entries, computed once per sentence rather than once per entry.

Synthetic text is made of a few thousand pooled sentences and titles (``app.seed.synth``), so the same
pieces of text recur in hundreds of entries. ``PieceTerms.index_terms(title, parts)`` gives what
``app.domain.search_terms.index_terms(title, body, tsvector=False)`` gives (SQLite's columns) for the body
made of those parts, from the words and stems of each piece, each computed once by the real tokeniser:

- An entry's body is its parts joined by line breaks, and a part is cut into pieces at line breaks,
  and at full stops and colons before a space. No word spans those characters (a word is a run of
  letters and digits, joined only by apostrophes), so a text's words are its pieces' words, in order; a
  piece that is plain ASCII takes the tokeniser's fast path, which gives the same words.
- The words are then joined as ``index_terms`` joins them when no term occurs more than
  ``MAX_OCCURRENCES`` times and the text is shorter than ``MAX_POSITIONS`` words; any other entry
  (none at the sizes drawn here) is left to ``index_terms`` itself.

``PieceTerms.tsvector(title, parts)`` gives PostgreSQL's literal (``index_terms(...).tsvector``) from the
same words and stems: one ``'lexeme':position`` per occurrence, which PostgreSQL's tsvector input sorts and
merges into the value ``index_terms``'s grouped literal gives.

``tests/seed/test_synth.py`` checks that the index built this way equals the one ``search_index.rebuild``
builds from the stored entries (``tests/db/test_query_plans_postgres.py``: the tsvectors, on a sample).
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Sequence

from app.domain.search_terms import MAX_OCCURRENCES, MAX_POSITIONS, IndexTerms, index_terms, stem, words
from app.seed.rows import entry_body

_CUTS = re.compile(r"\n|[.:] ")
"""Where a text is cut into pieces: line breaks, and full stops and colons before a space."""
CACHED_PIECES = 100_000
"""At most this many pieces are remembered (about 40 MB at most). At 100,000 rows the entries hold about
33,000 distinct pieces (13 MB): the pools' sentences and titles, met first in the documents, the shortened
quotes and the titles of items, and the numbered names, each met once, in between; with room for 20,000,
the pieces met after the cache was full were tokenised again at every use (4.7 s against 3.2 s)."""

Piece = tuple[int, str, str]
"""A piece's word count, and its words and its stems, space-separated."""

_EMPTY: Piece = (0, "", "")


class PieceTerms:
    def __init__(self) -> None:
        self.pieces: dict[str, Piece] = {}

    def _piece(self, text: str) -> Piece:
        """The terms of a part of an entry: of each piece cutting it gives, each computed once."""
        found = self.pieces.get(text)
        if found is None:
            cut = _CUTS.split(text)
            if len(cut) > 1:
                return _joined([piece for part in cut if (piece := self._piece(part))[0]])
            found_words = words(text)
            found = (len(found_words), " ".join(found_words), " ".join(map(stem, found_words)))
            if len(self.pieces) < CACHED_PIECES:
                self.pieces[text] = found
        return found

    def index_terms(self, title: str, parts: Sequence[str | None]) -> IndexTerms:
        """``index_terms(title, body, tsvector=False)`` of an entry whose body is its ``parts`` joined by
        line breaks (``app.seed.rows.search_row``)."""
        return IndexTerms(*self.columns(title, parts), "")

    def tsvector(self, title: str, parts: Sequence[str | None]) -> str:
        """``index_terms(title, body).tsvector`` of the entry."""
        found = self._columns(title, parts)
        if found is None:
            return index_terms(title, entry_body(parts)).tsvector
        title_stems, body_stems, title_words, body_words = found
        body = title_stems.count(" ") + 3 if title_stems else 2  # one unused position after the title
        return " ".join(
            filter(
                None,
                (
                    _occurrences(title_stems, "'", 1, "A"),
                    _occurrences(title_words, "'=", 1, "A"),
                    _occurrences(body_stems, "'", body, "B"),
                    _occurrences(body_words, "'=", body, "B"),
                ),
            )
        )

    def columns(self, title: str, parts: Sequence[str | None]) -> tuple[str, str, str, str]:
        """The SQLite columns of ``index_terms``: title stems, body stems, title words, body words."""
        found = self._columns(title, parts)
        if found is None:
            terms = index_terms(title, entry_body(parts), tsvector=False)
            return terms.title_stems, terms.body_stems, terms.title_words, terms.body_words
        return found

    def _columns(self, title: str, parts: Sequence[str | None]) -> tuple[str, str, str, str] | None:
        """``columns``, or None for an entry that ``index_terms`` must index itself: one with a term past
        ``MAX_OCCURRENCES`` (a word's occurrences are at most its stem's) or ``MAX_POSITIONS`` words."""
        get, compute = self.pieces.get, self._piece
        title_piece = get(title) or compute(title)
        count, found_words, stems = title_piece[0], [], []
        for part in parts:
            if part:
                piece = get(part) or compute(part)
                if piece[0]:
                    count += piece[0]
                    found_words.append(piece[1])
                    stems.append(piece[2])
        if count > MAX_OCCURRENCES:
            occurrences = Counter(title_piece[2].split())
            for piece_stems in stems:
                occurrences.update(piece_stems.split())
            if count >= MAX_POSITIONS or max(occurrences.values()) > MAX_OCCURRENCES:
                return None
        return title_piece[2], " ".join(stems), title_piece[1], " ".join(found_words)


def _joined(pieces: list[Piece]) -> Piece:
    """The terms of pieces of text one after the other."""
    if len(pieces) == 1:
        return pieces[0]
    if not pieces:
        return _EMPTY
    counts, found_words, stems = zip(*pieces, strict=True)
    return sum(counts), " ".join(found_words), " ".join(stems)


_POSITIONS = {weight: [f"{i}{weight}" for i in range(MAX_POSITIONS + 1)] for weight in "AB"}
"""Positions as a tsvector literal writes them, up to the last that ``PieceTerms.tsvector`` writes."""


def _occurrences(terms: str, prefix: str, first: int, weight: str) -> str:
    """``'term':position`` for each of the space-separated ``terms`` (``prefix``: ``'`` or ``'=``), the
    first at position ``first``. Terms are letters and digits: no quote or space to escape."""
    if not terms:
        return ""
    quoted = (prefix + terms.replace(" ", "': " + prefix) + "':").split(" ")
    return " ".join(map(operator.add, quoted, _POSITIONS[weight][first : first + len(quoted)]))
