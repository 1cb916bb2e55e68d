"""Plain-data views of the catalog for JSON output (CLI ``--json`` and the web app)."""

from __future__ import annotations

from typing import Any

from backcoach.catalog.schema import AvoidedMovement, Dose, Exercise

# The start positions in words a person reads (the catalog stores a short code).
POSITION_WORDS = {
    "prone": "lying face down",
    "supine": "lying on your back",
    "quadruped": "on hands and knees",
    "standing": "standing",
    "sitting": "sitting",
}


def position_words(exercise: Exercise) -> str:
    return POSITION_WORDS.get(exercise.position, exercise.position)


def dose_view(dose: Dose, level: int | None = None) -> dict[str, Any]:
    """One dose: its description, every number, and which numbers the program chose."""
    view: dict[str, Any] = {} if level is None else {"level": level}
    view.update(
        dose=dose.describe(),
        dose_detail=dose.model_dump(mode="json"),
        program_choices=list(dose.program_choices),
        estimated_seconds=round(dose.estimated_seconds()),
    )
    return view


def exercise_summary(exercise: Exercise) -> dict[str, Any]:
    """One row of the exercise list; ``dose`` is the first level's."""
    return {
        "id": exercise.id,
        "name": exercise.name,
        "position": exercise.position,
        "summary": exercise.summary,
        "dose": exercise.dose_at(0).describe(),
        "dose_detail": exercise.dose_at(0).model_dump(mode="json"),
        "levels": exercise.level_count,
    }


def exercise_detail(exercise: Exercise) -> dict[str, Any]:
    """Everything about one exercise, with the whole progression ladder spelled out."""
    return {
        **exercise_summary(exercise),
        "purpose": exercise.purpose,
        "start_position": exercise.start_position,
        "steps": list(exercise.steps),
        "camera": exercise.camera.model_dump(mode="json"),
        "form_cues": list(exercise.form_cues),
        "cautions": list(exercise.cautions),
        "article_dose": exercise.article_dose,
        "program_choices": list(exercise.dose_at(0).program_choices),
        "ladder": [dose_view(dose, level) for level, dose in enumerate(exercise.ladder())],
    }


def avoided_view(movement: AvoidedMovement) -> dict[str, Any]:
    return movement.model_dump(mode="json")
