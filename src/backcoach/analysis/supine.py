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

from backcoach.pose.frame import PoseFrame
from backcoach.pose.geometry import elevation, joint_angle
from backcoach.pose.landmarks import Landmark as L

HANDS_ON_KNEES = 0.6  # a wrist within this many trunk lengths of a knee: hands hold the knees
LEGS_DRAWN_IN = 75.0  # both thighs within this angle (deg) of the trunk: knees drawn in
LEGS_STRETCHED = 130.0  # both hips and knees opened past this (deg): legs stretched out


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
            thigh_to_trunk=(
                joint_angle(w[L.LEFT_SHOULDER], w[L.LEFT_HIP], w[L.LEFT_KNEE]),
                joint_angle(w[L.RIGHT_SHOULDER], w[L.RIGHT_HIP], w[L.RIGHT_KNEE]),
            ),
            knee_angle=(
                joint_angle(w[L.LEFT_HIP], w[L.LEFT_KNEE], w[L.LEFT_ANKLE]),
                joint_angle(w[L.RIGHT_HIP], w[L.RIGHT_KNEE], w[L.RIGHT_ANKLE]),
            ),
            hands_on_knees=reach < HANDS_ON_KNEES * trunk,
        )

    def legs(self) -> LegsState:
        """Whether both knees are drawn in without the hands, or both legs stretched out.

        Lying with the feet flat (knees bent, thighs open) is neither, and so is a knee pulled in
        by the hands, as in the knees-up stretch.
        """
        drawn = max(self.thigh_to_trunk)
        straightest = min(self.knee_angle)
        if not (math.isfinite(drawn) and math.isfinite(straightest)):
            return LegsState.UNKNOWN
        if drawn <= LEGS_DRAWN_IN and not self.hands_on_knees:
            return LegsState.DRAWN_IN
        if drawn >= LEGS_STRETCHED and straightest >= LEGS_STRETCHED:
            return LegsState.STRETCHED
        return LegsState.BETWEEN
