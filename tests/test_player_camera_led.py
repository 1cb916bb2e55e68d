"""The camera-led session, driven by a fake clock and scripted analysis views."""

from __future__ import annotations

from datetime import date

from backcoach.analysis.events import Event, EventKind
from backcoach.analysis.posture import Position
from backcoach.catalog.loader import load_catalog
from backcoach.catalog.schema import Dose
from backcoach.planning.plan import Change, Plan, PlanItem
from backcoach.player import EventKind as PlayerKind
from backcoach.player import FakeClock, Phase, PlayerEvent, PlayerState
from backcoach.player.camera_led import (
    QUIET_SECONDS,
    READY_SECONDS_WITHOUT_CAMERA,
    CameraLedSession,
    CameraView,
    Guide,
    Said,
)

STEP = 1 / 15  # frames a second, as the live coach analyses them


def item(exercise_id: str, name: str, **dose: object) -> PlanItem:
    return PlanItem(
        exercise_id=exercise_id,
        name=name,
        level=0,
        dose=Dose.model_validate(dose),
        change=Change.START,
        reason="First time.",
    )


PRESS_UP = item("press-up", "Press-up", reps=2, hold_seconds=3, rest_seconds=3)
BRIDGE = item("bridge", "Bridge", reps=3, hold_seconds=2, rest_seconds=3)
CAT_COW = item("cat-cow", "Cat-cow", reps=2, hold_seconds=1, rest_seconds=0)


def make(*items: PlanItem, camera: bool = True) -> tuple[CameraLedSession, FakeClock]:
    clock = FakeClock(50.0)
    plan = Plan(day=date(2026, 12, 1), items=items)
    coach = CameraLedSession(plan, clock, camera=camera, catalog=load_catalog())
    coach.start(pain_before=1)
    return coach, clock


def view(
    exercise_id: str,
    position: Position = Position.SUPINE,
    *,
    seen: bool = True,
    start: bool | None = None,
    hold: float | None = None,
    events: tuple[Event, ...] = (),
) -> CameraView:
    in_start = start if start is not None else position is not Position.UNKNOWN
    return CameraView(
        exercise_id=exercise_id,
        seen=seen,
        position=position,
        in_start_position=in_start and seen,
        hold_seconds=hold,
        events=events,
    )


def watch_for(
    coach: CameraLedSession, clock: FakeClock, seconds: float, make_view: CameraView
) -> list[PlayerEvent]:
    events: list[PlayerEvent] = []
    for _ in range(round(seconds / STEP)):
        clock.advance(STEP)
        events += coach.observe(make_view)
    return events


def rep(t: float = 0.0, hold: float = 0.0) -> Event:
    return Event(EventKind.REP_COMPLETED, t, data={"hold_seconds": hold})


def into_set(coach: CameraLedSession, clock: FakeClock, exercise_id: str, pos: Position) -> None:
    """Seen in the start position until the set begins (about 3 s)."""
    for _ in range(round(5.0 / STEP)):
        clock.advance(STEP)
        coach.observe(view(exercise_id, pos))
        if coach.player.phase is not Phase.INTRO:
            break
    assert coach.player.phase is Phase.MOVE


def reps_done(coach: CameraLedSession) -> int:
    return coach.player.results[-1].repetitions_done


def said(coach: CameraLedSession) -> list[str]:
    return [text for text, _kind in coach.take_said()]


