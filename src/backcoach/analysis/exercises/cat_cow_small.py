"""Small cat and cow positions: a back that rounds and hollows only a little.

Such a person never brings the head far from the trunk line, so the thresholds on the neck
angle never fire. Two measures move with the back instead, each only a little: the neck
angle (the head drops in cat, lifts in cow) and the trunk length (shoulders to hips as a
share of shoulders to wrists: rounding brings the shoulders and hips closer, hollowing moves
them apart, as on all three cat-cow sources). Each is put in units of a clear change
(``NECK_UNIT``, ``TRUNK_UNIT``) and the two are added, so that the noise of one is outweighed
by the other; a position is a turn of that sum by ``MIN_SWING`` units. It counts only when
both measures moved the right way (a head nod leaves the trunk as it was), each well beyond
its own jitter, and with no arm or leg off the floor (a bird dog moves both for reasons of
its own). Only positions reached once the body has settled on all fours count: getting down
moves the head and the trunk's length too.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from backcoach.analysis.events import Event
from backcoach.analysis.exercises.bird_dog import LimbAngles
from backcoach.analysis.tools.hysteresis import Resettable
from backcoach.analysis.tools.swings import SwingTurns, Turn
from backcoach.pose.frame import PoseFrame
from backcoach.pose.geometry import distance, midpoint
from backcoach.pose.landmarks import Landmark as L

NECK_UNIT = 6.0  # degrees of neck angle: a clear change (the model's jitter is ~1 degree)
TRUNK_UNIT = 0.02  # trunk length, share of the arm: a clear change (jitter ~0.002-0.006)
MIN_SWING = 2.0  # units the sum must turn back by
FIRST_SWING = 1.0  # units into the first turn: the swing began before it was seen
MIN_SHARE = 0.5  # units each measure must move the right way by
CHANGE_MARGIN = 4.0  # and each must move this many times the noise of that change
WINDOW = 0.3  # seconds around a turn whose samples are pooled (median)
LONGEST_SWING = 30.0  # seconds; a slower change is no cat or cow
SETTLE_WINDOW = 0.5  # seconds the trunk and thighs must hold their slope after getting down
SETTLE_RANGE = 3.0  # degrees they may move meanwhile (getting down moves them by 10-40)


def trunk_length(frame: PoseFrame) -> float:
    """Shoulders-to-hips distance as a share of the shoulders-to-wrists distance: shorter with
    the back rounded, longer with it hollowed; the arm makes it independent of body size."""
    w = frame.world
    shoulders = midpoint(w[L.LEFT_SHOULDER], w[L.RIGHT_SHOULDER])
    hips = midpoint(w[L.LEFT_HIP], w[L.RIGHT_HIP])
    wrists = midpoint(w[L.LEFT_WRIST], w[L.RIGHT_WRIST])
    arm = distance(shoulders, wrists)
    return distance(shoulders, hips) / arm if arm > 0 else math.nan


@dataclass(frozen=True)
class SmallPosition:
    name: str  # "cat" or "cow"
    reached: float  # when the position was deepest
    neck: float  # the neck angle there


@dataclass(frozen=True)
class _Sample:
    time: float
    neck: float
    trunk: float


class SmallPositions(Resettable):
    """Feed it every frame on all fours; it returns small positions once confirmed.

    A turn is known only once the back has come back from it by ``MIN_SWING``. The first
    swing starts where the person arrived on all fours, not at a position, so its turn is
    judged by the swing out of it and returned with the next one."""

    def __init__(self) -> None:
        self._turns = SwingTurns(MIN_SWING, first_swing=FIRST_SWING)
        self._samples: deque[_Sample] = deque()
        self._swing_began: float | None = None
        self._from_a_turn = False
        self._first: Turn | None = None
        self._limb_raised_at: float | None = None
        self._base: deque[tuple[float, float, float]] = deque()  # (time, trunk, thighs) slopes
        self._settled_at: float | None = None

    def update(
        self, time: float, neck: float, trunk: float, limbs: LimbAngles
    ) -> list[SmallPosition]:
        if not (math.isfinite(neck) and math.isfinite(trunk)):
            return []
        self._note_settling(time, limbs)
        self._samples.append(_Sample(time, neck, trunk))
        if self._swing_began is None:
            self._swing_began, self._from_a_turn = time, False
        oldest = max(self._swing_began - WINDOW, time - LONGEST_SWING)
        while self._samples and self._samples[0].time < oldest:
            self._samples.popleft()
        if limbs.raised_arm()[1] >= 0 or any(limbs.leg_raised(s) for s in ("left", "right")):
            self._limb_raised_at = time
        return self._judge(self._turns.update(neck / NECK_UNIT + trunk / TRUNK_UNIT, time))

    def finish(self) -> list[SmallPosition]:
        """A turn left by less than a full swing when the recording ended counts too."""
        return self._judge(self._turns.pending())

    def reset(self, time: float) -> list[Event]:
        self._turns.reset(time)
        self._samples.clear()
        self._swing_began = None
        self._from_a_turn = False
        self._first = None
        self._limb_raised_at = None
        self._base.clear()
        self._settled_at = None
        return []

    def _note_settling(self, time: float, limbs: LimbAngles) -> None:
        """The body has settled once the slopes of the trunk and the thighs have held still
        for ``SETTLE_WINDOW``: until then the person is still getting down onto all fours."""
        if self._settled_at is not None:
            return
        thighs = (limbs.knee["left"] + limbs.knee["right"]) / 2
        if not (math.isfinite(limbs.trunk) and math.isfinite(thighs)):
            return
        self._base.append((time, limbs.trunk, thighs))
        # Keep one sample from the window's start or before it, at any frame rate.
        while len(self._base) >= 2 and self._base[1][0] <= time - SETTLE_WINDOW:
            self._base.popleft()
        if time - self._base[0][0] + 1e-9 < SETTLE_WINDOW:
            return  # not yet seen for long enough
        slopes = np.array([(trunk, thigh) for _, trunk, thigh in self._base])
        if float(np.max(np.ptp(slopes, axis=0))) < SETTLE_RANGE:
            self._settled_at = time

    def _judge(self, turn: Turn | None) -> list[SmallPosition]:
        if turn is None or self._swing_began is None:
            return []
        began, from_a_turn = self._swing_began, self._from_a_turn
        self._swing_began, self._from_a_turn = turn.time, True
        if not from_a_turn:
            # Only part of the swing into the first turn was seen: it need not be a clear
            # change, but it must be more than noise.
            self._first = turn if self._back_moved(began, turn, least=0.0) else None
            return []
        first, self._first = self._first, None
        if not self._back_moved(began, turn):
            return []  # the head alone (a nod), or a limb off the floor
        # A turn reached while still getting down onto all fours is no position.
        settled = self._settled_at
        turns = [
            t for t in (first, turn) if t is not None and settled is not None and t.time >= settled
        ]
        return [self._position(t) for t in turns]

    def _back_moved(self, began: float, turn: Turn, least: float = MIN_SHARE) -> bool:
        """Whether the head and the trunk both moved the way ``turn`` says, each by ``least``
        units at least and well beyond its noise, with no limb off the floor meanwhile."""
        if self._limb_raised_at is not None and self._limb_raised_at >= began:
            return False
        direction = 1.0 if turn.peak else -1.0
        at_start, at_turn = self._around(began), self._around(turn.time)
        pooled = min(len(at_start), len(at_turn))
        for part, unit in (("neck", NECK_UNIT), ("trunk", TRUNK_UNIT)):
            change = _median(at_turn, part) - _median(at_start, part)
            # The spread of a difference of two medians of n samples: 1.25 * sqrt(2 / n).
            noise = 1.25 * math.sqrt(2.0 / pooled) * self._jitter(part) if pooled else math.inf
            needed = max(least * unit, CHANGE_MARGIN * noise)
            if not change * direction >= needed:  # also False when a value is missing
                return False
        return True

    def _position(self, turn: Turn) -> SmallPosition:
        neck = _median(self._around(turn.time), "neck")
        return SmallPosition("cow" if turn.peak else "cat", turn.time, neck)

    def _around(self, time: float) -> list[_Sample]:
        """The samples pooled for the moment ``time``."""
        return [s for s in self._samples if abs(s.time - time) <= WINDOW / 2]

    def _jitter(self, part: str) -> float:
        """Frame-to-frame noise of a measure over the swing (a robust estimate). Second
        differences leave out the movement itself at any frame rate; for independent noise
        of spread s their spread is s times the square root of 6."""
        values = np.array([getattr(s, part) for s in self._samples])
        if len(values) < 4:
            return math.inf
        bends = np.diff(values, n=2)
        return float(1.4826 * np.median(np.abs(bends - np.median(bends))) / math.sqrt(6))


def _median(samples: list[_Sample], part: str) -> float:
    return float(np.median([getattr(s, part) for s in samples])) if samples else math.nan
