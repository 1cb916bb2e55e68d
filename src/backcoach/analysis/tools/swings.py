"""Turning points of a noisy number: where it stopped rising (a peak) or falling (a trough),
confirmed once it has moved back by a minimum swing.

Thresholds on the value itself suit movements whose size is known; a swing suits movements
whose size differs from person to person, because it needs only the change. A turn is known
late by design: only once the value has come back by ``min_swing``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backcoach.analysis.events import Event
from backcoach.analysis.tools.hysteresis import Resettable


@dataclass(frozen=True)
class Turn:
    time: float  # when the extreme was reached
    value: float
    peak: bool  # True at a maximum, False at a minimum
    swing: float  # how far the value came to this extreme from the one before (or the start)


class SwingTurns(Resettable):
    """Peaks and troughs at least ``min_swing`` apart; ``update`` returns one when it is
    confirmed.

    The swing into the first turn began before the value was first seen, so that turn needs
    only ``first_swing`` into it (the value came to it from a lower value for a peak, a
    higher one for a trough), then ``min_swing`` out of it like every other turn."""

    def __init__(self, min_swing: float, first_swing: float | None = None) -> None:
        if min_swing <= 0 or (first_swing is not None and first_swing <= 0):
            raise ValueError("the minimum swing must be positive")
        self.min_swing = min_swing
        self.first_swing = min_swing if first_swing is None else first_swing
        self._rising: bool | None = None  # None until the first swing shows its direction
        self._origin = 0.0  # value the current swing started from
        self._extreme: tuple[float, float] | None = None  # (time, value) furthest so far
        # Before the first swing: the lowest and highest values, and what came before each.
        self._low: tuple[float, float] | None = None
        self._high: tuple[float, float] | None = None
        self._high_before_low = 0.0
        self._low_before_high = 0.0
        self._last: float | None = None

    def update(self, value: float | None, time: float) -> Turn | None:
        if value is None or not np.isfinite(value):
            return None
        self._last = value
        if self._rising is None:
            return self._before_the_first_swing(value, time)
        if self._extreme is None:
            return None
        extreme_time, extreme = self._extreme
        if (value > extreme) if self._rising else (value < extreme):
            self._extreme = (time, value)
            return None
        if abs(extreme - value) < self.min_swing:
            return None
        turn = Turn(extreme_time, extreme, self._rising, abs(extreme - self._origin))
        self._origin = extreme
        self._extreme = (time, value)
        self._rising = not self._rising
        return turn

    def _before_the_first_swing(self, value: float, time: float) -> Turn | None:
        if self._low is None or self._high is None:
            self._low = self._high = (time, value)
            self._high_before_low = self._low_before_high = value
            return None
        if value < self._low[1]:
            self._low, self._high_before_low = (time, value), self._high[1]
        if value > self._high[1]:
            self._high, self._low_before_high = (time, value), self._low[1]
        low, high = self._low, self._high
        if value - low[1] >= self.min_swing:
            self._rising, self._origin, self._extreme = True, low[1], (time, value)
            came = self._high_before_low - low[1]
            return Turn(low[0], low[1], False, came) if came >= self.first_swing else None
        if high[1] - value >= self.min_swing:
            self._rising, self._origin, self._extreme = False, high[1], (time, value)
            came = high[1] - self._low_before_high
            return Turn(high[0], high[1], True, came) if came >= self.first_swing else None
        return None

    def pending(self) -> Turn | None:
        """The extreme the value has come back from, but not yet by ``min_swing``: a turn the
        end of the recording cut short. None while the value is still moving away."""
        if self._rising is None or self._extreme is None:
            return None
        extreme_time, extreme = self._extreme
        if self._last is None or self._last == extreme:
            return None
        return Turn(extreme_time, extreme, self._rising, abs(extreme - self._origin))

    def reset(self, time: float) -> list[Event]:
        self._rising = None
        self._extreme = self._low = self._high = None
        self._last = None
        return []
