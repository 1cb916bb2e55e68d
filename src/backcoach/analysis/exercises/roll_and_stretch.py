"""Roll and stretch: lying on the back, knees bent and together, roll the knees to one side,
hold about 20 s, then roll to the other side; the shoulders stay on the floor.

Two measures are averaged. From the side the camera sees the knees drop towards the floor
(their height above the hips falls from about half a torso length to nothing). In the pose
model's 3-D estimate the knees move along the shoulders' left-right line, which also tells
the side: towards the person's left or right. A roll counts once the knees are seen back up.

The pose model's depth is weakest along the camera's line of sight, so a camera beside the
person sees the roll mostly as the knees dropping. That drop is also judged against the
knees' own height in the middle of this scene (``KneeDrop``): a share of that height, it
does not depend on the person's build, the distance or the camera's height.

From the side, a roll away from the camera shows only part of its depth. The knees going part
of the way over (``SHALLOW_IN``) and back, hips down and feet where they were, count as a
roll the analysis is not sure of: it says so, and the rep's confidence stays below "sure".
The knees' height in the middle is not learned while they lean over, so a shallow roll held
the full 20 s does not become the middle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from backcoach.analysis.baseline import RunningLevel
from backcoach.analysis.events import Event, EventKind
from backcoach.analysis.exercises.base import BaseAnalyzer
from backcoach.analysis.posture import BodyPoints, Position, PostureTracker, body_points
from backcoach.analysis.supine import feet_out
from backcoach.analysis.tools.holds import HoldTracker
from backcoach.analysis.tools.hysteresis import Hysteresis
from backcoach.pose.frame import PoseFrame
from backcoach.pose.geometry import joint_angle
from backcoach.pose.landmarks import Landmark as L

_NOT_LYING = {Position.STANDING, Position.QUADRUPED, Position.SITTING}

KNEES_UP = 0.3  # knees above the hips by this many torso lengths: in the middle
KNEES_BENT = 130.0  # both knees bent more than this (deg): a roll keeps them bent
MIDDLE_SECONDS = 30.0  # how far back the knees' height in the middle is remembered
# Torso lengths the feet may move from where they were in the middle while the knees roll: a
# roll pivots on the feet, a leg stretch slides them 0.4 or more away.
FEET_STAY = 0.3
# A roll that goes only this far over (and back) is counted as "not sure": from the side, a
# roll away from the camera shows only part of its depth.
SHALLOW_IN = 0.15
SHALLOW_OUT = 0.1
SHALLOW_CONFIDENCE = 0.5  # at most: a roll that never went as far over as a roll must is unsure

SIDE_UNSEEN = (
    "From this camera angle I can see your knees drop but not which way they roll, so a roll "
    "away from the camera may be missed. A camera at your feet sees both sides."
)
SHALLOW_SEEN = (
    "I saw your knees go only part of the way over, so I counted that roll as not sure. A roll "
    "away from the camera looks smaller from the side; a camera at your feet sees both sides."
)


@dataclass
class _Lean:
    """The knees leaving the middle at all: a roll if it goes far enough, else a shallow one."""

    start: float
    armed: bool
    deepest: float = 0.0
    reached_roll: bool = False
    off_the_floor: bool = False  # hips lifted or feet moved: a bridge or a leg move, no roll
    left_at: float = 0.0  # when the knees came back out of it


def roll_direction(frame: PoseFrame) -> float:
    """Sine of the knees' roll along the shoulder line (3-D): + to the left, - to the right."""
    w = frame.world
    lateral = w[L.LEFT_SHOULDER] - w[L.RIGHT_SHOULDER]
    offset = (w[L.LEFT_KNEE] + w[L.RIGHT_KNEE]) / 2 - (w[L.LEFT_HIP] + w[L.RIGHT_HIP]) / 2
    norms = float(np.linalg.norm(lateral)) * float(np.linalg.norm(offset))
    if not norms > 1e-9:
        return math.nan
    return float(np.dot(lateral, offset)) / norms


