"""Counting repetitions of a movement driven by one number."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backcoach.analysis.events import Event, EventKind
from backcoach.analysis.tools.hysteresis import Hysteresis, Resettable


@dataclass
class _RepInProgress:
    start: float
    peak_value: float
    reached_peak: bool = False


class RepCounter(Resettable):
    """Counts repetitions of a movement from one driving number.

    A rep starts when the value leaves the rest band (crosses ``start``) and completes when it
    returns (crosses ``finish``) after having reached ``peak``; hysteresis plus ``min_phase``
    seconds in each state keep jitter out. A rep shorter than ``min_rep`` seconds is discarded.
    ``rising=True`` means the movement raises the value (hips lift); False means it lowers it.
    After ``reset`` (a scene cut) the counter waits to see the rest position again before it
    counts: a movement that straddles a cut is never counted.
    """

    def __init__(
        self,
        *,
        start: float,
        peak: float,
        finish: float | None = None,
        rising: bool = True,
        min_phase: float = 0.15,
        min_rep: float = 0.8,
        max_rep: float | None = None,
        needs_rest_first: bool = True,
    ) -> None:
        finish = start if finish is None else finish
        if (rising and not finish <= start <= peak) or (not rising and not finish >= start >= peak):
            raise ValueError("thresholds must be ordered finish <= start <= peak (or mirrored)")
        self.start_threshold = start
        self.peak_threshold = peak
        self.finish_threshold = finish
        self.rising = rising
        self.min_phase = min_phase
        self.min_rep = min_rep
        self.max_rep = max_rep
        self.needs_rest_first = needs_rest_first
        self.count = 0
        self.reps: list[tuple[float, float]] = []
        self._band = Hysteresis(start, finish, rising=rising, min_duration=min_phase)
        self._armed = not needs_rest_first
        self._current: _RepInProgress | None = None

    @property
    def phase(self) -> str:
        if not self._armed:
            return "waiting"
        return "moving" if self._current is not None else "rest"

    def _beyond(self, value: float, threshold: float) -> bool:
        return value >= threshold if self.rising else value <= threshold

    def update(self, value: float | None, time: float) -> list[Event]:
        if value is None or not np.isfinite(value):
            return []
        events: list[Event] = []
        changed = self._band.update(value, time)
        if not self._armed:
            # Arm once the value is seen on the rest side: a movement whose start was not
            # seen (it began before a cut or before the video) is never counted.
            if not self._band.active and not self._beyond(value, self.start_threshold):
                self._armed = True
            return events
        if changed and self._band.active:
            start = self._band.changed_at if self._band.changed_at is not None else time
            self._current = _RepInProgress(start=start, peak_value=value)
            events.append(Event(EventKind.REP_STARTED, start))
        elif self._current is not None:
            cur = self._current
            if self._beyond(value, cur.peak_value):
                cur.peak_value = value
            if self._beyond(value, self.peak_threshold):
                cur.reached_peak = True
            if changed and not self._band.active:
                end = self._band.changed_at if self._band.changed_at is not None else time
                duration = end - cur.start
                too_long = self.max_rep is not None and duration > self.max_rep
                if cur.reached_peak and duration + 1e-9 >= self.min_rep and not too_long:
                    self.count += 1
                    self.reps.append((cur.start, end))
                    events.append(
                        Event(
                            EventKind.REP_COMPLETED,
                            end,
                            duration=round(duration, 3),
                            data={"start": round(cur.start, 3), "peak": round(cur.peak_value, 3)},
                        )
                    )
                self._current = None
        return events

    def finish(self, time: float) -> list[Event]:
        """At the end of the recording: a rep that reached its peak counts even if the video
        stops before the return is complete (a clip that ends while lowering)."""
        cur, self._current = self._current, None
        if cur is None or not cur.reached_peak or time - cur.start + 1e-9 < self.min_rep:
            return []
        self.count += 1
        self.reps.append((cur.start, time))
        return [
            Event(
                EventKind.REP_COMPLETED,
                time,
                duration=round(time - cur.start, 3),
                data={"start": round(cur.start, 3), "peak": round(cur.peak_value, 3), "open": True},
            )
        ]

    @property
    def in_rep_since(self) -> float | None:
        return self._current.start if self._current is not None else None

    def reset(self, time: float) -> list[Event]:
        self._band.reset(time)
        self._current = None
        self._armed = not self.needs_rest_first
        return []
