"""The one tokeniser: words, stems, and the terms each engine stores."""

from __future__ import annotations

import random

from app.domain.search_terms import FILLER, MAX_OCCURRENCES, index_terms, spans, words


def test_words_fold_case_diacritics_and_possessives() -> None:
    assert words("Çırağan PALACE, Russia’s demands; don't") == [
        "ciragan",
        "palace",
        "russia",
        "demands",
        "dont",
    ]
    assert words("½ 🧊 — ") == ["1", "2"]


def test_spans_point_at_the_original_text() -> None:
    text = "Ukraine’s “frozen conflict” in Çırağan"
    assert [(text[a:b], w) for a, b, w in spans(text)] == [
        ("Ukraine’s", "ukraine"),
        ("frozen", "frozen"),
        ("conflict", "conflict"),
        ("in", "in"),
        ("Çırağan", "ciragan"),
    ]


def test_fast_path_gives_the_same_columns() -> None:
    rng = random.Random(1)
    vocabulary = ["the", "ceasefire", "talks", "Çırağan", "neutrality", "don't", "Russia’s"]
    for size in (3, 50, MAX_OCCURRENCES - 5, 300):
        for _ in range(30):
            title = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 5)))
            body = " ".join(rng.choice(vocabulary) for _ in range(size))
            full, fast = index_terms(title, body), index_terms(title, body, tsvector=False)
            assert (full.title_stems, full.body_stems, full.title_words, full.body_words) == (
                fast.title_stems,
                fast.body_stems,
                fast.title_words,
                fast.body_words,
            )


def test_occurrences_beyond_the_limit_are_dropped_alike() -> None:
    terms = index_terms("war", "war " * 400)
    assert terms.body_words.split().count("war") == MAX_OCCURRENCES - 1  # one is in the title
    assert terms.body_words.split().count(FILLER) == 400 - (MAX_OCCURRENCES - 1)
    lexemes = dict(part.split(":", 1) for part in terms.tsvector.split(" "))
    assert len(lexemes["'=war'"].split(",")) == MAX_OCCURRENCES
    assert lexemes["'=war'"].startswith("1A,3B,4B")  # one unused position between title and body
