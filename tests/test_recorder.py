"""The recorder writes player events to a real SQLite journal as they happen."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from backcoach.catalog.schema import Dose, Part, Side
from backcoach.journal.recorder import SessionRecorder
from backcoach.journal.records import SessionRecord
from backcoach.journal.store import JournalStore
from backcoach.planning.plan import Change, Plan, PlanItem
from backcoach.player import FakeClock, SessionPlayer


def item(exercise_id: str, **dose: object) -> PlanItem:
    return PlanItem(
        exercise_id=exercise_id,
        name=exercise_id,
        level=1,
        dose=Dose.model_validate(dose),
        change=Change.SAME,
        reason="Same as last time.",
    )


SIDES = (
    Part(key="left", label="Left side", side=Side.LEFT),
    Part(key="right", label="Right side", side=Side.RIGHT),
)
ROLL = item("roll-and-stretch", reps=3, parts=SIDES, hold_seconds=20, rest_seconds=2)
BRIDGE = item("bridge", reps=4, hold_seconds=1)


class UtcClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'journal.sqlite3'}"


def read(url: str) -> SessionRecord:
    """What another process would see now: a fresh connection to the file."""
    with JournalStore.open(url) as other:
        (session,) = other.sessions()
        return session


def setup(url: str, *items: PlanItem, counting: str = "timer"):  # type: ignore[no-untyped-def]
    store = JournalStore.open(url)
    clock = FakeClock()
    plan = Plan(day=date(2026, 11, 24), items=items)
    player = SessionPlayer(plan, clock, intro_seconds=5, between_seconds=3, counting=counting)
    recorder = SessionRecorder(store, UtcClock())
    return store, clock, player, recorder


def test_rows_land_as_each_event_happens(url: str) -> None:
    store, clock, player, recorder = setup(url, ROLL, BRIDGE)
    recorder.handle(player.start(pain_before=2))
    session = read(url)
    assert (session.status, session.pain_before, session.front_end) == (
        "in_progress",
        2,
        "terminal",
    )
    assert session.plan is not None and [e["id"] for e in session.plan["exercises"]] == [
        "roll-and-stretch",
        "bridge",
    ]
    assert [(p.context, p.score) for p in session.pain_entries] == [("before", 2)]
    (first,) = session.sets
    assert (first.exercise_id, first.position, first.level, first.status) == (
        "roll-and-stretch",
        1,
        1,
        "in_progress",
    )
    assert (first.planned_reps, first.planned_hold_seconds, first.counted_by) == (3, 20, "hand")

    clock.advance(5 + 24)  # intro, then the left side
    recorder.handle(player.tick())
    (first,) = read(url).sets
    assert [(r.index, r.part, r.side, r.hold_seconds) for r in first.reps] == [
        (1, "left", "left", 20.0)
    ]
    assert first.status == "in_progress"

    clock.advance(24 + 2 + 10)  # right side, rest, into the second left hold
    recorder.handle(player.report_pain(3))
    session = read(url)
    assert [(p.context, p.score) for p in session.pain_entries] == [("before", 2), ("during", 3)]
    assert [(r.index, r.side) for r in session.sets[0].reps] == [(1, "left"), (1, "right")]

    recorder.handle(player.skip())
    assert read(url).sets[0].status == "skipped"
    clock.advance(3 + 5 + 5)  # between, intro, one bridge rep
    recorder.handle(player.tick())
    session = read(url)
    assert [s.exercise_id for s in session.sets] == ["roll-and-stretch", "bridge"]
    assert [(r.index, r.hold_seconds) for r in session.sets[1].reps] == [(1, 1.0)]

    recorder.handle(player.quit(reason="Ended with q."))
    session = read(url)
    assert (session.status, session.stop_reason, session.pain_after) == (
        "quit",
        "Ended with q.",
        None,
    )
    assert session.ended_at is not None
    assert session.sets[1].status == "stopped"

    recorder.record_pain_after(1)
    session = read(url)
    assert (session.status, session.pain_after, session.stop_reason) == ("quit", 1, "Ended with q.")
    assert [p.context for p in session.pain_entries] == ["before", "during", "after"]
    store.close()


def test_a_pain_stop_is_recorded_with_its_reason(url: str) -> None:
    store, clock, player, recorder = setup(url, BRIDGE)
    recorder.handle(player.start(pain_before=1))
    clock.advance(5 + 5 + 3 + 2)
    recorder.handle(player.tick())
    recorder.handle(player.report_pain(7))
    session = read(url)
    assert session.status == "stopped_pain"
    assert session.stop_reason is not None and "7/10" in session.stop_reason
    assert session.sets[0].status == "stopped"
    assert len(session.sets[0].reps) == 1
    assert session.max_pain == 7
    store.close()


def test_camera_counts_are_marked_as_counted_by_camera(url: str) -> None:
    store, _, player, recorder = setup(url, ROLL, counting="camera")
    recorder.handle(player.start())
    recorder.handle(player.camera_rep("left", 17.5))
    recorder.add_form_warning("shoulders-lift", "Keep both shoulders on the floor.")
    (only,) = read(url).sets
    assert only.counted_by == "camera"
    assert [(r.side, r.hold_seconds, r.counted_by) for r in only.reps] == [("left", 17.5, "camera")]
    assert [w.code for w in only.warnings] == ["shoulders-lift"]
    assert read(url).pain_entries == ()  # no pain before given
    store.close()


def test_pain_after_needs_a_finished_session(url: str) -> None:
    store, _, player, recorder = setup(url, BRIDGE)
    recorder.handle(player.start())
    with pytest.raises(RuntimeError):
        recorder.record_pain_after(2)
    store.close()
