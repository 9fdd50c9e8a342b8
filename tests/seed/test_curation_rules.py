"""The curation rules the loader enforces: a barrier's category basis, a position's holder, and the words
an outcome or result rests on (present, inside one of the item's citations, not a possibility)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.seed.errors import SeedError
from app.seed.load import check_seeds

Items = list[dict[str, Any]]


def _edit(seeds: Path, collection: str, item_id: str, mutate: Callable[[dict[str, Any]], None]) -> int:
    """Change one item of a seeds copy; return its index."""
    path = seeds / f"{collection}.yaml"
    items: Items = yaml.safe_load(path.read_text(encoding="utf-8"))[collection]
    index = [item["id"] for item in items].index(item_id)
    mutate(items[index])
    path.chmod(0o644)
    path.write_text(yaml.dump({collection: items}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return index


def _problems(seeds: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(SeedError) as info:
        check_seeds(seeds)
    return [(p.file, p.path, p.reason) for p in info.value.problems]


NATO_POSSIBILITY = "may provoke stronger countermeasures from Moscow"


def test_a_possibility_is_not_a_result(seeds_copy: Path) -> None:
    """The review's case: NATO's support "may provoke" countermeasures; that is no reported result."""

    def as_before_the_review(item: dict[str, Any]) -> None:
        item["result"] = "Its support may provoke stronger Russian countermeasures."
        item["result_quote"] = NATO_POSSIBILITY

    _edit(seeds_copy, "mediators", "nato-support", as_before_the_review)
    reason = (
        "result_quote states a possibility ('may'), not a reported result: the result is null and the "
        "summary says what may happen"
    )
    assert _problems(seeds_copy) == [("seeds/mediators.yaml", "nato-support", reason)]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"outcome_quote": None},
            "the outcome needs its outcome_quote: the words of one of the item's citations it rests on",
        ),
        (
            {"outcome_quote": "the talks were a success"},
            "outcome_quote must be words of one of the item's citations",
        ),
        ({"outcome": None}, "outcome_quote is given but the outcome is null"),
    ],
    ids=["missing", "not-in-citations", "without-outcome"],
)
def test_an_outcome_rests_on_words_of_its_citations(
    seeds_copy: Path, change: dict[str, Any], reason: str
) -> None:
    _edit(seeds_copy, "rounds", "istanbul-2022", lambda item: item.update(change))
    assert _problems(seeds_copy) == [("seeds/rounds.yaml", "istanbul-2022", reason)]


def test_every_barrier_needs_its_category_basis(seeds_copy: Path) -> None:
    _edit(seeds_copy, "barriers", "mutual-distrust", lambda item: item.pop("category_basis"))
    path = "mutual-distrust.category_basis"
    assert _problems(seeds_copy) == [("seeds/barriers.yaml", path, "required field is missing")]


def test_a_position_holder_is_one_of_three(seeds_copy: Path) -> None:
    _edit(seeds_copy, "positions", "kremlin-accuses-west", lambda item: item.update(holder="analysts"))
    [(file, path, reason)] = _problems(seeds_copy)
    assert (file, path) == ("seeds/positions.yaml", "kremlin-accuses-west.holder")
    assert reason == "unknown holder 'analysts'; expected 'government', 'leaders' or 'public'"
