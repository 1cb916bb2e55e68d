"""Which body parts the camera cannot see, steadied in time."""

from __future__ import annotations

import numpy as np

from backcoach.analysis.events import Event, EventKind
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import BODY_PARTS

# A frame gap longer than this (seconds) inside the stream is treated like a cut.
MAX_FRAME_GAP = 0.6


class VisibilityTracker:
    """Which body parts are missing, with hysteresis in time; accumulates unseen seconds.

    A part is seen when at least one of its landmarks has visibility >= ``threshold`` and lies
    inside the image (with a small margin). ``cannot_see`` is emitted after ``grace`` seconds
    of a part missing, ``seen_again`` after ``grace`` seconds of all parts seen.
    """

    def __init__(
        self,
        parts: tuple[str, ...],
        *,
        threshold: float = 0.5,
        grace: float = 0.5,
        margin: float = 0.05,
    ) -> None:
        unknown = [p for p in parts if p not in BODY_PARTS]
        if unknown:
            raise ValueError(f"unknown body parts: {unknown}")
        self.parts = parts
        self.threshold = threshold
        self.grace = grace
        self.margin = margin
        self.seen = True
        self.missing: tuple[str, ...] = ()
        self.unseen_seconds = 0.0
        self._flip_since: float | None = None
        self._last_time: float | None = None
        self._frame_missing: tuple[str, ...] = ()

    def missing_parts(self, frame: PoseFrame) -> tuple[str, ...]:
        if not frame.detected:
            return self.parts
        out: list[str] = []
        for part in self.parts:
            idx = list(BODY_PARTS[part])
            vis = frame.visibility[idx]
            xy = frame.image[idx, :2]
            inside = np.all((xy > -self.margin) & (xy < 1 + self.margin), axis=1)
            if not bool(np.any((vis >= self.threshold) & inside)):
                out.append(part)
        return tuple(out)

    def update(self, frame: PoseFrame) -> list[Event]:
        time = frame.timestamp
        missing = self.missing_parts(frame)
        self._frame_missing = missing
        if self._last_time is not None:
            dt = min(max(time - self._last_time, 0.0), MAX_FRAME_GAP)
            if missing:
                self.unseen_seconds += dt
        self._last_time = time
        events: list[Event] = []
        frame_seen = not missing
        if frame_seen == self.seen:
            self._flip_since = None
            if not self.seen and missing != self.missing:
                self.missing = missing
            return events
        if self._flip_since is None:
            self._flip_since = time
        if time - self._flip_since + 1e-9 < self.grace:
            return events
        self.seen = frame_seen
        since = self._flip_since
        self._flip_since = None
        if self.seen:
            self.missing = ()
            events.append(Event(EventKind.SEEN_AGAIN, since, message="I can see you again."))
        else:
            self.missing = missing
            events.append(
                Event(
                    EventKind.CANNOT_SEE,
                    since,
                    message=cannot_see_message(missing),
                    data={"missing": list(missing)},
                )
            )
        return events

    @property
    def frame_seen(self) -> bool:
        """Whether the latest frame (not the debounced state) shows every needed part."""
        return not self._frame_missing


def cannot_see_message(missing: tuple[str, ...]) -> str:
    if not missing:
        return ""
    if len(missing) == 1:
        parts = f"your {missing[0]}"
    else:
        parts = "your " + ", ".join(missing[:-1]) + f" and {missing[-1]}"
    return f"I can't see {parts}; move so the camera sees all of you."
