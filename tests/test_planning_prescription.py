"""A clinician's prescription combined with the pain rules, on the real catalog."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcoach.catalog import load_catalog
from backcoach.catalog.schema import Exercise
from backcoach.planning.history import ExerciseOutcome, SessionSummary
from backcoach.planning.plan import Change, DoseSetter, Plan, PlanItem
from backcoach.planning.planner import plan_today
from backcoach.planning.prescription import (
    ExercisePrescription,
    Prescription,
    PrescriptionError,
    check_all,
    stages_of,
)
from backcoach.planning.settings import Settings

CATALOG = load_catalog()
DEFAULTS = Settings()
SET_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TODAY = date(2026, 4, 1)


def _exercise(exercise_id: str) -> Exercise:
    return next(e for e in CATALOG.exercises if e.id == exercise_id)


def _session(
    n: int,
    levels: dict[str, int],
    *,
    before: int = 1,
    peak: int | None = 1,
    morning: int | None = 1,
    status: str = "completed",
    completed: bool = True,
) -> SessionSummary:
    started = SET_AT + timedelta(days=n, hours=1)
    return SessionSummary(
        session_id=n + 1,
        day=started.date(),
        status=status,
        baseline_pain=before,
        max_pain=peak,
        next_morning_pain=morning,
        exercises=tuple(
            ExerciseOutcome(exercise_id=key, level=level, completed=completed)
            for key, level in levels.items()
        ),
        started_at=started,
    )


def _rx(**fields: object) -> Prescription:
    exercise_id = str(fields.pop("exercise_id", "bird-dog"))
    return Prescription(
        (ExercisePrescription(exercise_id=exercise_id, since=SET_AT, **fields),)  # type: ignore[arg-type]
    )


def _item(plan: Plan, exercise_id: str = "bird-dog") -> PlanItem:
    return next(item for item in plan.items if item.exercise_id == exercise_id)


def test_the_bird_dogs_stages_come_from_its_ladder() -> None:
    stages = stages_of(_exercise("bird-dog"))
    assert [(s.key, s.first, s.last) for s in stages] == [
        ("arm-only", 0, 1),
        ("arm-and-leg", 2, 7),
    ]
    assert stages_of(_exercise("press-up")) == ()


def test_without_a_prescription_the_plan_is_the_single_users() -> None:
    history = [_session(i, {"bird-dog": 0, "bridge": 1}) for i in range(3)]
    assert plan_today(CATALOG, history, DEFAULTS, TODAY, None) == plan_today(
        CATALOG, history, DEFAULTS, TODAY
    )
    assert plan_today(CATALOG, history, DEFAULTS, TODAY, Prescription()) == plan_today(
        CATALOG, history, DEFAULTS, TODAY
    )


def test_a_prescribed_start_is_planned_until_the_next_session() -> None:
    history = [_session(-3, {"bird-dog": 0})]  # before the prescription: no longer counts
    plan = plan_today(CATALOG, history, DEFAULTS, TODAY, _rx(start_level=3))
    item = _item(plan)
    assert item.level == 3 and item.change is Change.START
    assert item.set_by is DoseSetter.PRESCRIPTION
    assert "Your clinician set this starting dose" in item.reason
    assert plan.to_dict()["exercises"][5]["set_by"] == "prescription"


def test_a_stage_starts_at_its_first_step_and_holds_its_top() -> None:
    plan = plan_today(CATALOG, [], DEFAULTS, TODAY, _rx(stage="arm-and-leg"))
    assert _item(plan).level == 2
    good = [_session(i, {"bird-dog": 1}) for i in range(4)]
    held = _item(plan_today(CATALOG, good, DEFAULTS, TODAY, _rx(stage="arm-only")))
    assert held.level == 1  # the pain rules would move on to arm and leg
    assert held.set_by is DoseSetter.PRESCRIPTION
    assert "keeps the bird dog at the arm only stage" in held.reason
    free = _item(plan_today(CATALOG, good, DEFAULTS, TODAY, _rx(start_level=1)))
    assert free.level == 2 and free.set_by is DoseSetter.PAIN_RULES
    assert "The pain rules set this dose" in free.reason


def test_pain_still_steps_back_below_the_prescription() -> None:
    stopped = [_session(1, {"bird-dog": 2}, peak=7, status="stopped_pain")]
    item = _item(plan_today(CATALOG, stopped, DEFAULTS, TODAY, _rx(stage="arm-and-leg")))
    assert item.level == 1 and item.change is Change.DOWN
    assert item.set_by is DoseSetter.PAIN_RULES
    assert "stopped because of pain" in item.reason
    flare = [_session(1, {"bridge": 4}, before=2, morning=5)]
    rx = _rx(exercise_id="bridge", start_level=4)
    press = _item(plan_today(CATALOG, flare, DEFAULTS, TODAY, rx), "bridge")
    assert press.level == 3 and press.set_by is DoseSetter.PAIN_RULES


def test_kept_at_the_start_the_prescription_still_sets_the_dose() -> None:
    moderate = [_session(1, {"bird-dog": 3}, peak=4, morning=1)]
    item = _item(plan_today(CATALOG, moderate, DEFAULTS, TODAY, _rx(start_level=3)))
    assert item.level == 3 and item.change is Change.SAME
    assert item.set_by is DoseSetter.PRESCRIPTION
    assert item.reason.endswith("This is the starting dose your clinician set.")


def test_a_paused_exercise_is_left_out_with_a_reason() -> None:
    plan = plan_today(CATALOG, [], DEFAULTS, TODAY, _rx(exercise_id="bridge", paused=True))
    assert "bridge" not in [item.exercise_id for item in plan.items]
    assert [p.name for p in plan.paused] == ["Bridge"]
    assert "Paused by your clinician" in plan.paused[0].reason
    assert plan.to_dict()["paused"][0]["name"] == "Bridge"


def test_a_session_on_the_day_before_it_was_set_does_not_count() -> None:
    early = SessionSummary(
        session_id=1,
        day=SET_AT.date(),
        status="stopped_pain",
        baseline_pain=1,
        max_pain=8,
        next_morning_pain=None,
        exercises=(ExerciseOutcome("bird-dog", 4, True),),
        started_at=SET_AT - timedelta(hours=2),
    )
    item = _item(plan_today(CATALOG, [early], DEFAULTS, TODAY, _rx(start_level=5)))
    assert item.level == 5 and item.set_by is DoseSetter.PRESCRIPTION


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"start_level": 8}, "has 8 steps, so the starting step must be between 1 and 8"),
        ({"start_level": -1}, "between 1 and 8"),
        ({"stage": "arm-and-both-legs"}, "its stages are arm only and arm and opposite leg"),
        ({"stage": "arm-only", "start_level": 4}, "Step 5 of the bird dog is not in the arm only"),
        ({"exercise_id": "press-up", "stage": "arm-only"}, "has no stages to choose from"),
        ({"exercise_id": "no-such-thing"}, "That exercise is not in the program."),
    ],
)
def test_prescriptions_outside_the_catalog_are_refused_in_words(
    fields: dict[str, object], words: str
) -> None:
    with pytest.raises(PrescriptionError, match=words):
        check_all(CATALOG, _rx(**fields).items)


def test_a_single_dose_exercise_has_no_other_step() -> None:
    single = [e for e in CATALOG.exercises if e.level_count == 1]
    if not single:
        pytest.skip("every exercise of the catalog has a ladder")
    rx = _rx(exercise_id=single[0].id, start_level=1)
    with pytest.raises(PrescriptionError, match="keeps one dose"):
        check_all(CATALOG, rx.items)


_EXERCISES = [e for e in CATALOG.exercises if e.level_count > 1]


@st.composite
def _scenario(draw: st.DrawFn) -> tuple[ExercisePrescription, list[SessionSummary]]:
    exercise = draw(st.sampled_from(_EXERCISES))
    stages = stages_of(exercise)
    stage = draw(st.sampled_from([None, *stages]))
    low, high = (0, exercise.level_count - 1) if stage is None else (stage.first, stage.last)
    start = draw(st.none() | st.integers(low, high))
    rx = ExercisePrescription(
        exercise.id, SET_AT, start_level=start, stage=None if stage is None else stage.key
    )
    sessions = []
    for n in range(draw(st.integers(0, 8))):
        sessions.append(
            _session(
                draw(st.integers(-5, 20)),
                {exercise.id: draw(st.integers(0, exercise.level_count - 1))},
                before=draw(st.integers(0, 10)),
                peak=draw(st.none() | st.integers(0, 10)),
                morning=draw(st.none() | st.integers(0, 10)),
                status=draw(st.sampled_from(["completed", "quit", "stopped_pain"])),
                completed=draw(st.booleans()),
            )
        )
        del n
    return rx, sorted(sessions, key=lambda s: s.started_at or SET_AT)


@settings(max_examples=150, deadline=None)
@given(_scenario())
def test_the_plan_never_leaves_the_catalog_or_the_stage(
    scenario: tuple[ExercisePrescription, list[SessionSummary]],
) -> None:
    rx, history = scenario
    exercise = _exercise(rx.exercise_id)
    unprescribed = plan_today(CATALOG, history, DEFAULTS, TODAY)
    assert plan_today(CATALOG, history, DEFAULTS, TODAY, Prescription()) == unprescribed
    item = _item(plan_today(CATALOG, history, DEFAULTS, TODAY, Prescription((rx,))), rx.exercise_id)
    assert 0 <= item.level < exercise.level_count
    assert item.dose == exercise.dose_at(item.level)
    ceiling = exercise.level_count - 1
    if rx.stage is not None:
        ceiling = next(s.last for s in stages_of(exercise) if s.key == rx.stage)
        assert item.level <= ceiling
    after = [s for s in history if s.started_at and s.started_at > SET_AT]
    done = [s for s in after if any(e.exercise_id == rx.exercise_id for e in s.exercises)]
    if done and done[-1].status == "stopped_pain":
        did = done[-1].exercises[0].level
        did = min(did, ceiling)
        assert item.level == max(0, did - 1)  # the pain stop wins over the prescription
        assert item.set_by is DoseSetter.PAIN_RULES
    if not done:
        assert item.set_by is DoseSetter.PRESCRIPTION
    assert item.set_by.value in item.to_dict()["set_by"]


def test_a_prescription_the_catalog_outgrew_falls_back_to_the_pain_rules() -> None:
    stale = _rx(start_level=12)  # the bird dog has 8 steps
    plan = plan_today(CATALOG, [], DEFAULTS, TODAY, stale)
    item = _item(plan)
    assert item == _item(plan_today(CATALOG, [], DEFAULTS, TODAY))
    assert plan.notes[-1] == (
        "Your clinician's prescription for Bird dog no longer fits the program, so the pain "
        "rules plan it until your clinician sets it again."
    )
