"""Clocks the player reads: monotonic seconds, real, sped up, or driven by a test."""

from __future__ import annotations

import time
from typing import Protocol

from backcoach.errors import InputError


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds; only differences matter."""
        ...


class ScaledClock:
    """Real monotonic time running ``speed`` times faster (``--speed N``)."""

    def __init__(self, speed: float = 1.0) -> None:
        if not speed > 0:
            raise InputError(f"The speed must be above 0 (got {speed:g}).")
        self.speed = speed
        self._origin = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._origin) * self.speed


class FakeClock:
    """A clock that moves only when told to (tests, replays)."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go back")
        self._now += seconds
