"""Geometry on landmarks, the one place analyzers take it from: joint angles, segment angles
to the horizontal, body-size distances.

One convention for both kinds of coordinates: y points down, angles are in degrees, "up" in a
result means against y. Image measures use pixel coordinates (``PoseFrame.pixels()``):
normalised coordinates would distort angles whenever the image is not square. 3-D measures use
MediaPipe's world landmarks (metres, origin between the hips, camera-aligned axes). Pure
numpy; any NaN input gives a NaN result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from backcoach.pose.frame import FloatArray, PoseFrame
from backcoach.pose.landmarks import Landmark

Point = FloatArray | Sequence[float]
Side = Literal["left", "right"]

LEFT_SIDE: tuple[int, ...] = (
    Landmark.LEFT_SHOULDER,
    Landmark.LEFT_ELBOW,
    Landmark.LEFT_WRIST,
    Landmark.LEFT_HIP,
    Landmark.LEFT_KNEE,
    Landmark.LEFT_ANKLE,
)
RIGHT_SIDE: tuple[int, ...] = tuple(int(i) + 1 for i in LEFT_SIDE)


def _array(point: Point) -> npt.NDArray[np.float64]:
    return np.asarray(point, dtype=np.float64)


def midpoint(a: Point, b: Point) -> FloatArray:
    result: FloatArray = (_array(a) + _array(b)) / 2.0
    return result


def distance(a: Point, b: Point) -> float:
    return float(np.linalg.norm(_array(a) - _array(b)))


def joint_angle(a: Point, b: Point, c: Point) -> float:
    """Angle ABC at ``b`` in degrees, 0..180 (180 = straight). NaN if a segment has no length."""
    first = _array(a) - _array(b)
    second = _array(c) - _array(b)
    norms = float(np.linalg.norm(first) * np.linalg.norm(second))
    if not math.isfinite(norms) or norms == 0.0:
        return math.nan
    cosine = float(np.dot(first, second)) / norms
    return math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


def elevation(a: Point, b: Point) -> float:
    """Angle of the 3-D segment a->b above the camera's horizontal, degrees (-90..90)."""
    d = _array(b) - _array(a)
    horizontal = math.hypot(float(d[0]), float(d[2]))
    return math.degrees(math.atan2(-float(d[1]), horizontal))


def elevation_above(a: Point, b: Point, up: Point) -> float:
    """Angle of the 3-D segment a->b above the plane square to ``up`` (a unit vector),
    degrees (-90..90). With ``up`` = (0, -1, 0) it is :func:`elevation`."""
    d = _array(b) - _array(a)
    length = float(np.linalg.norm(d))
    if not (math.isfinite(length) and length > 0.0):
        return math.nan
    sine = float(np.dot(d, _array(up))) / length
    return math.degrees(math.asin(max(-1.0, min(1.0, sine))))


def segment_direction(a: Point, b: Point) -> float:
    """Direction of a->b in the image plane, degrees in (-180, 180], 0 = right, 90 = up."""
    dx, dy = (_array(b) - _array(a))[:2]
    if not (math.isfinite(dx) and math.isfinite(dy)) or (dx == 0 and dy == 0):
        return math.nan
    return math.degrees(math.atan2(0.0 - dy, dx))  # 0.0 - 0.0 is +0.0, so left is 180, not -180


def inclination(a: Point, b: Point) -> float:
    """Angle between the segment a-b and the horizontal, 0..90 degrees (0 = level)."""
    direction = segment_direction(a, b)
    if math.isnan(direction):
        return math.nan
    folded = abs(direction) % 180.0
    return min(folded, 180.0 - folded)


def is_horizontal(a: Point, b: Point, tolerance: float = 20.0) -> bool:
    return inclination(a, b) <= tolerance


def is_vertical(a: Point, b: Point, tolerance: float = 20.0) -> bool:
    return inclination(a, b) >= 90.0 - tolerance


def rises(a: Point, b: Point) -> float:
    """How far ``b`` is above ``a`` on the screen (positive = higher), in the points' units."""
    return float(_array(a)[1] - _array(b)[1])


# Frame helpers: the same measures read off a PoseFrame (pixels, so aspect is respected).


def frame_joint_angle(frame: PoseFrame, a: int, b: int, c: int) -> float:
    points = frame.pixels()
    return joint_angle(points[a], points[b], points[c])


def sharpest_knee_angle(frame: PoseFrame) -> float:
    """The more bent knee's hip-knee-ankle angle in the image (180 = straight), NaN when
    neither shows."""
    angles = [
        frame_joint_angle(frame, Landmark.LEFT_HIP, Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
        frame_joint_angle(frame, Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
    ]
    finite = [a for a in angles if math.isfinite(a)]
    return min(finite) if finite else math.nan


def frame_inclination(frame: PoseFrame, a: int, b: int) -> float:
    points = frame.pixels()
    return inclination(points[a], points[b])


def shoulder_mid(frame: PoseFrame) -> FloatArray:
    points = frame.pixels()
    return midpoint(points[Landmark.LEFT_SHOULDER], points[Landmark.RIGHT_SHOULDER])


def hip_mid(frame: PoseFrame) -> FloatArray:
    points = frame.pixels()
    return midpoint(points[Landmark.LEFT_HIP], points[Landmark.RIGHT_HIP])


def torso_length(frame: PoseFrame) -> float:
    """Shoulder-midpoint to hip-midpoint in pixels: the body-size unit."""
    return distance(shoulder_mid(frame), hip_mid(frame))


def body_distance(frame: PoseFrame, a: int, b: int) -> float:
    """Pixel distance between two landmarks divided by the torso length (NaN if no torso)."""
    torso = torso_length(frame)
    if not math.isfinite(torso) or torso == 0.0:
        return math.nan
    points = frame.pixels()
    return distance(points[a], points[b]) / torso


def side_facing_camera(frame: PoseFrame) -> Side:
    """The body side nearer the camera: the one whose landmarks are more visible."""
    visibility = np.nan_to_num(frame.visibility)
    left = float(visibility[list(LEFT_SIDE)].sum())
    right = float(visibility[list(RIGHT_SIDE)].sum())
    return "left" if left >= right else "right"


def side_landmarks(side: Side) -> dict[str, int]:
    """Shoulder, elbow, wrist, hip, knee, ankle indices of one side, by name."""
    indices = LEFT_SIDE if side == "left" else RIGHT_SIDE
    names = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
    return dict(zip(names, (int(i) for i in indices), strict=True))
