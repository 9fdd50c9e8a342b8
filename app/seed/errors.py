"""Seed problems, reported as ``file:line: item.field: reason``, sorted by file and line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SeedProblem:
    """One problem of the seed files.

    ``path`` starts with the item, named by its id when it has one (``ukraine-full-withdrawal.party``)
    and by its index otherwise (``positions[2].kind``); it is empty for a problem of the whole file.
    ``line`` is 1-based, None when the file could not be read at all.
    """

    file: str
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.reason}" if self.path else f"{where}: {self.reason}"

    def sort_key(self) -> tuple[str, int]:
        return self.file, self.line or 0


class SeedError(Exception):
    """The seed files were refused; nothing was written. Problems are sorted by file and line."""

    def __init__(self, problems: Sequence[SeedProblem]) -> None:
        self.problems = sorted(problems, key=SeedProblem.sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))


def format_path(location: Sequence[str | int]) -> str:
    """``("rounds", 3, "citations", 0, "quote")`` → ``rounds[3].citations[0].quote``."""
    out = ""
    for part in location:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def parse_path(path: str) -> tuple[str | int, ...]:
    """The inverse of ``format_path``: ``rounds[3].citations[0].quote`` → ``("rounds", 3, ...)``."""
    return tuple(int(index) if index else name for index, name in _PART.findall(path))
