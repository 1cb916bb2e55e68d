"""Cat-cow: on hands and knees, the back rounded up with the head dropped (cat), then the back
let down with the head lifted (cow); each position reached counts once.

BlazePose gives no landmark along the spine, so the curve of the back itself cannot be
measured; the head moves with it in this exercise, so the driving number is the neck angle:
the shoulders-to-ears line against the hips-to-shoulders line (world landmarks, so it does
not depend on the camera angle). Head well above the trunk line = cow, well below = cat. The
two alternate, so a position counts only after the other one (or as the first).

People who round and hollow only a little (small tilts of the lower back) never bring the
head that far. Their positions are found from the head and the trunk's length moving
together (``cat_cow_small``); they are counted as not sure, and the person is told why.
"""

from __future__ import annotations

import math

from backcoach.analysis.events import Event, EventKind
from backcoach.analysis.exercises.base import BaseAnalyzer
from backcoach.analysis.exercises.bird_dog import LimbAngles
from backcoach.analysis.exercises.cat_cow_small import SmallPosition, SmallPositions, trunk_length
from backcoach.analysis.tools.hysteresis import Hysteresis
from backcoach.pose.frame import PoseFrame
from backcoach.pose.geometry import elevation
from backcoach.pose.landmarks import Landmark as L

COW_ENTER = 28.0  # neck angle (degrees, head above the trunk line) that counts as cow
COW_EXIT = 15.0
CAT_ENTER = -28.0  # head this far below the trunk line counts as cat
CAT_EXIT = -15.0
MIN_IN_POSE = 0.3  # seconds in a position before it counts
QUIET_SECONDS = 10.0  # on all fours this long with no position reached: say what is not seen
SMALL_CONFIDENCE = 0.5  # a small position is counted as not sure

NOT_SEEN = (
    "I can't see your back round and hollow: I follow cat and cow from your head and the "
    "length of your back, and both are hardly moving. Let your back round up and sink down "
    "fully, and let your head drop and lift with it."
)
SMALL_POSITIONS = (
    "Your back is rounding and hollowing only a little, so I am not sure of those counts. "
    "Round your back right up, then let it sink, with your head following."
)


def neck_angle(frame: PoseFrame) -> float:
    """Head above (+) or below (-) the line of the trunk, in degrees."""
    w = frame.world
    shoulders = (w[L.LEFT_SHOULDER] + w[L.RIGHT_SHOULDER]) / 2
    hips = (w[L.LEFT_HIP] + w[L.RIGHT_HIP]) / 2
    ears = (w[L.LEFT_EAR] + w[L.RIGHT_EAR]) / 2
    return elevation(shoulders, ears) - elevation(hips, shoulders)


class CatCowAnalyzer(BaseAnalyzer):
    exercise_id = "cat-cow"
    required_parts = ("head", "shoulders", "hips", "knees")

    def __init__(self) -> None:
        super().__init__()
        self.driving_label = "head above the trunk line (deg)"
        self._cow = Hysteresis(COW_ENTER, COW_EXIT, min_duration=MIN_IN_POSE)
        self._cat = Hysteresis(CAT_ENTER, CAT_EXIT, rising=False, min_duration=MIN_IN_POSE)
        self._all_fours = Hysteresis(1.0, 0.0, min_duration=0.3)
        self._small = SmallPositions()
        for tool in (self._cow, self._cat, self._all_fours, self._small):
            self.track(tool)  # after a cut a position must be reached afresh to count
        self.counts = {"cat": 0, "cow": 0}
        self._last_counted: str | None = None
        self._quiet_since: float | None = None
        self._last_reached: float | None = None  # when the last counted position was reached

    def reset_motion(self, time: float) -> list[Event]:
        self._last_counted = None  # a new scene may start in either position
        self._last_reached = None
        return super().reset_motion(time)

    def analyze(self, frame: PoseFrame) -> list[Event]:
        t = frame.timestamp
        neck = neck_angle(frame)
        limbs = LimbAngles.of(frame)
        if not math.isfinite(neck):
            return []
        self.driving_value = round(neck, 1)
        self._all_fours.update(1.0 if limbs.on_all_fours else 0.0, t)
        if not self._all_fours.active:
            self._cow.reset(t)
            self._cat.reset(t)
            self._small.reset(t)
            self.phase = "waiting"
            return []
        events: list[Event] = []
        if self._quiet_since is None:
            self._quiet_since = t
        elif t - self._quiet_since >= QUIET_SECONDS:
            events += self.note_once("cat-cow-not-seen", NOT_SEEN, t)
        for name, band in (("cow", self._cow), ("cat", self._cat)):
            if band.update(neck, t) and band.active and name != self._last_counted:
                # Cat and cow alternate: the head dipping and rising again within one
                # position is a wobble, not a second cow.
                events += self._count(
                    name, band.changed_at if band.changed_at is not None else t, t
                )
        small = self._small.update(t, neck, trunk_length(frame), limbs)
        events += self._small_positions(small, t)
        if self._cow.active:
            self.phase = "cow"
        elif self._cat.active:
            self.phase = "cat"
        else:
            self.phase = "moving"
        return events

    def _small_positions(self, positions: list[SmallPosition], t: float) -> list[Event]:
        events: list[Event] = []
        for position in positions:
            # A turn inside the other position's band is a wobble there, not this position;
            # one reached before the last counted position comes too late.
            inside_other = (
                position.neck < CAT_EXIT if position.name == "cow" else position.neck > COW_EXIT
            )
            late = self._last_reached is not None and position.reached <= self._last_reached
            if inside_other or late or position.name == self._last_counted:
                continue
            events += self.note_once("cat-cow-small", SMALL_POSITIONS, t)
            events += self._count(position.name, position.reached, t, SMALL_CONFIDENCE)
        return events

    def close(self, time: float) -> list[Event]:
        events = super().close(time)
        if self._all_fours.active:
            events += self._small_positions(self._small.finish(), time)
        return events

    def _count(
        self, name: str, reached: float, t: float, confidence: float | None = None
    ) -> list[Event]:
        self._last_counted = name
        self._last_reached = reached
        self._quiet_since = t
        self.counts[name] += 1
        self.rep_count += 1
        events = self.note_once(
            "back-from-head",
            "I follow cat and cow from your head and neck; the camera cannot see the curve "
            "of your back itself, so let your head move with it.",
            t,
        )
        data: dict[str, object] = {"phase": name, "start": round(reached, 3)}
        if confidence is not None:
            data["confidence"] = confidence
        events.append(Event(EventKind.REP_COMPLETED, t, duration=round(t - reached, 3), data=data))
        return events
