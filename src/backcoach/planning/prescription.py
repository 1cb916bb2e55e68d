"""A clinician's prescription and how it combines with the pain rules (pure).

Per exercise a clinician may set a starting step of the catalog's ladder, a stage (the bird
dog's "arm only" or "arm and opposite leg"), or pause it. The plan combines that with the
pain-monitoring rules of ``progression`` like this:

- **Start.** The prescription re-bases the exercise: sessions that started before it was set
  no longer count for that exercise, and until the next session it is planned at the
  prescribed starting step (or the first step of the prescribed stage).
- **Up.** From there the pain rules progress as usual, but never past the last step of a
  prescribed stage: moving from arm only to arm and leg is the clinician's call. Without a
  stage the ladder's own top is the ceiling.
- **Down.** The pain rules still step back on pain, below the prescribed start and below the
  stage if need be: a pain stop or a morning flare outranks the prescription, which is a
  starting point, not a floor the person is held to while it hurts.
- **Paused** exercises are left out of the plan with a sentence saying so.

Every planned item says who set its dose (``PlanItem.set_by``): the prescription when the
exercise is at the prescribed start (nothing since, or the rules kept it there) or is held
at a stage's ceiling; the pain rules once they have moved it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from backcoach.catalog.schema import Catalog, Exercise
from backcoach.errors import InputError
from backcoach.planning.history import SessionSummary
from backcoach.planning.plan import Change, DoseSetter, PausedItem, PlanItem
from backcoach.planning.progression import STEP_BACK_CAUSES, decide_level
from backcoach.planning.reasons import explain
from backcoach.planning.settings import Settings


class PrescriptionError(InputError):
    """A prescription outside what the catalog allows; the message says what is allowed."""


@dataclass(frozen=True)
class Stage:
    """A named run of steps on an exercise's ladder (levels ``first`` to ``last``)."""

    key: str
    label: str
    first: int
    last: int


@dataclass(frozen=True)
class ExercisePrescription:
    """What a clinician set for one exercise. ``start_level`` is the ladder's index (0 is
    the first step); None means the first step (of the stage, when one is set)."""

    exercise_id: str
    since: datetime
    start_level: int | None = None
    stage: str | None = None
    paused: bool = False


@dataclass(frozen=True)
class Prescription:
    """A patient's prescription: at most one entry per exercise."""

    items: tuple[ExercisePrescription, ...] = ()

    def for_exercise(self, exercise_id: str) -> ExercisePrescription | None:
        return next((item for item in self.items if item.exercise_id == exercise_id), None)


def _the(exercise: Exercise) -> str:
    return f"the {exercise.name[:1].lower()}{exercise.name[1:]}"


def stages_of(exercise: Exercise) -> tuple[Stage, ...]:
    """The named stages of an exercise's ladder, in order (empty when it has none)."""
    stages: list[Stage] = []
    for level in range(exercise.level_count):
        dose = exercise.dose_at(level)
        if dose.stage is None:
            continue
        if stages and stages[-1].key == dose.stage and stages[-1].last == level - 1:
            last = stages[-1]
            stages[-1] = Stage(last.key, last.label, last.first, level)
        else:
            stages.append(Stage(dose.stage, dose.stage_label or dose.stage, level, level))
    return tuple(stages)


def stage_named(exercise: Exercise, key: str) -> Stage:
    stages = stages_of(exercise)
    if not stages:
        raise PrescriptionError(f"{_the(exercise).capitalize()} has no stages to choose from.")
    for stage in stages:
        if stage.key == key:
            return stage
    names = " and ".join(stage.label.lower() for stage in stages)
    raise PrescriptionError(
        f"{_the(exercise).capitalize()} has no such stage; its stages are {names}."
    )


def check_prescription(exercise: Exercise, item: ExercisePrescription) -> None:
    """Raise ``PrescriptionError`` when ``item`` leaves the catalog's bounds for ``exercise``."""
    count = exercise.level_count
    if item.start_level is not None and not 0 <= item.start_level < count:
        if count == 1:
            raise PrescriptionError(
                f"{_the(exercise).capitalize()} keeps one dose; there is no other step to start at."
            )
        raise PrescriptionError(
            f"{_the(exercise).capitalize()} has {count} steps, so the starting step must be "
            f"between 1 and {count}."
        )
    if item.stage is None:
        return
    stage = stage_named(exercise, item.stage)
    if item.start_level is not None and not stage.first <= item.start_level <= stage.last:
        raise PrescriptionError(
            f"Step {item.start_level + 1} of {_the(exercise)} is not in the "
            f"{stage.label.lower()} stage, which is steps {stage.first + 1} to {stage.last + 1}."
        )


