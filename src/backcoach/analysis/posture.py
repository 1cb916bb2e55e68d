"""Body position and camera view, per frame and steadied over time.

Judged from image landmarks, assuming a roughly level camera (the floor runs across the
picture). Distances are in torso lengths (shoulder midpoint to hip midpoint), so the rules
hold at any distance from the camera.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import numpy as np

from backcoach.pose.frame import FloatArray, PoseFrame
from backcoach.pose.landmarks import Landmark as L

KNEES_UP_LYING = 1.5  # torso lengths the knees may stand above the hips in a lying position
HIPS_DOWN = 0.15  # hips closer than this (torso lengths) to the shoulder-ankle line


class Position(StrEnum):
    SUPINE = "lying on the back"
    PRONE = "lying face down"
    QUADRUPED = "hands and knees"
    STANDING = "standing"
    SITTING = "sitting"
    UNKNOWN = "unknown"


class View(StrEnum):
    SIDE = "side"
    FRONT = "front"
    OBLIQUE = "oblique"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class BodyPoints:
    """Midpoints of paired landmarks in pixels and the torso length that scales them."""

    shoulders: FloatArray
    hips: FloatArray
    knees: FloatArray
    ankles: FloatArray
    wrists: FloatArray
    ears: FloatArray
    nose: FloatArray
    torso: float
    shoulder_width: float

    def up(self, a: FloatArray, b: FloatArray) -> float:
        """How far point a is above point b, in torso lengths."""
        return float(b[1] - a[1]) / self.torso

    def hips_down(self) -> bool:
        """The hips on the shoulder-ankle line (lying, curling or rolling), not bridged up."""
        return self.hips_above_line() < HIPS_DOWN

    def hips_above_line(self) -> float:
        """How far the hips are above the line from the shoulders to the ankles, in torso
        lengths: about 0 lying flat (or curling up, or rolling the knees), well above in a
        bridge. It is measured in the picture's own plane, so a turned camera reads the same.
        """
        line = self.ankles - self.shoulders
        length = float(np.hypot(line[0], line[1]))
        if not length > 1e-9:
            return math.nan
        to_hips = self.hips - self.shoulders
        cross = float(line[0] * to_hips[1] - line[1] * to_hips[0])
        # Image y points down: with the ankles to the right, hips above the line give cross < 0.
        return -cross / length / self.torso * (1.0 if line[0] >= 0 else -1.0)

    def faces_away_from_feet(self) -> bool:
        """In a side view: the face points away from the feet (press-up), not towards them."""
        face = float(self.nose[0] - self.ears[0])
        feet = float(self.ankles[0] - self.hips[0])
        if abs(face) < 0.1 * self.torso or abs(feet) < 0.5 * self.torso:
            return False
        return face * feet < 0

    @property
    def trunk_rise(self) -> float:
        """Sine of the trunk's angle to the floor: 1 upright, 0 flat, -1 head down."""
        return self.up(self.shoulders, self.hips)


T = TypeVar("T")


def per_frame(judge: Callable[[PoseFrame], T]) -> Callable[[PoseFrame], T]:
    """Remember the answer for the last frame: the engine, the avoided-movement detector and
    the exercise's analyzer each ask about the same frame object. Frames are immutable and the
    one entry is swapped in a single assignment, so threads sharing it cannot mix answers."""
    last: list[tuple[PoseFrame, T]] = []

    @functools.wraps(judge)
    def remembered(frame: PoseFrame) -> T:
        if last:
            seen = last[0]
            if seen[0] is frame:
                return seen[1]
        answer = judge(frame)
        if last:
            last[0] = (frame, answer)
        else:
            last.append((frame, answer))
        return answer

    return remembered


@per_frame
def body_points(frame: PoseFrame) -> BodyPoints | None:
    if not frame.detected:
        return None
    px = frame.pixels()

    def mid(a: int, b: int) -> FloatArray:
        out: FloatArray = (px[a] + px[b]) / 2
        return out

    shoulders = mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    hips = mid(L.LEFT_HIP, L.RIGHT_HIP)
    torso = float(np.linalg.norm(shoulders - hips))
    if not math.isfinite(torso) or torso < 5.0:
        return None
    return BodyPoints(
        shoulders=shoulders,
        hips=hips,
        knees=mid(L.LEFT_KNEE, L.RIGHT_KNEE),
        ankles=mid(L.LEFT_ANKLE, L.RIGHT_ANKLE),
        wrists=mid(L.LEFT_WRIST, L.RIGHT_WRIST),
        ears=mid(L.LEFT_EAR, L.RIGHT_EAR),
        nose=px[L.NOSE],
        torso=torso,
        shoulder_width=float(np.linalg.norm(px[L.LEFT_SHOULDER] - px[L.RIGHT_SHOULDER])),
    )


