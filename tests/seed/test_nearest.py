"""The helpers behind seed messages: the nearest passage to a quote, closest ids, YAML lines, paths."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.seed import marks
from app.seed.errors import format_path, parse_path
from app.seed.nearest import describe, first_difference, nearest_passage
from app.seed.provenance import QuoteNotFoundError, locate
from app.seed.suggest import closest, did_you_mean, unknown_reference
from tests.conftest import SEEDS_DIR

DOCUMENT = (SEEDS_DIR / "documents/000_1ae0d73ebc0c7739.txt").read_text(encoding="utf-8")


# -- nearest passage -----------------------------------------------------------------------------------
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


def test_locate_explains_a_near_miss() -> None:
    with pytest.raises(QuoteNotFoundError) as info:
        locate("Line one.\nThe talks stalled—again.\n", "The talks stalled-again.")
    assert str(info.value) == (
        "not found in document; nearest passage at offset 10 (line 2, 95% alike): "
        '"The talks stalled—again."; '
        "first difference at quote character 18: the document has '—' (U+2014 EM DASH), "
        "the quote '-' (U+002D HYPHEN-MINUS)"
    )


def test_ambiguous_and_too_large_occurrences_list_where_the_quote_is() -> None:
    text = "Ukraine and Russia.\nUkraine again.\nAnd Ukraine."
    with pytest.raises(QuoteNotFoundError) as info:
        locate(text, "Ukraine")
    assert str(info.value) == (
        "ambiguous: occurs 3 times in document, at offsets 0 (line 1), 20 (line 2) and 39 (line 3); "
        "lengthen it or set occurrence"
    )
    with pytest.raises(QuoteNotFoundError) as info:
        locate(text, "Ukraine", 4)
    assert str(info.value) == (
        "occurrence 4 asked for, but the quote occurs 3 times, "
        "at offsets 0 (line 1), 20 (line 2) and 39 (line 3)"
    )


# -- closest ids ---------------------------------------------------------------------------------------
def test_closest_ids() -> None:
    parties = ["russia", "ukraine", "united-states", "united-nations", "turkey"]
    assert closest("rusia", parties) == ["russia"]
    assert closest("Russia", parties) == ["russia"]
    assert closest("united-state", parties)[0] == "united-states"
    assert closest("atlantis", parties) == []
    assert did_you_mean("ukrain", parties) == " (did you mean 'ukraine'?)"
    assert did_you_mean("united", ["united-states", "united-nations"]) == (
        " (did you mean 'united-states' or 'united-nations'?)"
    )
    assert unknown_reference("parties", "rusia", parties) == "unknown party 'rusia' (did you mean 'russia'?)"
    assert unknown_reference("people", "zelensky", ["volodymyr-zelenskyy", "vladimir-putin"]) == (
        "unknown person 'zelensky' (known: vladimir-putin, volodymyr-zelenskyy)"
    )
    assert unknown_reference("topics", "x", [f"topic-{i}" for i in range(11)]) == "unknown topic 'x'"


# -- lines and paths -----------------------------------------------------------------------------------
def test_line_of_follows_keys_and_indexes_and_stops_at_what_is_missing() -> None:
    text = (
        "rounds:\n  - id: a\n    name: A\n  - id: b\n    topics: [x, y]\n    citations:\n      - quote: q\n"
    )
    data, node = marks.parse(text)
    assert data["rounds"][1]["citations"][0]["quote"] == "q"
    assert marks.line_of(node, ("rounds", 0, "name")) == 3
    assert marks.line_of(node, ("rounds", 1)) == 4
    assert marks.line_of(node, ("rounds", 1, "topics", 1)) == 5
    assert marks.line_of(node, ("rounds", 1, "citations", 0, "quote")) == 7
    assert marks.line_of(node, ("rounds", 1, "summary")) == 4  # missing: the item's first line
    assert marks.line_of(node, ("rounds", 9)) == 1


def test_parse_path_inverts_format_path() -> None:
    for location in [
        ("rounds", 3, "citations", 0, "quote"),
        ("implications",),
        ("briefings", 0, "photo", "caption"),
    ]:
        assert parse_path(format_path(location)) == location
