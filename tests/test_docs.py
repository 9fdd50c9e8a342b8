"""Docs are tested: every setting is in the README's table (the CLI reference is a generated file:
``tests/test_generated.py``)."""

from __future__ import annotations

import re

from app.api.problems import ProblemType
from app.settings import PROJECT_ROOT, Settings

README = PROJECT_ROOT / "README.md"
START, END = "<!-- cli-help:start -->", "<!-- cli-help:end -->"
HELP_COMMANDS: list[list[str]] = [[], ["db"], ["seed"], ["serve"], ["synth"]]


def _env_names(name: str) -> list[str]:
    field = Settings.model_fields[name]
    alias = field.validation_alias
    choices = getattr(alias, "choices", None)
    return [str(c) for c in choices] if choices else [f"BRIEFING_{name.upper()}"]


def test_every_setting_is_in_the_readme_table() -> None:
    readme = README.read_text(encoding="utf-8")
    rows = {m.group(1) for m in re.finditer(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE)}
    for name in Settings.model_fields:
        names = _env_names(name)
        assert rows & set(names), f"setting {name} ({names}) is missing from the README table"


def test_readme_lists_every_problem_type() -> None:
    readme = README.read_text(encoding="utf-8")
    table = readme.split("<!-- problem-types:start -->", 1)[1].split("<!-- problem-types:end -->", 1)[0]
    listed = re.findall(r"^\| `([a-z-]+)` \| (\d{3}) \| (.+) \|$", table, flags=re.MULTILINE)
    assert listed == [(kind.slug, str(kind.status), kind.summary) for kind in ProblemType], (
        "README's problem types differ from app/api/problems.py"
    )


def test_readme_set_up_is_two_commands() -> None:
    readme = README.read_text(encoding="utf-8")
    setup = readme.split("## Set-up: two commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in setup.strip().splitlines()]
    assert commands == ["make run", "make test"]