def test_get_ready_waits_for_the_exercises_own_start_position_and_says_what_is_wrong() -> None:
    coach, clock = make(PRESS_UP)
    coach.take_said()
    # Lying on the back doing bridges: not the press-up's start, however long it lasts.
    watch_for(coach, clock, 20.0, view("press-up", Position.SUPINE, start=False))
    assert coach.player.phase is Phase.INTRO
    message = coach.view().message
    assert message == "You are lying on your back; the press-up starts lying face down."
    assert message in said(coach)  # said once, not every frame
    watch_for(coach, clock, 2.0, view("press-up", Position.SUPINE, start=False))
    assert said(coach) == []
    # Flickering between two readings: shown each time, said again only after a while.
    watch_for(coach, clock, 1.0, view("press-up", Position.UNKNOWN, start=False))
    assert coach.view().message == "Get into the start position: lying face down."
    watch_for(coach, clock, 1.0, view("press-up", Position.SUPINE, start=False))
    assert coach.view().message == message and message not in said(coach)
    watch_for(coach, clock, 10.5, view("press-up", Position.UNKNOWN, start=False))
    watch_for(coach, clock, 0.2, view("press-up", Position.SUPINE, start=False))
    assert message in said(coach)
    # A frame analysed for another exercise is never taken for this one's start.
    watch_for(coach, clock, 3.0, view("bridge", Position.PRONE, start=True))
    assert coach.player.phase is Phase.INTRO
    # Face down, the analysis sees the start position: after a steady second the set begins.
    watch_for(coach, clock, 0.5, view("press-up", Position.PRONE, start=True))
    assert coach.player.phase is Phase.INTRO
    watch_for(coach, clock, 1.0, view("press-up", Position.PRONE, start=True))
    assert coach.player.phase is Phase.MOVE
    assert coach.view().message is None
    assert "That's the start position. Begin when you are ready." in said(coach)


def test_get_ready_is_shown_a_moment_even_when_already_in_position() -> None:
    coach, clock = make(BRIDGE)
    watch_for(coach, clock, 2.0, view("bridge", Position.SUPINE))
    assert coach.player.phase is Phase.INTRO  # time to read the start position and steps
    watch_for(coach, clock, 1.5, view("bridge", Position.SUPINE))
    assert coach.player.phase is Phase.MOVE


def test_reps_count_only_in_the_active_set_never_in_get_ready_or_rest() -> None:
    coach, clock = make(BRIDGE, CAT_COW)
    watch_for(coach, clock, 2.0, view("bridge", events=(rep(),)))  # moving into position
    assert reps_done(coach) == 0
    into_set(coach, clock, "bridge", Position.SUPINE)
    coach.observe(view("bridge", events=(rep(hold=2.2),)))
    assert reps_done(coach) == 1 and coach.player.phase is Phase.REST
    # The person keeps going during the 3 s rest: nothing is counted.
    for _ in range(2):
        clock.advance(1.0)
        coach.observe(view("bridge", events=(rep(hold=2.0),)))
    assert reps_done(coach) == 1
    clock.advance(1.1)
    coach.tick()
    assert coach.player.phase is Phase.MOVE
    coach.observe(view("bridge", events=(rep(hold=2.0),)))
    clock.advance(3.1)
    coach.tick()
    coach.observe(view("bridge", events=(rep(hold=2.0),)))
    assert reps_done(coach) == 3 and coach.player.phase is Phase.BETWEEN
    # The rest before the next exercise: still the bridge's frames, still not counted.
    coach.observe(view("bridge", events=(rep(),)))
    assert reps_done(coach) == 3
    (bridge,) = coach.player.results
    assert [r.hold_seconds for r in bridge.reps] == [2.2, 2.0, 2.0]


def test_pause_freezes_the_camera_hold_timer_and_counts_nothing() -> None:
    coach, clock = make(BRIDGE)
    into_set(coach, clock, "bridge", Position.SUPINE)
    coach.observe(view("bridge", hold=0.1))
    for tenth in range(2, 16):
        clock.advance(0.1)
        coach.observe(view("bridge", hold=tenth / 10))
    assert coach.view().hold_seconds == 1.5 and coach.view().hold_running
    coach.pause()
    for tenth in range(16, 46):  # the analyzer's own timer runs on for 3 s
        clock.advance(0.1)
        coach.observe(view("bridge", hold=tenth / 10, events=(rep(tenth / 10),)))
    paused = coach.view()
    assert paused.hold_seconds == 1.5 and not paused.hold_running
    assert reps_done(coach) == 0
    coach.resume()
    clock.advance(0.1)
    coach.observe(view("bridge", hold=4.6))
    assert round(coach.view().hold_seconds, 1) == 1.6  # on from where it stopped
    # The player's own timers were frozen too.
    snap = coach.player.snapshot()
    assert snap.state is PlayerState.RUNNING


