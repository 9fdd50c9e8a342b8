"""Offsets for JavaScript: a code point offset of a text as a UTF-16 code unit offset.

The API's offsets (``start``/``end`` of citations and sections) count Unicode code points, Python's
``str`` indices. JavaScript strings count UTF-16 code units, in which every code point beyond the Basic
Multilingual Plane (an emoji) takes two; ``start_utf16``/``end_utf16`` let a client ``text.slice()``.
"""

from __future__ import annotations

import re
from bisect import bisect_left

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Utf16Offsets:
    """The conversion for one text: the positions of its astral code points, and a bisection."""

    __slots__ = ("astral",)

    def __init__(self, text: str) -> None:
        # A regular expression finds them without a Python step per character (documents are long).
        self.astral = [m.start() for m in _ASTRAL.finditer(text)]

    def __call__(self, offset: int) -> int:
        return offset + bisect_left(self.astral, offset)
