"""What a body lying on its back is doing, from one frame's world landmarks (metres).

Only angles between the body's own segments and the trunk's rise are used: they do not change
with the camera's distance, side or resolution. The trunk's rise is still camera-aligned, so
callers judge it against its resting level in the scene (``baseline.RunningLow``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from backcoach.pose.frame import FloatArray, PoseFrame
from backcoach.pose.geometry import elevation, joint_angle
from backcoach.pose.landmarks import Landmark as L

HANDS_ON_KNEES = 0.6  # a wrist within this many trunk lengths of a knee: hands hold the knees
LEGS_DRAWN_IN = 75.0  # both thighs within this angle (deg) of the trunk: knees drawn in
LEGS_STRETCHED = 130.0  # both hips and knees opened past this (deg): legs stretched out
# ... with the feet at least this far from the hips (trunk lengths). A leg opened to
# LEGS_STRETCHED puts the ankle about 1.8 thigh lengths, 1.35-1.55 trunk lengths, from the
# hip; knees rolled over to one side keep the feet where they were (about 1.1-1.2), however
# straight the pose model's 3-D knees read then.
FEET_OUT = 1.3


class LegsState(StrEnum):
    DRAWN_IN = "drawn in"
    STRETCHED = "stretched out"
    BETWEEN = "between"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SupineBody:
    trunk_rise: float  # shoulders above the hips (deg): a sit-up or crunch raises it
    thigh_to_trunk: tuple[float, float]  # shoulder-hip-knee angle, left and right (deg)
    knee_angle: tuple[float, float]  # hip-knee-ankle angle, left and right (180 = straight)
    hands_on_knees: bool
    feet_out: float = math.nan  # hips to the ankles' midpoint, in trunk lengths

    @classmethod
    def of(cls, frame: PoseFrame) -> SupineBody | None:
        if not frame.detected:
            return None
        w = frame.world
        shoulders = (w[L.LEFT_SHOULDER] + w[L.RIGHT_SHOULDER]) / 2
        hips = (w[L.LEFT_HIP] + w[L.RIGHT_HIP]) / 2
        trunk = float(np.linalg.norm(shoulders - hips))
        if not (math.isfinite(trunk) and trunk > 1e-6):
            return None
        wrists = (w[L.LEFT_WRIST], w[L.RIGHT_WRIST])
        knees = (w[L.LEFT_KNEE], w[L.RIGHT_KNEE])
        reach = min(float(np.linalg.norm(a - k)) for a in wrists for k in knees)
        return cls(
            trunk_rise=elevation(hips, shoulders),
            thigh_to_trunk=thigh_to_trunk_angles(w),
            knee_angle=knee_angles(w),
            hands_on_knees=reach < HANDS_ON_KNEES * trunk,
            feet_out=_feet_out(w, hips, trunk),
        )

    def legs(self) -> LegsState:
        """Whether both knees are drawn in without the hands, or both legs stretched out.

        Lying with the feet flat (knees bent, thighs open) is neither, and so is a knee pulled in
        by the hands, as in the knees-up stretch, and so are knees rolled over to one side.
        """
        drawn = max(self.thigh_to_trunk)
        straightest = min(self.knee_angle)
        if not (math.isfinite(drawn) and math.isfinite(straightest)):
            return LegsState.UNKNOWN
        if drawn <= LEGS_DRAWN_IN and not self.hands_on_knees:
            return LegsState.DRAWN_IN
        if drawn >= LEGS_STRETCHED and straightest >= LEGS_STRETCHED:
            return LegsState.STRETCHED if self.feet_out >= FEET_OUT else LegsState.BETWEEN
        return LegsState.BETWEEN


def thigh_to_trunk_angles(w: FloatArray) -> tuple[float, float]:
    """The shoulder-hip-knee angle (deg) of the left and the right side, from world points."""
    return (
        joint_angle(w[L.LEFT_SHOULDER], w[L.LEFT_HIP], w[L.LEFT_KNEE]),
        joint_angle(w[L.RIGHT_SHOULDER], w[L.RIGHT_HIP], w[L.RIGHT_KNEE]),
    )


def knee_angles(w: FloatArray) -> tuple[float, float]:
    """The hip-knee-ankle angle (deg, 180 = straight) of the left and the right leg."""
    return (
        joint_angle(w[L.LEFT_HIP], w[L.LEFT_KNEE], w[L.LEFT_ANKLE]),
        joint_angle(w[L.RIGHT_HIP], w[L.RIGHT_KNEE], w[L.RIGHT_ANKLE]),
    )


def feet_out(frame: PoseFrame) -> float:
    """Hips to the ankles' midpoint (3-D), in trunk lengths; NaN without a trunk."""
    w = frame.world
    hips = (w[L.LEFT_HIP] + w[L.RIGHT_HIP]) / 2
    trunk = float(np.linalg.norm((w[L.LEFT_SHOULDER] + w[L.RIGHT_SHOULDER]) / 2 - hips))
    return _feet_out(w, hips, trunk) if math.isfinite(trunk) and trunk > 1e-6 else math.nan


def _feet_out(w: FloatArray, hips: FloatArray, trunk: float) -> float:
    return float(np.linalg.norm((w[L.LEFT_ANKLE] + w[L.RIGHT_ANKLE]) / 2 - hips)) / trunk
