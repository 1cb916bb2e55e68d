"""Landmark smoothing with the One Euro filter (Casiez, Roussel and Vogel, CHI 2012).

Each coordinate is low-pass filtered with a cut-off that rises with its speed: slow jitter is
smoothed hard, fast real movement passes with little lag. Timestamps drive the filter, so
variable frame rates and skipped frames are handled. A frame with nobody detected, or a long
gap, resets the filter: the next pose starts fresh instead of being pulled towards an old one.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

import numpy as np

from backcoach.pose.frame import FloatArray, PoseFrame

SAME_INSTANT = 1e-6  # seconds: frames closer than this are one moment (no speed to measure)


def _alpha(cutoff: FloatArray | float, dt: float) -> FloatArray:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff, dtype=np.float64))
    result: FloatArray = 1.0 / (1.0 + tau / dt)
    return result


class OneEuroFilter:
    """One Euro filter over an array of any shape (every element filtered independently).

    ``min_cutoff`` (Hz) sets smoothing at rest; ``beta`` how fast the cut-off rises with speed
    (units of the values per second); ``d_cutoff`` (Hz) smooths the speed estimate.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 10.0, d_cutoff: float = 1.0):
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.reset()

    def reset(self) -> None:
        self._value: FloatArray | None = None
        self._speed: FloatArray | None = None
        self._time: float | None = None

    def __call__(self, value: FloatArray, timestamp: float) -> FloatArray:
        value = np.asarray(value, dtype=np.float64)
        if self._value is None or self._time is None or self._speed is None:
            return self._start(value, timestamp)
        dt = timestamp - self._time
        if dt < SAME_INSTANT:
            return self._value.copy()
        missing = ~np.isfinite(value) | ~np.isfinite(self._value)
        speed = (value - self._value) / dt
        speed = np.where(missing, 0.0, speed)
        speed = self._speed + _alpha(self.d_cutoff, dt) * (speed - self._speed)
        cutoff = self.min_cutoff + self.beta * np.abs(speed)
        smoothed = self._value + _alpha(cutoff, dt) * (value - self._value)
        # A coordinate that was or is missing restarts from the new value.
        smoothed = np.where(missing, value, smoothed)
        self._value, self._speed, self._time = smoothed, speed, timestamp
        return smoothed.copy()

    def _start(self, value: FloatArray, timestamp: float) -> FloatArray:
        self._value = value.copy()
        self._speed = np.zeros_like(value)
        self._time = timestamp
        return value.copy()


class LandmarkSmoother:
    """Stateful smoother for a stream of PoseFrames: ``update(frame) -> smoothed frame``.

    Image coordinates and world coordinates get their own filters; visibility is kept as is.
    """

    def __init__(
        self,
        min_cutoff: float = 1.0,
        beta: float = 10.0,
        d_cutoff: float = 1.0,
        max_gap: float = 0.5,
    ) -> None:
        self.max_gap = max_gap
        self._image = OneEuroFilter(min_cutoff, beta, d_cutoff)
        self._world = OneEuroFilter(min_cutoff, beta, d_cutoff)
        self._last_time: float | None = None

    def reset(self) -> None:
        self._image.reset()
        self._world.reset()
        self._last_time = None

    def update(self, frame: PoseFrame) -> PoseFrame:
        if not frame.detected:
            self.reset()
            return frame
        if self._last_time is not None and not (
            0 < frame.timestamp - self._last_time <= self.max_gap
        ):
            self.reset()
        self._last_time = frame.timestamp
        return dataclasses.replace(
            frame,
            image=self._image(frame.image, frame.timestamp),
            world=self._world(frame.world, frame.timestamp),
        )


def smooth_frames(frames: Iterable[PoseFrame], **options: float) -> list[PoseFrame]:
    """Smooth a whole sequence (in time order) with a fresh LandmarkSmoother."""
    smoother = LandmarkSmoother(**options)
    return [smoother.update(frame) for frame in frames]
