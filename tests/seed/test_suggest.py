"""Closest matches for misspelt ids, by difflib."""

from __future__ import annotations

from app.seed.suggest import closest, did_you_mean, unknown_reference


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
