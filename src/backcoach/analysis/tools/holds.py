"""Timing a held position, with a grace period for short wobbles."""

from __future__ import annotations

from backcoach.analysis.events import Event, EventKind
from backcoach.analysis.tools.hysteresis import Resettable

# Seconds back in the position, after a dropout, before the hold goes on: more than one frame
# apart at the analysis rate and at 10 fps, so a single frame of jitter never counts.
RESUME_CONFIRM = 0.1


class HoldTracker(Resettable):
    """Times a held position.

    Feed it ``holding`` (True, False, or None when the position cannot be judged) each frame.
    A hold counts once the position has been held ``min_hold`` seconds (``hold_started`` is
    then emitted, dated to when the position was first reached). Dropouts (False or None)
    shorter than ``grace`` seconds do not break it, but the position must then be held again
    for ``RESUME_CONFIRM`` seconds before the hold goes on: one frame of the pose model's
    jitter after a release does not stretch the hold. ``hold_ended`` carries the duration
    from the first to the last frame in the position. Holds never overlap: a hold dated back
    by ``since`` starts no earlier than the last held moment before it (of a hold, or of a
    position left before it became one), and never later than the frame that starts it.
    Nor is a hold dated back across a break in what was seen: a reset (a cut, a long time
    unseen), or more than ``grace`` seconds without a judgement (no frame fed, or None). A
    judgement made before the break says nothing of when the position seen after it was
    reached. For the same reason, a dropout that outlasted ``grace`` unseen ends the hold
    when the position is seen again.
    """

    def __init__(
        self,
        *,
        min_hold: float = 1.0,
        grace: float = 0.6,
        label: str = "hold",
        resume_within: float = 0.0,
    ) -> None:
        self.min_hold = min_hold
        self.grace = grace
        self.label = label
        # After a cut or time unseen, the same position on the same side seen again within
        # this many seconds continues the hold (an edited video cutting to a close-up).
        self.resume_within = resume_within
        self._suspended = False
        self.started_at: float | None = None
        self.last_held_at: float | None = None
        self.announced = False
        self.side: str | None = None
        self.holds: list[tuple[float, float, str | None]] = []
        self._dropped = False  # out of the position since ``last_held_at``
        self._back_at: float | None = None  # back in it since, not yet confirmed
        self._previous_end: float | None = None  # last held moment before this position
        self._break_at: float | None = None  # last reset, or end of a stretch not judged
        self._judged_at: float | None = None

    @property
    def running(self) -> bool:
        return self.announced

    def seconds(self, time: float) -> float | None:
        """The running hold timer for display, from the first moment in the position (before
        ``min_hold`` confirms it as a hold); None when not in the position."""
        if self.started_at is None or self.last_held_at is None:
            return None
        return self.last_held_at - self.started_at

    def update(
        self,
        holding: bool | None,
        time: float,
        side: str | None = None,
        since: float | None = None,
    ) -> list[Event]:
        """``since``: when the position was reached, if known to be earlier than ``time`` (a
        ``Hysteresis`` confirms a change only after its minimum duration)."""
        events: list[Event] = []
        if holding is not None:
            if self._judged_at is not None and time - self._judged_at > self.grace:
                self._break_at = time
            self._judged_at = time
        if self._suspended and self.last_held_at is not None and holding:
            # After a cut: the same position on the same side soon after continues the hold.
            self._suspended = False
            reached = time if since is None else min(since, time)
            if side != self.side or reached - self.last_held_at > self.resume_within:
                events += self._end()
        if holding and side is not None and self.side is not None and side != self.side:
            # Switching sides without a release still ends one hold and starts another.
            events += self._end()
        if holding:
            # Measured to the first frame back in the position (not to the ones confirming it).
            left_at = self.last_held_at if self._dropped and self._back_at is None else None
            if left_at is not None and time - left_at > self.grace:
                events += self._end()
            if self.started_at is None:
                self.started_at = self._reached(time, since)
                self.side = side
            elif self._dropped:
                self._back_at = time if self._back_at is None else self._back_at
                if time - self._back_at + 1e-9 < RESUME_CONFIRM:
                    return events
            self._dropped = False
            self._back_at = None
            self.last_held_at = time
            if not self.announced and time - self.started_at + 1e-9 >= self.min_hold:
                self.announced = True
                events.append(
                    Event(EventKind.HOLD_STARTED, self.started_at, side=self.side, code=self.label)
                )
            return events
        if self.last_held_at is not None:
            self._dropped = True
            self._back_at = None
            if time - self.last_held_at > self.grace:
                events += self._end()
        return events

    def _reached(self, time: float, since: float | None) -> float:
        reached = time if since is None else min(since, time)
        for bound in (self._previous_end, self._break_at):
            if bound is not None:
                reached = min(max(reached, bound), time)
        return reached

    def _end(self) -> list[Event]:
        events: list[Event] = []
        if self.announced and self.started_at is not None and self.last_held_at is not None:
            duration = self.last_held_at - self.started_at
            events.append(
                Event(
                    EventKind.HOLD_ENDED,
                    self.last_held_at,
                    side=self.side,
                    duration=round(duration, 3),
                    code=self.label,
                    data={"start": round(self.started_at, 3)},
                )
            )
            self.holds.append((self.started_at, self.last_held_at, self.side))
        if self.last_held_at is not None:
            self._previous_end = self.last_held_at
        self.started_at = None
        self.last_held_at = None
        self.announced = False
        self.side = None
        self._suspended = False
        self._dropped = False
        self._back_at = None
        return events

    def finish(self, time: float) -> list[Event]:
        return self._end()

    def reset(self, time: float) -> list[Event]:
        self._break_at = time
        # A cut ends a hold unless the same position is seen again soon (resume_within).
        if self.resume_within > 0 and self.announced:
            self._suspended = True
            return []
        return self._end()
