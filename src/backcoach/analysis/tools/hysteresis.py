"""Yes/no judgements from noisy numbers: two thresholds and a minimum duration."""

from __future__ import annotations

import numpy as np

from backcoach.analysis.events import Event


class Resettable:
    """A tool that can forget movement in progress (after a cut or a long dropout)."""

    def reset(self, time: float) -> list[Event]:
        return []


class Hysteresis(Resettable):
    """A yes/no judgement from a noisy number, with two thresholds and a minimum duration.

    With ``rising=True`` the state turns on when ``value >= enter`` for ``min_duration``
    seconds and off when ``value <= exit`` for ``min_duration`` seconds (``exit < enter``).
    With ``rising=False`` the comparisons are mirrored (``exit > enter``).
    ``update`` returns True when the state changed on this call.
    """

    def __init__(
        self,
        enter: float,
        exit: float,
        *,
        rising: bool = True,
        min_duration: float = 0.0,
        initial: bool = False,
    ) -> None:
        if (rising and exit > enter) or (not rising and exit < enter):
            raise ValueError("the exit threshold must lie on the far side of the enter threshold")
        self.enter = enter
        self.exit = exit
        self.rising = rising
        self.min_duration = min_duration
        self.active = initial
        self._initial = initial
        self._pending_since: float | None = None
        self.changed_at: float | None = None  # time the current state was first seen

    def _beyond_enter(self, value: float) -> bool:
        return value >= self.enter if self.rising else value <= self.enter

    def _beyond_exit(self, value: float) -> bool:
        return value <= self.exit if self.rising else value >= self.exit

    def at_rest(self, value: float) -> bool:
        """Whether ``value`` lies on the resting side of the exit threshold."""
        return self._beyond_exit(value)

    def update(self, value: float | None, time: float) -> bool:
        if value is None or not np.isfinite(value):
            return False
        wants_change = self._beyond_exit(value) if self.active else self._beyond_enter(value)
        if not wants_change:
            self._pending_since = None
            return False
        if self._pending_since is None:
            self._pending_since = time
        if time - self._pending_since + 1e-9 < self.min_duration:
            return False
        self.active = not self.active
        self.changed_at = self._pending_since
        self._pending_since = None
        return True

    def reset(self, time: float) -> list[Event]:
        self.active = self._initial
        self._pending_since = None
        self.changed_at = None
        return []
