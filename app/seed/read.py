"""Reading and validating the seed files: every problem, each at its file's line and under its item's id.

Items are validated one at a time and each problem is reported; the valid items go on to the reference
and quote checks (``app.seed.plan``), and so does an invalid one, its bad fields stood in for by another
item's (whose problems are then not reported), so that one run reports everything. The ids of invalid
items still count as known, so a reference to them is not reported a second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.seed import marks
from app.seed.errors import SeedProblem, format_path, parse_path
from app.seed.schema import SEED_FILES, SeedFiles
from app.seed.validate import Location, item_model, stand_in, validate_item


def seed_file_name(collection: str) -> str:
    return f"seeds/{collection}.yaml"


@dataclass
class _File:
    node: yaml.Node | None
    items: list[Any]
    kept: list[int] = field(default_factory=list)
    """The index in ``items`` of each item passed on to the checks, in order."""
    stood_in: dict[int, set[str]] = field(default_factory=dict)
    """Invalid items passed on as stand-ins (by index in ``items``), with the fields they borrowed."""
    dropped: int = 0
    """How many invalid items could not be stood in for, and are left out of the checks."""


@dataclass
class SeedRead:
    """What the seed files hold: the items to check, the problems found so far, and where things are."""

    valid: dict[str, list[Any]] = field(default_factory=dict)
    """The items of each collection passed on to the checks, in file order: the valid ones, and
    stand-ins for invalid ones whose other fields can still be checked."""
    problems: list[SeedProblem] = field(default_factory=list)
    ids: dict[str, set[str] | None] = field(default_factory=dict)
    """Every id each file declares, invalid items' included; None for a file that could not be read."""
    files: dict[str, _File] = field(default_factory=dict)

    @property
    def seeds(self) -> SeedFiles:
        """The items to check as one ``SeedFiles`` (instances already validated are not validated again)."""
        return SeedFiles.model_validate(self.valid)

    def problem(self, location: Location, reason: str) -> SeedProblem:
        """A problem at ``(collection, index in the file, field, ...)``, with its line and item id."""
        collection = str(location[0])
        file = self.files[collection]
        path = format_path(location)
        if len(location) > 1 and isinstance(location[1], int):
            item = file.items[location[1]] if location[1] < len(file.items) else None
            item_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(item_id, str) and item_id:
                rest = format_path(location[2:])
                path = f"{item_id}.{rest}" if rest else item_id
        return SeedProblem(seed_file_name(collection), path, reason, marks.line_of(file.node, location))

    def place(self, problem: SeedProblem) -> SeedProblem | None:
        """A problem the planner found, whose path counts valid items only, at its line and item id.

        None when it only follows from an invalid item: a check of a whole collection that has one, or
        a problem of a field an invalid item's stand-in took from another item.
        """
        location = parse_path(problem.path)
        if not location or location[0] not in self.files:
            return problem
        file = self.files[str(location[0])]
        if len(location) == 1:
            return None if file.dropped or file.stood_in else self.problem(location, problem.reason)
        index = location[1]
        if isinstance(index, int) and index < len(file.kept):
            index = file.kept[index]
            if len(location) > 2 and location[2] in file.stood_in.get(index, ()):
                return None
            location = (location[0], index, *location[2:])
        return self.problem(location, problem.reason)


def read_seeds(seeds_dir: Path) -> SeedRead:
    """Parse and validate every seed file; never raises: the problems are in the result."""
    read = SeedRead()
    for collection in SEED_FILES:
        valid = read.valid.setdefault(collection, [])
        read.ids[collection] = None
        file = _parse(read, collection, seeds_dir / f"{collection}.yaml")
        if file is None:
            continue
        read.files[collection] = file
        read.ids[collection] = _declared_ids(read, collection, file)
        model = item_model(collection)
        checked = [validate_item(model, raw) for raw in file.items]
        donor = next((file.items[i] for i, (item, _) in enumerate(checked) if item is not None), None)
        for index, (item, errors) in enumerate(checked):
            for location, reason in errors:
                read.problems.append(read.problem((collection, index, *location), reason))
            if item is None:
                stood_in = stand_in(model, file.items[index], [loc for loc, _ in errors], donor)
                if stood_in is None:
                    file.dropped += 1
                    continue
                item, file.stood_in[index] = stood_in
            valid.append(item)
            file.kept.append(index)
    return read


def _parse(read: SeedRead, collection: str, path: Path) -> _File | None:
    name = seed_file_name(collection)
    try:
        content, node = marks.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        read.problems.append(SeedProblem(name, "", "file is missing"))
        return None
    except UnicodeDecodeError as exc:
        read.problems.append(SeedProblem(name, "", f"not UTF-8: {exc.reason}"))
        return None
    except yaml.YAMLError as exc:
        problem = f"not valid YAML: {marks.problem_text(exc)}"
        read.problems.append(SeedProblem(name, "", problem, marks.problem_mark_line(exc)))
        return None
    if not isinstance(content, dict) or set(content) != {collection}:
        keys = sorted(content, key=str) if isinstance(content, dict) else type(content).__name__
        problem = f"must hold exactly one key '{collection}', found {keys}"
        read.problems.append(SeedProblem(name, "", problem, marks.line_of(node, ())))
        return None
    items = content[collection]
    if not isinstance(items, list):
        problem = f"must be a list of items, found {type(items).__name__}"
        read.problems.append(SeedProblem(name, collection, problem, marks.line_of(node, (collection,))))
        return None
    return _File(node, items)


def _declared_ids(read: SeedRead, collection: str, file: _File) -> set[str]:
    """The ids the file declares; a repeated one is a problem at its line, naming the first's."""
    first_line: dict[str, int] = {}
    for index, item in enumerate(file.items):
        item_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item_id, str):
            continue
        if item_id in first_line:
            reason = f"duplicate id '{item_id}' (first at line {first_line[item_id]})"
            read.problems.append(read.problem((collection, index, "id"), reason))
        else:
            first_line[item_id] = marks.line_of(file.node, (collection, index, "id"))
    return set(first_line)
