"""Search aliases in the seed files are validated like every other field: each problem names the file,
the path (from the item's id) and the reason, and a sound alias is stored for search."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.seed.errors import SeedError
from app.seed.load import check_seeds


def _edit(seeds: Path, collection: str, mutate: Callable[[list[dict[str, Any]]], None]) -> None:
    path = seeds / f"{collection}.yaml"
    items = yaml.safe_load(path.read_text(encoding="utf-8"))[collection]
    mutate(items)
    path.chmod(0o644)
    path.write_text(yaml.dump({collection: items}, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _set_aliases(index: int, aliases: list[Any]) -> Callable[[list[dict[str, Any]]], None]:
    def mutate(items: list[dict[str, Any]]) -> None:
        items[index]["search_aliases"] = aliases

    return mutate


def _problems(seeds: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(SeedError) as info:
        check_seeds(seeds)
    return [(p.file, p.path, p.reason) for p in info.value.problems]


def test_the_real_aliases_are_stored(seeds_copy: Path) -> None:
    rows = {row["alias"]: row["names"] for row in check_seeds(seeds_copy).rows["search_aliases"]}
    assert rows["zelensky"] == ["zelenskyy"]
    assert rows["kiev"] == ["ukraine", "kyiv"]


def test_alias_that_is_already_a_name(seeds_copy: Path) -> None:
    _edit(seeds_copy, "parties", _set_aliases(1, ["the Kremlin"]))
    assert _problems(seeds_copy) == [
        (
            "seeds/parties.yaml",
            "russia.search_aliases[0]",
            "'the Kremlin' is already a name or alias: nothing to add",
        )
    ]


def test_alias_of_two_entries(seeds_copy: Path) -> None:
    _edit(seeds_copy, "people", _set_aliases(0, ["Zelensky"]))
    assert _problems(seeds_copy) == [
        (
            "seeds/people.yaml",
            "zelenskyy.search_aliases[0]",
            "'Zelensky' is also a search alias of another entry",
        )
    ]


def test_alias_without_letters(seeds_copy: Path) -> None:
    _edit(seeds_copy, "parties", _set_aliases(0, ["—"]))
    assert _problems(seeds_copy) == [
        ("seeds/parties.yaml", "ukraine.search_aliases[0]", "has no letters or digits to search for")
    ]


@pytest.mark.parametrize("value", ["", "   ", 7])
def test_blank_or_wrong_type(seeds_copy: Path, value: Any) -> None:
    _edit(seeds_copy, "parties", _set_aliases(0, [value]))
    problems = _problems(seeds_copy)
    assert [(f, p) for f, p, _ in problems] == [("seeds/parties.yaml", "ukraine.search_aliases[0]")]
