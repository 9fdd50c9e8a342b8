"""Quote location: offsets are code points into the Python ``str`` (never bytes or UTF-16 units)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.seed.provenance import QuoteNotFoundError, locate, occurrences


def test_locate_returns_code_point_offsets_after_astral_characters() -> None:
    text = "🧨🌍 1. Prolonged Conflict and Rising Human Cost\n🛡️ Undermining"
    quote = "Prolonged Conflict"
    start, end = locate(text, quote)
    # 🧨 and 🌍 are one code point each (two UTF-16 units, four UTF-8 bytes).
    assert (start, end) == (6, 24)
    assert text[start:end] == quote
    assert len(text[:start].encode("utf-8")) == 12  # bytes offset differs: not a byte offset


def test_locate_after_variation_selector_and_combining_marks() -> None:
    text = "🛡️ 4. Çırağan — “Ukraine’s” sovereignty"
    quote = "“Ukraine’s”"
    start, end = locate(text, quote)
    assert text[start:end] == quote
    assert start == text.index("“")
    assert end - start == len(quote) == 11


def test_missing_quote_is_refused() -> None:
    with pytest.raises(QuoteNotFoundError) as info:
        locate("The talks stalled.", "The talks collapsed.")
    assert str(info.value) == (
        'not found in document; nearest passage at offset 0 (line 1, 78% alike): "The talks stalled."; '
        "first difference at quote character 11: the document has 'sta', the quote 'co'"
    )


def test_quote_is_case_and_punctuation_exact() -> None:
    with pytest.raises(QuoteNotFoundError, match=r"^not found in document; .* the document has 'T' "):
        locate("The talks stalled—again.", "the talks stalled")
    with pytest.raises(QuoteNotFoundError, match=r"^not found in document; .*U\+2014 EM DASH"):
        locate("The talks stalled—again.", "stalled-again")  # hyphen is not an em dash


def test_ambiguous_quote_is_refused() -> None:
    text = "Ukraine and Russia. Ukraine again. And Ukraine."
    with pytest.raises(QuoteNotFoundError) as info:
        locate(text, "Ukraine")
    message = str(info.value)
    assert "ambiguous" in message
    assert message == (
        "ambiguous: occurs 3 times in document, at offsets 0 (line 1), 20 (line 1) and 39 (line 1); "
        "lengthen it or set occurrence"
    )


@pytest.mark.parametrize(("occurrence", "expected"), [(1, (0, 7)), (2, (20, 27)), (3, (39, 46))])
def test_occurrence_picks_the_nth(occurrence: int, expected: tuple[int, int]) -> None:
    text = "Ukraine and Russia. Ukraine again. And Ukraine."
    assert locate(text, "Ukraine", occurrence) == expected
    start, end = expected
    assert text[start:end] == "Ukraine"


def test_occurrence_one_of_a_unique_quote_is_accepted() -> None:
    assert locate("abc Ukraine def", "Ukraine", 1) == (4, 11)


def test_occurrence_too_large_is_refused() -> None:
    with pytest.raises(QuoteNotFoundError) as info:
        locate("Ukraine, Ukraine", "Ukraine", 3)
    assert str(info.value) == (
        "occurrence 3 asked for, but the quote occurs 2 times, at offsets 0 (line 1) and 9 (line 1)"
    )


def test_occurrence_of_missing_quote_says_not_found() -> None:
    with pytest.raises(QuoteNotFoundError, match=r"^not found in document, nor anything close to it$"):
        locate("Ukraine", "Russia", 1)


def test_occurrences_counts_overlapping_matches() -> None:
    assert occurrences("aaaa", "aa") == [0, 1, 2]
    assert occurrences("🧨🧨🧨", "🧨🧨") == [0, 1]
    assert occurrences("abc", "x") == []


def _naive_starts(text: str, sub: str) -> list[int]:
    return [i for i in range(len(text) - len(sub) + 1) if text[i : i + len(sub)] == sub]


_ALPHABET = st.sampled_from(list("ab ‘’—é\u0301🧨🌍🛡\ufe0f\n"))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), text=st.text(alphabet=_ALPHABET, min_size=1, max_size=60))
def test_locate_property(data: st.DataObject, text: str) -> None:
    i = data.draw(st.integers(min_value=0, max_value=len(text) - 1), label="i")
    j = data.draw(st.integers(min_value=i + 1, max_value=len(text)), label="j")
    sub = text[i:j]
    naive = _naive_starts(text, sub)
    assert occurrences(text, sub) == naive
    assert i in naive
    k = data.draw(st.integers(min_value=1, max_value=len(naive)), label="k")
    start, end = locate(text, sub, occurrence=k)
    assert text[start:end] == sub
    assert start == naive[k - 1]
    if len(naive) == 1:
        assert locate(text, sub) == (i, j)
    else:
        with pytest.raises(QuoteNotFoundError, match="ambiguous"):
            locate(text, sub)
    with pytest.raises(QuoteNotFoundError, match=f"occurrence {len(naive) + 1} asked for"):
        locate(text, sub, occurrence=len(naive) + 1)


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
