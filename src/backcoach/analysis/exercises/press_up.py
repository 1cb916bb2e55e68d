"""Press-up (the back-extension press-up of the program, cobra-like): lying face down, the
arms push the shoulders up while the hips stay on the floor; hold about 3 s; lower slowly.

Angles come from MediaPipe's world landmarks (metres, camera-aligned axes, y down), so the
trunk angle reads the same from the side, at an angle or from the front. They are taken
against the floor as the hands, knees and feet on it show it (``FloorTilt``), not against the
camera's horizontal, so a camera that is not level reads the same too. The driving number is
the trunk's angle to the floor (hips to shoulders).

A rep is: lying down -> trunk raised on the arms (hips still down) -> up phase ends. It is
counted when the up phase ends, however it ends (lowered, hips lifted into a plank or
down-dog, the person leaves the picture, the video ends), provided it lasted ``min_up``
seconds. Only an "up" reached from lying down counts, so passing through a cobra-like shape
on the way out of a plank is not a press-up.
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque

import numpy as np

from backcoach.analysis.events import Event, EventKind
from backcoach.analysis.exercises.base import BaseAnalyzer
from backcoach.analysis.tools.floor import CAMERA_UP, FloorTilt
from backcoach.analysis.tools.holds import HoldTracker
from backcoach.analysis.tools.hysteresis import Hysteresis
from backcoach.pose.frame import FloatArray, PoseFrame
from backcoach.pose.geometry import elevation_above
from backcoach.pose.landmarks import Landmark as L

# Thresholds (degrees, seconds, torso lengths); see the module docstring and the report.
TRUNK_UP = 20.0  # trunk this far above the floor = pressed up (a sphinx on forearms is ~27)
TRUNK_UP_EXIT = 14.0
TRUNK_DOWN = 12.0  # lying: the trunk flat within this angle
LEGS_LIFTED = 17.0  # ankles-to-hips line above this angle = hips off the floor (plank ~20-28)
LEGS_LIFTED_EXIT = 12.0
ARM_SUPPORT = 0.3  # elbows at least this far (torso lengths) below the shoulders: weight on arms
FACE_DOWN_NOSE = 0.12  # lying face down: the nose no higher than this above the shoulders
HOLD_STILL_SPEED = 20.0  # deg/s: the trunk moving slower than this is being held
# A slow start to the lowering is slower than HOLD_STILL_SPEED: the hold ends at the last
# moment the trunk was within HOLD_BAND degrees of where it was held over its last
# HOLD_LEVEL_WINDOW seconds (the pose model's jitter on a held trunk is about a degree).
HOLD_BAND = 2.0
HOLD_LEVEL_WINDOW = 2.0
HOLD_TARGET = 3.0
MIN_UP = 0.5  # an up phase shorter than this is not a rep
# Seconds lying face down before a press-up counts: passing through on the way down from a
# plank into an upward dog is not lying down.
RESTING_BEFORE = 0.3
FAST_LOWERING = 0.6  # from the top to lying in less than this: too fast


def _mid(points: FloatArray, a: int, b: int) -> FloatArray:
    out: FloatArray = (points[a] + points[b]) / 2
    return out


class PressUpMeasures:
    """The numbers a press-up is judged by, from one frame (NaN when not measurable).

    ``up`` is the unit vector square to the floor in the frame's world axes (the camera's up
    when the camera is level)."""

    def __init__(self, frame: PoseFrame, up: FloatArray = CAMERA_UP) -> None:
        w = frame.world
        shoulders = _mid(w, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
        hips = _mid(w, L.LEFT_HIP, L.RIGHT_HIP)
        ankles = _mid(w, L.LEFT_ANKLE, L.RIGHT_ANKLE)
        torso = float(np.linalg.norm(shoulders - hips))
        self.trunk = elevation_above(hips, shoulders, up)
        self.legs = elevation_above(ankles, hips, up)
        if not (math.isfinite(torso) and torso > 1e-3):
            self.support = math.nan
            self.nose_up = math.nan
            return

        def height(point: FloatArray) -> float:
            return float(np.dot(point, up))

        lower_elbow = min(height(w[L.LEFT_ELBOW]), height(w[L.RIGHT_ELBOW]))
        self.support = (height(shoulders) - lower_elbow) / torso
        self.nose_up = (height(w[L.NOSE]) - height(shoulders)) / torso

    @property
    def resting_face_down(self) -> bool:
        """Face down with the hips on the floor and the trunk below the "up" angle."""
        return (
            self.trunk < TRUNK_UP and self.legs < LEGS_LIFTED_EXIT and self.nose_up < FACE_DOWN_NOSE
        )

    @property
    def lying_face_down(self) -> bool:
        return self.resting_face_down and self.trunk < TRUNK_DOWN


class PressUpAnalyzer(BaseAnalyzer):
    exercise_id = "press-up"
    required_parts = ("shoulders", "hips", "arms")

    def __init__(self, hold_target: float = HOLD_TARGET) -> None:
        super().__init__()
        self.hold_target = hold_target
        self.driving_label = "trunk angle to the floor (deg)"
        self._trunk_up = Hysteresis(TRUNK_UP, TRUNK_UP_EXIT, min_duration=0.15)
        self._legs_lifted = Hysteresis(LEGS_LIFTED, LEGS_LIFTED_EXIT, min_duration=0.25)
        # Fed 1/0: resting face down (arms the counter) and lying flat (ends a lowering).
        self._resting = Hysteresis(1.0, 0.0, min_duration=RESTING_BEFORE)
        self._lying = Hysteresis(1.0, 0.0, min_duration=0.1)
        self._floor = FloorTilt()
        self._hold = HoldTracker(min_hold=0.5, grace=0.6, label="press-up")
        self.track(self._hold)  # for the hold timer on display; reset_motion handles cuts
        # (time, trunk angle): the speed over the last 0.4 s, and the level a hold was held at.
        self._trace: deque[tuple[float, float]] = deque()
        self._speed_since = -math.inf  # no speed across a cut: the trunk angle jumps with the view
        self._armed = False  # seen lying face down since the last rep (or the start)
        self._armed_at = 0.0
        self._up_since: float | None = None
        self._last_up: float | None = None
        self._peak = 0.0
        self._top_left_at: float | None = None  # last time near the top, for lowering speed
        self._held = 0.0
        self._pending_rep: Event | None = None  # a rep waiting to see how fast it was lowered
        self.phase = "waiting"

    # -- per frame -------------------------------------------------------------------
    def analyze(self, frame: PoseFrame) -> list[Event]:
        t = frame.timestamp
        self._floor.update(frame)
        m = PressUpMeasures(frame, self._floor.up(frame))
        if not math.isfinite(m.trunk):
            return []
        self.driving_value = round(m.trunk, 1)
        events: list[Event] = []
        self._trunk_up.update(m.trunk, t)
        self._legs_lifted.update(m.legs, t)
        # Lying face down puts the hands, knees and feet on the floor: until they have been
        # seen there, a plank filmed askew is not taken for lying down.
        resting = m.resting_face_down and self._floor.known
        self._resting.update(1.0 if resting else 0.0, t)
        self._lying.update(1.0 if m.lying_face_down else 0.0, t)
        self._trace.append((t, m.trunk))
        while t - self._trace[0][0] > HOLD_LEVEL_WINDOW + 2.0:  # a hold's end is known late
            self._trace.popleft()
        speed = self._trunk_speed(m.trunk, t)

        if self._resting.active and not self._armed:
            self._armed = True
            self._armed_at = t
        if self._lying.active:
            events += self._finish_lowering(t)

        up_now = (
            self._trunk_up.active
            and not self._legs_lifted.active
            and m.support >= ARM_SUPPORT
            and self._armed
        )
        if up_now:
            if self._up_since is None:
                events.append(Event(EventKind.REP_STARTED, self._start_up(t)))
            self._last_up = t
            self._peak = max(self._peak, m.trunk)
            if m.trunk >= self._peak - 0.25 * max(self._peak - TRUNK_DOWN, 1.0):
                self._top_left_at = t
            events += self._count_held(self._hold.update(speed < HOLD_STILL_SPEED, t))
            self.phase = "up"
        elif self._up_since is not None:
            if self._legs_lifted.active:
                events += self.warn(
                    "hips-lifted",
                    "Keep your hips on the floor: lifting them makes a plank, not a press-up.",
                    t,
                )
            events += self._end_up(t, lowering=not self._legs_lifted.active)
        else:
            self.phase = "down" if self._resting.active else ("ready" if self._armed else "waiting")
            if self._trunk_up.active and self._legs_lifted.active and m.support >= ARM_SUPPORT:
                events += self.warn(
                    "hips-lifted",
                    "Keep your hips on the floor: lifting them makes a plank, not a press-up.",
                    t,
                )
        if self._pending_rep is not None and t - self._pending_rep.time > 3.0:
            events += self._release_pending()  # never lowered to the floor within 3 s
        return events

    def _trunk_speed(self, trunk: float, t: float) -> float:
        t0, v0 = t, trunk
        for earlier, value in reversed(self._trace):
            if t - earlier > 0.4 or earlier < self._speed_since:
                break
            t0, v0 = earlier, value
        return abs(trunk - v0) / (t - t0) if t - t0 > 0.1 else 0.0

    def _count_held(self, events: list[Event]) -> list[Event]:
        counted: list[Event] = []
        for event in events:
            if event.kind is EventKind.HOLD_ENDED and event.duration is not None:
                event = self._without_lowering(event)
                self._held += event.duration or 0.0
            counted.append(event)
        return counted

    def _without_lowering(self, hold: Event) -> Event:
        """The hold up to the last moment the trunk was at the level it was held at: the
        speed test alone keeps holding through a slow start to the lowering."""
        start = float(hold.data.get("start", hold.time - (hold.duration or 0.0)))
        held = [(t, trunk) for t, trunk in self._trace if start <= t <= hold.time]
        last = hold.time
        for _ in range(3):  # the level read on the hold itself, not on the lowering
            level = [trunk for t, trunk in held if last - HOLD_LEVEL_WINDOW <= t <= last]
            if len(level) < 3:
                break
            at_end = float(np.median(level))
            last = max((t for t, v in held if abs(v - at_end) <= HOLD_BAND), default=last)
        if last >= hold.time or last < start:
            return hold
        return dataclasses.replace(hold, time=last, duration=round(last - start, 3))

    def _start_up(self, t: float) -> float:
        rose = self._trunk_up.changed_at
        self._up_since = rose if rose is not None and rose >= self._armed_at else t
        self._peak = 0.0
        self._held = 0.0
        self.take_rep_warnings()
        return self._up_since

    def _end_up(self, t: float, lowering: bool) -> list[Event]:
        """The up phase is over: count the rep if it lasted, and wait to see the lowering."""
        events = self._count_held(self._hold.finish(t))
        start, last = self._up_since, self._last_up
        self._up_since = None
        self._last_up = None
        self.phase = "lowering" if lowering else "ready"
        if start is None or last is None or last - start + 1e-9 < MIN_UP:
            return events
        self._armed = False
        if self._held + 1e-9 < self.hold_target:
            events += self.warn(
                "short-hold",
                f"Stay up for about {self.hold_target:.0f} seconds before lowering.",
                t,
            )
        self.rep_count += 1
        rep = Event(
            EventKind.REP_COMPLETED,
            last,
            duration=round(last - start, 3),
            data={
                "start": round(start, 3),
                "peak_trunk_angle": round(self._peak, 1),
                "held_seconds": round(self._held, 3),
            },
        )
        if lowering:
            self._pending_rep = rep
        else:
            events.append(self._with_warnings(rep))
        return events

    def _finish_lowering(self, t: float) -> list[Event]:
        if self._pending_rep is None:
            return []
        events: list[Event] = []
        top = self._top_left_at if self._top_left_at is not None else self._pending_rep.time
        lowering = t - top
        if lowering < FAST_LOWERING:
            events += self.warn(
                "fast-lowering", "Lower yourself slowly, under control, back to the floor.", t
            )
        rep = self._pending_rep
        data = {**rep.data, "lowering_seconds": round(lowering, 3)}
        self._pending_rep = Event(rep.kind, rep.time, duration=rep.duration, data=data)
        return events + self._release_pending()

    def _release_pending(self) -> list[Event]:
        if self._pending_rep is None:
            return []
        rep, self._pending_rep = self._pending_rep, None
        return [self._with_warnings(rep)]

    def _with_warnings(self, rep: Event) -> Event:
        warnings = self.take_rep_warnings()
        data = {**rep.data, "warnings": warnings} if warnings else rep.data
        return Event(rep.kind, rep.time, duration=rep.duration, data=data)

    # -- cuts, dropouts, the end -------------------------------------------------------
    def reset_motion(self, time: float) -> list[Event]:
        # Not the base behaviour (reset every tool): a cut to another camera angle does not
        # end a press-up that is still up after it, since the angles are view-independent
        # and the next frames decide. A long dropout (the person gone) ends it.
        events: list[Event] = []
        if self._up_since is not None and not self.visibility.frame_seen:
            events += self._end_up(time, lowering=False)
        events += self._release_pending()
        self._floor.reset(time)
        self._resting.reset(time)
        self._lying.reset(time)
        self._legs_lifted.reset(time)
        self._speed_since = time
        return events

    def close(self, time: float) -> list[Event]:
        events: list[Event] = []
        if self._up_since is not None:
            events += self._end_up(time, lowering=False)
        events += self._release_pending()
        return events
