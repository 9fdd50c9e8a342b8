"""Lines of YAML values from node marks, and the field paths problems are reported under."""

from __future__ import annotations

from app.seed import marks
from app.seed.errors import format_path, parse_path


def test_line_of_follows_keys_and_indexes_and_stops_at_what_is_missing() -> None:
    text = (
        "rounds:\n  - id: a\n    name: A\n  - id: b\n    topics: [x, y]\n    citations:\n      - quote: q\n"
    )
    data, node = marks.parse(text)
    assert data["rounds"][1]["citations"][0]["quote"] == "q"
    assert marks.line_of(node, ("rounds", 0, "name")) == 3
    assert marks.line_of(node, ("rounds", 1)) == 4
    assert marks.line_of(node, ("rounds", 1, "topics", 1)) == 5
    assert marks.line_of(node, ("rounds", 1, "citations", 0, "quote")) == 7
    assert marks.line_of(node, ("rounds", 1, "summary")) == 4  # missing: the item's first line
    assert marks.line_of(node, ("rounds", 9)) == 1


def test_parse_path_inverts_format_path() -> None:
    for location in [
        ("rounds", 3, "citations", 0, "quote"),
        ("implications",),
        ("briefings", 0, "photo", "caption"),
    ]:
        assert parse_path(format_path(location)) == location