@per_frame
def classify_position(frame: PoseFrame) -> Position:
    """The body position in one frame, from where the trunk, legs and hands are."""
    b = body_points(frame)
    if b is None or float(np.mean(frame.visibility[[11, 12, 23, 24]])) < 0.5:
        return Position.UNKNOWN
    rise = b.trunk_rise
    hip_over_knee = b.up(b.hips, b.knees)
    knee_over_ankle = b.up(b.knees, b.ankles)
    hip_over_ankle = b.up(b.hips, b.ankles)
    if hip_over_knee > 0.55 and knee_over_ankle > 0.55 and hip_over_ankle > 1.3:
        # Legs stand under the hips: standing, whatever the trunk does (a forward fold too).
        return Position.STANDING
    if rise > 0.6:
        if abs(hip_over_knee) < 0.5 and b.faces_away_from_feet():
            return Position.PRONE  # trunk raised on the arms with the legs behind: a press-up
        return Position.SITTING
    if abs(rise) < 0.6:
        if hip_over_knee > 0.3 and b.up(b.shoulders, b.wrists) > 0.35:
            return Position.QUADRUPED
        if -KNEES_UP_LYING < hip_over_knee < 0.9:
            # Knees far above the hips with the trunk level: lying, legs or knees raised
            # (from a camera above the feet the bent knees also look high).
            return _lying_face(b)
    return Position.UNKNOWN


def _nose_rise(b: BodyPoints) -> float:
    """How far the nose stands out from the line of the neck (ears to shoulders), towards the
    top of the picture, in torso lengths. Measured across the neck rather than against the
    picture's horizontal, it reads the same with the camera turned a little."""
    axis = b.shoulders - b.ears
    length = float(np.hypot(axis[0], axis[1]))
    if not length > 1e-9:
        return b.up(b.nose, b.ears)
    axis = axis / length
    offset = b.nose - b.ears
    across = offset - float(np.dot(offset, axis)) * axis
    upwards = np.array([-axis[1], axis[0]])
    if upwards[1] > 0:  # the normal that points up the picture (y grows downwards)
        upwards = -upwards
    return float(np.dot(across, upwards)) / b.torso


def _lying_face(b: BodyPoints) -> Position:
    # Lying on the back the nose points up, away from the floor; face down it points at it.
    nose_rise = _nose_rise(b)
    knees_up = b.up(b.knees, b.hips)
    if nose_rise > 0.06 or (knees_up > 0.3 and nose_rise > -0.02):
        return Position.SUPINE
    return Position.PRONE


@per_frame
def classify_view(frame: PoseFrame) -> View:
    """Side, front or oblique, from how wide the shoulders look against the torso length."""
    b = body_points(frame)
    if b is None:
        return View.UNKNOWN
    ratio = b.shoulder_width / b.torso
    if ratio < 0.3:
        return View.SIDE
    if ratio > 0.6:
        return View.FRONT
    return View.OBLIQUE


class StableLabel:
    """A label that changes only after the new value has been seen for ``hold`` seconds."""

    def __init__(self, initial: str, hold: float = 0.5, unknown: str = "unknown") -> None:
        self.unknown = unknown
        self.value = initial
        self.hold = hold
        self._candidate: str | None = None
        self._since = 0.0

    def update(self, value: str, time: float) -> bool:
        if self.value == self.unknown and value != self.unknown:
            # Nothing known yet: the first real reading needs no confirmation.
            self.value = value
            self._candidate = None
            return True
        if value == self.value:
            self._candidate = None
            return False
        if value != self._candidate:
            self._candidate, self._since = value, time
            return False
        if time - self._since + 1e-9 >= self.hold:
            self.value = value
            self._candidate = None
            return True
        return False


class PostureTracker:
    """Position and view over time, with short flickers removed."""

    def __init__(self, hold: float = 0.5) -> None:
        self._position = StableLabel(Position.UNKNOWN.value, hold, Position.UNKNOWN.value)
        self._view = StableLabel(View.UNKNOWN.value, hold, View.UNKNOWN.value)

    def update(self, frame: PoseFrame) -> tuple[Position, View]:
        self._position.update(classify_position(frame).value, frame.timestamp)
        view = classify_view(frame)
        if view is not View.UNKNOWN:
            self._view.update(view.value, frame.timestamp)
        return self.position, self.view

    @property
    def position(self) -> Position:
        return Position(self._position.value)

    @property
    def view(self) -> View:
        return View(self._view.value)
