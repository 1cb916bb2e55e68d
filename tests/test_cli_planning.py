"""The planning commands on a fresh BACKCOACH_HOME: plan, screen, checkin, settings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backcoach.catalog.loader import load_catalog
from backcoach.cli.main import app
from backcoach.config import resolve_paths
from backcoach.errors import InputError, NotFoundError, SafetyStop
from backcoach.journal.store import JournalStore
from backcoach.planning.screening import QUESTION_IDS

BACKCOACH = Path(sys.executable).with_name("backcoach")
SEVEN = 7


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "home"
    monkeypatch.setenv("BACKCOACH_HOME", str(target))
    monkeypatch.delenv("BACKCOACH_DATABASE_URL", raising=False)
    return target


@pytest.fixture
def runner(home: Path) -> CliRunner:
    return CliRunner()


def invoke_json(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def answers_file(tmp_path: Path, *yes: str) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({qid: qid in yes for qid in QUESTION_IDS}), encoding="utf-8")
    return str(path)


def open_store() -> JournalStore:
    return JournalStore.from_paths(resolve_paths())


def record_session(day: date, *, before: int, peak: int, levels: dict[str, int]) -> None:
    """A completed session of every exercise at noon local time on ``day``."""
    catalog = load_catalog()
    start = datetime.combine(day, time(12)).astimezone().astimezone(UTC)
    with open_store() as store:
        session_id = store.start_session(
            front_end="terminal", pain_before=before, plan={}, at=start
        )
        for position, exercise in enumerate(catalog.exercises):
            level = levels.get(exercise.id, 0)
            dose = exercise.dose_at(level)
            set_id = store.start_set(
                session_id=session_id,
                position=position,
                exercise_id=exercise.id,
                level=level,
                dose=dose,
                counted_by="hand",
                at=start,
            )
            for index in range(1, dose.reps + 1):
                for part in dose.part_list():
                    store.add_rep(
                        set_id=set_id,
                        index=index,
                        part=part.key,
                        side=part.side.value,
                        hold_seconds=dose.hold_seconds,
                        counted_by="hand",
                        at=start,
                    )
            store.finish_set(set_id, status="completed", at=start)
        store.add_pain(score=peak, context="during", session_id=session_id, at=start)
        store.finish_session(
            session_id, status="completed", pain_after=peak, stop_reason=None, at=start
        )


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BACKCOACH_DATABASE_URL"}
    env["BACKCOACH_HOME"] = str(home)
    return subprocess.run(
        [str(BACKCOACH), *args], capture_output=True, text=True, env=env, timeout=120
    )


# --- plan -----------------------------------------------------------------------------------


def test_plan_json_on_a_fresh_home_creates_nothing(runner: CliRunner, home: Path) -> None:
    document = invoke_json(runner, "plan")
    assert len(document["exercises"]) == SEVEN
    assert all(item["change"] == "start" and item["level"] == 0 for item in document["exercises"])
    assert all(item["reason"].startswith("Starting level") for item in document["exercises"])
    assert document["gate"]["allowed"] is False
    assert document["gate"]["action"] == "screen"
    assert date.fromisoformat(document["date"]) == date.today()
    assert not home.exists()


def test_plan_table_shows_doses_reasons_and_the_gate(runner: CliRunner) -> None:
    result = runner.invoke(app, ["plan", "--date", "2026-02-03"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    assert "2026-02-03" in flat and "Pelvic tilt" in flat and "Bird dog" in flat
    assert "No session yet." in flat and "backcoach screen" in flat


def test_plan_rejects_a_bad_date(runner: CliRunner) -> None:
    result = runner.invoke(app, ["plan", "--date", "03/02/2026"])
    assert isinstance(result.exception, InputError)
    assert "YYYY-MM-DD" in str(result.exception)


# --- screen ---------------------------------------------------------------------------------


def test_interactive_clear_screen_opens_the_gate(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen"], input="y\n" + "n\n" * len(QUESTION_IDS))
    assert result.exit_code == 0, result.output
    assert load_catalog().doctor_caution.split()[0] in result.stdout
    assert "Clear." in result.stdout
    gate = invoke_json(runner, "plan")["gate"]
    assert gate["allowed"] is True and gate["action"] is None
    with open_store() as store:
        latest = store.latest_screening()
    assert latest is not None
    assert latest.outcome == "clear" and latest.caution_acknowledged
    assert set(latest.answers) == set(QUESTION_IDS)


def test_declining_the_caution_stores_nothing(runner: CliRunner, home: Path) -> None:
    result = runner.invoke(app, ["screen"], input="n\n")
    assert result.exit_code == 1
    assert "nothing was stored" in result.stdout
    assert invoke_json(runner, "plan")["gate"]["action"] == "screen"


def test_emergency_screen_blocks_and_cannot_be_cleared(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["screen", "--answers", answers_file(tmp_path, "bladder")])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    assert "Urgent care today." in flat and "urgent medical care today" in flat
    assert invoke_json(runner, "plan")["gate"]["action"] == "urgent_care"
    refused = runner.invoke(app, ["screen", "--cleared"])
    assert isinstance(refused.exception, NotFoundError)
    assert invoke_json(runner, "plan")["gate"]["action"] == "urgent_care"
    # a new screen without emergency signs lifts the block
    runner.invoke(app, ["screen", "--answers", answers_file(tmp_path)])
    assert invoke_json(runner, "plan")["gate"]["allowed"] is True


def test_see_doctor_then_clearance(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["screen", "--answers", answers_file(tmp_path, "fall-injury")])
    assert result.exit_code == 0, result.output
    assert "backcoach screen --cleared" in " ".join(result.stdout.split())
    assert invoke_json(runner, "plan")["gate"]["action"] == "clearance"
    cleared = runner.invoke(app, ["screen", "--cleared"])
    assert cleared.exit_code == 0, cleared.output
    assert "Recorded" in cleared.stdout
    assert invoke_json(runner, "plan")["gate"]["allowed"] is True
    with open_store() as store:
        latest = store.latest_screening()
    assert latest is not None and latest.clinician_cleared_at is not None


def test_clearance_without_a_screen_is_a_clear_error(home: Path) -> None:
    result = run_cli(home, "screen", "--cleared")
    assert result.returncode == 1
    assert "no screen waiting for a clinician's clearance" in result.stderr
    assert "Traceback" not in result.stderr


def test_incomplete_answers_file_is_refused_and_nothing_stored(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "partial.json"
    path.write_text(json.dumps({"bladder": False}), encoding="utf-8")
    result = run_cli(home, "screen", "--answers", str(path))
    assert result.returncode == 1
    assert "missing:" in result.stderr and "Traceback" not in result.stderr
    path.write_text("{not json", encoding="utf-8")
    assert "not valid JSON" in run_cli(home, "screen", "--answers", str(path)).stderr
    with open_store() as store:
        assert store.latest_screening() is None


# --- checkin and progression through the journal --------------------------------------------


def test_two_good_sessions_and_checkins_move_the_plan_up(runner: CliRunner) -> None:
    first = date(2026, 3, 1)
    record_session(first, before=2, peak=1, levels={})
    result = runner.invoke(
        app, ["checkin", "--pain", "2", "--date", (first + timedelta(days=1)).isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert "No worse than the 2/10" in " ".join(result.stdout.split())
    assert "the same doses" in result.stdout

    second = date(2026, 3, 3)
    record_session(second, before=2, peak=2, levels={})
    result = runner.invoke(app, ["checkin", "--date", "2026-03-04"], input="1\n")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    assert "Next plan:" in flat and "Hold 3 s, up from 2 s" in flat

    document = invoke_json(runner, "plan", "--date", "2026-03-05")
    items = {item["id"]: item for item in document["exercises"]}
    assert items["pelvic-tilt"]["level"] == 1 and items["pelvic-tilt"]["change"] == "up"
    assert items["pelvic-tilt"]["reason"] == (
        "Hold 3 s, up from 2 s, because your last two sessions stayed at or below 2/10 pain "
        "and the next mornings were no worse."
    )
    assert items["bird-dog"]["dose_detail"]["stage"] == "arm-only"
    assert items["press-up"]["change"] == "same"


def test_checkin_well_above_baseline_says_the_plan_steps_back(runner: CliRunner) -> None:
    record_session(date(2026, 3, 1), before=1, peak=3, levels={"bridge": 2})
    result = runner.invoke(app, ["checkin", "--pain", "4", "--date", "2026-03-02"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    assert "3 points above the 1/10" in flat
    assert "Bridge: Back to 6 reps from 7" in flat


def test_checkin_without_a_session_is_kept_as_a_record(runner: CliRunner) -> None:
    result = runner.invoke(app, ["checkin", "--pain", "3", "--date", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert "kept as a pain record" in result.stdout


def test_checkin_in_the_future_is_refused(runner: CliRunner, home: Path) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    result = runner.invoke(app, ["checkin", "--pain", "2", "--date", tomorrow])
    assert isinstance(result.exception, InputError)
    assert "in the future" in str(result.exception)
    assert not home.exists()


def test_checkin_with_a_bad_rating_stores_nothing(home: Path) -> None:
    result = run_cli(home, "checkin", "--pain", "11")
    assert result.returncode == 1
    assert "Pain must be a whole number from 0" in result.stderr
    assert not home.exists()


# --- settings -------------------------------------------------------------------------------


def test_settings_lists_name_value_default_and_help(runner: CliRunner, home: Path) -> None:
    rows = invoke_json(runner, "settings")
    assert [row["name"] for row in rows][:2] == ["progress_max_pain", "sessions_to_progress"]
    assert all(row["value"] == row["default"] and row["help"] for row in rows)
    home.mkdir()
    (home / "settings.yaml").write_text("rescreen_days: 7\n", encoding="utf-8")
    rows = invoke_json(runner, "settings")
    assert {r["name"]: r["value"] for r in rows}["rescreen_days"] == 7
    table = runner.invoke(app, ["settings"])
    assert table.exit_code == 0 and "stop_pain_above" in table.stdout


def test_broken_settings_file_is_a_one_line_error(home: Path) -> None:
    home.mkdir()
    (home / "settings.yaml").write_text("keep_max_pain: 50\n", encoding="utf-8")
    for command in ("settings", "plan"):
        result = run_cli(home, command)
        assert result.returncode == 1
        assert "settings.yaml" in result.stderr and "'keep_max_pain'" in result.stderr
        assert "Traceback" not in result.stderr


def test_after_a_pain_stop_today_no_second_session_is_offered(
    runner: CliRunner, home: Path
) -> None:
    now = datetime.now(UTC)
    with open_store() as store:
        store.add_screening(
            answers={}, outcome="clear", flags=[], caution_acknowledged=True, at=now
        )
        session_id = store.start_session(front_end="web", pain_before=3, plan={}, at=now)
        store.add_pain(score=7, context="during", session_id=session_id, at=now)
        store.finish_session(
            session_id, status="stopped_pain", pain_after=None, stop_reason=None, at=now
        )
    plan = runner.invoke(app, ["plan"])
    flat = " ".join(plan.stdout.split())
    assert "No session yet. Today's session stopped because of pain (7/10)" in flat
    assert "Rest today; your next session is tomorrow." in flat
    assert invoke_json(runner, "plan")["gate"]["action"] == "rest"
    refused = run_cli(home, "session")
    assert refused.returncode == SafetyStop.exit_code
    assert "no more exercise today" in refused.stderr and "Traceback" not in refused.stderr
    history = runner.invoke(app, ["history"])
    assert "stopped for" in history.stdout and re.search(r"│\s+3 │\s+7 │", history.stdout)
