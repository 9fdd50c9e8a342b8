"""Seed YAML parsed with its node marks, so that a problem at ``positions[2].party`` can name its line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml


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


class _FastUniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same loader on libyaml's parser when PyYAML has it (its wheels do): the same nodes and marks,
    about 6x faster than the pure-Python parser, which took most of a seed's time."""


_FastUniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse(text: str, loader_class: type[Any]) -> tuple[Any, yaml.Node | None]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def parse(text: str) -> tuple[Any, yaml.Node | None]:
    """The document's value and its node tree (None for an empty document). Raises ``yaml.YAMLError``,
    as the pure-Python parser words it (libyaml's messages say less: "did not find expected ',' or ']'"
    where it says "expected ',' or ']', but got '<stream end>'")."""
    try:
        return _parse(text, _FastUniqueKeyLoader)
    except yaml.YAMLError:
        return _parse(text, _UniqueKeyLoader)


def line_of(node: yaml.Node | None, location: Sequence[str | int]) -> int:
    """The 1-based line of the value at ``location``, or of the deepest part of it that exists.

    A mapping entry is placed at its key's line; a missing field at the line where its item starts.
    """
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in location:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    child, line = value, key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def problem_mark_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None)
    return mark.line + 1 if mark is not None else None


def problem_text(exc: yaml.YAMLError) -> str:
    return str(getattr(exc, "problem", None) or exc)
