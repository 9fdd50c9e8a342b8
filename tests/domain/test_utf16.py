"""UTF-16 offsets: what JavaScript's ``text.slice()`` needs for a Python (code point) offset."""

from __future__ import annotations

import pytest

from app.domain.utf16 import Utf16Offsets


@pytest.mark.parametrize(
    "text",
    ["", "plain ascii", "Çırağan and Zürich", "🕊️ peace ⚖️ talks 🛡️", "𝔘 at start and end 🤝", "😀😀😀"],
)
def test_every_offset_matches_the_utf16_encoding(text: str) -> None:
    offsets = Utf16Offsets(text)
    for offset in range(len(text) + 1):
        assert offsets(offset) == len(text[:offset].encode("utf-16-le")) // 2, (text, offset)
