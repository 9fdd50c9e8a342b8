"""Every kind of seed defect is refused with ``file: field.path: reason``, and nothing is written.

Each defect breaks one thing in a private copy of ``seeds/``. ``check_seeds`` must name the exact
problem, and ``seed`` on an already seeded database (SQLite and PostgreSQL) must leave every row of
every table exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select

from app.db.models import Base
from app.seed.errors import SeedError
from app.seed.load import check_seeds, seed
from app.settings import PROJECT_ROOT
from tests.conftest import SEEDS_DIR, Database

Problem = tuple[str, str, str]
DOC_FILE = "documents/000_1ae0d73ebc0c7739.txt"
BRIEFING = Path(sys.executable).parent / "briefing"


# -- editing a seeds copy ---------------------------------------------------------------------------------
def _writable(path: Path) -> Path:
    path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return path


def _load(seeds: Path, collection: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((seeds / f"{collection}.yaml").read_text(encoding="utf-8"))
    items: list[dict[str, Any]] = data[collection]
    return items


def _edit(seeds: Path, collection: str, mutate: Callable[[list[dict[str, Any]]], None]) -> None:
    items = _load(seeds, collection)
    mutate(items)
    text = yaml.dump({collection: items}, allow_unicode=True, sort_keys=False)
    _writable(seeds / f"{collection}.yaml").write_text(text, encoding="utf-8")


def _replace_text(seeds: Path, collection: str, old: str, new: str) -> None:
    path = seeds / f"{collection}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
    _writable(path).write_text(text.replace(old, new), encoding="utf-8")


def _index(seeds: Path, collection: str, item_id: str) -> int:
    return [item["id"] for item in _load(seeds, collection)].index(item_id)


def _document_text(seeds: Path) -> str:
    return (seeds / DOC_FILE).read_text(encoding="utf-8")


def _set(index: int, key: str, value: Any) -> Callable[[list[dict[str, Any]]], None]:
    def mutate(items: list[dict[str, Any]]) -> None:
        items[index][key] = value

    return mutate


# -- the defects: each breaks one thing and returns the problems it must cause ---------------------------
def quote_not_in_document(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", lambda items: items[3]["citations"][0].update(quote="Ukraine will join NATO."))
    return [("seeds/positions.yaml", "positions[3].citations[0].quote", "not found in document")]


def quote_with_straight_apostrophe(seeds: Path) -> list[Problem]:
    """A realistic typo: ’ retyped as ' is no longer verbatim."""
    index = _index(seeds, "positions", "west-skeptical-of-russia")
    _replace_text(seeds, "positions", "skeptical of Russia’s sincerity", "skeptical of Russia's sincerity")
    return [("seeds/positions.yaml", f"positions[{index}].citations[0].quote", "not found in document")]


def ambiguous_quote(seeds: Path) -> list[Problem]:
    count = _document_text(seeds).count("Ukraine")
    assert count > 1
    _edit(seeds, "positions", lambda items: items[0]["citations"][0].update(quote="Ukraine"))
    reason = f"ambiguous: occurs {count} times in document; lengthen it or set occurrence"
    return [("seeds/positions.yaml", "positions[0].citations[0].quote", reason)]


def occurrence_too_large(seeds: Path) -> list[Problem]:
    count = _document_text(seeds).count("Ukraine")
    _edit(seeds, "positions", lambda items: items[0]["citations"][0].update(quote="Ukraine", occurrence=99))
    reason = f"occurrence 99 asked for, but the quote occurs {count} times"
    return [("seeds/positions.yaml", "positions[0].citations[0].quote", reason)]


