"""The outcome commands through the real ``backcoach`` console script, BACKCOACH_HOME in tmp."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backcoach.cli.main import app
from backcoach.errors import InputError

BACKCOACH = Path(sys.executable).with_name("backcoach")


def run(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKCOACH_HOME": str(home), "COLUMNS": "200"}
    env.pop("BACKCOACH_DATABASE_URL", None)
    return subprocess.run(
        [str(BACKCOACH), *args], input=stdin, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BACKCOACH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("BACKCOACH_DATABASE_URL", raising=False)
    return tmp_path / "home"


def test_psfs_first_names_activities_then_rates(home: Path) -> None:
    runner = CliRunner()
    empty = runner.invoke(app, ["psfs", "--json"])
    assert empty.exit_code == 0 and json.loads(empty.stdout)["due_now"] is True
    assert not home.exists()  # reading never creates the journal
    # Interactive first time: three names, an empty answer to stop, then three ratings.
    first = runner.invoke(app, ["psfs"], input="putting on socks\nlifting\nsitting\n\n2\n3\n4\n")
    assert first.exit_code == 0, first.output
    assert "PSFS score today: 3 / 10." in first.stdout
    again = runner.invoke(app, ["psfs", "--ratings", "6,7,8"])
    assert again.exit_code == 0, again.output
    assert "rose from 3 to 7 - a meaningful improvement" in again.stdout
    history = json.loads(runner.invoke(app, ["psfs", "--json"]).stdout)
    assert history["activities"] == ["putting on socks", "lifting", "sitting"]
    assert [round(a["score"]) for a in history["assessments"]] == [3, 7]
    assert history["assessments"][1]["ratings"]["lifting"] == 7
    assert history["due_now"] is False


def test_psfs_refuses_wrong_ratings_and_renaming(home: Path) -> None:
    runner = CliRunner()
    named = runner.invoke(app, ["psfs", "-a", "a", "-a", "b", "-a", "c", "-r", "1,2,3"])
    assert named.exit_code == 0, named.output
    with pytest.raises(InputError, match="3 numbers"):
        runner.invoke(app, ["psfs", "-r", "1,2"], catch_exceptions=False)
    with pytest.raises(InputError, match="already named"):
        runner.invoke(app, ["psfs", "-a", "x", "-a", "y", "-a", "z"], catch_exceptions=False)


def test_questionnaire_totals_and_messages(tmp_path: Path) -> None:
    home = tmp_path / "home"
    saved = run(home, "questionnaire", "oswestry", "36", "--date", "2026-03-01")
    assert saved.returncode == 0 and "Oswestry Disability Index 36 % on 2026-03-01" in saved.stdout
    too_high = run(home, "questionnaire", "roland-morris", "25")
    assert too_high.returncode == 1
    assert "must be from 0 to 24" in too_high.stderr and "Traceback" not in too_high.stderr
    bad_date = run(home, "questionnaire", "oswestry", "20", "--date", "March")
    assert bad_date.returncode == 1 and "--date needs a date like" in bad_date.stderr
    unknown = run(home, "questionnaire", "sf-36", "20")
    assert "choose one of: oswestry, roland-morris" in unknown.stderr


def test_profile_name_is_shown_and_cleared(home: Path) -> None:
    runner = CliRunner()
    assert "No profile yet" in runner.invoke(app, ["profile"]).stdout
    assert "Name: Ann." in runner.invoke(app, ["profile", "--name", "Ann"]).stdout
    shown = runner.invoke(app, ["profile"]).stdout
    assert "Pseudonym: BC-" in shown and "Name: Ann." in shown
    assert "Name: not given." in runner.invoke(app, ["profile", "--clear-name"]).stdout


def test_every_outcome_command_has_help() -> None:
    runner = CliRunner()
    for command in ("psfs", "questionnaire", "profile", "report", "import"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Show this message" in result.stdout
