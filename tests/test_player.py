"""The guided-session state machine, driven by a fake clock."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from backcoach.catalog.schema import Dose, Part, Side
from backcoach.errors import InputError
from backcoach.planning.plan import Change, Plan, PlanItem
from backcoach.player import (
    CountedBy,
    EventKind,
    FakeClock,
    Phase,
    PlayerEvent,
    PlayerState,
    ScaledClock,
    SessionPlayer,
    SessionStatus,
    SetStatus,
)

SIDES = (
    Part(key="left", label="Left side", side=Side.LEFT),
    Part(key="right", label="Right side", side=Side.RIGHT),
)
KNEES = (
    Part(key="left-knee", label="Left knee", side=Side.LEFT),
    Part(key="right-knee", label="Right knee", side=Side.RIGHT),
    Part(key="both-knees", label="Both knees", side=Side.BOTH),
)


def item(exercise_id: str, **dose: object) -> PlanItem:
    return PlanItem(
        exercise_id=exercise_id,
        name=exercise_id.replace("-", " ").title(),
        level=0,
        dose=Dose.model_validate(dose),
        change=Change.START,
        reason="First time.",
    )


HOLD = item("press-up", reps=2, hold_seconds=3, move_seconds=2, return_seconds=2, rest_seconds=3)


def make(*items: PlanItem, **options: object) -> tuple[SessionPlayer, FakeClock]:
    clock = FakeClock(100.0)
    plan = Plan(day=date(2026, 11, 24), items=items)
    player = SessionPlayer(plan, clock, intro_seconds=10, between_seconds=5, **options)  # type: ignore[arg-type]
    return player, clock


def kinds(events: list[PlayerEvent]) -> list[EventKind]:
    return [e.kind for e in events]


def step(player: SessionPlayer, clock: FakeClock, seconds: float) -> list[PlayerEvent]:
    clock.advance(seconds)
    return player.tick()


def finished_parts(events: list[PlayerEvent]) -> list[tuple[int | None, str | None, float | None]]:
    return [(e.rep, e.side, e.hold_seconds) for e in events if e.kind is EventKind.PART_FINISHED]


def test_hold_exercise_walks_every_phase_with_its_timing() -> None:
    player, clock = make(HOLD)
    assert player.snapshot().phase is Phase.IDLE
    assert kinds(player.start(pain_before=2)) == [
        EventKind.SESSION_STARTED,
        EventKind.EXERCISE_STARTED,
    ]
    snap = player.snapshot()
    assert (snap.phase, snap.seconds_left, snap.rep, snap.reps) == (Phase.INTRO, 10, 1, 2)

    assert step(player, clock, 9.9) == []
    assert kinds(step(player, clock, 0.1)) == [EventKind.PART_STARTED]
    assert (player.snapshot().phase, player.snapshot().seconds_left) == (Phase.MOVE, 2)

    held = step(player, clock, 2)
    assert kinds(held) == [EventKind.PART_HELD]
    assert held[0].hold_seconds == 3
    step(player, clock, 1.25)
    snap = player.snapshot()
    assert snap.phase is Phase.HOLD
    assert snap.seconds_left == pytest.approx(1.75)
    assert "Hold for 3 seconds" in snap.cue

    assert kinds(step(player, clock, 1.75)) == [EventKind.PART_RELEASED]
    done = step(player, clock, 2)
    assert kinds(done) == [EventKind.PART_FINISHED, EventKind.REST_STARTED]
    assert finished_parts(done) == [(1, "none", 3)]
    assert done[0].counted_by is CountedBy.HAND
    assert done[1].seconds == 3 and not done[1].between_exercises
    assert player.snapshot().phase is Phase.REST

    assert kinds(step(player, clock, 3)) == [EventKind.PART_STARTED]
    assert player.snapshot().rep == 2
    end = step(player, clock, 7)
    assert kinds(end) == [
        EventKind.PART_HELD,
        EventKind.PART_RELEASED,
        EventKind.PART_FINISHED,
        EventKind.SET_FINISHED,
        EventKind.SESSION_FINISHED,
    ]
    assert end[3].status == SetStatus.COMPLETED
    assert end[4].status == SessionStatus.COMPLETED
    assert player.finished and player.snapshot().progress == 1.0
    assert [(r.rep, r.hold_seconds) for r in player.results[0].reps] == [(1, 3), (2, 3)]


def test_one_late_tick_replays_every_boundary_in_order_with_its_time() -> None:
    player, clock = make(HOLD)
    player.start()
    events = step(player, clock, 60)
    assert [(e.kind, e.at - 100) for e in events] == [
        (EventKind.PART_STARTED, 10),
        (EventKind.PART_HELD, 12),
        (EventKind.PART_RELEASED, 15),
        (EventKind.PART_FINISHED, 17),
        (EventKind.REST_STARTED, 17),
        (EventKind.PART_STARTED, 20),
        (EventKind.PART_HELD, 22),
        (EventKind.PART_RELEASED, 25),
        (EventKind.PART_FINISHED, 27),
        (EventKind.SET_FINISHED, 27),
        (EventKind.SESSION_FINISHED, 27),
    ]


def test_per_side_parts_alternate_left_then_right() -> None:
    roll = item("roll-and-stretch", reps=2, parts=SIDES, hold_seconds=20, rest_seconds=0)
    player, clock = make(roll)
    player.start()
    player.ready()
    snap = player.snapshot()
    assert (snap.part and snap.part.label, snap.side, snap.part_count) == ("Left side", "left", 2)
    events = step(player, clock, 24 * 4)
    assert finished_parts(events) == [
        (1, "left", 20),
        (1, "right", 20),
        (2, "left", 20),
        (2, "right", 20),
    ]
    assert EventKind.REST_STARTED not in kinds(events)  # no rest in the dose, none shown
    assert player.status is SessionStatus.COMPLETED
    assert player.results[0].repetitions_done == 2


def test_knees_up_goes_left_knee_right_knee_both_knees() -> None:
    knees = item("knees-up-stretch", reps=2, parts=KNEES, hold_seconds=20, rest_seconds=5)
    player, clock = make(knees)
    player.start()
    player.ready()
    labels = []
    events: list[PlayerEvent] = []
    for _ in range(200):
        new = step(player, clock, 1)
        events += new
        labels += [e.part.label for e in new if e.kind is EventKind.PART_STARTED and e.part]
    assert labels[:3] == ["Right knee", "Both knees", "Left knee"]  # the first came with ready()
    assert [(rep, side) for rep, side, _ in finished_parts(events)] == [
        (1, "left"),
        (1, "right"),
        (1, "both"),
        (2, "left"),
        (2, "right"),
        (2, "both"),
    ]
    # One rest between the two repetitions, none between parts.
    assert kinds(events).count(EventKind.REST_STARTED) == 1


def test_no_hold_phase_when_the_dose_has_no_hold() -> None:
    cat = item("cat-cow", reps=1, hold_seconds=0, move_seconds=2, return_seconds=2)
    player, clock = make(cat)
    player.start()
    player.ready()
    events = step(player, clock, 4)
    assert kinds(events) == [
        EventKind.PART_RELEASED,
        EventKind.PART_FINISHED,
        EventKind.SET_FINISHED,
        EventKind.SESSION_FINISHED,
    ]
    assert finished_parts(events) == [(1, "none", 0)]


def test_pause_freezes_time_and_resume_goes_on_where_it_was() -> None:
    player, clock = make(HOLD)
    player.start()
    step(player, clock, 13)  # 1 s into the 3 s hold
    assert kinds(player.pause()) == [EventKind.PAUSED]
    assert player.snapshot().paused
    assert step(player, clock, 500) == []
    snap = player.snapshot()
    assert (snap.phase, snap.seconds_left) == (Phase.HOLD, 2)
    assert kinds(player.resume()) == [EventKind.RESUMED]
    assert step(player, clock, 1.9) == []
    assert kinds(step(player, clock, 0.1)) == [EventKind.PART_RELEASED]
    assert kinds(player.toggle_pause()) == [EventKind.PAUSED]
    assert kinds(player.toggle_pause()) == [EventKind.RESUMED]


def test_skip_keeps_the_reps_done_and_moves_to_the_next_exercise() -> None:
    bridge = item("bridge", reps=5, hold_seconds=1, rest_seconds=1)
    player, clock = make(HOLD, bridge)
    player.start()
    step(player, clock, 10 + 7 + 3 + 1)  # first rep done, into the second
    events = player.skip()
    assert kinds(events) == [EventKind.SET_FINISHED, EventKind.REST_STARTED]
    assert events[0].status == SetStatus.SKIPPED
    assert events[1].between_exercises
    snap = player.snapshot()
    assert snap.phase is Phase.BETWEEN and snap.next_item == bridge
    assert kinds(step(player, clock, 5)) == [EventKind.EXERCISE_STARTED]
    assert player.snapshot().item == bridge
    first = player.results[0]
    assert first.status is SetStatus.SKIPPED
    assert [(r.rep, r.hold_seconds) for r in first.reps] == [(1, 3)]


def test_skip_between_exercises_skips_the_one_coming_up() -> None:
    bridge = item("bridge", reps=1)
    player, _ = make(HOLD, bridge, item("cat-cow", reps=1))
    player.start()
    player.skip()
    events = player.skip()  # during the rest before the bridge
    assert kinds(events) == [
        EventKind.EXERCISE_STARTED,
        EventKind.SET_FINISHED,
        EventKind.REST_STARTED,
    ]
    assert events[0].item == bridge and events[1].status == SetStatus.SKIPPED
    coming = player.snapshot().next_item
    assert coming is not None and coming.exercise_id == "cat-cow"


def test_pain_above_five_stops_the_session_and_says_why() -> None:
    player, clock = make(HOLD)
    player.start()
    step(player, clock, 12.5)
    events = player.report_pain(6)
    assert kinds(events) == [
        EventKind.PAIN_REPORTED,
        EventKind.SET_FINISHED,
        EventKind.SESSION_FINISHED,
    ]
    assert events[0].pain == 6 and events[0].stops
    assert events[1].status == SetStatus.STOPPED
    assert events[2].status == SessionStatus.STOPPED_PAIN
    assert events[2].reason is not None and "6/10" in events[2].reason
    assert player.state is PlayerState.FINISHED
    assert step(player, clock, 100) == []
    assert player.quit() == []


def test_pain_of_five_is_noted_and_the_session_goes_on() -> None:
    player, clock = make(HOLD)
    player.start()
    events = player.report_pain(5)
    assert kinds(events) == [EventKind.PAIN_REPORTED]
    assert events[0].pain == 5 and not events[0].stops
    assert not player.finished
    assert kinds(step(player, clock, 10)) == [EventKind.PART_STARTED]


def test_pain_threshold_comes_from_the_setting() -> None:
    player, _ = make(HOLD, stop_pain_above=3)
    player.start()
    assert player.report_pain(4)[-1].status == SessionStatus.STOPPED_PAIN


def test_pain_before_above_the_limit_starts_no_exercise() -> None:
    player, _ = make(HOLD)
    events = player.start(pain_before=7)
    assert kinds(events) == [EventKind.SESSION_STARTED, EventKind.SESSION_FINISHED]
    assert events[0].pain_before == 7
    assert events[1].status == SessionStatus.STOPPED_PAIN
    assert player.results == ()


@pytest.mark.parametrize("score", [-1, 11, 2.5, True])
def test_pain_must_be_a_whole_number_from_0_to_10(score: object) -> None:
    player, _ = make(HOLD)
    player.start()
    with pytest.raises(InputError, match="whole number"):
        player.report_pain(score)  # type: ignore[arg-type]


def test_quit_keeps_whole_parts_done_and_drops_the_one_under_way() -> None:
    roll = item("roll-and-stretch", reps=3, parts=SIDES, hold_seconds=20, rest_seconds=0)
    player, clock = make(roll, HOLD)
    player.start()
    step(player, clock, 10 + 24 + 24 + 10)  # left and right done, in the second left hold
    before = player.snapshot().progress
    events = player.quit(reason="keyboard")
    assert kinds(events) == [EventKind.SET_FINISHED, EventKind.SESSION_FINISHED]
    assert events[0].status == SetStatus.STOPPED
    assert events[1].status == SessionStatus.QUIT and events[1].reason == "keyboard"
    assert [(r.rep, r.side) for r in player.results[0].reps] == [(1, "left"), (1, "right")]
    assert len(player.results) == 1
    assert player.snapshot().progress == before  # the bar stays where the person stopped
    assert 0 < before < 1


def test_ready_ends_the_intro_and_rests_early() -> None:
    player, clock = make(HOLD)
    player.start()
    step(player, clock, 1)
    assert kinds(player.ready()) == [EventKind.PART_STARTED]
    assert kinds(player.ready()) == []  # no effect while moving
    step(player, clock, 7)
    assert player.snapshot().phase is Phase.REST
    assert kinds(player.ready()) == [EventKind.PART_STARTED]
    assert player.snapshot().rep == 2


def test_progress_grows_from_zero_to_one() -> None:
    player, clock = make(HOLD, item("bridge", reps=2, hold_seconds=1))
    player.start()
    seen = [player.snapshot().progress]
    while not player.finished:
        step(player, clock, 0.5)
        seen.append(player.snapshot().progress)
    assert seen[0] == 0 and seen[-1] == 1
    assert all(b >= a for a, b in itertools.pairwise(seen))


def test_camera_mode_counts_only_camera_reps_while_timers_keep_guiding() -> None:
    roll = item("roll-and-stretch", reps=2, parts=SIDES, hold_seconds=20, rest_seconds=10)
    player, clock = make(roll, counting="camera")
    start = player.start()
    assert start[1].counted_by is CountedBy.CAMERA
    player.ready()
    events = step(player, clock, 24 * 3)  # three guide cycles, nobody counted
    assert finished_parts(events) == []
    assert kinds(events).count(EventKind.PART_STARTED) == 3
    assert player.snapshot().side == "left"

    counted = player.camera_rep("left", 18.4)
    assert kinds(counted) == [EventKind.PART_FINISHED, EventKind.PART_STARTED]
    assert counted[0].counted_by is CountedBy.CAMERA and counted[0].hold_seconds == 18.4
    assert player.snapshot().side == "right" and player.snapshot().phase is Phase.MOVE

    assert kinds(player.camera_rep(None, 21.0)) == [
        EventKind.PART_FINISHED,
        EventKind.REST_STARTED,
    ]
    # Counting during the rest starts the next repetition without waiting.
    rep2 = player.camera_rep("left", 19.0)
    assert (rep2[0].rep, rep2[0].side) == (2, "left")
    player.pause()
    assert player.camera_rep("right", 5.0) == []  # ignored while paused
    player.resume()
    end = player.camera_rep("right", 20.0)
    assert kinds(end)[-2:] == [EventKind.SET_FINISHED, EventKind.SESSION_FINISHED]
    assert [(r.rep, r.side, r.hold_seconds) for r in player.results[0].reps] == [
        (1, "left", 18.4),
        (1, "right", 21.0),
        (2, "left", 19.0),
        (2, "right", 20.0),
    ]


def test_camera_rep_needs_camera_counting_and_switching_to_timer_works() -> None:
    player, clock = make(HOLD)
    player.start()
    with pytest.raises(ValueError, match="camera"):
        player.camera_rep("left", 3)

    camera, clock = make(HOLD, counting="camera")
    camera.start()
    camera.ready()
    assert finished_parts(step(camera, clock, 7)) == []
    camera.set_counting("timer")
    assert finished_parts(step(camera, clock, 7)) == [(1, "none", 3)]


def test_commands_before_start_and_an_empty_plan() -> None:
    player, clock = make(HOLD)
    assert step(player, clock, 100) == []
    assert player.ready() == [] and player.skip() == []
    assert kinds(player.start()) == [EventKind.SESSION_STARTED, EventKind.EXERCISE_STARTED]
    assert player.start() == []

    empty, _ = make()
    assert kinds(empty.start()) == [EventKind.SESSION_STARTED, EventKind.SESSION_FINISHED]
    assert empty.status is SessionStatus.COMPLETED


def test_scaled_clock_runs_faster_and_rejects_a_bad_speed() -> None:
    import time

    clock = ScaledClock(50)
    before = clock.now()
    time.sleep(0.02)
    assert clock.now() - before >= 0.9
    with pytest.raises(InputError):
        ScaledClock(0)


def test_events_and_snapshots_turn_into_json() -> None:
    import json

    player, clock = make(HOLD)
    events = player.start(pain_before=1) + player.ready() + step(player, clock, 7)
    documents = [e.to_dict() for e in events]
    assert json.loads(json.dumps(documents))[-2] == {
        "kind": "part_finished",
        "at": 107.0,
        "cue": "",
        "exercise_index": 0,
        "exercise_id": "press-up",
        "rep": 1,
        "part": "rep",
        "part_label": "repetition",
        "side": "none",
        "hold_seconds": 3.0,
        "counted_by": "hand",
        "between_exercises": False,
        "stops": False,
    }
    snap = json.loads(json.dumps(player.snapshot().to_dict()))
    assert (snap["phase"], snap["rep"], snap["reps"], snap["seconds_left"]) == ("rest", 1, 2, 3)
    assert snap["exercise_name"] == "Press Up" and snap["paused"] is False
