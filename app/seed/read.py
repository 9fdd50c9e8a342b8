"""Reading and validating the seed files, each problem named by file and field path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.seed.errors import SeedError, SeedProblem, format_path
from app.seed.schema import SEED_FILES, SeedFiles


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a mapping with a repeated key instead of keeping the last."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def seed_file_name(collection: str) -> str:
    return f"seeds/{collection}.yaml"


def read_seed_files(seeds_dir: Path) -> SeedFiles:
    """Parse and validate every seed file; raise ``SeedError`` listing every problem found."""
    problems: list[SeedProblem] = []
    raw: dict[str, Any] = {}
    for collection in SEED_FILES:
        name = seed_file_name(collection)
        path = seeds_dir / f"{collection}.yaml"
        try:
            content = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506
        except FileNotFoundError:
            problems.append(SeedProblem(name, "", "file is missing"))
            continue
        except UnicodeDecodeError as exc:
            problems.append(SeedProblem(name, "", f"not UTF-8: {exc.reason}"))
            continue
        except yaml.YAMLError as exc:
            problems.append(SeedProblem(name, "", f"not valid YAML: {_yaml_reason(exc)}"))
            continue
        if not isinstance(content, dict) or set(content) != {collection}:
            keys = sorted(content) if isinstance(content, dict) else type(content).__name__
            problems.append(SeedProblem(name, "", f"must hold exactly one key '{collection}', found {keys}"))
            continue
        raw[collection] = content[collection]
    if problems:
        raise SeedError(problems)
    try:
        return SeedFiles.model_validate(raw)
    except ValidationError as exc:
        raise SeedError([_problem_from(error) for error in exc.errors()]) from None


def _problem_from(error: Any) -> SeedProblem:
    location = tuple(error["loc"])
    collection = str(location[0]) if location else ""
    reason = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        reason = "unknown field"
    elif error["type"] == "missing":
        reason = "required field is missing"
    return SeedProblem(seed_file_name(collection), format_path(location), reason)


def _yaml_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return f"{problem} (line {mark.line + 1})" if mark is not None else str(problem)
