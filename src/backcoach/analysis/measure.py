"""Measurements analyzers share: joint angles, the side nearer the camera, body size.

All work in image pixels (aspect ratio kept), so they suit a camera at the side, where the
image shows the body's own plane. Missing landmarks give NaN, never an exception.
"""

from __future__ import annotations

import math

import numpy as np

from backcoach.pose.frame import FloatArray, PoseFrame
from backcoach.pose.landmarks import Landmark as L

SIDES = ("left", "right")

_SIDE_POINTS: dict[str, dict[str, int]] = {
    "left": {
        "shoulder": L.LEFT_SHOULDER,
        "elbow": L.LEFT_ELBOW,
        "wrist": L.LEFT_WRIST,
        "hip": L.LEFT_HIP,
        "knee": L.LEFT_KNEE,
        "ankle": L.LEFT_ANKLE,
        "heel": L.LEFT_HEEL,
        "foot": L.LEFT_FOOT_INDEX,
        "ear": L.LEFT_EAR,
    },
    "right": {
        "shoulder": L.RIGHT_SHOULDER,
        "elbow": L.RIGHT_ELBOW,
        "wrist": L.RIGHT_WRIST,
        "hip": L.RIGHT_HIP,
        "knee": L.RIGHT_KNEE,
        "ankle": L.RIGHT_ANKLE,
        "heel": L.RIGHT_HEEL,
        "foot": L.RIGHT_FOOT_INDEX,
        "ear": L.RIGHT_EAR,
    },
}


def point_index(side: str, name: str) -> int:
    """Landmark index of a named joint on one side, e.g. ``point_index("left", "knee")``."""
    return int(_SIDE_POINTS[side][name])


def angle_at(a: FloatArray, b: FloatArray, c: FloatArray) -> float:
    """The angle ABC in degrees (0..180); NaN when a segment has no length."""
    v1, v2 = a - b, c - b
    n1, n2 = float(np.linalg.norm(v1)), float(np.linalg.norm(v2))
    if not (n1 > 1e-9 and n2 > 1e-9):
        return math.nan
    cos = float(np.dot(v1, v2)) / (n1 * n2)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def joint_angle(frame: PoseFrame, side: str, a: str, b: str, c: str) -> float:
    px = frame.pixels()
    return angle_at(px[point_index(side, a)], px[point_index(side, b)], px[point_index(side, c)])


def side_visibility(frame: PoseFrame, side: str, names: tuple[str, ...]) -> float:
    if not frame.detected:
        return 0.0
    return float(np.mean([frame.visibility[point_index(side, n)] for n in names]))


def nearer_side(frame: PoseFrame, names: tuple[str, ...] = ("shoulder", "hip", "knee")) -> str:
    """The side the camera sees best (higher landmark visibility)."""
    left = side_visibility(frame, "left", names)
    right = side_visibility(frame, "right", names)
    return "left" if left >= right else "right"


def sharpest_knee_angle(frame: PoseFrame) -> float:
    """The more bent knee's hip-knee-ankle angle (180 = straight), NaN when neither shows."""
    angles = [joint_angle(frame, side, "hip", "knee", "ankle") for side in SIDES]
    finite = [a for a in angles if math.isfinite(a)]
    return min(finite) if finite else math.nan


def midpoint(frame: PoseFrame, a: int, b: int) -> FloatArray:
    px = frame.pixels()
    out: FloatArray = (px[a] + px[b]) / 2
    return out


def torso_length(frame: PoseFrame) -> float:
    """Shoulder-midpoint to hip-midpoint in pixels: the body-size unit."""
    shoulders = midpoint(frame, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    hips = midpoint(frame, L.LEFT_HIP, L.RIGHT_HIP)
    return float(np.linalg.norm(shoulders - hips))


def segment_tilt(a: FloatArray, b: FloatArray) -> float:
    """Angle of the segment a->b above the image horizontal, degrees 0..90 (direction-free)."""
    dx, dy = float(b[0] - a[0]), float(b[1] - a[1])
    if abs(dx) < 1e-9 and abs(dy) < 1e-9:
        return math.nan
    return math.degrees(math.atan2(abs(dy), abs(dx)))


def height_above(a: FloatArray, b: FloatArray) -> float:
    """How far a is above b in pixels (image y grows downwards)."""
    return float(b[1] - a[1])