def bounds(exercise: Exercise, item: ExercisePrescription) -> tuple[int, int]:
    """(starting level, ceiling) of a checked prescription."""
    if item.stage is not None:
        stage = stage_named(exercise, item.stage)
        start = stage.first if item.start_level is None else item.start_level
        return start, stage.last
    return item.start_level or 0, exercise.level_count - 1


def _after(session: SessionSummary, since: datetime) -> bool:
    """Whether a session counts under a prescription set at ``since``.

    Without a start time, only sessions on later days count (a same-day session may have
    come before the prescription).
    """
    if session.started_at is not None:
        return session.started_at > since
    return session.day > since.date()


def paused_item(exercise: Exercise) -> PausedItem:
    return PausedItem(
        exercise_id=exercise.id,
        name=exercise.name,
        reason="Paused by your clinician: left out of your sessions until they restart it.",
    )


def prescribed_item(
    exercise: Exercise,
    item: ExercisePrescription,
    history: Sequence[SessionSummary],
    settings: Settings,
) -> PlanItem:
    """Today's item for an exercise under a (not paused) prescription; ``history`` oldest
    first."""
    check_prescription(exercise, item)
    start, ceiling = bounds(exercise, item)
    since = [session for session in history if _after(session, item.since)]
    held = decide_level(exercise.id, ceiling + 1, since, settings)
    free = decide_level(exercise.id, exercise.level_count, since, settings)
    start_dose = exercise.dose_at(start)
    if held.change is Change.START:
        return PlanItem(
            exercise_id=exercise.id,
            name=exercise.name,
            level=start,
            dose=start_dose,
            change=Change.START,
            reason=(
                "Your clinician set this starting dose; from your next session the pain "
                "rules take it on from here."
            ),
            set_by=DoseSetter.PRESCRIPTION,
        )
    dose = exercise.dose_at(held.level)
    stepped_back = held.cause in STEP_BACK_CAUSES or held.change is Change.DOWN
    if not stepped_back and free.level > held.level == ceiling:
        label = (dose.stage_label or "present").lower()
        reason = (
            f"Same as last time: your clinician keeps {_the(exercise)} at the {label} stage "
            "for now, so it does not go up yet."
        )
        setter = DoseSetter.PRESCRIPTION
    elif not stepped_back and held.level == start and held.change is Change.SAME:
        reason = (
            f"{explain(exercise, held, settings)} This is the starting dose your clinician set."
        )
        setter = DoseSetter.PRESCRIPTION
    else:
        reason = (
            f"{explain(exercise, held, settings)} The pain rules set this dose; your clinician "
            f"started you at {_lower(start_dose.describe())}."
        )
        setter = DoseSetter.PAIN_RULES
    return PlanItem(
        exercise_id=exercise.id,
        name=exercise.name,
        level=held.level,
        dose=dose,
        change=held.change,
        reason=reason,
        set_by=setter,
    )


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def check_all(catalog: Catalog, items: Iterable[ExercisePrescription]) -> None:
    """Check every entry against the catalog (unknown exercises included)."""
    known = {exercise.id: exercise for exercise in catalog.exercises}
    for item in items:
        exercise = known.get(item.exercise_id)
        if exercise is None:
            raise PrescriptionError("That exercise is not in the program.")
        check_prescription(exercise, item)


def step_text(exercise: Exercise, level: int) -> str:
    """A step in a person's words, e.g. 'step 3 of 8 (Arm and opposite leg: 5 each side, ...)'."""
    return f"step {level + 1} of {exercise.level_count} ({exercise.dose_at(level).describe()})"


def describe_prescription(exercise: Exercise, item: ExercisePrescription | None) -> str:
    """What a prescription says, as a phrase: 'paused', 'starting at step 3 of 8 (...)'."""
    if item is None:
        return "the program's own start and progression"
    if item.paused:
        return "paused"
    start, ceiling = bounds(exercise, item)
    text = f"starting at {step_text(exercise, start)}"
    if item.stage is not None:
        stage = stage_named(exercise, item.stage)
        text += f", kept to the {stage.label.lower()} stage (up to step {ceiling + 1})"
    return text
