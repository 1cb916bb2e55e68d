"""The live setup check: is the camera placed so that this exercise can be watched?

It looks at each pose frame and says, in plain words, the first thing that is wrong ("I can't
see your feet", "turn the camera sideways"). The check passes once it has been right for a
short steady stretch, so one lucky frame does not start an exercise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import BODY_PARTS, Landmark

VISIBLE = 0.5
EDGE_MARGIN = 0.01  # landmarks this close to the image border count as cut off
SIDE_VIEW_MAX_RATIO = 0.45  # shoulder spread / torso length above this looks like a front view
FRONT_VIEW_MIN_RATIO = 0.35
STEADY_SECONDS = 1.0

WHOLE_BODY = ("head", "shoulders", "hips", "knees", "feet")

# Words the catalog may use for what the camera must see, mapped to BODY_PARTS names.
_ALIASES = {
    "whole body": WHOLE_BODY,
    "whole-body": WHOLE_BODY,
    "body": WHOLE_BODY,
    "foot": ("feet",),
    "ankles": ("feet",),
    "hip": ("hips",),
    "knee": ("knees",),
    "shoulder": ("shoulders",),
    "hand": ("hands",),
    "wrists": ("hands",),
    "arm": ("arms",),
    "elbows": ("arms",),
    "leg": ("legs",),
    "face": ("head",),
}


def body_parts_for(must_see: tuple[str, ...]) -> tuple[str, ...]:
    """The BODY_PARTS names behind the catalog's words; unknown words are ignored."""
    parts: list[str] = []
    for word in must_see:
        key = word.strip().lower()
        for part in _ALIASES.get(key, (key,)):
            if part in BODY_PARTS and part not in parts:
                parts.append(part)
    return tuple(parts) or WHOLE_BODY


def _join(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _part_seen(frame: PoseFrame, part: str) -> bool:
    indices = list(BODY_PARTS[part])
    xy = frame.image[indices, :2]
    inside = (xy >= EDGE_MARGIN) & (xy <= 1 - EDGE_MARGIN)
    seen = (frame.visibility[indices] >= VISIBLE) & inside.all(axis=1)
    # Feet and hands: one side is enough when the other is hidden behind the body (side view).
    return bool(seen.mean() >= 0.5)


def _shoulder_spread_ratio(frame: PoseFrame) -> float | None:
    """Shoulder-to-shoulder distance in the image over torso length: small in a side view."""
    px = frame.pixels()
    shoulders = px[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]]
    hips = px[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP]]
    torso = float(np.linalg.norm(shoulders.mean(axis=0) - hips.mean(axis=0)))
    if not np.isfinite(torso) or torso < 1e-6:
        return None
    return float(np.linalg.norm(shoulders[0] - shoulders[1])) / torso


def problems_in(frame: PoseFrame, view: str, must_see: tuple[str, ...]) -> list[str]:
    """What is wrong with this frame for an exercise filmed from ``view``; empty when right."""
    people = frame.extras.get("people")
    if isinstance(people, int) and people > 1:
        return ["I see two people. Only the person exercising should be in the picture."]
    if not frame.detected:
        return ["I can't see anyone yet. Get into the start position in front of the camera."]
    missing = [part for part in body_parts_for(must_see) if not _part_seen(frame, part)]
    if missing:
        return [f"I can't see your {_join(missing)}. Move the camera back or turn it."]
    ratio = _shoulder_spread_ratio(frame)
    if ratio is not None:
        if view == "side" and ratio > SIDE_VIEW_MAX_RATIO:
            return ["Turn the camera sideways: I should see you from the side."]
        if view == "front" and ratio < FRONT_VIEW_MIN_RATIO:
            return ["Turn the camera to face you: I should see you from the front."]
    return []


@dataclass
class SetupCheck:
    """Follows the frames of one stream and says when the placement has been right long enough."""

    view: str
    must_see: tuple[str, ...]
    steady_seconds: float = STEADY_SECONDS
    _right_since: float | None = field(default=None, init=False)
    _problems: list[str] = field(default_factory=list, init=False)
    _ok: bool = field(default=False, init=False)

    def update(self, frame: PoseFrame) -> None:
        self._problems = problems_in(frame, self.view, self.must_see)
        if self._problems:
            self._right_since = None
            self._ok = False
            return
        if self._right_since is None:
            self._right_since = frame.timestamp
        if frame.timestamp - self._right_since >= self.steady_seconds:
            self._ok = True

    def to_dict(self) -> dict[str, Any]:
        if self._ok:
            message = "The camera is placed well. You can start."
        elif self._problems:
            message = self._problems[0]
        else:
            message = "Looks right. Hold still a moment..."
        return {"ok": self._ok, "message": message, "problems": list(self._problems)}
