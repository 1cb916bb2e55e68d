"""A footage folder as the evaluation reads it: ``manifest.csv`` names each clip's movement
folder (``press_up``, ``sit_up``, ``other``...), which maps to an exercise or avoided-movement id.
"""

from __future__ import annotations

import csv
from pathlib import Path

EXERCISE_OF_FOLDER: dict[str, str] = {
    "press_up": "press-up",
    "pelvic_tilt": "pelvic-tilt",
    "bridge": "bridge",
    "trunk_rotation": "roll-and-stretch",
    "knee_to_chest": "knees-up-stretch",
    "bird_dog": "bird-dog",
    "cat_cow": "cat-cow",
}
# As recognition ids; the two kinds of sit-up score as one family (recognize.same_movement).
AVOIDED_OF_FOLDER: dict[str, str] = {
    "sit_up": "bent-leg-sit-up",
    "leg_raise": "leg-lift",
    "toe_touch": "standing-toe-touch",
}


def movement_of_folder(folder: str) -> str:
    """The id a clip in ``folder`` shows: an exercise, an avoided movement, or ``none``."""
    return EXERCISE_OF_FOLDER.get(folder) or AVOIDED_OF_FOLDER.get(folder) or "none"


def read_manifest(manifest: Path) -> list[dict[str, str]]:
    """The manifest's rows; none when the file is absent."""
    if not manifest.exists():
        return []
    with manifest.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
