"""Text normalisation shared by the loader and the search queries."""

from __future__ import annotations

import unicodedata

# Letters NFKD leaves whole, mapped to what a reader types for them.
_UNDECOMPOSABLE = str.maketrans(
    {"ı": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss"}
)


def fold_diacritics(text: str) -> str:
    """``Ciragan`` for ``Çırağan``: the text a diacritics-insensitive index compares."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSABLE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
