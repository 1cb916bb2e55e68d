"""``backcoach import``: export -> import into an empty journal -> export gives the same
document (property-based over generated journals), and clear refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcoach.catalog import load_catalog
from backcoach.errors import InputError, JournalError
from backcoach.journal.outcomes_store import Instrument, OutcomesStore
from backcoach.journal.store import JournalStore
from backcoach.reports.importer import check_export, import_export, import_file, read_export
from test_report_journals import START, build_journal, open_store

BACKCOACH = Path(sys.executable).with_name("backcoach")
EXERCISES = load_catalog().ids
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


@dataclass(frozen=True)
class SetSpec:
    exercise_id: str
    level: int
    reps: int
    hold: float
    counted_by: str
    status: str
    warnings: int


@dataclass(frozen=True)
class SessionSpec:
    minutes: int  # after START
    pain_before: int | None
    pain_after: int | None
    status: str
    sets: tuple[SetSpec, ...]
    during: tuple[int, ...]
    note: str | None


@dataclass(frozen=True)
class JournalSpec:
    sessions: tuple[SessionSpec, ...]
    checkins: tuple[tuple[int, int, str | None], ...]  # day offset, pain, note
    screening: str | None
    psfs: tuple[tuple[int, ...], ...]  # rating rounds of three activities
    totals: tuple[tuple[Instrument, float, int], ...]
    name: str | None


pain = st.integers(0, 10)
set_specs = st.builds(
    SetSpec,
    exercise_id=st.sampled_from(EXERCISES),
    level=st.integers(0, 2),
    reps=st.integers(0, 3),
    hold=st.floats(0, 60, allow_nan=False, allow_infinity=False),
    counted_by=st.sampled_from(["hand", "camera"]),
    status=st.sampled_from(["completed", "skipped", "stopped"]),
    warnings=st.integers(0, 2),
)
session_specs = st.builds(
    SessionSpec,
    minutes=st.integers(0, 60 * 24 * 20),
    pain_before=st.none() | pain,
    pain_after=st.none() | pain,
    status=st.sampled_from(["completed", "quit", "stopped_pain", "in_progress"]),
    sets=st.lists(set_specs, max_size=3).map(tuple),
    during=st.lists(pain, max_size=2).map(tuple),
    note=st.none() | words,
)
journal_specs = st.builds(
    JournalSpec,
    sessions=st.lists(session_specs, max_size=4).map(tuple),
    checkins=st.lists(st.tuples(st.integers(0, 20), pain, st.none() | words), max_size=3).map(
        tuple
    ),
    screening=st.none() | st.sampled_from(["clear", "see_doctor", "emergency"]),
    psfs=st.lists(st.tuples(pain, pain, pain), max_size=3).map(tuple),
    totals=st.lists(
        st.one_of(
            st.tuples(st.just(Instrument.OSWESTRY), st.floats(0, 100), st.integers(0, 30)),
            st.tuples(
                st.just(Instrument.ROLAND_MORRIS),
                st.integers(0, 24).map(float),
                st.integers(0, 30),
            ),
        ),
        max_size=2,
    ).map(tuple),
    name=st.none() | words.filter(lambda text: bool(text.split())),
)


def write_journal(store: JournalStore, spec: JournalSpec) -> None:
    catalog = load_catalog()
    outcomes = OutcomesStore(store)
    if spec.name is not None:
        outcomes.set_name(spec.name, START)
    if spec.screening is not None:
        flags = [] if spec.screening == "clear" else ["fever-unwell"]
        screening_id = store.add_screening(
            answers={"fever-unwell": bool(flags)},
            outcome=spec.screening,
            flags=flags,
            caution_acknowledged=True,
            at=START,
        )
        if spec.screening == "see_doctor":
            store.record_clearance(screening_id, START + timedelta(hours=2))
    for session in spec.sessions:
        at = START + timedelta(minutes=session.minutes, microseconds=123457)
        session_id = store.start_session(
            front_end="web", pain_before=session.pain_before, plan={"n": len(session.sets)}, at=at
        )
        for position, item in enumerate(session.sets):
            exercise = catalog.get(item.exercise_id)
            dose = exercise.dose_at(min(item.level, exercise.level_count - 1))
            set_id = store.start_set(
                session_id=session_id,
                position=position,
                exercise_id=item.exercise_id,
                level=item.level,
                dose=dose,
                counted_by=item.counted_by,
                at=at,
            )
            for index in range(1, item.reps + 1):
                store.add_rep(
                    set_id=set_id,
                    index=index,
                    part="rep",
                    side="left" if index % 2 else "right",
                    hold_seconds=item.hold,
                    counted_by=item.counted_by,
                    at=at + timedelta(seconds=index),
                )
            for _ in range(item.warnings):
                store.add_form_warning(set_id=set_id, code="w", message="Slow down.", at=at)
            store.finish_set(set_id, status=item.status, at=at + timedelta(minutes=1))
        for score in session.during:
            store.add_pain(
                score=score, context="during", session_id=session_id, at=at, note=session.note
            )
        if session.status != "in_progress":
            store.finish_session(
                session_id,
                status=session.status,
                pain_after=session.pain_after,
                stop_reason=session.note,
                at=at + timedelta(minutes=20),
            )
    for offset, score, note in spec.checkins:
        day = (START + timedelta(days=offset)).date()
        store.add_checkin(day=day, pain=score, at=START + timedelta(days=offset), note=note)
    if spec.psfs:
        activities = outcomes.set_psfs_activities(["socks", "lifting", "sitting"], START)
        for number, ratings in enumerate(spec.psfs):
            outcomes.add_psfs_assessment(
                {a.id: r for a, r in zip(activities, ratings, strict=True)},
                START + timedelta(days=14 * number),
            )
    for instrument, score, offset in spec.totals:
        outcomes.add_questionnaire_total(
            instrument=instrument,
            score=score,
            day=(START + timedelta(days=offset)).date(),
            at=START,
            note="entered",
        )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=journal_specs)
def test_export_import_export_is_lossless(spec: JournalSpec) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = open_store(Path(folder) / "source.sqlite3")
        target = open_store(Path(folder) / "target.sqlite3")
        try:
            write_journal(source, spec)
            exported = source.export_all()
            path = Path(folder) / "export.json"
            path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
            summary = import_file(target, path)
            assert summary.total == sum(len(rows) for rows in exported["tables"].values())
            assert target.export_all() == exported
            assert target.sessions() == source.sessions()
            assert OutcomesStore(target).psfs_assessments() == (
                OutcomesStore(source).psfs_assessments()
            )
        finally:
            source.close()
            target.close()


def test_a_long_journal_round_trips_and_new_rows_follow_on(tmp_path: Path) -> None:
    source = open_store(tmp_path / "source.sqlite3")
    build_journal(source, 20)
    exported = source.export_all()
    source.close()
    target = open_store(tmp_path / "target.sqlite3")
    import_export(target, exported)
    assert target.export_all() == exported
    # The imported journal keeps working: new rows get fresh ids after the imported ones.
    new_id = target.start_session(
        front_end="terminal", pain_before=1, plan={}, at=datetime(2026, 6, 1, tzinfo=UTC)
    )
    assert new_id == max(row["id"] for row in exported["tables"]["sessions"]) + 1
    target.close()


def test_import_refuses_a_journal_that_holds_entries(tmp_path: Path) -> None:
    source = open_store(tmp_path / "source.sqlite3")
    build_journal(source, 2)
    exported = source.export_all()
    with pytest.raises(JournalError, match="already holds entries"):
        import_export(source, exported)
    assert source.export_all() == exported  # nothing changed
    source.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"resourceType": "Bundle", "type": "collection"}', "FHIR bundle"),
        ('{"format": "something-else", "tables": {}}', "not a backcoach journal export"),
        (
            '{"format": "backcoach-journal", "schema_revision": "9999", "tables": {}}',
            "newer backcoach",
        ),
        ('{"format": "backcoach-journal", "tables": {"sessions": 3}}', "not a list of rows"),
        (
            '{"format": "backcoach-journal", "tables": {"sessions": [{"nope": 1}]}}',
            "bad row",
        ),
    ],
)
def test_import_refuses_wrong_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "file.json"
    path.write_text(content, encoding="utf-8")
    target = open_store(tmp_path / "target.sqlite3")
    with pytest.raises(InputError, match=message):
        import_file(target, path)
    assert target.is_empty()
    target.close()


def test_import_refuses_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no file"):
        read_export(tmp_path / "missing.json")
    with pytest.raises(InputError, match="not a file"):
        read_export(tmp_path)
    binary = tmp_path / "photo.json"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not text")
    with pytest.raises(InputError, match="UTF-8"):
        read_export(binary)
    with pytest.raises(InputError):
        check_export("a string")


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKCOACH_HOME": str(home), "COLUMNS": "200"}
    env.pop("BACKCOACH_DATABASE_URL", None)
    return subprocess.run(
        [str(BACKCOACH), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_import_command_round_trip(tmp_path: Path) -> None:
    old_home, new_home = tmp_path / "old", tmp_path / "new"
    old_home.mkdir()
    store = open_store(old_home / "journal.sqlite3")
    build_journal(store, 3)
    document: dict[str, Any] = store.export_all()
    store.close()
    export = tmp_path / "export.json"
    export.write_text(json.dumps(document), encoding="utf-8")
    done = run(new_home, "import", str(export))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Imported ") and "sessions" in done.stdout
    again = run(new_home, "import", str(export))
    assert again.returncode == 1 and "already holds entries" in again.stderr
    assert "Traceback" not in again.stderr
    wrong = run(tmp_path / "third", "import", str(tmp_path / "missing.json"))
    assert wrong.returncode == 1 and "There is no file" in wrong.stderr
    assert not (tmp_path / "third").exists()  # a wrong file creates no journal
    reopened = open_store(new_home / "journal.sqlite3")
    assert reopened.export_all() == document
    reopened.close()
