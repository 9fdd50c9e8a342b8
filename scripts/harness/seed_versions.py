"""The "version A / version B" seed pair that proves a re-seed is all-or-nothing, and reading which
version a database (or a response) holds."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, func, select

from scripts.harness.processes import SEEDS_DIR

B_SUFFIX = " (B)"
BRIEFING_ID = "why-peace-talks-fail"
DOCUMENT_ID = "peace-talks-analysis-2025-06-12"


@dataclass(frozen=True)
class Version:
    """What a complete data set of one seed directory looks like in the database."""

    label: str
    version: str
    counts: dict[str, int]
    summaries: dict[str, str]  # position id -> summary


def make_b_seeds(target: Path) -> Path:
    """A copy of seeds/ whose every position summary ends with " (B)": valid data, another version."""
    shutil.copytree(SEEDS_DIR, target)
    path = target / "positions.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for position in data["positions"]:
        position["summary"] = position["summary"] + B_SUFFIX
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000), encoding="utf-8")
    return target


def expected_version(label: str, seeds_dir: Path) -> Version:
    from app.seed.load import check_seeds

    plan = check_seeds(seeds_dir)
    summaries = {row["id"]: row["summary"] for row in plan.rows["positions"]}
    return Version(label, plan.version, plan.counts(), summaries)


def version_of_summaries(summaries: list[str]) -> str:
    """ "A", "B", or "mixed" (or "empty") for the position summaries of one response or snapshot."""
    marked = {s.endswith(B_SUFFIX) for s in summaries}
    if not marked:
        return "empty"
    if marked == {True}:
        return "B"
    if marked == {False}:
        return "A"
    return "mixed"


def inspect_database(url: str, versions: list[Version]) -> tuple[str, list[str]]:
    """Which complete version the database holds, read in one transaction: (label, problems).

    The label is a version's label when the stored version, every table's row count and every position
    summary match that version exactly; otherwise "corrupt" with the problems found.
    """
    from app.db.models import Base, Dataset, Position

    engine = create_engine(url)
    try:
        with engine.connect() as connection, connection.begin():
            row = connection.execute(select(Dataset.version, Dataset.counts)).one_or_none()
            counts = {
                table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
                for table in Base.metadata.sorted_tables
                if table.name != "dataset"
            }
            summaries = dict(connection.execute(select(Position.id, Position.summary)).all())
    finally:
        engine.dispose()
    if row is None:
        return "corrupt", ["no dataset row"]
    stored_version, stored_counts = row
    match = next((v for v in versions if v.version == stored_version), None)
    if match is None:
        return "corrupt", [f"unknown dataset.version {stored_version[:12]}"]
    problems: list[str] = []
    for table, expected in match.counts.items():
        if counts.get(table, 0) != expected:
            problems.append(f"{table}: {counts.get(table, 0)} rows, version {match.label} has {expected}")
    for table, n in counts.items():
        if table not in match.counts and n:
            problems.append(f"{table}: {n} rows, version {match.label} has none")
    if dict(stored_counts or {}) != match.counts:
        problems.append("dataset.counts does not match the version's counts")
    if summaries != match.summaries:
        wrong = sorted(
            k for k in summaries.keys() | match.summaries.keys() if summaries.get(k) != match.summaries.get(k)
        )
        problems.append(f"position summaries differ from version {match.label}: {', '.join(wrong[:5])}")
    return (match.label, []) if not problems else ("corrupt", problems)


def position_summaries(payload: Any, position_ids: set[str]) -> list[str]:
    """Every ``summary`` of a position object anywhere in a JSON document (for a search hit of a
    position, its title, which ends with the summary)."""
    found: list[str] = []
    stack = [payload]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("id") in position_ids and isinstance(node.get("summary"), str):
                found.append(node["summary"])
            if node.get("type") == "positions" and isinstance(node.get("title"), str):
                found.append(node["title"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found
