"""The pain-monitoring rules and today's plan, on a small catalog built here."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcoach.catalog.schema import Camera, Catalog, Dose, DoseStep, Exercise, Part, Side
from backcoach.planning.history import ExerciseOutcome, SessionSummary
from backcoach.planning.plan import Change
from backcoach.planning.planner import plan_today
from backcoach.planning.progression import Cause, decide_level
from backcoach.planning.settings import Settings

DEFAULTS = Settings()
DAY0 = date(2026, 3, 1)
TODAY = date(2026, 4, 1)

_CAMERA = Camera(height="at floor level", distance_m=(2.0, 3.0), must_see=("hips",))
_SIDES = (
    Part(key="left", label="left", side=Side.LEFT),
    Part(key="right", label="right", side=Side.RIGHT),
)


def _exercise(exercise_id: str, levels: tuple[DoseStep, ...], dose: Dose) -> Exercise:
    return Exercise(
        id=exercise_id,
        name=exercise_id.replace("-", " ").title(),
        summary="s",
        purpose="p",
        position="supine",
        start_position="lying",
        steps=("move",),
        camera=_CAMERA,
        form_cues=("gently",),
        dose=dose,
        levels=levels,
        article_dose="as written",
    )


TILT = _exercise(
    "tilt", tuple(DoseStep(hold_seconds=h) for h in (2, 3, 4, 5)), Dose(reps=10, hold_seconds=2)
)
BRIDGE = _exercise("bridge", tuple(DoseStep(reps=r) for r in (7, 8, 9, 10)), Dose(reps=7))
DOG = _exercise(
    "dog",
    (
        DoseStep(stage="arm", stage_label="Arm only", reps=5),
        DoseStep(stage="arm", stage_label="Arm only", reps=10),
        DoseStep(stage="arm-leg", stage_label="Arm and opposite leg", reps=5, hold_seconds=3),
    ),
    Dose(reps=5, parts=_SIDES, hold_seconds=2),
)
FLAT = _exercise("flat", (), Dose(reps=5, hold_seconds=3))
CATALOG = Catalog(exercises=(TILT, BRIDGE, DOG, FLAT), doctor_caution="See a doctor first.")


def session(
    index: int,
    level: int,
    peak: int | None,
    *,
    before: int | None = 1,
    morning: int | None = 1,
    status: str = "completed",
    completed: bool = True,
    exercise: str = "tilt",
) -> SessionSummary:
    return SessionSummary(
        session_id=index,
        day=DAY0 + timedelta(days=index),
        status=status,
        baseline_pain=before,
        max_pain=peak,
        next_morning_pain=morning,
        exercises=(ExerciseOutcome(exercise, level, completed),),
    )


# (history as (level, peak, before, morning, status, completed), expected level, change, cause)
RULES = [
    pytest.param([], 0, Change.START, Cause.FIRST_TIME, id="never-done"),
    pytest.param(
        [(1, 2, 1, 1, "completed", True)],
        1,
        Change.SAME,
        Cause.LOW_PAIN_BUILDING,
        id="one-good-session-is-not-enough",
    ),
    pytest.param(
        [(1, 2, 1, 1, "completed", True), (1, 0, 3, 2, "completed", True)],
        2,
        Change.UP,
        Cause.LOW_PAIN_STREAK,
        id="two-good-sessions-progress",
    ),
    pytest.param(
        [(1, 2, 1, 1, "completed", True)] * 2 + [(2, 2, 1, 1, "completed", True)] * 2,
        3,
        Change.UP,
        Cause.LOW_PAIN_STREAK,
        id="progress-is-one-level-at-a-time",
    ),
    pytest.param(
        [(1, 2, 1, 1, "completed", True), (1, 3, 1, 1, "completed", True)],
        1,
        Change.SAME,
        Cause.MODERATE_PAIN_SETTLED,
        id="pain-3-keeps",
    ),
    pytest.param(
        [(1, 5, 2, 2, "completed", True)],
        1,
        Change.SAME,
        Cause.MODERATE_PAIN_SETTLED,
        id="pain-5-keeps",
    ),
    pytest.param(
        [(1, 4, 2, 3, "completed", True)],
        1,
        Change.SAME,
        Cause.MODERATE_PAIN_UNSETTLED,
        id="pain-4-morning-one-above-keeps",
    ),
    pytest.param(
        [(2, 6, 1, 1, "completed", True)],
        1,
        Change.DOWN,
        Cause.HIGH_PAIN,
        id="pain-6-steps-back",
    ),
    pytest.param(
        [(2, 1, 1, 3, "completed", True)],
        1,
        Change.DOWN,
        Cause.MORNING_RISE,
        id="morning-two-above-baseline-steps-back",
    ),
    pytest.param(
        [(2, 1, 1, 2, "completed", True)],
        2,
        Change.SAME,
        Cause.MORNING_SLIGHTLY_WORSE,
        id="morning-one-above-baseline-keeps",
    ),
    pytest.param(
        [(2, 4, None, 5, "stopped_pain", False)],
        1,
        Change.DOWN,
        Cause.STOPPED_FOR_PAIN,
        id="stopped-for-pain-steps-back",
    ),
    pytest.param(
        [(1, 2, 1, 1, "completed", True), (1, 1, 1, None, "completed", True)],
        1,
        Change.SAME,
        Cause.NO_CHECKIN,
        id="missing-checkin-keeps",
    ),
    pytest.param(
        [
            (1, 2, 1, 1, "completed", True),
            (1, 1, 1, None, "completed", True),
            (1, 1, 1, 1, "completed", True),
        ],
        1,
        Change.SAME,
        Cause.LOW_PAIN_BUILDING,
        id="missing-checkin-breaks-the-run",
    ),
    pytest.param(
        [(1, 1, None, 1, "completed", True), (1, 1, None, 1, "completed", True)],
        1,
        Change.SAME,
        Cause.NO_PAIN_BEFORE,
        id="no-baseline-cannot-progress",
    ),
    pytest.param(
        [(1, None, 1, 1, "completed", True)],
        1,
        Change.SAME,
        Cause.NO_PAIN_DURING,
        id="no-session-pain-cannot-progress",
    ),
    pytest.param(
        [(1, 1, 1, 1, "completed", True), (1, 1, 1, 1, "quit", False)],
        1,
        Change.SAME,
        Cause.NOT_COMPLETED,
        id="unfinished-exercise-keeps",
    ),
    pytest.param(
        [(0, 7, 1, 1, "completed", True)],
        0,
        Change.SAME,
        Cause.HIGH_PAIN,
        id="step-back-clamped-at-bottom",
    ),
    pytest.param(
        [(3, 1, 1, 1, "completed", True), (3, 1, 1, 0, "completed", True)],
        3,
        Change.SAME,
        Cause.LOW_PAIN_STREAK,
        id="progress-clamped-at-top",
    ),
    pytest.param(
        [(9, 4, 1, 1, "completed", True)],
        3,
        Change.SAME,
        Cause.MODERATE_PAIN_SETTLED,
        id="level-beyond-ladder-is-clamped",
    ),
    pytest.param(
        [(1, 2, 1, 1, "completed", True)] * 4,
        2,
        Change.UP,
        Cause.LOW_PAIN_STREAK,
        id="the-level-actually-done-is-the-starting-point",
    ),
    pytest.param(
        [(1, 1, 1, 1, "completed", True), (2, 1, 1, 1, "completed", True)],
        2,
        Change.SAME,
        Cause.LOW_PAIN_BUILDING,
        id="a-run-counts-at-one-level-only",
    ),
]


@pytest.mark.parametrize(("rows", "level", "change", "cause"), RULES)
def test_progression_rules(
    rows: list[tuple[int, int | None, int | None, int | None, str, bool]],
    level: int,
    change: Change,
    cause: Cause,
) -> None:
    history = [
        session(i, lvl, peak, before=before, morning=morning, status=status, completed=done)
        for i, (lvl, peak, before, morning, status, done) in enumerate(rows)
    ]
    decision = decide_level("tilt", TILT.level_count, history, DEFAULTS)
    assert (decision.level, decision.change, decision.cause) == (level, change, cause)


def test_sessions_without_the_exercise_do_not_break_a_run() -> None:
    history = [
        session(0, 1, 1),
        session(1, 0, 7, exercise="bridge"),
        session(2, 1, 1),
    ]
    decision = decide_level("tilt", TILT.level_count, history, DEFAULTS)
    assert (decision.level, decision.change) == (2, Change.UP)


def test_thresholds_come_from_settings() -> None:
    strict = Settings(progress_max_pain=1, sessions_to_progress=3, keep_max_pain=3)
    good_by_default = [session(i, 0, 2) for i in range(2)]
    assert decide_level("tilt", 4, good_by_default, DEFAULTS).level == 1
    assert decide_level("tilt", 4, good_by_default, strict).cause is Cause.MODERATE_PAIN_SETTLED
    three_low = [session(i, 0, 1) for i in range(3)]
    assert decide_level("tilt", 4, three_low[:2], strict).level == 0
    assert decide_level("tilt", 4, three_low, strict).level == 1
    assert decide_level("tilt", 4, [session(0, 1, 4)], strict).change is Change.DOWN


def test_ladder_of_one_level_never_moves() -> None:
    history = [session(i, 0, 1, exercise="flat") for i in range(4)]
    history.append(session(9, 0, 9, exercise="flat"))
    decision = decide_level("flat", FLAT.level_count, history, DEFAULTS)
    assert (decision.level, decision.change) == (0, Change.SAME)


_PAIN = st.one_of(st.none(), st.integers(0, 10))


@st.composite
def histories(draw: st.DrawFn) -> list[SessionSummary]:
    count = draw(st.integers(0, 12))
    return [
        session(
            i,
            draw(st.integers(-2, 6)),
            draw(_PAIN),
            before=draw(_PAIN),
            morning=draw(_PAIN),
            status=draw(st.sampled_from(["completed", "quit", "stopped_pain", "in_progress"])),
            completed=draw(st.booleans()),
        )
        for i in range(count)
    ]


@settings(max_examples=200, deadline=None)
@given(histories())
def test_level_stays_on_the_ladder_and_moves_one_step(history: list[SessionSummary]) -> None:
    decision = decide_level("tilt", TILT.level_count, history, DEFAULTS)
    assert 0 <= decision.level < TILT.level_count
    if history:
        assert decision.previous_level is not None
        assert abs(decision.level - decision.previous_level) <= 1
        expected = {1: Change.UP, -1: Change.DOWN, 0: Change.SAME}
        assert decision.change is expected[decision.level - decision.previous_level]
    else:
        assert decision.change is Change.START


@settings(max_examples=100, deadline=None)
@given(histories())
def test_high_pain_in_the_last_session_never_progresses(history: list[SessionSummary]) -> None:
    last = session(99, 2, 6)
    decision = decide_level("tilt", TILT.level_count, [*history, last], DEFAULTS)
    assert decision.level == 1


# --- today's plan and its sentences -------------------------------------------------------


def _all(index: int, level: int, peak: int, **kwargs: int | None) -> SessionSummary:
    base = session(index, level, peak, **kwargs)  # type: ignore[arg-type]
    exercises = tuple(ExerciseOutcome(e.id, level, True) for e in CATALOG.exercises)
    return SessionSummary(
        base.session_id,
        base.day,
        base.status,
        base.baseline_pain,
        base.max_pain,
        base.next_morning_pain,
        exercises,
    )


def test_plan_has_one_item_per_exercise_in_catalog_order() -> None:
    plan = plan_today(CATALOG, [], DEFAULTS, TODAY)
    assert [item.exercise_id for item in plan.items] == ["tilt", "bridge", "dog", "flat"]
    assert all(item.change is Change.START and item.level == 0 for item in plan.items)
    assert plan.items[0].reason == (
        "Starting level: the gentlest of the 4 steps of this exercise, as you have not done it yet."
    )
    assert plan.items[3].reason.startswith("Starting level: this exercise keeps one dose")
    assert plan.day == TODAY
    document = plan.to_dict()
    assert document["date"] == "2026-04-01"
    assert [e["id"] for e in document["exercises"]] == ["tilt", "bridge", "dog", "flat"]


def test_progress_sentences() -> None:
    plan = plan_today(CATALOG, [_all(0, 1, 2), _all(1, 1, 1)], DEFAULTS, TODAY)
    reasons = {item.exercise_id: item.reason for item in plan.items}
    tail = (
        "because your last two sessions stayed at or below 2/10 pain and the next mornings "
        "were no worse."
    )
    assert reasons["tilt"] == f"Hold 4 s, up from 3 s, {tail}"
    assert reasons["bridge"] == f"9 reps, up from 8, {tail}"
    assert reasons["dog"] == f"Arm and opposite leg, up from arm only, {tail}"
    assert reasons["flat"] == (
        "Same as last time: this exercise keeps one dose throughout the program."
    )
    at_top = plan_today(CATALOG, [_all(i, 3, 1) for i in range(2)], DEFAULTS, TODAY)
    assert at_top.items[0].level == 3
    assert at_top.items[0].reason == (
        "Same as last time, the top of the ladder for this exercise: your last two sessions "
        "stayed at or below 2/10 pain and the next mornings were no worse."
    )


def test_keep_and_step_back_sentences() -> None:
    keep = plan_today(CATALOG, [_all(0, 1, 4, before=2, morning=2)], DEFAULTS, TODAY)
    assert keep.items[0].reason == (
        "Same as last time: pain reached 4/10 but had settled by the next morning."
    )
    back = plan_today(CATALOG, [_all(0, 2, 7)], DEFAULTS, TODAY)
    reasons = {item.exercise_id: item.reason for item in back.items}
    assert reasons["bridge"] == "Back to 8 reps from 9: pain rose to 7/10 during the last session."
    assert (
        reasons["tilt"] == "Back to hold 3 s from 4 s: pain rose to 7/10 during the last session."
    )
    assert reasons["dog"].startswith("Back to arm only from arm and opposite leg:")
    assert any("back a step" in note for note in back.notes)
    morning = plan_today(CATALOG, [_all(0, 1, 1, before=2, morning=4)], DEFAULTS, TODAY)
    assert morning.items[1].reason == (
        "Back to 7 reps from 8: the next morning your pain was 4/10, 2 points above the "
        "2/10 you had before the last session."
    )


def test_missing_checkin_is_said_in_the_reason_and_the_notes() -> None:
    plan = plan_today(CATALOG, [_all(0, 1, 1, morning=None)], DEFAULTS, TODAY)
    assert "no next-morning pain check-in" in plan.items[0].reason
    assert any("check-in" in note and "2026-03-01" in note for note in plan.notes)


def test_sessions_after_the_plan_day_are_ignored() -> None:
    history = [_all(0, 1, 1), _all(1, 1, 1)]
    assert plan_today(CATALOG, history, DEFAULTS, history[0].day).items[0].level == 1
    assert plan_today(CATALOG, history, DEFAULTS, history[1].day).items[0].level == 2


@settings(max_examples=50, deadline=None)
@given(histories())
def test_every_reason_is_one_sentence(history: list[SessionSummary]) -> None:
    widened = [
        SessionSummary(
            s.session_id,
            s.day,
            s.status,
            s.baseline_pain,
            s.max_pain,
            s.next_morning_pain,
            tuple(ExerciseOutcome(e.id, s.exercises[0].level, True) for e in CATALOG.exercises),
        )
        for s in history
    ]
    for item in plan_today(CATALOG, widened, DEFAULTS, TODAY).items:
        text = item.reason
        assert text[0].isupper() and text.endswith(".")
        assert ". " not in text[:-1] and "None" not in text


def test_bird_dog_stage_change_on_the_shipped_catalog() -> None:
    from backcoach.catalog.loader import load_catalog

    catalog = load_catalog()
    dog = catalog.get("bird-dog")
    stages = [dog.dose_at(level).stage for level in range(dog.level_count)]
    switch = stages.index(stages[-1])  # first level of the last stage
    history = [
        SessionSummary(i, DAY0 + timedelta(days=i), "completed", 1, 1, 1, outcomes)
        for i, outcomes in enumerate(
            [(ExerciseOutcome("bird-dog", switch - 1, True),)] * 2
            + [(ExerciseOutcome("bird-dog", switch, True),)]
        )
    ]
    up = plan_today(catalog, history[:2], DEFAULTS, TODAY)
    item = next(i for i in up.items if i.exercise_id == "bird-dog")
    new_label = dog.dose_at(switch).stage_label or ""
    old_label = dog.dose_at(switch - 1).stage_label or ""
    assert (item.level, item.change) == (switch, Change.UP)
    assert item.reason.startswith(f"{new_label}, up from {old_label[0].lower()}{old_label[1:]},")
    painful = SessionSummary(
        9,
        DAY0 + timedelta(days=9),
        "stopped_pain",
        1,
        7,
        None,
        (ExerciseOutcome("bird-dog", switch, False),),
    )
    down = plan_today(catalog, [*history, painful], DEFAULTS, TODAY)
    item = next(i for i in down.items if i.exercise_id == "bird-dog")
    assert item.change is Change.DOWN and item.dose.stage == stages[0]
    assert item.reason == (
        f"Back to {old_label.lower()} from {new_label.lower()}: the last session was stopped "
        "because of pain."
    )
