"""The catalog commands: exercises, show, avoid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backcoach.cli import main as cli_main
from backcoach.cli.main import app
from backcoach.errors import NotFoundError

SEVEN = [
    "press-up",
    "pelvic-tilt",
    "bridge",
    "roll-and-stretch",
    "knees-up-stretch",
    "bird-dog",
    "cat-cow",
]
BACKCOACH = Path(sys.executable).with_name("backcoach")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("BACKCOACH_HOME", str(tmp_path))
    return CliRunner()


def run_json(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_exercises_json_lists_the_seven_with_their_dose(runner: CliRunner) -> None:
    rows = run_json(runner, "exercises")
    assert [row["id"] for row in rows] == SEVEN
    by_id = {row["id"]: row for row in rows}
    assert by_id["roll-and-stretch"]["dose"] == "5 each side, hold 20 s each"
    assert by_id["pelvic-tilt"]["levels"] == 9
    assert by_id["bird-dog"]["dose_detail"]["stage"] == "arm-only"
    assert by_id["press-up"]["dose_detail"]["hold_seconds"] == 3
    assert "reps" in by_id["press-up"]["dose_detail"]["program_choices"]
    for row in rows:
        assert {"id", "name", "dose", "dose_detail", "levels", "position"} <= row.keys()


def test_exercises_table_shows_every_exercise(runner: CliRunner) -> None:
    result = runner.invoke(app, ["exercises"])
    assert result.exit_code == 0
    for exercise_id in SEVEN:
        assert exercise_id in result.stdout
    assert "Knees-up stretch" in result.stdout


def test_show_json_gives_the_whole_ladder_and_program_choices(runner: CliRunner) -> None:
    detail = run_json(runner, "show", "bird-dog")
    assert detail["id"] == "bird-dog"
    assert detail["levels"] == len(detail["ladder"]) == 8
    assert detail["ladder"][2]["dose_detail"]["stage"] == "arm-and-leg"
    assert detail["ladder"][-1]["dose"] == "Arm and opposite leg: 10 each side, hold 3 s each"
    assert "hold_seconds" in detail["ladder"][0]["program_choices"]
    assert "hold_seconds" not in detail["ladder"][2]["program_choices"]
    assert detail["camera"]["view"] == "side"
    for key in ("start_position", "steps", "form_cues", "cautions", "article_dose", "purpose"):
        assert detail[key]


def test_show_text_has_steps_camera_and_progression(runner: CliRunner) -> None:
    result = runner.invoke(app, ["show", "pelvic-tilt"])
    assert result.exit_code == 0
    out = result.stdout
    for heading in ("Start:", "Steps:", "Camera:", "Form cues:", "Cautions:", "Progression"):
        assert heading in out
    assert "hold 10 s" in out and "Program's choice" in out


def test_show_accepts_loose_spelling(runner: CliRunner) -> None:
    assert run_json(runner, "show", " Cat_Cow ")["id"] == "cat-cow"


def test_show_unknown_id_raises_not_found_listing_ids(runner: CliRunner) -> None:
    result = runner.invoke(app, ["show", "sit-up"])
    assert isinstance(result.exception, NotFoundError)
    assert "cat-cow" in str(result.exception)


def test_avoid_json_lists_four_movements_with_reasons(runner: CliRunner) -> None:
    rows = run_json(runner, "avoid")
    assert [row["id"] for row in rows] == [
        "straight-leg-sit-up",
        "bent-leg-sit-up",
        "leg-lift",
        "standing-toe-touch",
    ]
    assert all(row["reason"] and row["looks_like"] and row["name"] for row in rows)


def test_avoid_table_includes_the_doctor_caution(runner: CliRunner) -> None:
    result = runner.invoke(app, ["avoid"])
    assert result.exit_code == 0
    assert "Leg lift" in result.stdout and "doctor" in result.stdout


def test_run_prints_one_line_for_an_unknown_id(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("BACKCOACH_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "300")
    monkeypatch.setattr(sys, "argv", ["backcoach", "show", "sit-up"])
    with pytest.raises(SystemExit) as exited:
        cli_main.run()
    assert exited.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("Error: No exercise 'sit-up'. Valid ids: press-up, pelvic-tilt")
    assert len(err.splitlines()) == 1


@pytest.mark.skipif(not BACKCOACH.exists(), reason="the backcoach console script is not installed")
def test_installed_command_exits_non_zero_without_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "BACKCOACH_HOME": str(tmp_path)}
    done = subprocess.run(
        [str(BACKCOACH), "show", "nope"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 1
    assert "No exercise 'nope'" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
