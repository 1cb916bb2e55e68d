"""Every backcoach command is documented in the README, and the README's set-up commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from backcoach.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _command_names() -> list[str]:
    group = typer.main.get_command(app)
    names: list[str] = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        if sub:
            names.extend(f"{name} {child}" for child in sub)
        else:
            names.append(name)
    return sorted(names)


def test_there_are_commands_to_document() -> None:
    assert {"exercises", "plan", "session", "serve", "analyze"} <= set(_command_names())


def test_every_command_is_documented_in_the_readme() -> None:
    commands_section = README.split("## Commands", 1)[1]
    missing = [
        name
        for name in _command_names()
        if not re.search(rf"`backcoach {re.escape(name)}\b", commands_section)
    ]
    assert missing == [], f"commands missing from README.md's Commands section: {missing}"


def test_readme_set_up_commands_are_the_scripts_ci_runs() -> None:
    assert "bash scripts/start.sh" in README
    assert "bash scripts/test.sh" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test.sh" in ci
    for script in ("start.sh", "test.sh", "setup.sh"):
        assert (ROOT / "scripts" / script).is_file()
