"""Reading the field annotations of the seed and response models (used by the CSV columns and by synth)."""

from __future__ import annotations

import types
import typing
from typing import Any


def unwrap(annotation: Any) -> tuple[Any, bool]:
    """The type inside ``Annotated[X, …]`` and ``X | None``, and whether ``None`` is allowed. A union of
    several types other than ``None`` is returned as it is."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) != 1:
                return annotation, optional
            annotation = args[0]
        else:
            return annotation, optional
