"""Bird dog: on hands and knees, one arm raised level with the floor (and, at the advanced
stage, the opposite leg straight back), held about 3 s, then the other side.

Limb angles are measured to the floor from MediaPipe's world landmarks (y down), so they read
the same from the side or at an angle with a roughly level camera. An arm counts as raised
when it is both near level and well above the supporting arm: comparing the two arms keeps a
resting arm that reaches a little forward from being taken for a raised one. Legs are judged
by the knee (hip to knee), because a straight leg's foot often leaves the picture.

Left and right from a side view: BlazePose's left/right labels can swap on a body seen
side-on, but the depth it gives each landmark moves with the label. So the side is worked out
from geometry instead of trusting the label: the limb nearer the camera (smaller world z) is
on the person's right when they face the right of the picture (camera on their right, belly
towards the floor), and on their left when they face the left. Seen from the front or behind
(no clear near side) the model's own labels are used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from backcoach.analysis.events import Event, EventKind
from backcoach.analysis.exercises.base import BaseAnalyzer
from backcoach.analysis.tools.holds import HoldTracker
from backcoach.analysis.tools.hysteresis import Hysteresis
from backcoach.pose.frame import PoseFrame
from backcoach.pose.geometry import elevation
from backcoach.pose.landmarks import Landmark as L

STAGES: tuple[str, ...] = ("arm-only", "arm-and-leg")

# Thresholds (degrees to the floor, seconds); the report explains the choices.
ARM_RAISED = -40.0  # raised arm at least this high (level = 0, hanging = -90)
ARM_LIFT = 35.0  # ... and at least this much higher than the other (supporting) arm
ARM_BAND = 12.0  # hysteresis: both must fall this far back before the arm counts as down
ARM_DROP = 20.0  # or the arm below ARM_RAISED and this far below its highest in the rep
KNEE_RAISED = -50.0  # raised leg: hip-to-knee line at least this high (kneeling: -60..-90)
KNEE_LIFT = 22.0  # ... and this much above the other knee
ANKLE_RAISED = -25.0  # or the hip-to-ankle line this high (kneeling: the shin on the floor,
ANKLE_LIFT = 25.0  # about -35..-50) and this much above the other leg's: the leg reaches back
LIMB_OFF_LEVEL = 30.0  # a held limb more than this above or below level is "well off level"
LEG_HIGH = 25.0  # hip-to-ankle line above this: the leg is swung up too high
HIP_TILT = 25.0  # hips rolled this many degrees from where they were at rest
HOLD_TARGET = {"arm-only": 2.0, "arm-and-leg": 3.0}  # the catalog's doses
MIN_REP = 0.5
MIN_LEG_TIME = 0.3
ON_ALL_FOURS_TRUNK = 35.0  # the trunk within this angle of the floor
HANDS_KNEES_LEVEL = 0.4  # lower hand and lower knee within this height (torso lengths)

_ARM = {"left": (L.LEFT_SHOULDER, L.LEFT_WRIST), "right": (L.RIGHT_SHOULDER, L.RIGHT_WRIST)}
_KNEE = {"left": (L.LEFT_HIP, L.LEFT_KNEE), "right": (L.RIGHT_HIP, L.RIGHT_KNEE)}
_ANKLE = {"left": (L.LEFT_HIP, L.LEFT_ANKLE), "right": (L.RIGHT_HIP, L.RIGHT_ANKLE)}


def other(side: str) -> str:
    return "right" if side == "left" else "left"


@dataclass(frozen=True)
class LimbAngles:
    """Elevations (degrees above the floor) of each labelled limb in one frame."""

    arm: dict[str, float]
    knee: dict[str, float]
    ankle: dict[str, float]
    ankle_seen: dict[str, bool]
    trunk: float
    hip_roll: float  # degrees, the left-right hip line against the floor
    hands_to_knees: float  # height between the lower hand and the lower knee, torso lengths
    arm_seen: dict[str, bool] = field(default_factory=dict)
    knee_seen: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, frame: PoseFrame) -> LimbAngles:
        w = frame.world

        def elev(pair: tuple[int, int]) -> float:
            return elevation(w[pair[0]], w[pair[1]])

        hips = (w[L.LEFT_HIP] + w[L.RIGHT_HIP]) / 2
        shoulders = (w[L.LEFT_SHOULDER] + w[L.RIGHT_SHOULDER]) / 2
        torso = float(np.linalg.norm(shoulders - hips))
        hand = max(float(w[L.LEFT_WRIST, 1]), float(w[L.RIGHT_WRIST, 1]))
        knee = max(float(w[L.LEFT_KNEE, 1]), float(w[L.RIGHT_KNEE, 1]))
        gap = abs(hand - knee) / torso if torso > 1e-6 else math.nan
        return cls(
            arm={s: elev(_ARM[s]) for s in ("left", "right")},
            knee={s: elev(_KNEE[s]) for s in ("left", "right")},
            ankle={s: elev(_ANKLE[s]) for s in ("left", "right")},
            ankle_seen={
                "left": bool(frame.visibility[L.LEFT_ANKLE] >= 0.5),
                "right": bool(frame.visibility[L.RIGHT_ANKLE] >= 0.5),
            },
            trunk=elevation(hips, shoulders),
            hip_roll=elevation(w[L.RIGHT_HIP], w[L.LEFT_HIP]),
            hands_to_knees=gap,
            arm_seen={
                "left": bool(frame.visibility[L.LEFT_WRIST] >= 0.5),
                "right": bool(frame.visibility[L.RIGHT_WRIST] >= 0.5),
            },
            knee_seen={
                "left": bool(frame.visibility[L.LEFT_KNEE] >= 0.5),
                "right": bool(frame.visibility[L.RIGHT_KNEE] >= 0.5),
            },
        )

    def raised_arm(self) -> tuple[str, float]:
        """The higher arm's label and a score that is >= 0 when it counts as raised.

        An arm the camera cannot see is taken for the raised one only when the opposite leg is
        raised with it (a hidden arm's position is a guess, the leg confirms it), and when the
        other arm is hidden the raised arm is judged by its own height alone, without
        comparing it with a guess."""
        seen = [
            s for s in ("left", "right") if self.arm_seen.get(s, True) or self.leg_raised(other(s))
        ]
        if not seen:
            return "left", -math.inf
        high = max(seen, key=lambda s: self.arm[s])
        height = self.arm[high] - ARM_RAISED
        if other(high) not in seen:
            return high, height
        lift = self.arm[high] - self.arm[other(high)]
        return high, min(height, lift - ARM_LIFT)

    def leg_raised(self, label: str) -> bool:
        """The thigh lifted, or the whole leg reaching back: the model's estimate of a far
        leg's knee can lag while its ankle shows the reach (and the other way round)."""
        lift = self.knee[label] - self.knee[other(label)]
        if self.knee[label] >= KNEE_RAISED and lift >= KNEE_LIFT:
            return True
        reach = self.ankle[label] - self.ankle[other(label)]
        return self.ankle[label] >= ANKLE_RAISED and reach >= ANKLE_LIFT

    def _reaching_over_a_hidden_hand(self) -> bool:
        """One arm reaches forward while the camera cannot see the other hand: that hand is
        the one holding the body up, wherever the model guesses it to be."""
        high, score = self.raised_arm()
        low = other(high)
        return score >= 0 and not self.arm_seen.get(low, True)

    @property
    def on_all_fours(self) -> bool:
        kneeling = min(self.knee.values()) <= -45.0
        reaching = self._reaching_over_a_hidden_hand()
        supported = min(self.arm.values()) <= -55.0 or reaching
        # Hands and knees both on the floor (a forward bend from standing has the knees
        # far above the hands).
        on_floor = self.hands_to_knees <= HANDS_KNEES_LEVEL or reaching
        return abs(self.trunk) <= ON_ALL_FOURS_TRUNK and kneeling and supported and on_floor


class SideResolver:
    """Turns BlazePose's left/right labels into the person's real left/right (see module doc)."""

    def __init__(self) -> None:
        self.near_label: str | None = None
        self.facing_right: bool | None = None
        self._depth = 0.0  # running mean of z(left) - z(right): > 0 means the right is nearer
        self._across = 0.0
        self._facing = 0.0

    def update(self, frame: PoseFrame) -> None:
        w = frame.world
        dz = float(w[L.LEFT_SHOULDER, 2] - w[L.RIGHT_SHOULDER, 2]) + float(
            w[L.LEFT_HIP, 2] - w[L.RIGHT_HIP, 2]
        )
        dx = abs(float(w[L.LEFT_SHOULDER, 0] - w[L.RIGHT_SHOULDER, 0])) + abs(
            float(w[L.LEFT_HIP, 0] - w[L.RIGHT_HIP, 0])
        )
        px = frame.pixels()
        facing = float(px[L.NOSE, 0] - (px[L.LEFT_HIP, 0] + px[L.RIGHT_HIP, 0]) / 2)
        if not all(math.isfinite(v) for v in (dz, dx, facing)):
            return
        rate = 0.1
        self._depth += rate * (dz - self._depth)
        self._across += rate * (dx - self._across)
        self._facing += rate * (facing - self._facing)
        side_on = abs(self._depth) > self._across
        self.near_label = ("right" if self._depth > 0 else "left") if side_on else None
        self.facing_right = self._facing > 0

    def true_side(self, label: str) -> str:
        if self.near_label is None or self.facing_right is None:
            return label
        near_side = "right" if self.facing_right else "left"
        return near_side if label == self.near_label else other(near_side)


@dataclass
class _Rep:
    arm_label: str
    start: float
    rest_hip_roll: float
    arm_peak: float = -90.0
    leg_time: dict[str, float] = field(default_factory=lambda: {"left": 0.0, "right": 0.0})
    ankle_peak: float = -90.0
    ankle_peak_seen: bool = False
    last_time: float = 0.0


class BirdDogAnalyzer(BaseAnalyzer):
    exercise_id = "bird-dog"
    required_parts = ("shoulders", "hips", "arms", "knees")

    def __init__(self, stage: str = "arm-and-leg", hold_target: float | None = None) -> None:
        if stage not in STAGES:
            raise ValueError(f"bird-dog stage must be one of {', '.join(STAGES)}, not {stage!r}")
        super().__init__()
        self.stage = stage
        self.hold_target = HOLD_TARGET[stage] if hold_target is None else hold_target
        self.driving_label = "raised arm angle to the floor (deg)"
        self.sides = SideResolver()
        self._arm_up = Hysteresis(0.0, -ARM_BAND, min_duration=0.2)
        self._all_fours = Hysteresis(1.0, 0.0, min_duration=0.3)
        self._hold = HoldTracker(min_hold=0.5, grace=0.4, label="bird-dog")
        for tool in (self._arm_up, self._all_fours, self._hold):
            self.track(tool)
        self._rep: _Rep | None = None
        self._rest_roll: list[float] = []
        self._leg_alone_since: float | None = None
        self._last_side: str | None = None
        self._prev_time: float | None = None
        self.reps_by_side = {"left": 0, "right": 0}

    def analyze(self, frame: PoseFrame) -> list[Event]:
        t = frame.timestamp
        dt = 0.0 if self._prev_time is None else min(max(t - self._prev_time, 0.0), 0.2)
        self._prev_time = t
        limbs = LimbAngles.of(frame)
        if not math.isfinite(limbs.trunk):
            return []
        self.sides.update(frame)
        events: list[Event] = []
        self._all_fours.update(1.0 if limbs.on_all_fours else 0.0, t)
        label, score = limbs.raised_arm()
        if self._rep is not None and self._lowered(limbs.arm[self._rep.arm_label]):
            score = min(score, -ARM_BAND - 1.0)
        self._arm_up.update(score, t)
        self.driving_value = round(limbs.arm[label], 1)

        if self._rep is None:
            if not self._all_fours.active:
                self.phase = "waiting"
                return events
            if not self._arm_up.active:
                self.phase = "rest"
                self.side = None
                self._remember_rest(limbs.hip_roll)
                return events + self._check_leg_alone(limbs, t)
            start = self._arm_up.changed_at if self._arm_up.changed_at is not None else t
            roll = float(np.median(self._rest_roll)) if self._rest_roll else limbs.hip_roll
            self._rep = _Rep(arm_label=label, start=start, rest_hip_roll=roll)
            self._leg_alone_since = None
            self.take_rep_warnings()
            self.side = self.sides.true_side(label)
            events.append(Event(EventKind.REP_STARTED, start, side=self.side))

        rep = self._rep
        if not self._arm_up.active:
            return events + self._end_rep(t)
        rep.last_time = t
        arm = limbs.arm[rep.arm_label]
        rep.arm_peak = max(rep.arm_peak, arm)
        opposite = other(rep.arm_label)
        for leg in ("left", "right"):
            if limbs.leg_raised(leg):
                rep.leg_time[leg] += dt
        if limbs.leg_raised(opposite) and limbs.ankle[opposite] > rep.ankle_peak:
            rep.ankle_peak = limbs.ankle[opposite]
            rep.ankle_peak_seen = limbs.ankle_seen[opposite]
        in_position = self.stage == "arm-only" or limbs.leg_raised(opposite)
        events += self._hold.update(in_position, t, side=self.side)
        self.phase = "holding" if self._hold.running else "raising"
        events += self._form_checks(limbs, rep, t)
        return events

    def _lowered(self, arm: float) -> bool:
        """The rep's arm has come back down from its reach, judged against its own highest in
        this rep: the model may place a hand resting on the floor well forward (so its angle
        stays near the raised threshold), but a reach always comes down from its peak."""
        assert self._rep is not None
        return arm < ARM_RAISED and arm <= self._rep.arm_peak - ARM_DROP

    def _remember_rest(self, roll: float) -> None:
        if math.isfinite(roll):
            self._rest_roll.append(roll)
            del self._rest_roll[:-20]

    def _check_leg_alone(self, limbs: LimbAngles, t: float) -> list[Event]:
        """A leg raised with no arm: a different exercise (a kick-back), worth a cue.

        Only a leg the camera sees counts: a hidden knee's height is the model's guess."""
        seen = [leg for leg in ("left", "right") if limbs.knee_seen.get(leg, True)]
        if not any(limbs.leg_raised(leg) for leg in seen):
            self._leg_alone_since = None
            return []
        if self._leg_alone_since is None:
            self._leg_alone_since = t
        if self.stage == "arm-and-leg" and t - self._leg_alone_since >= 1.0:
            return self.warn(
                "arm-missing", "Reach the opposite arm forward as you lift the leg.", t
            )
        return []

    def _form_checks(self, limbs: LimbAngles, rep: _Rep, t: float) -> list[Event]:
        events: list[Event] = []
        side = self.side
        if limbs.leg_raised(rep.arm_label) and rep.leg_time[rep.arm_label] >= MIN_LEG_TIME:
            events += self.warn(
                "same-side",
                "Lift the leg on the other side from the raised arm (left arm, right leg).",
                t,
                side,
            )
        held = t - rep.start
        arm = limbs.arm[rep.arm_label]
        if held >= 1.0 and arm > LIMB_OFF_LEVEL:
            events += self.warn("arm-high", "Lower your arm to shoulder height.", t, side)
        opposite = other(rep.arm_label)
        leg_up = limbs.leg_raised(opposite) and limbs.ankle_seen[opposite]
        if leg_up and limbs.ankle[opposite] > LEG_HIGH:
            events += self.warn(
                "leg-high", "Keep the raised leg level with your back, not higher.", t, side
            )
        roll = limbs.hip_roll - rep.rest_hip_roll
        if math.isfinite(roll) and abs(roll) > HIP_TILT:
            events += self.warn(
                "hips-twist", "Keep your hips level and square to the floor.", t, side
            )
        return events

    def _end_rep(self, t: float) -> list[Event]:
        rep = self._rep
        self._rep = None
        self._leg_alone_since = None
        events = self._hold.finish(t)
        if rep is None:
            return events
        held = sum(e.duration or 0.0 for e in events if e.kind is EventKind.HOLD_ENDED)
        side = self.sides.true_side(rep.arm_label)
        opposite = other(rep.arm_label)
        leg_done = rep.leg_time[opposite] >= MIN_LEG_TIME
        if rep.last_time - rep.start + 1e-9 < MIN_REP:
            self.phase = "rest"
            return events
        if rep.arm_peak < -LIMB_OFF_LEVEL:
            events += self.warn("arm-low", "Raise your arm higher, level with the floor.", t, side)
        if leg_done and rep.ankle_peak_seen and rep.ankle_peak < -LIMB_OFF_LEVEL:
            events += self.warn(
                "leg-low", "Straighten the leg back until it is level with the floor.", t, side
            )
        if self.stage == "arm-and-leg" and not leg_done:
            events += self.warn(
                "leg-missing", "Lift the opposite leg straight back as you raise the arm.", t, side
            )
            self.phase = "rest"
            return events
        if held + 1e-9 < self.hold_target - 0.5:
            events += self.warn(
                "short-hold",
                f"Hold the position for about {self.hold_target:.0f} seconds.",
                t,
                side,
            )
        if self._last_side == side:
            events += self.note_once(
                "alternate", "Switch sides each time: left arm, then right arm.", t
            )
        self._last_side = side
        self.rep_count += 1
        self.reps_by_side[side] += 1
        warnings = self.take_rep_warnings()
        data: dict[str, object] = {
            "start": round(rep.start, 3),
            "held_seconds": round(held, 3),
            "arm_peak_angle": round(rep.arm_peak, 1),
            "leg": leg_done,
        }
        if warnings:
            data["warnings"] = warnings
        events.append(
            Event(
                EventKind.REP_COMPLETED,
                rep.last_time,
                side=side,
                duration=round(rep.last_time - rep.start, 3),
                data=data,
            )
        )
        self.phase = "rest"
        return events

    def reset_motion(self, time: float) -> list[Event]:
        # A cut or a long dropout: a raise that straddles it is not counted.
        self._rep = None
        self._leg_alone_since = None
        return super().reset_motion(time)

    def close(self, time: float) -> list[Event]:
        if self._rep is not None:
            return self._end_rep(time)
        return self._hold.finish(time)
