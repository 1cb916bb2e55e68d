"""``backcoach import`` checks every row with the schema the store writes with, and works out
each screen's outcome from its answers: a doctored export cannot poison the journal."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backcoach.errors import InputError
from backcoach.journal.store import JournalStore
from backcoach.planning.gate import session_gate
from backcoach.planning.screening import QUESTION_IDS
from backcoach.planning.settings import Settings
from test_import_roundtrip import run
from test_report_journals import build_journal, open_store

Change = Callable[[dict[str, Any]], None]


def first(table: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda document: document["tables"][table][0]


def set_value(table: str, column: str, value: Any) -> Change:
    def change(document: dict[str, Any]) -> None:
        first(table)(document)[column] = value

    return change


POISONED: dict[str, Change] = {
    "plan as a string": set_value("sessions", "plan", "today's plan"),
    "answers as a string": set_value("screenings", "answers", "all no"),
    "pain in words": set_value("sessions", "pain_before", "very high"),
    "pain as true": set_value("sessions", "pain_before", True),
    "pain out of range": set_value("pain_entries", "score", 11),
    "a status never written": set_value("sessions", "status", "paused"),
    "a side never written": set_value("reps", "side", "middle"),
    "hold as NaN": set_value("reps", "hold_seconds", float("nan")),
    "a time that is not a time": set_value("sessions", "started_at", 42),
    "a day that is not a day": set_value("checkins", "day", "tomorrow"),
    "planned dose as a list": set_value("sets", "planned", [1, 2]),
    "an unknown column": set_value("sessions", "mood", "fine"),
    "an answer in words": set_value("screenings", "answers", {"cancer": "no"}),
    "an answer that is a number": set_value("screenings", "answers", {"bladder": 1}),
    "a rating out of range": set_value("psfs_ratings", "score", -1),
    "a row without its id": set_value("checkins", "id", None),
    "an exercise id longer than its column": set_value("sets", "exercise_id", "x" * 41),
    "an id too large for the database": set_value("sets", "id", 2**70),
    "a position too large for the database": set_value("sets", "position", 2**63),
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    store = open_store(tmp_path_factory.mktemp("source") / "journal.sqlite3")
    build_journal(store, 3)
    document: dict[str, Any] = json.loads(json.dumps(store.export_all()))
    store.close()
    return document


@pytest.mark.parametrize("name", sorted(POISONED))
def test_a_poisoned_export_is_refused_and_leaves_the_journal_empty(
    exported: dict[str, Any], tmp_path: Path, name: str
) -> None:
    document = copy.deepcopy(exported)
    POISONED[name](document)
    target = open_store(tmp_path / "target.sqlite3")
    with pytest.raises(InputError, match="bad row"):
        target.import_all(document)
    assert target.is_empty()
    target.close()


def test_an_emergency_screen_recorded_as_clear_is_imported_as_an_emergency(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    document = copy.deepcopy(exported)
    screen = first("screenings")(document)
    screen["answers"] = {**dict.fromkeys(QUESTION_IDS, False), "bladder": True}
    screen["outcome"] = "clear"
    screen["flags"] = []
    target = open_store(tmp_path / "target.sqlite3")
    target.import_all(document)
    latest = target.latest_screening()
    assert latest is not None
    assert latest.outcome == "emergency" and latest.flags == ("bladder",)
    decision = session_gate(latest, latest.taken_at + timedelta(hours=1), Settings())
    assert not decision.allowed
    target.close()


def test_a_screen_recorded_as_more_serious_than_its_answers_stays_so(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    document = copy.deepcopy(exported)
    first("screenings")(document)["outcome"] = "see_doctor"
    target = open_store(tmp_path / "target.sqlite3")
    target.import_all(document)
    latest = target.latest_screening()
    assert latest is not None and latest.outcome == "see_doctor"
    target.close()


def test_the_store_refuses_to_write_what_the_import_refuses(tmp_path: Path) -> None:
    store = JournalStore.open(f"sqlite:///{tmp_path / 'journal.sqlite3'}", local_tz=UTC)
    with pytest.raises(ValueError, match="plan"):
        store.start_session(
            front_end="web",
            pain_before=None,
            plan="a string",  # type: ignore[arg-type]
            at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    assert store.is_empty()
    store.close()


def test_commands_and_pages_keep_working_after_a_refused_import(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    document = copy.deepcopy(exported)
    POISONED["pain in words"](document)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    home = tmp_path / "home"
    refused = run(home, "import", str(path))
    assert refused.returncode == 1
    assert "bad row" in refused.stderr and "Traceback" not in refused.stderr
    for command in ("history", "plan"):
        done = run(home, command)
        assert "Traceback" not in done.stderr, (command, done.stderr)