def roll_amount(frame: PoseFrame, b: BodyPoints) -> float:
    """How far the knees are rolled over, 0 (pointing up) to about 1 (on the floor).

    The mean of two views of it: the sideways move in 3-D (which alone reads about 0.3 with
    the knees up in some camera angles) and the drop in the picture (bent knees stand about
    half a torso length above the hips, and are level with them when rolled over).
    """
    direction = abs(roll_direction(frame))
    drop = 0.45 - b.up(b.knees, b.hips)
    values = [v for v in (direction, drop) if math.isfinite(v)]
    return float(np.mean(values)) if values else math.nan


def knees_bent_hips_down(frame: PoseFrame, b: BodyPoints) -> bool:
    """Both knees bent and the hips down: a knee roll, not a leg stretch or a bridge."""
    w = frame.world
    knees = (
        joint_angle(w[L.LEFT_HIP], w[L.LEFT_KNEE], w[L.LEFT_ANKLE]),
        joint_angle(w[L.RIGHT_HIP], w[L.RIGHT_KNEE], w[L.RIGHT_ANKLE]),
    )
    return max(knees) < KNEES_BENT and b.hips_down()


class KneeDrop:
    """How far the knees have dropped below their height in the middle, as a share of it.

    0 in the middle, about 1 with the knees on the floor; NaN until the middle has been seen
    (knees up and bent, hips down) in this scene.
    """

    def __init__(self) -> None:
        self._middle = RunningLevel(MIDDLE_SECONDS)
        self._level = math.nan
        self._feet = RunningLevel(MIDDLE_SECONDS)

    def update(self, frame: PoseFrame, b: BodyPoints, *, learn: bool = True) -> float:
        """``learn=False`` while the knees lean over: the middle is not learned there."""
        height = b.up(b.knees, b.hips)
        if not math.isfinite(height):
            return math.nan
        if knees_bent_hips_down(frame, b):
            if height >= KNEES_UP and learn:
                self._level = self._middle.update(height, frame.timestamp)
                self._feet.update(feet_out(frame), frame.timestamp)
        elif not self.pivots_on_feet(frame, b):
            # Knees rolled right over can read as straight to the pose model, but the feet
            # stay where they were in the middle; they slide away when the legs stretch out.
            return math.nan
        if not self._level >= KNEES_UP:
            return math.nan
        return 1.0 - height / self._level

    def pivots_on_feet(self, frame: PoseFrame, b: BodyPoints) -> bool:
        """Hips down and the feet where they were in the middle, as in a knee roll."""
        feet = feet_out(frame)
        return (
            b.hips_down()
            and math.isfinite(feet)
            and abs(feet - self._feet.current(frame.timestamp)) <= FEET_STAY
        )

    def reset(self) -> None:
        self._middle.reset()
        self._feet.reset()
        self._level = math.nan


