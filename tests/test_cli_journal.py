"""``backcoach history`` and ``backcoach export`` on real journals in a temporary home."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backcoach.catalog.schema import Dose
from backcoach.cli.main import app
from backcoach.journal.store import JournalStore

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
BACKCOACH = Path(sys.executable).parent / "backcoach"
runner = CliRunner()


def env_for(home: Path) -> dict[str, str]:
    return {"BACKCOACH_HOME": str(home), "BACKCOACH_DATABASE_URL": "", "TZ": "UTC"}


def invoke(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env_for(home))
    return result.exit_code, result.stdout


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_for(home)}
    return subprocess.run(
        [str(BACKCOACH), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def filled_home(home: Path) -> Path:
    home.mkdir()
    with JournalStore.open(f"sqlite:///{home / 'journal.sqlite3'}", local_tz=UTC) as store:
        for day in range(2):
            at = T0 + timedelta(days=day)
            session_id = store.start_session(
                front_end="terminal",
                pain_before=2,
                plan={"exercises": [{"id": "bridge"}, {"id": "cat-cow"}]},
                at=at,
            )
            set_id = store.start_set(
                session_id=session_id,
                position=0,
                exercise_id="bridge",
                level=day,
                dose=Dose(reps=1, hold_seconds=2),
                counted_by="hand",
                at=at,
            )
            store.add_rep(
                set_id=set_id,
                index=1,
                part="rep",
                side="none",
                hold_seconds=2.0,
                counted_by="hand",
                at=at,
            )
            store.finish_set(set_id, status="completed", at=at)
            store.add_pain(score=3, context="during", session_id=session_id, at=at, note="ache")
            store.finish_session(
                session_id, status="quit", pain_after=1, stop_reason="tired", at=at
            )
        store.add_checkin(day=date(2026, 3, 3), pain=4, at=T0 + timedelta(hours=23))
    return home


def test_fresh_home_shows_empty_history_and_creates_nothing(home: Path) -> None:
    assert invoke(home, "history") == (0, "No sessions in the journal yet.\n")
    code, out = invoke(home, "history", "--json")
    assert code == 0 and json.loads(out) == []
    code, out = invoke(home, "export", "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["format"] == "backcoach-journal"
    assert document["tables"]["sessions"] == [] and document["tables"]["reps"] == []
    assert not home.exists()


def test_history_table(filled_home: Path) -> None:
    code, out = invoke(filled_home, "history")
    assert code == 0
    assert "2026-03-02" in out and "2026-03-03" in out
    assert re.search(r"│\s+4 │", out)  # next-morning pain of the first session
    assert "1 of 2" in out  # one exercise completed of two planned
    assert "ended early" in out and "quit" not in out  # the shared words, not the stored code


def test_history_json_and_limit(filled_home: Path) -> None:
    code, out = invoke(filled_home, "history", "--json")
    first, second = json.loads(out)
    assert code == 0
    assert first["day"] == "2026-03-02" and first["status"] == "quit"
    assert first["stop_reason"] == "tired" and first["max_pain"] == 3
    assert first["outcome"]["label"] == "ended early"
    assert first["outcome"]["pain_during"] == [3]
    assert (first["outcome"]["exercises_done"], first["outcome"]["exercises_planned"]) == (1, 2)
    assert first["sets"][0]["exercise_id"] == "bridge"
    assert first["sets"][0]["reps"][0]["hold_seconds"] == 2.0
    assert first["pain_entries"][0] == {
        "id": 1,
        "session_id": 1,
        "at": "2026-03-02T08:30:00+00:00",
        "score": 3,
        "context": "during",
        "note": "ache",
    }
    assert first["checkin"]["pain"] == 4 and second["checkin"] is None
    code, out = invoke(filled_home, "history", "--json", "--limit", "1")
    assert [s["id"] for s in json.loads(out)] == [second["id"]]


def test_export_json_file_matches_the_journal(filled_home: Path, tmp_path: Path) -> None:
    target = tmp_path / "journal.json"
    code, _ = invoke(filled_home, "export", "--format", "json", "-o", str(target))
    assert code == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    with JournalStore.open(f"sqlite:///{filled_home / 'journal.sqlite3'}") as store:
        assert document == store.export_all()
    assert len(document["tables"]["sessions"]) == 2


def test_export_csv_folder_and_zip(filled_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    assert invoke(filled_home, "export", "--format", "csv", "-o", str(folder))[0] == 0
    names = sorted(p.name for p in folder.iterdir())
    assert {"sessions.csv", "sets.csv", "reps.csv", "pain_entries.csv", "checkins.csv"} <= set(
        names
    )
    with (folder / "sets.csv").open(encoding="utf-8-sig", newline="") as handle:
        sets = list(csv.DictReader(handle))
    assert [row["exercise_id"] for row in sets] == ["bridge", "bridge"]
    assert json.loads(sets[0]["planned"])["reps"] == 1
    with (folder / "screenings.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.reader(handle))[:2] == ["id", "taken_at"]  # header even when empty

    archive = tmp_path / "journal.zip"
    assert invoke(filled_home, "export", "-f", "csv", "-o", str(archive))[0] == 0
    with zipfile.ZipFile(archive) as opened:
        assert sorted(opened.namelist()) == names
        text = opened.read("checkins.csv").decode("utf-8-sig")
    (checkin,) = csv.DictReader(io.StringIO(text))
    assert (checkin["day"], checkin["pain"], checkin["session_id"]) == ("2026-03-03", "4", "1")


def test_export_never_overwrites_and_needs_a_target_for_csv(
    filled_home: Path, tmp_path: Path
) -> None:
    target = tmp_path / "mine.json"
    target.write_text("keep me")
    result = run_cli(filled_home, "export", "--format", "json", "-o", str(target))
    assert result.returncode == 1
    assert "already exists" in result.stderr and "Traceback" not in result.stderr
    assert target.read_text() == "keep me"
    result = run_cli(filled_home, "export", "--format", "csv")
    assert result.returncode == 1 and "-o FOLDER" in result.stderr


def test_corrupt_journal_gives_a_one_line_error(home: Path) -> None:
    home.mkdir()
    journal = home / "journal.sqlite3"
    journal.write_bytes(b"this is not a database")
    result = run_cli(home, "history")
    assert result.returncode == 1
    assert "damaged or is not a database" in result.stderr and str(journal) in result.stderr
    assert "Traceback" not in result.stderr
    assert journal.read_bytes() == b"this is not a database"
