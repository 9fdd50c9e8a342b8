"""The nearest passage of the document to a quote that is not in it, and where the two differ."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from app.seed.nearest import describe, first_difference, nearest_passage
from tests.conftest import SEEDS_DIR

DOCUMENT = (SEEDS_DIR / "documents/000_1ae0d73ebc0c7739.txt").read_text(encoding="utf-8")


def test_one_changed_character_finds_the_passage_and_the_character() -> None:
    text = "The talks stalled. Russia’s sincerity was doubted. The talks resumed."
    quote = "Russia's sincerity was doubted"
    passage = nearest_passage(text, quote)
    assert passage is not None
    assert text[passage.start : passage.end] == "Russia’s sincerity was doubted"
    diff = first_difference(text[passage.start : passage.end], quote)
    assert (diff.in_quote, diff.passage_part, diff.quote_part) == (6, "’", "'")
    assert describe(diff) == (
        "the document has '’' (U+2019 RIGHT SINGLE QUOTATION MARK), the quote \"'\" (U+0027 APOSTROPHE)"
    )


def test_a_missing_word_and_an_added_word_are_described() -> None:
    text = "securing guarantees that Ukraine will not join NATO, while"
    missing = nearest_passage(text, "Ukraine will join NATO")
    assert missing is not None
    assert text[missing.start : missing.end] == "Ukraine will not join NATO"
    assert describe(first_difference(text[missing.start : missing.end], "Ukraine will join NATO")) == (
        "the quote lacks 'not '"
    )
    added = nearest_passage(text, "guarantees that Ukraine will surely not join")
    assert added is not None
    assert text[added.start : added.end] == "guarantees that Ukraine will not join"
    diff = first_difference(text[added.start : added.end], "guarantees that Ukraine will surely not join")
    assert describe(diff) == "the quote adds 'surely '"


def test_the_best_of_several_similar_passages_wins() -> None:
    text = "Russia insists on talks. Ukraine insists on withdrawal. Russia insists on recognition."
    passage = nearest_passage(text, "Russia insists on recognitoin")
    assert passage is not None
    assert text[passage.start : passage.end] == "Russia insists on recognition"


def test_nothing_close_gives_none() -> None:
    assert nearest_passage("The talks stalled in Istanbul.", "Quantum chromodynamics") is None
    assert nearest_passage("", "anything") is None
    assert nearest_passage("anything", "") is None


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_real_sentence_with_one_character_changed_is_found_where_it_is(data: st.DataObject) -> None:
    """Property, on the real article: cut a passage, change one character, and the matcher returns a
    passage that starts within a character of the cut and differs first at the changed character."""
    start = data.draw(st.integers(0, len(DOCUMENT) - 80), label="start")
    length = data.draw(st.integers(30, 80), label="length")
    original = DOCUMENT[start : start + length]
    at = data.draw(st.integers(1, length - 2), label="at")
    replacement = "#" if original[at] != "#" else "%"
    quote = original[:at] + replacement + original[at + 1 :]
    passage = nearest_passage(DOCUMENT, quote)
    assert passage is not None
    assert passage.similarity > 0.9
    found = DOCUMENT[passage.start : passage.end]
    diff = first_difference(found, quote)
    assert diff.quote_part.startswith(replacement) or diff.passage_part.startswith(original[at])
    if DOCUMENT.count(original) == 1:
        assert abs(passage.start - start) <= 1


def test_matching_the_whole_article_is_fast() -> None:
    """Only the candidate places are aligned: a not-found quote costs milliseconds on the 8k article."""
    quotes = [DOCUMENT[i : i + 120].replace("e", "3", 1) for i in range(0, len(DOCUMENT) - 120, 400)]
    began = time.perf_counter()
    for quote in quotes:
        assert nearest_passage(DOCUMENT, quote) is not None
    per_quote = (time.perf_counter() - began) / len(quotes)
    assert per_quote < 0.05, f"{per_quote * 1000:.1f} ms per quote"
