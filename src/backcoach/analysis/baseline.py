"""A measure's usual level in the current scene, learned as the person moves.

Judging a movement against the person's own usual position, rather than against the image's
horizontal, keeps the judgement the same whatever the camera's tilt, height or side.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np


class RunningLevel:
    """A percentile of a measure over the last ``seconds`` (the median by default)."""

    def __init__(self, seconds: float, percentile: float = 50.0) -> None:
        self.seconds = seconds
        self.percentile = percentile
        self._values: deque[tuple[float, float]] = deque()

    def update(self, value: float, time: float) -> float:
        """Add a reading and return the level so far (the reading itself at first)."""
        if math.isfinite(value):
            self._values.append((time, value))
        while self._values and time - self._values[0][0] > self.seconds:
            self._values.popleft()
        if not self._values:
            return value
        return float(np.percentile([v for _, v in self._values], self.percentile))

    def current(self, time: float) -> float:
        """The level without a new reading (NaN when there is none)."""
        while self._values and time - self._values[0][0] > self.seconds:
            self._values.popleft()
        if not self._values:
            return math.nan
        return float(np.percentile([v for _, v in self._values], self.percentile))

    def reset(self) -> None:
        self._values.clear()
