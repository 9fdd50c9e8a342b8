"""One run of ``briefing seed --check`` reports every defect of the seed files, each where it is.

The acceptance test of issue 14: four different defects in three files (a bad enum value, a misspelt
party id, a quote off by one character, an impossible date) come back together, each with ``file:line``,
the item's id and field, and a suggestion where one applies. Lines are found by searching the files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.seed.errors import SeedError
from app.seed.load import check_seeds
from app.settings import PROJECT_ROOT

BRIEFING = Path(sys.executable).parent / "briefing"


def _break(path: Path, item_id: str, old: str, new: str) -> int:
    """Replace the first ``old`` inside the item ``- id: item_id`` and return the 1-based line it was on."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {item_id}\n")
    at = text.index(old, start)
    next_item = text.find("\n  - id: ", start + 1)
    assert next_item == -1 or at < next_item, f"{old!r} is not in {item_id}"
    path.chmod(0o644)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text[:at].count("\n") + 1


def test_four_defects_are_reported_in_one_run(seeds_copy: Path, tmp_path: Path) -> None:
    positions, rounds = seeds_copy / "positions.yaml", seeds_copy / "rounds.yaml"
    kind = _break(positions, "ukraine-full-withdrawal", "kind: demand\n", "kind: demnad\n")
    party = _break(positions, "russia-no-nato-guarantee", "party: russia\n", "party: rusia\n")
    quote = _break(
        positions,
        "russia-no-nato-guarantee",
        '"securing guarantees that Ukraine will not join NATO"',
        '"securing guarantees that Ukraine will not join NAT0"',
    )
    date = _break(rounds, "istanbul-2025", 'date: "2025-06-02"', 'date: "2025-06-31"')

    result = subprocess.run(
        [str(BRIEFING), "seed", "--check"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "BRIEFING_SEEDS_DIR": str(seeds_copy), "BRIEFING_DATA_DIR": str(tmp_path / "d")},
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    document = (seeds_copy / "documents/000_1ae0d73ebc0c7739.txt").read_text(encoding="utf-8")
    at = document.index("securing guarantees that Ukraine will not join NATO")
    assert result.stderr.splitlines() == [
        f"seeds/positions.yaml:{kind}: ukraine-full-withdrawal.kind: unknown kind 'demnad' "
        "(did you mean 'demand'?); expected 'demand', 'red_line', 'perception', 'accusation' or 'stance'",
        f"seeds/positions.yaml:{party}: russia-no-nato-guarantee.party: unknown party 'rusia' "
        "(did you mean 'russia'?)",
        f"seeds/positions.yaml:{quote}: russia-no-nato-guarantee.citations[0].quote: not found in document; "
        f"nearest passage at offset {at} (line {document[:at].count(chr(10)) + 1}, 98% alike): "
        '"…that Ukraine will not join NATO"; first difference at quote character 51: '
        "the document has 'O' (U+004F LATIN CAPITAL LETTER O), the quote '0' (U+0030 DIGIT ZERO)",
        f"seeds/rounds.yaml:{date}: istanbul-2025.date: '2025-06-31' is not a valid date",
        "seed refused: 4 problem(s); the database was not changed",
    ]
    assert not (tmp_path / "d").exists()


def test_an_invalid_item_still_has_its_references_and_quotes_checked(seeds_copy: Path) -> None:
    """A bad enum value does not hide the same item's other problems: its kind is stood in for by
    another position's, so its party, topics and quote are checked in the same run; the stand-in's own
    value raises nothing, and a collection-wide check (implication numbers) is not blamed on it."""
    positions, implications = seeds_copy / "positions.yaml", seeds_copy / "implications.yaml"
    item = "ukraine-full-withdrawal"
    party = _break(positions, item, "party: ukraine\n", "party: ukrane\n")
    kind = _break(positions, item, "kind: demand\n", "kind: demnd\n")
    topics = _break(
        positions,
        item,
        "topics: [territory, sovereignty]\n",
        "topics: [territory, sovereignty, sovereignty]\n",
    )
    quote = _break(positions, item, 'withdrawal of Russian forces"\n', 'withdrawal of Russian forcs"\n')
    number = _break(implications, "prolonged-conflict", "number: 1\n", "number: one\n")

    with pytest.raises(SeedError) as info:
        check_seeds(seeds_copy)

    assert [(p.file, p.line, p.path) for p in info.value.problems] == [
        ("seeds/implications.yaml", number, "prolonged-conflict.number"),
        ("seeds/positions.yaml", party, "ukraine-full-withdrawal.party"),
        ("seeds/positions.yaml", kind, "ukraine-full-withdrawal.kind"),
        ("seeds/positions.yaml", topics, "ukraine-full-withdrawal.topics"),
        ("seeds/positions.yaml", quote, "ukraine-full-withdrawal.citations[0].quote"),
    ]
    reasons = [p.reason for p in info.value.problems]
    assert reasons[1] == "unknown party 'ukrane' (did you mean 'ukraine'?)"
    assert reasons[3] == "lists the same id twice"
    assert reasons[4].startswith("not found in document; nearest passage at offset ")