def unknown_party(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", _set(0, "party", "atlantis"))
    return [("seeds/positions.yaml", "positions[0].party", "unknown parties id 'atlantis'")]


def unknown_topic(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", _set(0, "topics", ["territory", "weather"]))
    return [("seeds/positions.yaml", "positions[0].topics[1]", "unknown topics id 'weather'")]


def unknown_source(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", lambda items: items[0]["citations"][0].update(source="bbc"))
    return [("seeds/positions.yaml", "positions[0].citations[0].source", "unknown sources id 'bbc'")]


def unknown_round_of_event(seeds: Path) -> list[Problem]:
    index = _index(seeds, "events", "istanbul-talks-2022")
    _edit(seeds, "events", _set(index, "round", "minsk-2015"))
    return [("seeds/events.yaml", f"events[{index}].round", "unknown rounds id 'minsk-2015'")]


def duplicate_id(seeds: Path) -> list[Problem]:
    first = _load(seeds, "positions")[0]["id"]
    _edit(seeds, "positions", _set(1, "id", first))
    return [("seeds/positions.yaml", "positions[1].id", f"duplicate id '{first}' (first at positions[0])")]


def duplicate_party(seeds: Path) -> list[Problem]:
    count = len(_load(seeds, "parties"))
    _edit(seeds, "parties", lambda items: items.append(dict(items[0])))
    return [("seeds/parties.yaml", f"parties[{count}].id", "duplicate id 'ukraine' (first at parties[0])")]


def impossible_date(seeds: Path) -> list[Problem]:
    index = _index(seeds, "rounds", "istanbul-2025")
    _edit(seeds, "rounds", _set(index, "date", "2025-02-30"))
    return [("seeds/rounds.yaml", f"rounds[{index}].date", "'2025-02-30' is not a valid date")]


def day_on_month_precision(seeds: Path) -> list[Problem]:
    index = _index(seeds, "rounds", "istanbul-2022")
    _edit(seeds, "rounds", _set(index, "date", "2022-03-15"))
    reason = "'2022-03-15' gives a day, but the date is of month precision"
    return [("seeds/rounds.yaml", f"rounds[{index}].date", reason)]


def unknown_field(seeds: Path) -> list[Problem]:
    _edit(seeds, "rounds", _set(0, "colour", "red"))
    return [("seeds/rounds.yaml", "rounds[0].colour", "unknown field")]


def unknown_field_in_citation(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", lambda items: items[2]["citations"][0].update(page=3))
    return [("seeds/positions.yaml", "positions[2].citations[0].page", "unknown field")]


def missing_required_field(seeds: Path) -> list[Problem]:
    _edit(seeds, "barriers", lambda items: items[1].pop("summary"))
    return [("seeds/barriers.yaml", "barriers[1].summary", "required field is missing")]


def wrong_document_hash(seeds: Path) -> list[Problem]:
    real = hashlib.sha256((seeds / DOC_FILE).read_bytes()).hexdigest()
    _edit(seeds, "documents", _set(0, "sha256", "ab" * 32))
    return [
        ("seeds/documents.yaml", "documents[0].sha256", f"{DOC_FILE} has sha256 {real}, not the recorded one")
    ]


def modified_document_file(seeds: Path) -> list[Problem]:
    path = _writable(seeds / DOC_FILE)
    data = path.read_bytes()
    at = data.index(b"Reuters")
    changed = data[: at + 6] + b"z" + data[at + 7 :]  # "Reuters" -> "Reuterz": one byte
    assert len(changed) == len(data)
    assert sum(a != b for a, b in zip(data, changed, strict=True)) == 1
    path.write_bytes(changed)
    digest = hashlib.sha256(changed).hexdigest()
    return [
        (
            "seeds/documents.yaml",
            "documents[0].sha256",
            f"{DOC_FILE} has sha256 {digest}, not the recorded one",
        )
    ]


def missing_document_file(seeds: Path) -> list[Problem]:
    (seeds / DOC_FILE).unlink()
    return [
        ("seeds/documents.yaml", "documents[0].file", f"cannot read {DOC_FILE}: No such file or directory")
    ]


def empty_summary(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", _set(0, "summary", ""))
    return [("seeds/positions.yaml", "positions[0].summary", "String should have at least 1 character")]


def blank_summary(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", _set(0, "summary", "   "))
    return [("seeds/positions.yaml", "positions[0].summary", "String should match pattern '\\S'")]


def blank_quote(seeds: Path) -> list[Problem]:
    _edit(seeds, "rounds", lambda items: items[0]["citations"][1].update(quote="\t \n"))
    return [("seeds/rounds.yaml", "rounds[0].citations[1].quote", "String should match pattern '\\S'")]


def invalid_yaml(seeds: Path) -> list[Problem]:
    _writable(seeds / "rounds.yaml").write_text("rounds:\n  - id: [unclosed\n", encoding="utf-8")
    return [("seeds/rounds.yaml", "", "not valid YAML: expected ',' or ']', but got '<stream end>' (line 3)")]


def duplicate_yaml_key(seeds: Path) -> list[Problem]:
    lines = (seeds / "rounds.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[2] == '    name: "Istanbul talks"\n'
    lines.insert(3, '    name: "Istanbul talks, again"\n')
    _writable(seeds / "rounds.yaml").write_text("".join(lines), encoding="utf-8")
    return [("seeds/rounds.yaml", "", "not valid YAML: duplicate key 'name' (line 4)")]


def wrong_top_level_key(seeds: Path) -> list[Problem]:
    _replace_text(seeds, "topics", "topics:\n", "topic:\n")
    return [("seeds/topics.yaml", "", "must hold exactly one key 'topics', found ['topic']")]


def missing_seed_file(seeds: Path) -> list[Problem]:
    (seeds / "events.yaml").unlink()
    return [("seeds/events.yaml", "", "file is missing")]


def several_broken_files(seeds: Path) -> list[Problem]:
    """Problems in several files are all reported, in load order (topics, rounds, events), not in the
    order of breaking."""
    events = missing_seed_file(seeds)
    rounds = invalid_yaml(seeds)
    topics = wrong_top_level_key(seeds)
    return [*topics, *rounds, *events]


DEFECTS: dict[str, Callable[[Path], list[Problem]]] = {
    f.__name__: f
    for f in (
        quote_not_in_document,
        quote_with_straight_apostrophe,
        ambiguous_quote,
        occurrence_too_large,
        unknown_party,
        unknown_topic,
        unknown_source,
        unknown_round_of_event,
        duplicate_id,
        duplicate_party,
        impossible_date,
        day_on_month_precision,
        unknown_field,
        unknown_field_in_citation,
        missing_required_field,
        wrong_document_hash,
        modified_document_file,
        missing_document_file,
        empty_summary,
        blank_summary,
        blank_quote,
        invalid_yaml,
        duplicate_yaml_key,
        wrong_top_level_key,
        missing_seed_file,
        several_broken_files,
    )
}


def _line(problem: Problem) -> str:
    file, path, reason = problem
    return f"{file}: {path}: {reason}" if path else f"{file}: {reason}"


def _problems(error: SeedError) -> list[Problem]:
    return [(p.file, p.path, p.reason) for p in error.problems]


# -- the database's full content ---------------------------------------------------------------------------
def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered by primary key (the dataset row included)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(row) for row in connection.execute(query)]
    return out


def _sqlite_files(database: Database) -> dict[str, bytes]:
    main = database.settings.data_dir / "briefing.sqlite3"
    files = [main, main.with_name(main.name + "-wal")]
    return {f.name: f.read_bytes() for f in files if f.exists()}


def _dump_of(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    engine = database.engine()
    try:
        return dump(engine)
    finally:
        engine.dispose()


# -- tests --------------------------------------------------------------------------------------------------
def test_the_real_seeds_pass() -> None:
    plan = check_seeds(SEEDS_DIR)
    assert len(plan.version) == 64
    assert plan.counts()["citations"] > 50


@pytest.mark.parametrize("defect", DEFECTS)
def test_check_seeds_names_file_path_and_reason(defect: str, seeds_copy: Path) -> None:
    expected = DEFECTS[defect](seeds_copy)
    with pytest.raises(SeedError) as info:
        check_seeds(seeds_copy)
    assert _problems(info.value) == expected
    assert str(info.value) == "\n".join(_line(p) for p in expected)


def test_several_reference_problems_are_all_reported(seeds_copy: Path) -> None:
    expected = [*unknown_party(seeds_copy), *unknown_round_of_event(seeds_copy)]
    with pytest.raises(SeedError) as info:
        check_seeds(seeds_copy)
    assert _problems(info.value) == expected


def test_an_occurrence_resolves_an_ambiguous_quote(seeds_copy: Path) -> None:
    _edit(
        seeds_copy, "positions", lambda items: items[0]["citations"][0].update(quote="Ukraine", occurrence=3)
    )
    plan = check_seeds(seeds_copy)
    text = _document_text(seeds_copy)
    first = plan.rows["citations"]
    row = next(
        r for r in first if r["collection"] == "positions" and r["item_id"] == "ukraine-full-withdrawal"
    )
    third = text.index("Ukraine", text.index("Ukraine", text.index("Ukraine") + 1) + 1)
    assert (row["start"], row["end"], row["quote"]) == (third, third + len("Ukraine"), "Ukraine")


def test_date_with_trailing_newline_is_refused(seeds_copy: Path) -> None:
    _edit(seeds_copy, "rounds", _set(0, "date", "2022-03\n"))
    with pytest.raises(SeedError) as info:
        check_seeds(seeds_copy)
    assert [(p.file, p.path) for p in info.value.problems] == [("seeds/rounds.yaml", "rounds[0].date")]


def test_refused_seeds_change_nothing(seeded_db: Database, tmp_path: Path) -> None:
    """Every defect, in turn, on one seeded database per backend (a fresh database per defect would
    cost a minute): ``seed`` raises the defect's problems and leaves every row (and, on SQLite, the
    file's bytes) exactly as it was."""
    before = _dump_of(seeded_db)
    assert before["dataset"][0][1] == check_seeds(SEEDS_DIR).version
    assert len(before["citations"]) > 50
    files_before = _sqlite_files(seeded_db) if seeded_db.backend == "sqlite" else {}

    failures: list[str] = []
    for name, defect in DEFECTS.items():
        seeds = tmp_path / name / "seeds"
        shutil.copytree(SEEDS_DIR, seeds)
        expected = defect(seeds)
        engine = seeded_db.engine()
        try:
            seed(engine, seeds)
        except SeedError as exc:
            if _problems(exc) != expected:
                failures.append(f"{name}: problems {_problems(exc)} != {expected}")
        else:
            failures.append(f"{name}: seed was accepted")
        finally:
            engine.dispose()
        if seeded_db.backend == "sqlite" and _sqlite_files(seeded_db) != files_before:
            failures.append(f"{name}: the SQLite file changed")
        if _dump_of(seeded_db) != before:
            failures.append(f"{name}: the stored rows changed")
    assert failures == []


def test_dump_sees_a_valid_change(seeded_db: Database, seeds_copy: Path) -> None:
    """Control: the comparison above can fail, since a sound edit does change the dump."""
    before = _dump_of(seeded_db)
    _edit(seeds_copy, "positions", _set(0, "summary", "Ukraine wants every Russian soldier gone."))
    engine = seeded_db.engine()
    try:
        outcome = seed(engine, seeds_copy)
    finally:
        engine.dispose()
    after = _dump_of(seeded_db)
    assert outcome.changed is True
    assert after != before
    assert after["dataset"][0][1] == outcome.version != before["dataset"][0][1]
    positions = {row[0]: row for row in after["positions"]}
    assert "Ukraine wants every Russian soldier gone." in positions["ukraine-full-withdrawal"]


# -- the command line ------------------------------------------------------------------------------------
def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "BRIEFING_DATABASE_URL"}}
    env.update(extra)
    return env


@pytest.mark.parametrize(
    "defect", ["quote_not_in_document", "day_on_month_precision", "several_broken_files"]
)
def test_cli_check_reports_problems_without_traceback(defect: str, seeds_copy: Path, tmp_path: Path) -> None:
    expected = DEFECTS[defect](seeds_copy)
    result = subprocess.run(
        [str(BRIEFING), "seed", "--check"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=_env(BRIEFING_SEEDS_DIR=str(seeds_copy), BRIEFING_DATA_DIR=str(tmp_path / "data")),
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        *(_line(p) for p in expected),
        f"seed refused: {len(expected)} problem(s); the database was not changed",
    ]
    assert not (tmp_path / "data").exists()


def test_cli_seed_refuses_and_leaves_database_unchanged(seeded_db: Database, seeds_copy: Path) -> None:
    before = _dump_of(seeded_db)
    expected = ambiguous_quote(seeds_copy)
    result = subprocess.run(
        [str(BRIEFING), "seed"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=_env(
            BRIEFING_SEEDS_DIR=str(seeds_copy),
            BRIEFING_DATA_DIR=str(seeded_db.settings.data_dir),
            BRIEFING_DATABASE_URL=seeded_db.settings.resolved_database_url,
        ),
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        _line(expected[0]),
        "seed refused: 1 problem(s); the database was not changed",
    ]
    assert _dump_of(seeded_db) == before