def test_skip_during_a_rest_skips_the_rest_and_says_so() -> None:
    coach, clock = make(BRIDGE, CAT_COW)
    into_set(coach, clock, "bridge", Position.SUPINE)
    assert coach.view().skip_label == "Skip the bridge"
    coach.observe(view("bridge", events=(rep(),)))
    assert coach.player.phase is Phase.REST
    assert coach.view().skip_label == "Skip the rest"
    coach.take_said()
    coach.skip()
    assert coach.player.phase is Phase.MOVE and coach.player.snapshot().rep == 2
    assert said(coach)[0] == "Rest skipped."
    # Skipping the exercise names it; the rest before the next one is not "well done".
    coach.skip()
    lines = said(coach)
    assert lines[0] == "Skipped the bridge."
    assert lines[1] == "Rest for 5 seconds. Coming up: Cat-cow."
    assert coach.view().skip_label == "Skip the rest"
    # Skip in that rest: the cat-cow is shown (get ready), not skipped unseen.
    coach.skip()
    assert coach.player.phase is Phase.INTRO
    assert coach.current_item() == CAT_COW
    assert coach.player.results[-1].status is None


def test_going_on_without_the_camera_mid_set_hands_the_count_to_the_timers() -> None:
    coach, clock = make(BRIDGE)
    into_set(coach, clock, "bridge", Position.SUPINE)
    coach.observe(view("bridge", events=(rep(hold=2.0),)))
    clock.advance(3.0)
    coach.tick()  # the rest is over: repetition 2
    clock.advance(1.0)
    coach.tick()
    coach.without_camera()
    assert coach.view().guide is Guide.TIMERS and not coach.camera
    watch_for(coach, clock, 2.0, view("bridge", events=(rep(),)))  # camera reps ignored now
    assert reps_done(coach) == 1
    clock.advance(1.0 + 2.0 + 3.0 + 0.1)  # the rest of move, the hold and the return
    coach.tick()
    assert reps_done(coach) == 2
    (bridge,) = coach.player.results
    assert [r.counted_by.value for r in bridge.reps] == ["camera", "hand"]


def test_without_the_camera_get_ready_counts_down_before_it_starts_by_itself() -> None:
    coach, clock = make(BRIDGE, camera=False)
    assert coach.view().ready_in == READY_SECONDS_WITHOUT_CAMERA
    clock.advance(5.0)
    coach.tick()
    assert coach.view().ready_in == READY_SECONDS_WITHOUT_CAMERA - 5.0
    coach.pause()
    clock.advance(60.0)
    coach.tick()
    coach.resume()
    assert coach.player.phase is Phase.INTRO
    assert coach.view().ready_in == READY_SECONDS_WITHOUT_CAMERA - 5.0
    clock.advance(READY_SECONDS_WITHOUT_CAMERA - 5.0)
    coach.tick()
    assert coach.player.phase is Phase.MOVE and coach.view().ready_in is None


def test_without_the_camera_the_hold_readout_runs_with_the_timer_and_keeps_its_length() -> None:
    coach, clock = make(BRIDGE, camera=False)
    coach.ready()
    clock.advance(2.0 + 1.0)  # the move, then a second of the 2 s hold
    coach.tick()
    assert coach.view().hold_seconds == 1.0 and coach.view().hold_running
    coach.pause()
    clock.advance(30.0)
    coach.tick()
    assert coach.view().hold_seconds == 1.0 and not coach.view().hold_running
    coach.resume()
    clock.advance(1.5)
    coach.tick()
    assert coach.view().hold_seconds == 2.0 and not coach.view().hold_running


