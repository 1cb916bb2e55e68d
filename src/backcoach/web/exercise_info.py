"""What the session page shows about each exercise: camera placement, start, steps, cues."""

from __future__ import annotations

from typing import Any

from backcoach.catalog.schema import Catalog, Exercise
from backcoach.planning.plan import PlanItem

VIEW_WORDS = {
    "side": "from the side",
    "front": "from the front",
    "oblique": "from the side, turned a little towards you",
}


def placement_text(exercise: Exercise) -> str:
    """How to place the camera, in one or two sentences."""
    camera = exercise.camera
    low, high = camera.distance_m
    must_see = ", ".join(camera.must_see)
    text = (
        f"Put the camera {camera.height}, {low:g} to {high:g} m away, so it sees you "
        f"{VIEW_WORDS.get(camera.view, camera.view)}. It must see your {must_see}."
    )
    return f"{text} {camera.notes}".strip()


def exercise_info(catalog: Catalog, item: PlanItem) -> dict[str, Any]:
    exercise = catalog.get(item.exercise_id)
    return {
        "id": exercise.id,
        "name": exercise.name,
        "dose": item.dose.describe(),
        "reason": item.reason,
        "placement": placement_text(exercise),
        "view": exercise.camera.view,
        "start_position": exercise.start_position,
        "steps": list(exercise.steps),
        "form_cues": list(exercise.form_cues),
        "cautions": list(exercise.cautions),
    }
