"""Closest matches for a misspelt id, enum value or field name ("did you mean 'russia'?"), by difflib."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

_SINGULAR = {"parties": "party", "people": "person"}
_LISTED = 10
"""An unknown id with no close match lists the known ones when there are at most this many."""


def closest(value: str, choices: Iterable[str]) -> list[str]:
    """Up to three choices most like ``value`` (difflib ratio 0.6 or more), best first.

    Compared case-insensitively, so ``Russia`` finds ``russia``.
    """
    by_folded: dict[str, str] = {}
    for choice in choices:
        by_folded.setdefault(choice.casefold(), choice)
    matches = difflib.get_close_matches(value.casefold(), list(by_folded), n=3, cutoff=0.6)
    return [by_folded[m] for m in matches if by_folded[m] != value]


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'russia'?)``, `` (did you mean 'a' or 'b'?)``, or an empty string."""
    matches = closest(value, choices)
    if not matches:
        return ""
    quoted = [f"'{m}'" for m in matches]
    options = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"
    return f" (did you mean {options}?)"


def singular(collection: str) -> str:
    """``parties`` → ``party``, ``rounds`` → ``round``."""
    return _SINGULAR.get(collection, collection.removesuffix("s"))


def unknown_reference(target: str, value: str, known: Iterable[str]) -> str:
    """``unknown party 'rusia' (did you mean 'russia'?)``; with nothing close, the known ids when they
    are few (``unknown round 'minsk-2015' (known: istanbul-2022, istanbul-2025)``)."""
    known = sorted(known)
    hint = did_you_mean(value, known)
    if not hint and 0 < len(known) <= _LISTED:
        hint = f" (known: {', '.join(known)})"
    return f"unknown {singular(target)} '{value}'{hint}"
