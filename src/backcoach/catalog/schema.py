"""The shape of the exercise catalog (validated with pydantic; unknown keys are rejected).

A dose describes one exercise in one session. Each repetition goes through every *part*
in order (for example left side then right side, or cat then cow); each part is reached
in ``move_seconds``, held for ``hold_seconds`` and released in ``return_seconds``;
``rest_seconds`` separates repetitions. ``program_choices`` names the fields the article
gives no number for, so the program chose them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"
    NONE = "none"


class Part(Strict):
    """One position within a repetition, e.g. ``left knee`` or ``cow``."""

    key: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    label: str
    side: Side = Side.NONE
    cue: str = Field("", description="What to do for this part, in a few words (spoken).")


DoseField = Literal[
    "reps", "hold_seconds", "move_seconds", "return_seconds", "rest_seconds", "stage"
]


class Dose(Strict):
    reps: int = Field(ge=1, le=50, description="Repetitions; each goes through every part.")
    parts: tuple[Part, ...] = ()
    hold_seconds: float = Field(0.0, ge=0, le=120)
    move_seconds: float = Field(2.0, gt=0, le=30)
    return_seconds: float = Field(2.0, gt=0, le=30)
    rest_seconds: float = Field(3.0, ge=0, le=120)
    stage: str | None = Field(None, description="Named stage of a progression (bird dog).")
    stage_label: str | None = None
    program_choices: tuple[DoseField, ...] = Field(
        (), description="Fields whose value the program chose because the article gives none."
    )

    def part_list(self) -> tuple[Part, ...]:
        """The parts of one repetition; a single unnamed part when none are given."""
        return self.parts or (Part(key="rep", label="repetition"),)

    def describe(self) -> str:
        """A short human description, e.g. '10 reps, hold 3 s'."""
        pieces: list[str] = []
        if self.stage_label:
            pieces.append(self.stage_label)
        parts = self.parts
        if len(parts) == 2 and {p.side for p in parts} == {Side.LEFT, Side.RIGHT}:
            pieces.append(f"{self.reps} each side")
        elif parts:
            pieces.append(f"{self.reps} x ({', '.join(p.label for p in parts)})")
        else:
            pieces.append(f"{self.reps} reps")
        if self.hold_seconds:
            pieces.append(f"hold {self.hold_seconds:g} s")
        return ", ".join(pieces)


class DoseStep(Strict):
    """Overrides of the base dose for one progression level."""

    reps: int | None = Field(None, ge=1, le=50)
    hold_seconds: float | None = Field(None, ge=0, le=120)
    stage: str | None = None
    stage_label: str | None = None
    parts: tuple[Part, ...] | None = None


class Camera(Strict):
    view: Literal["side", "front", "oblique"] = "side"
    height: str = Field(description="Where to put the camera, e.g. 'at floor level'.")
    distance_m: tuple[float, float] = Field(description="Distance range in metres.")
    must_see: tuple[str, ...] = Field(description="Body parts that must be in frame.")
    notes: str = ""


class Exercise(Strict):
    id: str = Field(pattern=r"^[a-z][a-z-]*$")
    name: str
    summary: str
    purpose: str
    position: Literal["prone", "supine", "quadruped", "standing", "sitting"]
    start_position: str
    steps: tuple[str, ...] = Field(min_length=1)
    camera: Camera
    form_cues: tuple[str, ...] = Field(min_length=1)
    cautions: tuple[str, ...] = ()
    dose: Dose
    levels: tuple[DoseStep, ...] = Field(
        (), description="Progression ladder; level 0 is the first entry (or the base dose)."
    )
    article_dose: str = Field(description="The article's dose, restated in our own words.")

    @model_validator(mode="after")
    def _levels_make_valid_doses(self) -> Exercise:
        for index in range(self.level_count):
            self.dose_at(index)
        return self

    @property
    def level_count(self) -> int:
        return max(1, len(self.levels))

    def dose_at(self, level: int) -> Dose:
        """The dose at a progression level (clamped to the ladder)."""
        if not self.levels:
            return self.dose
        step = self.levels[max(0, min(level, len(self.levels) - 1))]
        changes = {k: v for k, v in step.model_dump(exclude_none=True).items()}
        if "parts" in changes:
            changes["parts"] = step.parts
        return self.dose.model_copy(update=changes)


class AvoidedMovement(Strict):
    id: str = Field(pattern=r"^[a-z][a-z-]*$")
    name: str
    reason: str
    looks_like: str = Field(description="How the camera recognises it, in plain words.")


class Catalog(Strict):
    exercises: tuple[Exercise, ...] = Field(min_length=1)
    avoided: tuple[AvoidedMovement, ...] = ()
    doctor_caution: str

    def get(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise KeyError(exercise_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.exercises)
