"""Pelvic tilt: lying on the back, knees bent, feet flat; the pelvis tilts so the lower back
presses into the floor, held a few seconds.

The tilt itself moves the pelvis by a few millimetres under clothing: a camera at the side
cannot tell it reliably from landmark jitter. So this analyzer says so once, checks the
starting position (on the back, knees bent, feet flat, hips down) and times how long the
position is held, instead of inventing a count of tilts.
"""

from __future__ import annotations

import math

from backcoach.analysis.events import Event
from backcoach.analysis.exercises.base import BaseAnalyzer
from backcoach.analysis.posture import BodyPoints, Position, PostureTracker, body_points
from backcoach.analysis.tools.holds import HoldTracker
from backcoach.pose.frame import PoseFrame
from backcoach.pose.geometry import joint_angle, sharpest_knee_angle

CANNOT_RESOLVE = (
    "The camera cannot see the small tilt of the pelvis itself, so I time how long you hold "
    "the position (on your back, knees bent, feet flat) instead of counting tilts."
)


class PelvicTiltAnalyzer(BaseAnalyzer):
    exercise_id = "pelvic-tilt"
    required_parts = ("shoulders", "hips", "knees", "feet")

    min_hold = 2.0

    def __init__(self) -> None:
        super().__init__()
        self.posture = PostureTracker()
        self.hold = HoldTracker(
            min_hold=self.min_hold, grace=0.8, label="position", resume_within=3.0
        )
        self.track(self.hold)
        self.driving_label = "knee angle"
        self._problem_since: dict[str, float] = {}

    def analyze(self, frame: PoseFrame) -> list[Event]:
        time = frame.timestamp
        events = self.note_once("tilt-not-visible", CANNOT_RESOLVE, time)
        position, _ = self.posture.update(frame)
        b = body_points(frame)
        if b is None:
            return events + self._hold(None, time)
        knee = sharpest_knee_angle(frame)
        self.driving_value = knee
        problems = self._problems(b, position, knee)
        in_position = not problems
        self.phase = "holding" if in_position else "not in position"
        events += self._hold(in_position, time)
        events += self._warn_lasting(problems, time)
        return events

    def _problems(self, b: BodyPoints, position: Position, knee: float) -> list[str]:
        if position is not Position.SUPINE:
            return ["not-lying"]
        problems: list[str] = []
        if not math.isfinite(knee) or knee > 140:
            problems.append("knees-straight")
        if b.up(b.ankles, b.hips) > 0.35:
            problems.append("feet-lifted")
        if joint_angle(b.shoulders, b.hips, b.knees) > 150:
            problems.append("hips-lifted")
        return problems

    def _warn_lasting(self, problems: list[str], time: float) -> list[Event]:
        events: list[Event] = []
        for code in list(self._problem_since):
            if code not in problems:
                del self._problem_since[code]
        messages = {
            "knees-straight": "Bend your knees so your feet rest flat on the floor.",
            "feet-lifted": "Keep both feet flat on the floor.",
            "hips-lifted": "Keep your hips on the floor; only the pelvis tilts.",
        }
        for code in problems:
            since = self._problem_since.setdefault(code, time)
            # Only a position kept for a while is worth a word (not a passing movement).
            if code in messages and time - since >= 1.5:
                events += self.warn(code, messages[code], time)
        return events

    def _hold(self, holding: bool | None, time: float) -> list[Event]:
        # Holds only: no rep count, since the tilts themselves cannot be seen.
        return self.hold.update(holding, time)
