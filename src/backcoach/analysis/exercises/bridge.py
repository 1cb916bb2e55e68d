"""Bridge: lying on the back, knees bent, lift the hips until shoulders, hips and knees make
a straight line, hold a moment, lower slowly.

The driving number is the angle at the hips between shoulders and knees: about 120-135
degrees lying flat with the knees bent, about 180 when the body makes a straight line.
"""

from __future__ import annotations

from backcoach.analysis.events import Event, EventKind
from backcoach.analysis.exercises.base import BaseAnalyzer
from backcoach.analysis.posture import Position, PostureTracker, body_points
from backcoach.analysis.tools.holds import HoldTracker
from backcoach.analysis.tools.hysteresis import Hysteresis
from backcoach.analysis.tools.reps import RepCounter
from backcoach.pose.frame import PoseFrame
from backcoach.pose.geometry import joint_angle

# Positions in which a bridge cannot be happening (the count pauses).
_NOT_LYING = {Position.STANDING, Position.QUADRUPED, Position.SITTING, Position.PRONE}


class BridgeAnalyzer(BaseAnalyzer):
    exercise_id = "bridge"
    required_parts = ("shoulders", "hips", "knees")

    lift_start = 148.0  # hips leave the floor
    lift_peak = 158.0  # clearly lifted: the rep counts
    lowered = 142.0  # back on the floor
    straight_line = 166.0  # shoulders, hips and knees in line (within ~14 degrees)
    sag_drop = 12.0  # degrees lost during a hold that count as sagging
    min_lowering = 0.4  # seconds; faster is dropping, not lowering

    def __init__(self) -> None:
        super().__init__()
        self.posture = PostureTracker()
        self.counter = RepCounter(
            start=self.lift_start,
            peak=self.lift_peak,
            finish=self.lowered,
            min_phase=0.15,
            min_rep=0.8,
        )
        self.lifted = Hysteresis(self.lift_peak, self.lift_start, min_duration=0.15)
        self.hold = HoldTracker(min_hold=1.5, grace=0.5, label="bridge")
        self.track(self.counter)
        self.track(self.lifted)
        self.track(self.hold)
        self.driving_label = "hip angle"
        self._rep_best = 0.0
        self._hold_best = 0.0
        self._sag_since: float | None = None
        self._top_left_at: float | None = None
        self._recent: list[tuple[float, float]] = []

    def reset_motion(self, time: float) -> list[Event]:
        self._rep_best = 0.0
        self._hold_best = 0.0
        self._sag_since = None
        self._top_left_at = None
        self._recent = []
        return super().reset_motion(time)

    def analyze(self, frame: PoseFrame) -> list[Event]:
        time = frame.timestamp
        position, _ = self.posture.update(frame)
        b = body_points(frame)
        if b is None or position in _NOT_LYING:
            self.phase = "not in position"
            return self.hold.update(None, time)
        angle = joint_angle(b.shoulders, b.hips, b.knees)
        self.driving_value = angle
        events: list[Event] = []
        self.lifted.update(angle, time)
        if self.counter.in_rep_since is not None or self.lifted.active:
            self._rep_best = max(self._rep_best, angle)
        if angle >= self._rep_best - 8.0:
            self._top_left_at = time  # still near the top: lowering has not begun
        events += self._hold_and_sag(angle, time)
        for event in self.counter.update(angle, time):
            if event.kind is EventKind.REP_COMPLETED:
                events += self._rep_done(event)
            else:
                events.append(event)
        self.phase = "up" if self.lifted.active else "down"
        return events

    def _hold_and_sag(self, angle: float, time: float) -> list[Event]:
        events = self.hold.update(self.lifted.active and angle > self.lift_start, time)
        self._recent.append((time, angle))
        while self._recent and time - self._recent[0][0] > 0.6:
            self._recent.pop(0)
        if not self.lifted.active:
            self._hold_best = 0.0
            self._sag_since = None
            return events
        self._hold_best = max(self._hold_best, angle)
        # A sag is a steady drop while holding; lowering on purpose keeps moving down.
        steady = abs(self._recent[-1][1] - self._recent[0][1]) < 6.0
        if self.hold.running and angle < self._hold_best - self.sag_drop and steady:
            if self._sag_since is None:
                self._sag_since = time
            if time - self._sag_since >= 0.8:
                events += self.warn(
                    "hips-sag",
                    "Your hips are sinking; squeeze your buttocks and lift them back in line.",
                    time,
                )
        else:
            self._sag_since = None
        return events

    def _rep_done(self, event: Event) -> list[Event]:
        events: list[Event] = []
        if self._rep_best < self.straight_line:
            events += self.warn(
                "line-not-reached",
                "Lift a little higher, until shoulders, hips and knees make a straight line.",
                event.time,
            )
        lowering = event.time - self._top_left_at if self._top_left_at is not None else None
        if lowering is not None and lowering < self.min_lowering:
            events += self.warn(
                "lower-slowly",
                "Lower your hips slowly, one part of the back at a time.",
                event.time,
            )
        events.append(self.rep_completed(event, best_angle=round(self._rep_best, 1)))
        self._rep_best = 0.0
        self._top_left_at = None
        return events