def test_quit_asks_first_and_keeps_going_when_the_person_says_so() -> None:
    coach, clock = make(BRIDGE)
    into_set(coach, clock, "bridge", Position.SUPINE)
    coach.ask_quit()
    assert coach.view().confirming_quit and coach.player.state is PlayerState.PAUSED
    assert not coach.finished
    coach.cancel_quit()
    assert not coach.view().confirming_quit and coach.player.state is PlayerState.RUNNING
    # Asked while already paused: carrying on leaves it paused.
    coach.pause()
    coach.ask_quit()
    coach.cancel_quit()
    assert coach.player.state is PlayerState.PAUSED
    coach.ask_quit()
    events = coach.confirm_quit()
    assert coach.finished and events[-1].kind is PlayerKind.SESSION_FINISHED
    assert events[-1].status == "quit"


def test_nobody_in_the_picture_is_said_plainly_not_a_stale_message() -> None:
    coach, clock = make(BRIDGE)
    into_set(coach, clock, "bridge", Position.SUPINE)
    watch_for(coach, clock, 0.5, view("bridge", Position.UNKNOWN, seen=False))
    assert coach.view().message is None  # a blink is not "gone"
    watch_for(coach, clock, 1.0, view("bridge", Position.UNKNOWN, seen=False))
    assert coach.view().message == "I can't see you. Come into the picture so I can follow you."
    kinds = dict(coach.take_said())
    assert kinds["I can't see you. Come into the picture so I can follow you."] is Said.CAMERA
    watch_for(coach, clock, 0.2, view("bridge"))
    assert coach.view().message is None


def test_seen_but_no_rep_for_a_while_and_a_wrong_position_are_said() -> None:
    coach, clock = make(BRIDGE)
    into_set(coach, clock, "bridge", Position.SUPINE)
    watch_for(coach, clock, QUIET_SECONDS - 1.0, view("bridge"))
    assert coach.view().message is None
    watch_for(coach, clock, 1.5, view("bridge"))
    message = coach.view().message
    assert message is not None and message.startswith("I can see you, but I have not seen")
    assert "go on without the camera" in message
    # A running hold is not "nothing happening".
    watch_for(coach, clock, 0.2, view("bridge", hold=3.0))
    assert coach.view().message is None
    # Standing up in the middle of the set, for a few seconds.
    watch_for(coach, clock, 3.5, view("bridge", Position.STANDING, start=False))
    assert coach.view().message == "You are standing; the bridge is done lying on your back."


def test_the_timers_cycle_does_not_repeat_the_same_prompt_while_the_camera_leads() -> None:
    coach, clock = make(PRESS_UP)
    into_set(coach, clock, "press-up", Position.PRONE)
    coach.take_said()
    watch_for(coach, clock, 30.0, view("press-up", Position.PRONE))  # no rep seen
    lines = said(coach)
    assert not any(line.startswith("Repetition 1 of 2") for line in lines)
    assert not any(line.startswith("Hold for") for line in lines)
    assert reps_done(coach) == 0


def test_when_nothing_is_counted_the_analysis_says_what_it_cannot_see() -> None:
    coach, clock = make(BRIDGE)
    into_set(coach, clock, "bridge", Position.SUPINE)
    tip = Event(EventKind.NOTE, 0.0, code="alternate", message="Switch sides each time.")
    note = Event(
        EventKind.NOTE, 0.0, code="cat-cow-not-seen", message="I cannot see your hips lift."
    )
    watch_for(coach, clock, 0.2, view("bridge", events=(note, tip)))
    assert coach.view().message is None  # said only once nothing has been counted for a while
    watch_for(coach, clock, QUIET_SECONDS + 0.5, view("bridge"))
    assert coach.view().message == "I cannot see your hips lift."
    assert "I cannot see your hips lift." in said(coach)
