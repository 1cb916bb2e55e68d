"""JournalStore on real SQLite files: every write read back, summaries, check-in links."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from backcoach.catalog.schema import Dose, Part, Side
from backcoach.errors import InputError, NotFoundError
from backcoach.journal import migrate
from backcoach.journal.models import Base
from backcoach.journal.store import JournalStore
from backcoach.planning.history import ExerciseOutcome

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
SIDED = Dose(
    reps=2,
    hold_seconds=20,
    parts=(
        Part(key="left", label="left", side=Side.LEFT),
        Part(key="right", label="right", side=Side.RIGHT),
    ),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """Makes URLs of new, empty journals on SQLite files or on a real PostgreSQL."""
    names = (f"journal{number}" for number in itertools.count())
    if request.param == "sqlite":
        return lambda: f"sqlite:///{tmp_path / next(names)}.sqlite3"
    create: Callable[[str], str] = request.getfixturevalue("new_postgres_database")
    return lambda: create(next(names))


@pytest.fixture
def db_url(new_db_url: Callable[[], str]) -> str:
    return new_db_url()


@pytest.fixture
def store(db_url: str) -> Iterator[JournalStore]:
    opened = JournalStore.open(db_url, local_tz=UTC)
    yield opened
    opened.close()


def reopen(db_url: str) -> JournalStore:
    return JournalStore.open(db_url, local_tz=UTC)


def run_session(
    store: JournalStore,
    at: datetime,
    *,
    reps_done: int = 2,
    set_status: str = "completed",
    during: list[int] | None = None,
    pain_before: int | None = 2,
    pain_after: int | None = 1,
    status: str = "completed",
) -> int:
    session_id = store.start_session(
        front_end="terminal", pain_before=pain_before, plan={"exercises": [{"id": "x"}]}, at=at
    )
    set_id = store.start_set(
        session_id=session_id,
        position=0,
        exercise_id="roll-and-stretch",
        level=1,
        dose=SIDED,
        counted_by="hand",
        at=at,
    )
    for index in range(1, reps_done + 1):
        for part in ("left", "right"):
            store.add_rep(
                set_id=set_id,
                index=index,
                part=part,
                side=part,
                hold_seconds=20.0,
                counted_by="hand",
                at=at + timedelta(seconds=30 * index),
            )
    store.finish_set(set_id, status=set_status, at=at + timedelta(minutes=3))
    for minute, score in enumerate(during or []):
        store.add_pain(
            score=score, context="during", session_id=session_id, at=at + timedelta(minutes=minute)
        )
    store.finish_session(
        session_id,
        status=status,
        pain_after=pain_after,
        stop_reason=None,
        at=at + timedelta(minutes=5),
    )
    return session_id


def test_screening_round_trip_and_clearance(store: JournalStore, db_url: str) -> None:
    assert store.latest_screening() is None
    first = store.add_screening(
        answers={"fever": False, "cancer": True},
        outcome="see_doctor",
        flags=["cancer"],
        caution_acknowledged=True,
        at=T0,
    )
    second = store.add_screening(
        answers={"fever": False},
        outcome="clear",
        flags=[],
        caution_acknowledged=False,
        at=T0 + timedelta(days=1),
    )
    store.record_clearance(first, T0 + timedelta(hours=5))
    store.close()
    again = reopen(db_url)
    latest = again.latest_screening()
    assert latest is not None and latest.id == second and latest.outcome == "clear"
    (old, new) = again.screenings()
    assert old.answers == {"fever": False, "cancer": True}
    assert old.flags == ("cancer",)
    assert old.caution_acknowledged is True
    assert old.clinician_cleared_at == T0 + timedelta(hours=5)
    assert old.taken_at.tzinfo is not None and old.taken_at == T0
    assert new.clinician_cleared_at is None
    again.close()


def test_session_set_rep_warning_pain_round_trip(store: JournalStore, db_url: str) -> None:
    local = timezone(timedelta(hours=2))
    started = datetime(2026, 3, 2, 10, 0, tzinfo=local)  # given in local time, stored in UTC
    session_id = store.start_session(
        front_end="web", pain_before=3, plan={"exercises": [{"id": "bird-dog"}]}, at=started
    )
    set_id = store.start_set(
        session_id=session_id,
        position=1,
        exercise_id="bird-dog",
        level=2,
        dose=Dose(reps=5, hold_seconds=3, stage="arm-leg"),
        counted_by="camera",
        at=started,
    )
    rep_id = store.add_rep(
        set_id=set_id,
        index=1,
        part="rep",
        side="left",
        hold_seconds=3.2,
        counted_by="camera",
        at=started,
    )
    warning_id = store.add_form_warning(
        set_id=set_id, code="hips-twist", message="Keep hips level", at=started
    )
    pain_id = store.add_pain(
        score=4, context="during", session_id=session_id, at=started, note="twinge"
    )
    free_pain = store.add_pain(score=1, context="before", session_id=None, at=started)
    store.finish_set(set_id, status="stopped", at=started + timedelta(minutes=1))
    store.finish_session(
        session_id,
        status="stopped_pain",
        pain_after=6,
        stop_reason="pain above 5",
        at=started + timedelta(minutes=2),
    )
    store.close()

    again = reopen(db_url)
    (record,) = again.sessions()
    assert record.id == session_id
    assert record.started_at == started and record.started_at.utcoffset() == timedelta(0)
    assert (record.front_end, record.status, record.stop_reason) == (
        "web",
        "stopped_pain",
        "pain above 5",
    )
    assert (record.pain_before, record.pain_after) == (3, 6)
    assert record.ended_at == started + timedelta(minutes=2)
    assert record.plan == {"exercises": [{"id": "bird-dog"}]}
    (item,) = record.sets
    assert (item.id, item.position, item.exercise_id, item.level) == (set_id, 1, "bird-dog", 2)
    assert (item.planned_reps, item.planned_hold_seconds, item.stage) == (5, 3.0, "arm-leg")
    assert item.planned["reps"] == 5 and item.planned["stage"] == "arm-leg"
    assert (item.status, item.counted_by) == ("stopped", "camera")
    (rep,) = item.reps
    assert (rep.id, rep.index, rep.part, rep.side, rep.hold_seconds, rep.counted_by) == (
        rep_id,
        1,
        "rep",
        "left",
        3.2,
        "camera",
    )
    (warning,) = item.warnings
    assert (warning.id, warning.code, warning.message) == (
        warning_id,
        "hips-twist",
        "Keep hips level",
    )
    (pain,) = record.pain_entries
    assert (pain.id, pain.score, pain.context, pain.note) == (pain_id, 4, "during", "twinge")
    assert [p.id for p in again.pain_entries()] == [pain_id, free_pain]
    assert record.max_pain == 6
    again.close()


def test_each_write_is_committed_at_once(db_url: str) -> None:
    writer = reopen(db_url)
    session_id = writer.start_session(front_end="terminal", pain_before=2, plan={}, at=T0)
    reader = reopen(db_url)  # a second process would see exactly this
    assert [s.id for s in reader.sessions()] == [session_id]
    assert reader.sessions()[0].status == "in_progress"
    writer.close()
    reader.close()


def test_bad_input_is_refused(store: JournalStore) -> None:
    with pytest.raises(InputError, match="0 to 10"):
        store.add_pain(score=11, context="during", session_id=None, at=T0)
    with pytest.raises(InputError):
        store.start_session(front_end="terminal", pain_before=-1, plan={}, at=T0)
    with pytest.raises(NotFoundError, match="session 99"):
        store.finish_session(99, status="quit", pain_after=None, stop_reason=None, at=T0)
    with pytest.raises(NotFoundError, match="set 5"):
        store.add_rep(
            set_id=5, index=1, part="rep", side="none", hold_seconds=0, counted_by="hand", at=T0
        )
    with pytest.raises(ValueError, match="naive"):
        store.start_session(
            front_end="terminal", pain_before=None, plan={}, at=datetime(2026, 1, 1)
        )
    assert store.sessions() == []


def test_summaries(store: JournalStore) -> None:
    done = run_session(store, T0, during=[2, 4], pain_before=1, pain_after=3)
    short = run_session(store, T0 + timedelta(days=1), reps_done=1, during=[], pain_after=None)
    skipped = run_session(
        store, T0 + timedelta(days=2), reps_done=2, set_status="skipped", status="quit"
    )
    store.add_checkin(day=date(2026, 3, 3), pain=2, at=T0 + timedelta(days=1, hours=-1))
    first, second, third = store.session_summaries()
    assert (first.session_id, first.day, first.status) == (done, date(2026, 3, 2), "completed")
    assert (first.baseline_pain, first.max_pain, first.next_morning_pain) == (1, 4, 2)
    assert first.exercises == (ExerciseOutcome("roll-and-stretch", 1, True),)
    assert (
        second.session_id == short and second.max_pain is None and second.next_morning_pain is None
    )
    assert second.exercises == (ExerciseOutcome("roll-and-stretch", 1, False),)  # 1 of 2 reps
    assert third.session_id == skipped and third.status == "quit"
    assert third.exercises[0].completed is False  # all reps but the set was skipped


def test_checkin_links_the_session_of_the_day_before_local_time(db_url: str) -> None:
    tokyo = timezone(timedelta(hours=9))
    store = JournalStore.open(db_url, local_tz=tokyo)
    # 20:00 UTC on 1 March is 05:00 on 2 March in Tokyo: the morning after is 3 March there.
    late = run_session(store, datetime(2026, 3, 1, 20, 0, tzinfo=UTC))
    assert store.session_summaries()[0].day == date(2026, 3, 2)
    early = run_session(store, datetime(2026, 3, 1, 10, 0, tzinfo=UTC))  # 1 March, Tokyo
    first = store.add_checkin(
        day=date(2026, 3, 3), pain=3, at=datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    )
    second = store.add_checkin(
        day=date(2026, 3, 3), pain=5, at=datetime(2026, 3, 2, 23, 5, tzinfo=UTC)
    )
    by_id = {c.id: c for c in store.checkins()}
    assert by_id[first].session_id == late
    assert by_id[second].session_id == early  # within two days, not yet checked in
    third = store.add_checkin(
        day=date(2026, 3, 3), pain=1, at=datetime(2026, 3, 2, 23, 9, tzinfo=UTC)
    )
    assert store.checkins()[-1].id == third and store.checkins()[-1].session_id is None
    store.close()


def test_checkin_without_recent_session_links_nothing(store: JournalStore) -> None:
    run_session(store, T0)
    checkin = store.add_checkin(
        day=date(2026, 3, 6), pain=2, at=T0 + timedelta(days=4), note="fine"
    )
    same_day = run_session(store, T0 + timedelta(days=5))
    later = store.add_checkin(day=date(2026, 3, 7), pain=2, at=T0 + timedelta(days=5, hours=1))
    assert [(c.id, c.session_id, c.note) for c in store.checkins()] == [
        (checkin, None, "fine"),
        (later, None, None),  # the session that day is not "the day before"
    ]
    assert same_day


def test_export_all_holds_every_table_and_round_trips(
    store: JournalStore, new_db_url: Callable[[], str]
) -> None:
    run_session(store, T0, during=[3])
    store.add_screening(
        answers={"fever": False}, outcome="clear", flags=[], caution_acknowledged=True, at=T0
    )
    store.add_checkin(day=date(2026, 3, 3), pain=1, at=T0 + timedelta(days=1))
    document = store.export_all()
    json.dumps(document)  # JSON-able
    tables = document["tables"]
    assert document["format"] == "backcoach-journal"
    assert {
        "screenings",
        "sessions",
        "sets",
        "reps",
        "form_warnings",
        "pain_entries",
        "checkins",
    } <= set(tables)
    assert len(tables["reps"]) == 4 and tables["reps"][0]["hold_seconds"] == 20.0
    assert tables["sessions"][0]["started_at"] == "2026-03-02T08:30:00+00:00"
    assert tables["checkins"][0]["day"] == "2026-03-03"
    assert tables["screenings"][0]["answers"] == {"fever": False}

    copy = JournalStore.open(new_db_url(), local_tz=UTC)
    copy.import_all(json.loads(json.dumps(document)))
    assert copy.export_all() == document
    assert copy.session_summaries() == store.session_summaries()
    new_id = copy.start_session(
        front_end="terminal", pain_before=None, plan={}, at=T0 + timedelta(days=3)
    )
    assert new_id == 2
    copy.close()


def test_migrations_build_exactly_the_models_schema(store: JournalStore) -> None:
    migrate.import_model_modules()
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_heads() == (migrate.head_revision(),)


@pytest.mark.parametrize(
    ("rep_counters", "expected"),
    [
        (("camera", "camera"), "camera"),
        (("camera", "hand"), "hand"),  # went on without the camera part-way through
        (("hand", "hand"), "hand"),
        ((), "camera"),  # no reps: what the set started with
    ],
)
def test_a_set_is_counted_by_camera_only_when_every_rep_was(
    store: JournalStore, rep_counters: tuple[str, ...], expected: str
) -> None:
    session_id = store.start_session(front_end="web", pain_before=1, plan={}, at=T0)
    set_id = store.start_set(
        session_id=session_id,
        position=0,
        exercise_id="roll-and-stretch",
        level=0,
        dose=SIDED,
        counted_by="camera",
        at=T0,
    )
    for index, counter in enumerate(rep_counters, start=1):
        store.add_rep(
            set_id=set_id,
            index=index,
            part="left",
            side="left",
            hold_seconds=20.0,
            counted_by=counter,
            at=T0 + timedelta(seconds=30 * index),
        )
    store.finish_set(set_id, status="completed", at=T0 + timedelta(minutes=2))
    (record,) = store.sessions()
    assert record.sets[0].counted_by == expected
