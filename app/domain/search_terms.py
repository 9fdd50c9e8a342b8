"""How text becomes search terms: ONE tokeniser for the index, the queries and the snippets.

SQLite and PostgreSQL never tokenise anything themselves: both index and query the terms made here, so
they compare exactly the same strings and agree on every match.

- A *word* is a run of letters and digits (``[^\\W_]+``) of the original text, apostrophes within it
  included, case-folded and with its diacritics removed (``Çırağan`` → ``ciragan``); a possessive ``'s``
  is dropped and other apostrophes join (``Russia’s`` → ``russia``, ``don't`` → ``dont``); folding may
  split a word (``½`` → ``1``, ``2``). At most ``MAX_TERM`` characters are kept.
- A *stem* is the word's English Snowball stem (``negotiations`` → ``negoti``). Plain query words match
  stems; quoted phrases and prefixes match words. No stop words: ``the`` is a term like any other.
- A text is indexed up to its first ``MAX_POSITIONS`` words, and a term's first ``MAX_OCCURRENCES``
  occurrences (PostgreSQL's limits for a tsvector, applied the same way on SQLite).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]

from app.domain.text import fold_diacritics

MAX_TERM = 64
MAX_POSITIONS = 16000
MAX_OCCURRENCES = 256
FILLER = "\ue000"
"""Stands in, on SQLite, for an occurrence beyond ``MAX_OCCURRENCES``: a private-use character that
SQLite's tokeniser keeps as a token and that no query can produce (it is not a letter or digit)."""

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_LETTERS = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"['’]s$")
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=1 << 16)
def _fold_word(word: str) -> tuple[str, ...]:
    word = _POSSESSIVE.sub("", word).replace("'", "").replace("’", "")  # Russia's -> russia, don't -> dont
    return tuple(t[:MAX_TERM] for t in _LETTERS.findall(fold_diacritics(word.casefold()).casefold()))


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The stem of a folded word (itself for words the stemmer would empty)."""
    return str(_STEMMER.stemWord(word)) or word


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    if text.isascii() and "'" not in text:
        return [t[:MAX_TERM] for t in _LETTERS.findall(text.lower())]
    return [t for m in _WORD.finditer(text) for t in _fold_word(m.group())]


def spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    """``(start, end, word)`` for every folded word of ``text[start:end]``, with the span of the original
    text it comes from."""
    end = len(text) if end is None else end
    part = text[start:end]
    if part.isascii() and "'" not in part:
        return [
            (m.start() + start, m.end() + start, m.group().lower()[:MAX_TERM])
            for m in _LETTERS.finditer(part)
        ]
    return [
        (m.start() + start, m.end() + start, term)
        for m in _WORD.finditer(part)
        for term in _fold_word(m.group())
    ]


@dataclass(frozen=True)
class IndexTerms:
    """An entry's terms as the engines store them.

    SQLite (FTS5, four columns): ``title_stems``, ``body_stems``, ``title_words``, ``body_words``,
    space-separated. PostgreSQL: ``tsvector``, a tsvector literal where stems are plain lexemes and words
    are ``=``-prefixed lexemes at the same positions; title positions have weight A, body positions B, with
    one unused position between them so that no phrase spans both.
    """

    title_stems: str
    body_stems: str
    title_words: str
    body_words: str
    tsvector: str


def index_terms(title: str, body: str, *, tsvector: bool = True) -> IndexTerms:
    """The terms of an entry (``tsvector=False``: without the PostgreSQL literal, which SQLite does not
    need; short texts then take a fast path, as no term can reach ``MAX_OCCURRENCES``)."""
    title_words = words(title)[:MAX_POSITIONS]
    body_words = words(body)[: max(0, MAX_POSITIONS - len(title_words) - 1)]
    if not tsvector and len(title_words) + len(body_words) <= MAX_OCCURRENCES:
        return IndexTerms(
            " ".join(map(stem, title_words)),
            " ".join(map(stem, body_words)),
            " ".join(title_words),
            " ".join(body_words),
            "",
        )
    seen: dict[str, list[str]] = {}  # lexeme -> positions ("12A")
    columns: list[list[str]] = [[], [], [], []]
    for part, (part_words, weight, offset) in enumerate(
        ((title_words, "A", 1), (body_words, "B", len(title_words) + 2))
    ):
        for index, word in enumerate(part_words):
            position = f"{offset + index}{weight}"
            for lexeme, column in ((stem(word), part), ("=" + word, 2 + part)):
                occurrences = seen.setdefault(lexeme, [])
                if len(occurrences) < MAX_OCCURRENCES:
                    occurrences.append(position)
                    columns[column].append(lexeme.removeprefix("="))
                else:
                    columns[column].append(FILLER)
    literal = " ".join(f"'{lexeme}':{','.join(positions)}" for lexeme, positions in seen.items())
    title_stems, body_stems, title_terms, body_terms = (" ".join(c) for c in columns)
    return IndexTerms(title_stems, body_stems, title_terms, body_terms, literal if tsvector else "")