class RollAndStretchAnalyzer(BaseAnalyzer):
    exercise_id = "roll-and-stretch"
    required_parts = ("shoulders", "hips", "knees")

    rolled_in = 0.45
    rolled_out = 0.33
    min_roll = 1.0  # seconds at the side for a roll to count
    target_hold = 20.0
    # Over to the side at least a quarter of the hold asked for before it is timed as a hold:
    # shorter is rolling through. At 2 s the line sat among roll-through times (1.5-2.5 s over),
    # so which of them became holds changed with the camera's tilt or the picture's size.
    min_hold = target_hold / 4
    short_hold = 15.0  # held less than this: say to hold longer
    knees_up = KNEES_UP  # knees back above the hips: back in the middle
    return_within = 2.0
    same_depth = 0.2
    middle_first = 0.5  # seconds the knees must be seen up in the middle before a roll

    def __init__(self) -> None:
        super().__init__()
        self.posture = PostureTracker()
        self.rolled = Hysteresis(self.rolled_in, self.rolled_out, min_duration=0.3)
        self.leaning = Hysteresis(SHALLOW_IN, SHALLOW_OUT, min_duration=0.3)
        self.hold = HoldTracker(min_hold=self.min_hold, grace=0.8, label="roll", resume_within=0.3)
        self.track(self.rolled)
        self.track(self.leaning)
        self.track(self.hold)
        self.driving_label = "knee roll"
        self._roll_side: str | None = None
        self._roll_started: float | None = None
        self._rise_since: float | None = None
        self._pending_return: tuple[float | None, str | None, float] | None = None
        self._lean: _Lean | None = None
        self._pending_shallow: _Lean | None = None
        self._before_cut: float | None = None
        self._middle_run: tuple[float, float] | None = None  # knees seen up: first, last
        self._roll_armed = False
        self.side_counts = {"left": 0, "right": 0}
        self.knee_drop = KneeDrop()

    def reset_motion(self, time: float) -> list[Event]:
        self._roll_side = None
        self._roll_started = None
        self._rise_since = None
        self._pending_return = None
        self._lean = None
        self._pending_shallow = None
        self._before_cut = self.driving_value
        self._middle_run = None
        self._roll_armed = False
        self.knee_drop.reset()
        return super().reset_motion(time)

    def analyze(self, frame: PoseFrame) -> list[Event]:
        time = frame.timestamp
        position, _ = self.posture.update(frame)
        b = body_points(frame)
        if b is None or position in _NOT_LYING:
            self.phase = "not in position"
            return self.hold.update(None, time)
        amount = roll_amount(frame, b)
        # Knees held part of the way over (a shallow roll, however long) are not the middle.
        drop = self.knee_drop.update(frame, b, learn=not self.leaning.active)
        if drop > amount:
            amount = drop
        self.driving_value = amount
        events: list[Event] = []
        if self._before_cut is not None:
            # A hold carries over a cut only if the knees are as far over as before it (the
            # camera moved); a different depth means another take or another person.
            if abs(amount - self._before_cut) > self.same_depth:
                events += self.hold.finish(time)
            self._before_cut = None
        was_rolled = self.rolled.active
        self.rolled.update(amount, time)
        direction = roll_direction(frame)
        if self.rolled.active and not was_rolled:
            self._roll_started = self.rolled.changed_at
            began = self._roll_started if self._roll_started is not None else time
            self._roll_armed = self._from_middle(began)
            self._roll_side = None
        if self.rolled.active and abs(direction) > 0.15 and self._roll_side is None:
            self._roll_side = "left" if direction > 0 else "right"
        if was_rolled and not self.rolled.active:
            armed_start = self._roll_started if self._roll_armed else None
            self._pending_return = (armed_start, self._roll_side, time)
            self._roll_started = None
        events += self._check_return(b, time)
        events += self._follow_lean(amount, frame, b)
        if not self.rolled.active and b.up(b.knees, b.hips) >= self.knees_up:
            run = self._middle_run
            continues = run is not None and time - run[1] <= 0.2
            self._middle_run = (run[0] if run is not None and continues else time, time)
        self.side = self._roll_side if self.rolled.active else None
        self.phase = f"rolled {self.side or ''}".strip() if self.rolled.active else "middle"
        # Held while over to the side; the hold ends at the last frame that was (the judge
        # itself confirms the release a moment later).
        holding = self.rolled.active and amount > self.rolled_out
        for event in self.hold.update(holding, time, self.side, self._roll_started):
            events.append(event)
            if event.kind is EventKind.HOLD_ENDED and (event.duration or 0) < self.short_hold:
                events += self._hold_longer(event.time, event.side)
        events += self._shoulders_down(b, time)
        return events

    def _hold_longer(self, time: float, side: str | None) -> list[Event]:
        message = f"Hold each side for about {self.target_hold:.0f} s."
        return self.warn("short-hold", message, time, side=side)

    def _from_middle(self, began: float) -> bool:
        """Like a rep counter after a cut: a roll counts only if it began from the middle seen
        for a moment (not from a pose misread under a title card)."""
        run = self._middle_run
        return (
            run is not None
            and run[1] - run[0] >= self.middle_first
            and began - run[1] <= self.return_within
        )

    def _follow_lean(self, amount: float, frame: PoseFrame, b: BodyPoints) -> list[Event]:
        """Count a shallow roll (one that never reached ``rolled_in``) as not sure."""
        time = frame.timestamp
        was_leaning = self.leaning.active
        self.leaning.update(amount, time)
        if self.leaning.active and not was_leaning:
            began = self.leaning.changed_at if self.leaning.changed_at is not None else time
            self._lean = _Lean(began, self._from_middle(began))
        lean = self._lean
        if lean is not None and self.leaning.active:
            lean.deepest = max(lean.deepest, amount)
            lean.reached_roll |= self.rolled.active
            lean.off_the_floor |= not self.knee_drop.pivots_on_feet(frame, b)
        if was_leaning and not self.leaning.active and lean is not None:
            self._lean = None
            shallow = not (lean.reached_roll or lean.off_the_floor)
            if lean.armed and shallow and time - lean.start >= self.min_roll:
                lean.left_at = time
                self._pending_shallow = lean
        pending = self._pending_shallow
        if pending is None:
            return []
        back = self._back_in_middle(b, time, pending.left_at, self.leaning)
        if back is not None:
            self._pending_shallow = None
        if not back:
            return []
        notes = self.note_once("roll-shallow", SHALLOW_SEEN, pending.left_at)
        # How sure: how far over the knees went, as a share of the depth a roll needs.
        confidence = round(min(SHALLOW_CONFIDENCE, pending.deepest / self.rolled_in), 3)
        over = round(pending.left_at - pending.start, 2)
        return self._roll_rep(
            pending.start, pending.left_at, None, notes, confidence=confidence, hold_seconds=over
        )

    def _check_return(self, b: BodyPoints, time: float) -> list[Event]:
        """A roll counts once the knees are seen back up in the middle (not just "not rolled":
        a fade to a title card can blur the knees out of the rolled position)."""
        if self._pending_return is None:
            return []
        start, side, left_at = self._pending_return
        back = self._back_in_middle(b, time, left_at, self.rolled)
        if back is not None:
            self._pending_return = None
        if not back:
            return []
        if start is None or left_at - start < self.min_roll:
            return []
        notes: list[Event] = []
        if side is not None:
            self.side_counts[side] += 1
        else:
            notes = self.note_once("roll-side-unseen", SIDE_UNSEEN, left_at)
        if left_at - start < self.min_hold:
            # Rolled through, too briefly for a hold: said here (a short hold, when it ends).
            notes += self._hold_longer(left_at, side)
        return self._roll_rep(start, left_at, side, notes, hold_seconds=round(left_at - start, 2))

    def _back_in_middle(
        self, b: BodyPoints, time: float, left_at: float, over: Hysteresis
    ) -> bool | None:
        """After the knees left the side at ``left_at``: True once they are seen back up in
        the middle, False if the wait is over (too long, or over to a side again), None while
        still waiting."""
        if time - left_at > self.return_within or over.active:
            return False
        if b.up(b.knees, b.hips) < self.knees_up:
            return None
        return True

    def _roll_rep(
        self, start: float, left_at: float, side: str | None, notes: list[Event], **data: object
    ) -> list[Event]:
        """The notes, then the rep of a roll from ``start`` until the knees left the side."""
        counted = Event(
            EventKind.REP_COMPLETED,
            left_at,
            duration=round(left_at - start, 3),
            data={"start": round(start, 3)},
        )
        return [*notes, self.rep_completed(counted, side=side, **data)]

    def _shoulders_down(self, b: BodyPoints, time: float) -> list[Event]:
        if not (self.rolled.active and b.trunk_rise > 0.25):
            self._rise_since = None
            return []
        if self._rise_since is None:
            self._rise_since = time
        if time - self._rise_since < 1.0:
            return []
        return self.warn(
            "shoulders-up",
            "Keep your shoulders and upper back on the floor; roll only as far as is comfortable.",
            time,
        )
