"""The shape of the exercise catalog (validated with pydantic; unknown keys are rejected).

A dose describes one exercise in one session. Each repetition goes through every *part*
in order (for example left side then right side, or cat then cow); each part is reached
in ``move_seconds``, held for ``hold_seconds`` and released in ``return_seconds``;
``rest_seconds`` separates repetitions. ``program_choices`` names the fields the article
gives no number for, so the program chose them.

Validators raise messages of the form ``field 'x': problem`` so that the loader can put the
file and the exercise in front of them and still read as one line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from backcoach.errors import NotFoundError


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


_FIELD_MESSAGE = re.compile(r"^field '([^']*)': (.*)$", re.DOTALL)


def nest_field_message(path: str, message: str) -> str:
    """Put a field path in front of a validator message, merging 'field ...' prefixes."""
    if match := _FIELD_MESSAGE.match(message):
        inner, rest = match.groups()
        joiner = "" if inner.startswith("[") else "."
        return f"field '{path}{joiner}{inner}': {rest}" if path else message
    return f"field '{path}': {message}" if path else message


def _repeated(values: Iterable[str]) -> list[str]:
    return [value for value, count in Counter(values).items() if count > 1]


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

    @model_validator(mode="after")
    def _keys_are_unique(self) -> Dose:
        if repeated := _repeated(part.key for part in self.parts):
            raise ValueError(f"field 'parts': part key '{repeated[0]}' is used twice")
        if repeated := _repeated(self.program_choices):
            raise ValueError(f"field 'program_choices': '{repeated[0]}' is listed twice")
        return self

    def part_list(self) -> tuple[Part, ...]:
        """The parts of one repetition; a single unnamed part when none are given."""
        return self.parts or (Part(key="rep", label="repetition"),)

    def is_program_choice(self, field: DoseField) -> bool:
        """True when the program, not the article, chose this field's value."""
        return field in self.program_choices

    def estimated_seconds(self) -> float:
        """Roughly how long the whole dose takes, rests between repetitions included."""
        one_part = self.move_seconds + self.hold_seconds + self.return_seconds
        one_rep = one_part * len(self.part_list())
        return self.reps * one_rep + max(0, self.reps - 1) * self.rest_seconds

    def describe(self) -> str:
        """A short human description, e.g. '5 each side, hold 20 s each'."""
        pieces = [self._count_phrase()]
        if self.hold_seconds:
            verb = "pause" if self.hold_seconds <= 1 else "hold"
            each = " each" if len(self.parts) > 1 else ""
            pieces.append(f"{verb} {self.hold_seconds:g} s{each}")
        if self.return_seconds > self.move_seconds:
            pieces.append(f"slow return ({self.return_seconds:g} s)")
        text = ", ".join(pieces)
        return f"{self.stage_label}: {text}" if self.stage_label else text

    def _count_phrase(self) -> str:
        parts = self.parts
        if len(parts) <= 1:
            return f"{self.reps} rep" if self.reps == 1 else f"{self.reps} reps"
        labels = ", ".join(part.label for part in parts)
        sides = [part.side for part in parts]
        if len(parts) == 2 and set(sides) == {Side.LEFT, Side.RIGHT}:
            return f"{self.reps} each side"
        if all(side == Side.NONE for side in sides):
            return f"{self.reps} of each ({labels})"
        rounds = "round" if self.reps == 1 else "rounds"
        return f"{self.reps} {rounds} ({labels})"


class DoseStep(Strict):
    """Overrides of the base dose for one progression level."""

    reps: int | None = Field(None, ge=1, le=50)
    hold_seconds: float | None = Field(None, ge=0, le=120)
    stage: str | None = None
    stage_label: str | None = None
    parts: tuple[Part, ...] | None = None
    program_choices: tuple[DoseField, ...] | None = Field(
        None, description="Replaces the base dose's program_choices at this level."
    )


BodyPart = Literal["head", "shoulders", "arms", "hands", "hips", "knees", "feet", "legs"]
"""Names shared with ``backcoach.pose.landmarks.BODY_PARTS``."""


class Camera(Strict):
    view: Literal["side", "front", "oblique"] = "side"
    height: str = Field(description="Where to put the camera, e.g. 'at floor level'.")
    distance_m: tuple[float, float] = Field(description="Distance range in metres.")
    must_see: tuple[BodyPart, ...] = Field(
        min_length=1, description="Body parts that must be in frame."
    )
    notes: str = ""

    @model_validator(mode="after")
    def _distance_is_a_range(self) -> Camera:
        near, far = self.distance_m
        if not 0 < near <= far <= 10:
            raise ValueError(
                "field 'distance_m': give [nearest, farthest] in metres, "
                "with 0 < nearest <= farthest <= 10"
            )
        return self

    def describe(self) -> str:
        """E.g. 'side view, at floor level, 2-3 m away'."""
        near, far = self.distance_m
        return f"{self.view} view, {self.height}, {near:g}-{far:g} m away"


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
            try:
                self.dose_at(index)
            except ValidationError as error:
                problem = error.errors()[0]["msg"].removeprefix("Value error, ")
                raise ValueError(nest_field_message(f"levels[{index}]", problem)) from error
        return self

    @property
    def level_count(self) -> int:
        return max(1, len(self.levels))

    def dose_at(self, level: int) -> Dose:
        """The dose at a progression level (clamped to the ladder)."""
        if not self.levels:
            return self.dose
        step = self.levels[max(0, min(level, len(self.levels) - 1))]
        merged = self.dose.model_dump()
        merged.update(step.model_dump(exclude_none=True))
        return Dose.model_validate(merged)

    def ladder(self) -> tuple[Dose, ...]:
        """Every level's dose, easiest first."""
        return tuple(self.dose_at(level) for level in range(self.level_count))


class AvoidedMovement(Strict):
    id: str = Field(pattern=r"^[a-z][a-z-]*$")
    name: str
    reason: str
    looks_like: str = Field(description="How the camera recognises it, in plain words.")


class UnknownExerciseError(NotFoundError, KeyError):
    """No exercise has this id. Also a KeyError, so ``except KeyError`` still works."""

    def __init__(self, exercise_id: str, valid_ids: Iterable[str]) -> None:
        self.exercise_id = exercise_id
        self.message = f"No exercise '{exercise_id}'. Valid ids: {', '.join(valid_ids)}."
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class Catalog(Strict):
    exercises: tuple[Exercise, ...] = Field(min_length=1)
    avoided: tuple[AvoidedMovement, ...] = ()
    doctor_caution: str

    @model_validator(mode="after")
    def _ids_are_unique(self) -> Catalog:
        if repeated := _repeated(self.ids):
            raise ValueError(f"exercise '{repeated[0]}': field 'id': used by two exercises")
        if repeated := _repeated(movement.id for movement in self.avoided):
            raise ValueError(
                f"avoided movement '{repeated[0]}': field 'id': used by two avoided movements"
            )
        return self

    def get(self, exercise_id: str) -> Exercise:
        """The exercise with this id; ``UnknownExerciseError`` names the valid ids."""
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise UnknownExerciseError(exercise_id, self.ids)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.exercises)
