"""Every kind of seed defect is refused with ``file:line: item-id.field: reason``, and nothing is written.

Each defect breaks one thing in a private copy of ``seeds/``. ``check_seeds`` must name the exact
problem at its line, and ``seed`` on an already seeded database (SQLite and PostgreSQL) must leave every
row of every table exactly as it was. Expected lines are found by searching the edited file's text.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, event, select

from app.db.models import Base
from app.seed.errors import SeedError
from app.seed.load import check_seeds, seed
from tests.command import run_in_process, run_subprocess
from tests.conftest import SEEDS_DIR, Database

Problem = tuple[str, int | None, str, str]
"""(file, line, item-id.field path, reason)."""
DOC_FILE = "documents/000_1ae0d73ebc0c7739.txt"
# libyaml's parser where PyYAML has it (ten times faster than the pure-Python one; the same data).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# -- editing a seeds copy ---------------------------------------------------------------------------------
def _writable(path: Path) -> Path:
    path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return path


def _load(seeds: Path, collection: str) -> list[dict[str, Any]]:
    data = yaml.load((seeds / f"{collection}.yaml").read_text(encoding="utf-8"), Loader=YAML_LOADER)  # noqa: S506
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


def _item_line(seeds: Path, collection: str, item_id: str, needle: str | None = None) -> int:
    """The 1-based line of the first line holding ``needle`` in the item ``- id: item_id`` (the nth
    such item when the id is repeated: pass ``item_id`` with ``#n``), or the item's first line."""
    item_id, _, nth = item_id.partition("#")
    lines = (seeds / f"{collection}.yaml").read_text(encoding="utf-8").splitlines()
    starts = [
        i for i, line in enumerate(lines) if re.fullmatch(rf" *- id: ['\"]?{re.escape(item_id)}['\"]?", line)
    ]
    start = starts[int(nth or 1) - 1]
    if needle is None:
        return start + 1
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


def _id(seeds: Path, collection: str, index: int) -> str:
    item_id: str = _load(seeds, collection)[index]["id"]
    return item_id


def _offsets(text: str, starts: list[int]) -> str:
    """Independent of the loader: each start with its document line, first five of many."""
    listed = [f"{s} (line {text[:s].count(chr(10)) + 1})" for s in starts[:5]]
    return "at offsets " + ", ".join(listed) + f" and {len(starts) - 5} more"


def _set(index: int, key: str, value: Any) -> Callable[[list[dict[str, Any]]], None]:
    def mutate(items: list[dict[str, Any]]) -> None:
        items[index][key] = value

    return mutate


# -- the defects: each breaks one thing and returns the problems it must cause ---------------------------
POSITIONS = "seeds/positions.yaml"


APOSTROPHE = "the document has '’' (U+2019 RIGHT SINGLE QUOTATION MARK), the quote \"'\" (U+0027 APOSTROPHE)"


def _near_miss(text: str, at: int, alike: int, shown: str, character: int, difference: str) -> str:
    """The message for a quote that is not in the document, whose nearest passage starts at ``at``."""
    return (
        f"not found in document; nearest passage at offset {at} (line {text[:at].count(chr(10)) + 1}, "
        f'{alike}% alike): "{shown}"; first difference at quote character {character}: {difference}'
    )


def quote_not_in_document(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", lambda items: items[3]["citations"][0].update(quote="Ukraine will join NATO."))
    item = _id(seeds, "positions", 3)
    text = _document_text(seeds)
    at = text.index("Ukraine will not join NATO.")
    reason = _near_miss(text, at, 92, "Ukraine will not join NATO.", 14, "the quote lacks 'not '")
    line = _item_line(seeds, "positions", item, "- quote:")
    return [(POSITIONS, line, f"{item}.citations[0].quote", reason)]


def quote_with_straight_apostrophe(seeds: Path) -> list[Problem]:
    """A realistic typo: ’ retyped as ' is no longer verbatim; the message shows the passage and names
    both code points."""
    item = "west-skeptical-of-russia"
    _replace_text(seeds, "positions", "skeptical of Russia’s sincerity", "skeptical of Russia's sincerity")
    quote = next(p for p in _load(seeds, "positions") if p["id"] == item)["citations"][0]["quote"]
    text = _document_text(seeds)
    start = text.index(quote.replace("'", "’"))
    apostrophe = quote.index("'")
    end, differs = start + len(quote), start + apostrophe
    shown = text[max(start, differs - 30) : min(end, differs + 30)]
    shown = ("…" if differs - 30 > start else "") + shown + ("…" if differs + 30 < end else "")
    reason = _near_miss(text, start, 99, shown, apostrophe + 1, APOSTROPHE)
    line = _item_line(seeds, "positions", item, "- quote:")
    return [(POSITIONS, line, f"{item}.citations[0].quote", reason)]


def analogue_not_verbatim(seeds: Path) -> list[Problem]:
    item = "frozen-conflict"
    _replace_text(seeds, "implications", '"Moldova’s Transnistria"', '"Moldova\'s Transnistria"')
    text = _document_text(seeds)
    at = text.index("Moldova’s Transnistria")
    reason = _near_miss(text, at, 95, "Moldova’s Transnistria", 8, APOSTROPHE)
    line = _item_line(seeds, "implications", item, "analogues:")
    return [("seeds/implications.yaml", line, f"{item}.analogues[0]", reason)]


def ambiguous_quote(seeds: Path) -> list[Problem]:
    text = _document_text(seeds)
    starts = [m.start() for m in re.finditer("Ukraine", text)]
    assert len(starts) > 5
    _edit(seeds, "positions", lambda items: items[0]["citations"][0].update(quote="Ukraine"))
    item = _id(seeds, "positions", 0)
    reason = (
        f"ambiguous: occurs {len(starts)} times in document, {_offsets(text, starts)}; "
        "lengthen it or set occurrence"
    )
    line = _item_line(seeds, "positions", item, "- quote:")
    return [(POSITIONS, line, f"{item}.citations[0].quote", reason)]


def occurrence_too_large(seeds: Path) -> list[Problem]:
    text = _document_text(seeds)
    starts = [m.start() for m in re.finditer("Ukraine", text)]
    _edit(seeds, "positions", lambda items: items[0]["citations"][0].update(quote="Ukraine", occurrence=99))
    item = _id(seeds, "positions", 0)
    reason = f"occurrence 99 asked for, but the quote occurs {len(starts)} times, {_offsets(text, starts)}"
    line = _item_line(seeds, "positions", item, "- quote:")
    return [(POSITIONS, line, f"{item}.citations[0].quote", reason)]


def unknown_party(seeds: Path) -> list[Problem]:
    """No party id is close to 'atlantis': the ten known ones are listed instead."""
    _edit(seeds, "positions", _set(0, "party", "atlantis"))
    item = _id(seeds, "positions", 0)
    known = ", ".join(sorted(p["id"] for p in _load(seeds, "parties")))
    line = _item_line(seeds, "positions", item, "party:")
    return [(POSITIONS, line, f"{item}.party", f"unknown party 'atlantis' (known: {known})")]


def misspelt_party(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", _set(0, "party", "rusia"))
    item = _id(seeds, "positions", 0)
    line = _item_line(seeds, "positions", item, "party:")
    return [(POSITIONS, line, f"{item}.party", "unknown party 'rusia' (did you mean 'russia'?)")]


def unknown_topic(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", _set(0, "topics", ["territory", "weather"]))
    item = _id(seeds, "positions", 0)
    line = _item_line(seeds, "positions", item, "weather")
    return [(POSITIONS, line, f"{item}.topics[1]", "unknown topic 'weather'")]


def unknown_source(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", lambda items: items[0]["citations"][0].update(source="reuter"))
    item = _id(seeds, "positions", 0)
    line = _item_line(seeds, "positions", item, "source:")
    reason = "unknown source 'reuter' (did you mean 'reuters'?)"
    return [(POSITIONS, line, f"{item}.citations[0].source", reason)]


def unknown_round_of_event(seeds: Path) -> list[Problem]:
    item = "istanbul-talks-2022"
    _edit(seeds, "events", _set(_index(seeds, "events", item), "round", "minsk-2015"))
    known = ", ".join(sorted(r["id"] for r in _load(seeds, "rounds")))
    line = _item_line(seeds, "events", item, "round:")
    return [("seeds/events.yaml", line, f"{item}.round", f"unknown round 'minsk-2015' (known: {known})")]


def duplicate_id(seeds: Path) -> list[Problem]:
    first = _load(seeds, "positions")[0]["id"]
    _edit(seeds, "positions", _set(1, "id", first))
    reason = f"duplicate id '{first}' (first at line {_item_line(seeds, 'positions', first)})"
    return [(POSITIONS, _item_line(seeds, "positions", f"{first}#2"), f"{first}.id", reason)]


def duplicate_party(seeds: Path) -> list[Problem]:
    _edit(seeds, "parties", lambda items: items.append(dict(items[0])))
    line = _item_line(seeds, "parties", "ukraine#2")
    reason = f"duplicate id 'ukraine' (first at line {_item_line(seeds, 'parties', 'ukraine')})"
    return [("seeds/parties.yaml", line, "ukraine.id", reason)]


def impossible_date(seeds: Path) -> list[Problem]:
    item = "istanbul-2025"
    _edit(seeds, "rounds", _set(_index(seeds, "rounds", item), "date", "2025-02-30"))
    line = _item_line(seeds, "rounds", item, "date:")
    return [("seeds/rounds.yaml", line, f"{item}.date", "'2025-02-30' is not a valid date")]


def day_on_month_precision(seeds: Path) -> list[Problem]:
    item = "istanbul-2022"
    _edit(seeds, "rounds", _set(_index(seeds, "rounds", item), "date", "2022-03-15"))
    reason = "'2022-03-15' gives a day, but the date is of month precision"
    return [("seeds/rounds.yaml", _item_line(seeds, "rounds", item, "date:"), f"{item}.date", reason)]


def bad_enum_value(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", _set(0, "kind", "demnd"))
    item = _id(seeds, "positions", 0)
    reason = (
        "unknown kind 'demnd' (did you mean 'demand'?); "
        "expected 'demand', 'red_line', 'perception', 'accusation' or 'stance'"
    )
    return [(POSITIONS, _item_line(seeds, "positions", item, "kind:"), f"{item}.kind", reason)]


def unknown_field(seeds: Path) -> list[Problem]:
    _edit(seeds, "rounds", _set(0, "colour", "red"))
    item = _id(seeds, "rounds", 0)
    return [
        ("seeds/rounds.yaml", _item_line(seeds, "rounds", item, "colour:"), f"{item}.colour", "unknown field")
    ]


def misspelt_field(seeds: Path) -> list[Problem]:
    """A misspelt field is two problems, at two lines: the unknown name (with the right one) and the
    required field it leaves missing, placed at its item's first line."""
    _edit(seeds, "barriers", lambda items: items[0].update(nmae=items[0].pop("name")))
    item = _id(seeds, "barriers", 0)
    return [
        (
            "seeds/barriers.yaml",
            _item_line(seeds, "barriers", item),
            f"{item}.name",
            "required field is missing",
        ),
        (
            "seeds/barriers.yaml",
            _item_line(seeds, "barriers", item, "nmae:"),
            f"{item}.nmae",
            "unknown field (did you mean 'name'?)",
        ),
    ]


def unknown_field_in_citation(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", lambda items: items[2]["citations"][0].update(page=3))
    item = _id(seeds, "positions", 2)
    line = _item_line(seeds, "positions", item, "page:")
    return [(POSITIONS, line, f"{item}.citations[0].page", "unknown field")]


def missing_required_field(seeds: Path) -> list[Problem]:
    _edit(seeds, "barriers", lambda items: items[1].pop("summary"))
    item = _id(seeds, "barriers", 1)
    line = _item_line(seeds, "barriers", item)
    return [("seeds/barriers.yaml", line, f"{item}.summary", "required field is missing")]


def _document_problem(seeds: Path, field: str, reason: str) -> list[Problem]:
    item = _id(seeds, "documents", 0)
    line = _item_line(seeds, "documents", item, f"{field}:")
    return [("seeds/documents.yaml", line, f"{item}.{field}", reason)]


def wrong_document_hash(seeds: Path) -> list[Problem]:
    real = hashlib.sha256((seeds / DOC_FILE).read_bytes()).hexdigest()
    _edit(seeds, "documents", _set(0, "sha256", "ab" * 32))
    return _document_problem(seeds, "sha256", f"{DOC_FILE} has sha256 {real}, not the recorded one")


def modified_document_file(seeds: Path) -> list[Problem]:
    path = _writable(seeds / DOC_FILE)
    data = path.read_bytes()
    at = data.index(b"Reuters")
    changed = data[: at + 6] + b"z" + data[at + 7 :]  # "Reuters" -> "Reuterz": one byte
    assert len(changed) == len(data)
    assert sum(a != b for a, b in zip(data, changed, strict=True)) == 1
    path.write_bytes(changed)
    digest = hashlib.sha256(changed).hexdigest()
    return _document_problem(seeds, "sha256", f"{DOC_FILE} has sha256 {digest}, not the recorded one")


def missing_document_file(seeds: Path) -> list[Problem]:
    (seeds / DOC_FILE).unlink()
    return _document_problem(seeds, "file", f"cannot read {DOC_FILE}: No such file or directory")


def empty_summary(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", _set(0, "summary", ""))
    item = _id(seeds, "positions", 0)
    line = _item_line(seeds, "positions", item, "summary:")
    return [(POSITIONS, line, f"{item}.summary", "String should have at least 1 character")]


def blank_summary(seeds: Path) -> list[Problem]:
    _edit(seeds, "positions", _set(0, "summary", "   "))
    item = _id(seeds, "positions", 0)
    line = _item_line(seeds, "positions", item, "summary:")
    return [(POSITIONS, line, f"{item}.summary", "String should match pattern '\\S'")]


def blank_quote(seeds: Path) -> list[Problem]:
    _edit(seeds, "rounds", lambda items: items[0]["citations"][1].update(quote="\t \n"))
    item = _id(seeds, "rounds", 0)
    lines = (seeds / "rounds.yaml").read_text(encoding="utf-8").splitlines()
    first = _item_line(seeds, "rounds", item, "- quote:")
    line = next(i for i in range(first, len(lines)) if "- quote:" in lines[i]) + 1  # the second quote
    return [("seeds/rounds.yaml", line, f"{item}.citations[1].quote", "String should match pattern '\\S'")]


def invalid_yaml(seeds: Path) -> list[Problem]:
    _writable(seeds / "rounds.yaml").write_text("rounds:\n  - id: [unclosed\n", encoding="utf-8")
    return [("seeds/rounds.yaml", 3, "", "not valid YAML: expected ',' or ']', but got '<stream end>'")]


def duplicate_yaml_key(seeds: Path) -> list[Problem]:
    lines = (seeds / "rounds.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[2] == '    name: "Istanbul talks"\n'
    lines.insert(3, '    name: "Istanbul talks, again"\n')
    _writable(seeds / "rounds.yaml").write_text("".join(lines), encoding="utf-8")
    return [("seeds/rounds.yaml", 4, "", "not valid YAML: duplicate key 'name'")]


def wrong_top_level_key(seeds: Path) -> list[Problem]:
    _replace_text(seeds, "topics", "topics:\n", "topic:\n")
    return [("seeds/topics.yaml", 1, "", "must hold exactly one key 'topics', found ['topic']")]


def missing_seed_file(seeds: Path) -> list[Problem]:
    (seeds / "events.yaml").unlink()
    return [("seeds/events.yaml", None, "", "file is missing")]


def several_broken_files(seeds: Path) -> list[Problem]:
    """Problems in several files are all reported, sorted by file name (events, rounds, topics), not in
    the order of breaking."""
    topics = wrong_top_level_key(seeds)
    rounds = invalid_yaml(seeds)
    events = missing_seed_file(seeds)
    return [*events, *rounds, *topics]


DEFECTS: dict[str, Callable[[Path], list[Problem]]] = {
    f.__name__: f
    for f in (
        quote_not_in_document,
        quote_with_straight_apostrophe,
        analogue_not_verbatim,
        ambiguous_quote,
        occurrence_too_large,
        unknown_party,
        misspelt_party,
        unknown_topic,
        unknown_source,
        unknown_round_of_event,
        duplicate_id,
        duplicate_party,
        impossible_date,
        day_on_month_precision,
        bad_enum_value,
        unknown_field,
        misspelt_field,
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
    file, line, path, reason = problem
    where = file if line is None else f"{file}:{line}"
    return f"{where}: {path}: {reason}" if path else f"{where}: {reason}"


def _problems(error: SeedError) -> list[Problem]:
    return [(p.file, p.line, p.path, p.reason) for p in error.problems]


class BrokenSeeds:
    """Each defect applied once, on first use, to a copy of ``seeds/`` of its own, which tests only read:
    the check, the refused seed on each backend and the command line share it."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._made: dict[str, tuple[Path, list[Problem]]] = {}

    def __getitem__(self, defect: str) -> tuple[Path, list[Problem]]:
        """The broken copy and the problems its defect must cause."""
        if defect not in self._made:
            seeds = self._root / defect / "seeds"
            shutil.copytree(SEEDS_DIR, seeds)
            self._made[defect] = (seeds, DEFECTS[defect](seeds))
        return self._made[defect]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> BrokenSeeds:
    return BrokenSeeds(tmp_path_factory.mktemp("broken-seeds"))


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


def _connections(engine: Engine) -> list[object]:
    """The database connections ``engine`` opens from now on (the list fills as it opens them)."""
    opened: list[object] = []
    event.listen(engine, "connect", lambda connection, record: opened.append(connection))
    return opened


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
def test_check_seeds_names_file_path_and_reason(defect: str, broken: BrokenSeeds) -> None:
    seeds, expected = broken[defect]
    with pytest.raises(SeedError) as info:
        check_seeds(seeds)
    assert _problems(info.value) == expected
    assert str(info.value) == "\n".join(_line(p) for p in expected)


def test_several_reference_problems_are_all_reported(seeds_copy: Path) -> None:
    positions = unknown_party(seeds_copy)
    expected = [*unknown_round_of_event(seeds_copy), *positions]  # events.yaml sorts before positions.yaml
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
    item = _id(seeds_copy, "rounds", 0)
    assert [(p.file, p.path) for p in info.value.problems] == [("seeds/rounds.yaml", f"{item}.date")]


def test_refused_seeds_change_nothing(seeded_db: Database, broken: BrokenSeeds) -> None:
    """Every defect, in turn, on one seeded database per backend (a fresh database per defect would
    cost a minute): ``seed`` raises the defect's problems and leaves every row (and, on SQLite, the
    file's bytes) exactly as it was.

    Each ``seed`` gets an engine of its own, so a refusal that never connected cannot have changed a row:
    the rows are compared after every refusal that did connect, and once more at the end."""
    before = _dump_of(seeded_db)
    assert before["dataset"][0][1] == check_seeds(SEEDS_DIR).version
    assert len(before["citations"]) > 50
    files_before = _sqlite_files(seeded_db) if seeded_db.backend == "sqlite" else {}

    failures: list[str] = []
    for name in DEFECTS:
        seeds, expected = broken[name]
        engine = seeded_db.engine()
        connected = _connections(engine)
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
        if connected and _dump_of(seeded_db) != before:
            failures.append(f"{name}: the stored rows changed")
    assert failures == []
    assert _dump_of(seeded_db) == before


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
# The process (exit status, the streams, no traceback) is the same whatever the problems are, and whichever
# the backend: it runs as a subprocess once for ``seed --check`` (with the most problems) and once for
# ``seed`` (on SQLite); the other cases call the command in this process (``tests.command``).
@pytest.mark.parametrize(
    ("defect", "in_process"),
    [("quote_not_in_document", True), ("day_on_month_precision", True), ("several_broken_files", False)],
)
def test_cli_check_reports_problems_without_traceback(
    defect: str, in_process: bool, broken: BrokenSeeds, tmp_path: Path
) -> None:
    seeds, expected = broken[defect]
    env = {"BRIEFING_SEEDS_DIR": str(seeds), "BRIEFING_DATA_DIR": str(tmp_path / "data")}
    run = run_in_process if in_process else run_subprocess
    result = run(["seed", "--check"], env)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        *(_line(p) for p in expected),
        f"seed refused: {len(expected)} problem(s); the database was not changed",
    ]
    assert not (tmp_path / "data").exists()


def test_cli_seed_refuses_and_leaves_database_unchanged(seeded_db: Database, broken: BrokenSeeds) -> None:
    before = _dump_of(seeded_db)
    seeds, expected = broken["ambiguous_quote"]
    env = {
        "BRIEFING_SEEDS_DIR": str(seeds),
        "BRIEFING_DATA_DIR": str(seeded_db.settings.data_dir),
        "BRIEFING_DATABASE_URL": seeded_db.settings.resolved_database_url,
    }
    run = run_subprocess if seeded_db.backend == "sqlite" else run_in_process
    result = run(["seed"], env)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        _line(expected[0]),
        "seed refused: 1 problem(s); the database was not changed",
    ]
    assert _dump_of(seeded_db) == before
