"""Docs are tested: every setting is in the README's table and the CLI reference is the real --help."""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys

from app.api.problems import ProblemType
from app.cli import _parser
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


def render_cli_help() -> str:
    blocks = []
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        for args in HELP_COMMANDS:
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
                _parser().parse_args([*args, "--help"])
            command = " ".join(["briefing", *args, "--help"])
            blocks.append(f"```text\n$ {command}\n{out.getvalue().rstrip()}\n```")
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    return "\n\n".join(blocks)


def test_readme_cli_reference_is_current() -> None:
    readme = README.read_text(encoding="utf-8")
    current = readme.split(START, 1)[1].split(END, 1)[0].strip()
    assert current == render_cli_help(), "README CLI reference is stale: run `python -m tests.test_docs`"


def test_seed_json_schema_is_current() -> None:
    import json

    from app.seed.schema import json_schema

    committed = json.loads((PROJECT_ROOT / "seeds" / "schema.json").read_text(encoding="utf-8"))
    stale = "seeds/schema.json is stale: run `briefing seed-schema > seeds/schema.json`"
    assert committed == json_schema(), stale


if __name__ == "__main__":
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{render_cli_help()}\n{END}{tail}", encoding="utf-8")
    sys.stdout.write("README CLI reference updated\n")
