"""Movements the program tells people to avoid, spotted whatever exercise was chosen.

- Sit-ups (straight or bent leg) and crunches: lying on the back, the trunk curls or rises
  towards the knees and goes back down, more than once.
- Leg lifts: lying on the back, a straight leg is raised high, more than once or held.
- Standing toe touches: standing, the trunk folds down with the hands near the feet.

The program's own exercises never match: in a bridge the shoulders stay down and the hips
rise; in the knees-up stretch and the roll-and-stretch the knees are bent; cat-cow and bird
dog are on hands and knees; a press-up rises from lying face down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from backcoach.analysis.baseline import RunningLevel
from backcoach.analysis.events import Event, EventKind
from backcoach.analysis.posture import BodyPoints, Position, PostureTracker, body_points
from backcoach.analysis.supine import LegsState, SupineBody
from backcoach.analysis.tools.cuts import CutDetector
from backcoach.analysis.tools.hysteresis import Hysteresis
from backcoach.errors import BackcoachError
from backcoach.pose.frame import PoseFrame
from backcoach.pose.geometry import joint_angle, sharpest_knee_angle
from backcoach.pose.landmarks import Landmark as L

# Names used when the catalog cannot be read; the catalog's own texts are preferred.
_FALLBACK_NAMES = {
    "straight-leg-sit-up": "Straight-leg sit-up",
    "bent-leg-sit-up": "Bent-leg sit-up",
    "leg-lift": "Leg lift",
    "standing-toe-touch": "Standing toe touch",
}
_FALLBACK_REASON = "the program leaves it out because it can make back pain worse"


@dataclass(frozen=True)
class AvoidedInfo:
    id: str
    name: str
    reason: str


def avoided_info(movement_id: str) -> AvoidedInfo:
    """Name and reason of an avoided movement, from the catalog when it can be read."""
    try:
        from backcoach.catalog.loader import load_catalog

        for item in load_catalog().avoided:
            if item.id == movement_id:
                return AvoidedInfo(item.id, item.name, item.reason)
    except (BackcoachError, ImportError):
        pass
    return AvoidedInfo(movement_id, _FALLBACK_NAMES.get(movement_id, movement_id), "")


def avoided_message(info: AvoidedInfo) -> str:
    reason = info.reason.strip().rstrip(".") or _FALLBACK_REASON
    return f"This looks like a {info.name.lower()}: {reason[0].lower()}{reason[1:]}."


# Full repetitions seen before the warning: one, so the person hears it after the first.
REPETITIONS_TO_WARN = 1
# A single knee tuck and stretch is also how people move between positions (into a
# table-top and out of it), so a leg pull-in is told only by its second repetition.
TUCKS_TO_WARN = 2
LEG_HELD = 3.0  # seconds a straight leg held high counts as a leg lift
CURL_ENTER = 0.2  # trunk rise above its usual level with the hips down: curled up
CURL_EXIT = 0.1
# Seconds in which two leg pull-ins count together: the repetitions of a set follow each other
# within seconds, while getting into and out of a position happens once.
TUCK_WINDOW = 12.0


class _CycleCounter:
    """Counts out-and-back cycles of a rising yes/no judgement (trunk up, then down again).

    The rest side must be seen first, so a scene that starts mid-movement does not count."""

    def __init__(self, judge: Hysteresis) -> None:
        self.judge = judge
        self.cycles: list[float] = []
        self._armed = False  # the rest state must be seen first

    def update(self, value: float | None, time: float) -> None:
        if value is None:
            return
        before = self.judge.active
        self.judge.update(value, time)
        if not self.judge.active and not before and self.judge.at_rest(value):
            self._armed = True
        if before and not self.judge.active and self._armed:
            self.cycles.append(time)

    def reset(self, time: float) -> None:
        self.judge.reset(time)
        self._armed = False

    def recent(self, time: float, window: float) -> int:
        return sum(1 for t in self.cycles if time - t <= window)


class _StateCycles:
    """Counts rest -> active -> rest cycles of a labelled state; each label must last
    ``min_duration`` seconds to count, and the rest state must be seen first."""

    def __init__(self, rest: str, active: str, *, min_duration: float) -> None:
        self.rest, self.active = rest, active
        self.min_duration = min_duration
        self.cycles: list[float] = []
        self._state: str | None = None
        self._candidate: str | None = None
        self._since = 0.0

    def update(self, label: str, time: float) -> None:
        if label not in (self.rest, self.active):
            return
        if label != self._candidate:
            self._candidate, self._since = label, time
        if label == self._state or time - self._since + 1e-9 < self.min_duration:
            return
        if self._state == self.active and label == self.rest:
            self.cycles.append(time)
        if self._state is not None or label == self.rest:
            self._state = label

    def reset(self, time: float) -> None:
        self._state = self._candidate = None

    def recent(self, time: float, window: float) -> int:
        return sum(1 for t in self.cycles if time - t <= window)


class AvoidedMovementDetector:
    """Watches every frame for the avoided movements; emits ``avoided_movement`` events.

    Each movement is reported once per ``repeat_after`` seconds at most.
    """

    window = 30.0  # seconds in which repeated cycles count together
    repeat_after = 30.0
    exercise_id = "avoided"

    def __init__(self) -> None:
        self.posture = PostureTracker()
        self.cuts = CutDetector()
        # Trunk rise (sine of the trunk angle: flat ~0, a crunch ~0.4, sitting up ~1) above its
        # usual level in this scene while the hips are down, so a camera above the feet or
        # turned, which makes a lying trunk look raised, sees a crunch as a side camera does,
        # and lowering from a bridge (back to lying flat) is no curl.
        self.sit_up = _CycleCounter(Hysteresis(CURL_ENTER, CURL_EXIT, min_duration=0.15))
        self._usual_rise = RunningLevel(seconds=20.0)  # median, with the hips down
        # Both knees drawn in without the hands, then both legs stretched out: a leg pull-in.
        self.tuck = _StateCycles(LegsState.STRETCHED, LegsState.DRAWN_IN, min_duration=0.2)
        # Elevation of a straight leg above the floor, degrees.
        self.leg_lift = _CycleCounter(Hysteresis(45.0, 25.0, min_duration=0.2))
        self._leg_high_since: float | None = None
        self._fold_since: float | None = None
        self._lying_since: float | None = None
        self._reported: dict[str, float] = {}
        self._knee_angles: list[float] = []

    def update(self, frame: PoseFrame) -> list[Event]:
        time = frame.timestamp
        position, _ = self.posture.update(frame)
        if frame.extras.get("scene_cut") or self.cuts.update(frame):
            self._reset(time)
        b = body_points(frame)
        if b is None or float(min(frame.visibility[[L.LEFT_HIP, L.RIGHT_HIP]])) < 0.3:
            return []
        events: list[Event] = []
        events += self._check_sit_up(frame, b, position, time)
        events += self._check_leg_lift(frame, b, position, time)
        events += self._check_toe_touch(frame, b, position, time)
        return events

    def finish(self, time: float) -> list[Event]:
        return []

    def _reset(self, time: float) -> None:
        self.sit_up.reset(time)
        self._usual_rise.reset()
        self.tuck.reset(time)
        self.leg_lift.reset(time)
        self._leg_high_since = None
        self._fold_since = None
        self._lying_since = None

    def _report(self, movement_id: str, time: float, **data: object) -> list[Event]:
        # The two kinds of sit-up are one warning: telling both apart adds nothing.
        key = "sit-up" if movement_id.endswith("sit-up") else movement_id
        last = self._reported.get(key)
        if last is not None and time - last < self.repeat_after:
            return []
        self._reported[key] = time
        info = avoided_info(movement_id)
        return [
            Event(
                EventKind.AVOIDED_MOVEMENT,
                time,
                code=movement_id,
                message=avoided_message(info),
                data={"name": info.name, **data},
            )
        ]

    # -- sit-ups and crunches -------------------------------------------------------------
    def _check_sit_up(
        self, frame: PoseFrame, b: BodyPoints, position: Position, time: float
    ) -> list[Event]:
        lying = position is Position.SUPINE
        if lying:
            self._lying_since = self._lying_since if self._lying_since is not None else time
        elif position in (Position.STANDING, Position.QUADRUPED):
            # On hands and knees or standing: no sit-up can be under way. (Lying face down is
            # not ruled out: turning the face aside in a crunch can look like it.)
            self._lying_since = None
            self.sit_up.reset(time)
            self._usual_rise.reset()
            return []
        if self._lying_since is None:
            return []
        rise = b.trunk_rise
        # The trunk must rise towards the legs (the face turns to the knees, not away).
        if rise > 0.2 and b.faces_away_from_feet():
            return []
        hips_down = b.hips_down()
        usual = self._usual_rise.update(rise, time) if hips_down else self._usual_rise.current(time)
        curl = rise - usual if hips_down and math.isfinite(usual) else 0.0
        self.sit_up.update(curl, time)
        self._knee_angles.append(sharpest_knee_angle(frame))
        self._knee_angles = self._knee_angles[-60:]
        cycles = self.sit_up.recent(time, self.window)
        if cycles >= REPETITIONS_TO_WARN:
            knees = [a for a in self._knee_angles if math.isfinite(a)]
            straight = bool(knees) and sorted(knees)[len(knees) // 2] > 150
            movement = "straight-leg-sit-up" if straight else "bent-leg-sit-up"
            return self._report(movement, time, cycles=cycles)
        return []

    # -- leg lifts --------------------------------------------------------------------------
    def _check_leg_lift(
        self, frame: PoseFrame, b: BodyPoints, position: Position, time: float
    ) -> list[Event]:
        if position is not Position.SUPINE:
            self.leg_lift.reset(time)
            self.tuck.reset(time)
            self._leg_high_since = None
            return []
        body = SupineBody.of(frame)
        if body is not None:
            self.tuck.update(body.legs(), time)
        elevation = _straight_leg_elevation(frame, b)
        self.leg_lift.update(elevation if elevation is not None else 0.0, time)
        if self.leg_lift.judge.active:
            if self._leg_high_since is None:
                self._leg_high_since = time
        else:
            self._leg_high_since = None
        held = self._leg_high_since is not None and time - self._leg_high_since >= LEG_HELD
        tucks = self.tuck.recent(time, TUCK_WINDOW)
        lifts = self.leg_lift.recent(time, self.window)
        if lifts >= REPETITIONS_TO_WARN or tucks >= TUCKS_TO_WARN or held:
            return self._report("leg-lift", time)
        return []

    # -- standing toe touches ---------------------------------------------------------------
    def _check_toe_touch(
        self, frame: PoseFrame, b: BodyPoints, position: Position, time: float
    ) -> list[Event]:
        folded = (
            position is Position.STANDING
            and b.trunk_rise < -0.2
            and b.wrists[1] > b.knees[1]
            and abs(b.wrists[0] - b.ankles[0]) < 1.0 * b.torso
        )
        if not folded:
            self._fold_since = None
            return []
        if self._fold_since is None:
            self._fold_since = time
        if time - self._fold_since >= 0.5:
            return self._report("standing-toe-touch", time)
        return []


def _straight_leg_elevation(frame: PoseFrame, b: BodyPoints) -> float | None:
    """The highest elevation above the floor (degrees) of a leg that is nearly straight."""
    px = frame.pixels()
    best: float | None = None
    for h, k, a in (
        (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
        (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
    ):
        if min(frame.visibility[[k, a]]) < 0.3:
            continue
        hip, knee, ankle = px[h], px[k], px[a]
        if joint_angle(hip, knee, ankle) < 140:
            continue
        length = float(math.hypot(*(ankle - hip)))
        if length < 0.8 * b.torso:
            continue  # foreshortened: the leg points at the camera, its angle cannot be told
        elevation = math.degrees(
            math.atan2(float(hip[1] - ankle[1]), abs(float(ankle[0] - hip[0])))
        )
        best = elevation if best is None else max(best, elevation)
    return best
