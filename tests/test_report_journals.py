"""Synthetic journals written through the real stores into real SQLite files, and the report
data gathered from them. ``build_journal`` is also used by the other report, FHIR and import
tests (``from test_report_journals import ...``)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from backcoach.catalog import load_catalog
from backcoach.errors import InputError
from backcoach.journal.outcomes_store import Instrument, OutcomesStore
from backcoach.journal.store import JournalStore
from backcoach.reports.measures import Direction
from backcoach.reports.report_data import gather_report

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
ACTIVITIES = ["putting on socks", "lifting a laundry basket", "sitting for an hour"]


def open_store(path: Path) -> JournalStore:
    """A real SQLite journal; tests skip fsync on each commit (durability is the journal
    engineer's tests' subject, not this one's) so that long journals are quick to write."""
    store = JournalStore.open(f"sqlite:///{path}", local_tz=UTC)

    @event.listens_for(store.engine, "connect")
    def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.close()

    store.engine.dispose()  # so every connection from now on gets the pragma
    return store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[JournalStore]:
    opened = open_store(tmp_path / "journal.sqlite3")
    yield opened
    opened.close()


def add_session(
    store: JournalStore,
    at: datetime,
    *,
    pain_before: int,
    pain_after: int,
    status: str = "completed",
    level: int = 0,
    camera: bool = False,
    exercises: tuple[str, ...] = ("pelvic-tilt", "bridge", "bird-dog"),
    warnings: int = 0,
    stop_reason: str | None = None,
    pain_during: tuple[int, ...] = (),
    skipped: tuple[str, ...] = (),
) -> int:
    catalog = load_catalog()
    session_id = store.start_session(
        front_end="terminal",
        pain_before=pain_before,
        plan={"exercises": [{"id": exercise_id} for exercise_id in exercises]},
        at=at,
    )
    store.add_pain(score=pain_before, context="before", session_id=session_id, at=at)
    moment = at
    for position, exercise_id in enumerate(exercises):
        exercise = catalog.get(exercise_id)
        chosen = min(level, exercise.level_count - 1)
        dose = exercise.dose_at(chosen)
        counted_by = "camera" if camera else "hand"
        set_id = store.start_set(
            session_id=session_id,
            position=position,
            exercise_id=exercise_id,
            level=chosen,
            dose=dose,
            counted_by=counted_by,
            at=moment,
        )
        for index in range(1, 0 if exercise_id in skipped else dose.reps + 1):
            for part in dose.part_list():
                moment += timedelta(seconds=5 + dose.hold_seconds)
                store.add_rep(
                    set_id=set_id,
                    index=index,
                    part=part.key,
                    side=part.side.value,
                    hold_seconds=dose.hold_seconds,
                    counted_by=counted_by,
                    at=moment,
                )
        for _ in range(warnings):
            store.add_form_warning(
                set_id=set_id, code="hips-sag", message="Keep your hips level.", at=moment
            )
        set_status = "skipped" if exercise_id in skipped else "completed"
        store.finish_set(set_id, status=set_status, at=moment)
    for score in pain_during:
        moment += timedelta(seconds=30)
        store.add_pain(score=score, context="during", session_id=session_id, at=moment)
    end = moment + timedelta(minutes=1)
    store.add_pain(score=pain_after, context="after", session_id=session_id, at=end)
    store.finish_session(
        session_id, status=status, pain_after=pain_after, stop_reason=stop_reason, at=end
    )
    return session_id


def build_journal(store: JournalStore, days: int, *, seed: int = 1) -> None:
    """``days`` days of a person whose pain eases: most days a session, next-morning
    check-ins, a screen at the start, PSFS every two weeks, a few questionnaire totals."""
    rng = random.Random(seed)
    outcomes = OutcomesStore(store)
    outcomes.ensure_profile(START)
    store.add_screening(
        answers={"both-legs": False, "cancer": False},
        outcome="clear",
        flags=[],
        caution_acknowledged=True,
        at=START - timedelta(hours=1),
    )
    activities = outcomes.set_psfs_activities(ACTIVITIES, START)
    for day in range(days):
        at = START + timedelta(days=day)
        progress = day / max(1, days - 1)
        if day % 14 == 0:
            base = round(2 + 6 * progress)
            outcomes.add_psfs_assessment(
                {a.id: min(10, base + rng.randint(0, 2)) for a in activities}, at
            )
        if day % 30 == 0:
            outcomes.add_questionnaire_total(
                instrument=Instrument.OSWESTRY,
                score=max(0.0, 40 - 20 * progress),
                day=at.date(),
                at=at,
            )
        if days > 3 and rng.random() < 0.2:
            continue  # a missed day
        pain = max(0, round(6 - 4 * progress) + rng.randint(-1, 1))
        stopped = days > 3 and day == days // 2
        add_session(
            store,
            at,
            pain_before=pain,
            pain_after=7 if stopped else max(0, pain - 1),
            status="stopped_pain" if stopped else "completed",
            level=day // 7,
            camera=day % 2 == 0,
            warnings=1 if day % 5 == 0 else 0,
            stop_reason="Pain rose to 7/10." if stopped else None,
            pain_during=(7,) if stopped else (),
        )
        if day + 1 < days:
            next_morning = (at + timedelta(days=1)).date()
            store.add_checkin(day=next_morning, pain=pain, at=at + timedelta(days=1))


NOW = START + timedelta(days=200)


def test_empty_journal_gives_an_empty_report_of_one_day(store: JournalStore) -> None:
    data = gather_report(store, None, None, now=NOW)
    assert data.is_empty
    assert data.start == data.end == NOW.date()
    assert data.sessions == () and data.changes == () and data.doses == ()
    assert data.psfs_due_now  # never rated: due at the start


def test_one_day_journal_has_its_session_and_no_change_flags(store: JournalStore) -> None:
    add_session(store, START, pain_before=4, pain_after=3, camera=True)
    data = gather_report(store, None, None, now=NOW)
    assert (data.start, data.end, data.days) == (START.date(), START.date(), 1)
    assert [row.pain_before for row in data.sessions] == [4]
    assert data.changes == ()  # one week only: too early to judge
    assert {row.exercise_id for row in data.rep_counts} == {"pelvic-tilt", "bridge", "bird-dog"}
    assert all(
        row.camera_reps == row.planned_reps and row.hand_reps == 0 for row in data.rep_counts
    )
    assert [week.sessions for week in data.adherence] == [1]
    assert data.adherence[0].target == 1  # one day of the week inside the period


def test_long_journal_shows_improvement_and_stops(store: JournalStore) -> None:
    build_journal(store, 60)
    data = gather_report(store, None, None, now=START + timedelta(days=59))
    assert data.days == 60
    flags = {flag.measure: flag for flag in data.changes}
    before = flags["usual pain before sessions"]
    assert before.start > before.end and before.meaningful
    assert before.direction is Direction.IMPROVED
    assert "meaningful improvement" in before.sentence
    psfs = flags["activity score (PSFS)"]
    assert psfs.end > psfs.start and psfs.meaningful
    assert len(data.psfs) == 5  # days 0, 14, 28, 42, 56
    assert [row.status for row in data.stopped] == ["stopped_pain"]
    assert data.questionnaires and data.questionnaires[0].unit == "%"
    warnings = {(row.exercise_id, row.code): row.count for row in data.warnings}
    assert warnings and all(code == "hips-sag" for _, code in warnings)
    bird_dog = next(d for d in data.doses if d.exercise_id == "bird-dog")
    stages = {point.stage for point in bird_dog.points}
    assert len(stages) >= 2  # it moved from arm-only to arm and leg
    camera = sum(row.camera_reps for row in data.rep_counts)
    hand = sum(row.hand_reps for row in data.rep_counts)
    assert camera > 0 and hand > 0


def test_period_filters_sessions_and_checks_order(store: JournalStore) -> None:
    build_journal(store, 21)
    week_two = START.date() + timedelta(days=7)
    data = gather_report(store, week_two, week_two + timedelta(days=6), now=NOW)
    assert data.sessions and all(
        week_two <= row.day <= week_two + timedelta(days=6) for row in data.sessions
    )
    assert len(data.adherence) == 1 and data.adherence[0].target == 7
    with pytest.raises(InputError, match="starts"):
        gather_report(store, date(2026, 5, 1), date(2026, 4, 1), now=NOW)


def test_outcomes_use_one_vocabulary_and_count_against_the_plan(store: JournalStore) -> None:
    seven = ("press-up", "pelvic-tilt", "bridge", "roll-and-stretch", "knees-up-stretch")
    seven += ("bird-dog", "cat-cow")
    add_session(store, START, pain_before=2, pain_after=2, exercises=seven, skipped=seven[1:])
    add_session(store, START + timedelta(days=1), pain_before=2, pain_after=3, skipped=("bridge",))
    add_session(
        store,
        START + timedelta(days=2),
        pain_before=3,
        pain_after=7,
        status="stopped_pain",
        pain_during=(4, 7),
        stop_reason="Pain 7/10 is above 5/10, so the session stops here.",
    )
    add_session(
        store,
        START + timedelta(days=3),
        pain_before=2,
        pain_after=2,
        status="quit",
        stop_reason="Ended with q.",
        exercises=("bridge",),
    )
    add_session(store, START + timedelta(days=4), pain_before=1, pain_after=1)
    data = gather_report(store, None, None, now=NOW)
    outcomes = [row.outcome for row in data.sessions]
    assert [o.label for o in outcomes] == [
        "completed with 6 exercises skipped",
        "completed with 1 exercise skipped",
        "stopped for pain",
        "ended early",
        "completed",
    ]
    assert [o.exercises_done for o in outcomes] == [
        "1 of 7",
        "2 of 3",
        "3 of 3",
        "1 of 1",
        "3 of 3",
    ]
    assert outcomes[2].pain_during_text == "4/10, then 7/10"
    assert outcomes[2].how_it_ended == "Pain reached 7/10, above the limit, so the session stopped."
    assert outcomes[3].how_it_ended == "The person ended the session before the last exercise."
    assert sum(week.completed for week in data.adherence) == 1  # skips are not "completed"
    assert [row.day.day for row in data.stopped] == [2, 3, 4, 5]
