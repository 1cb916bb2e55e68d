"""Shared tools for analyzers, and the base class they subclass.

How to write an analyzer
------------------------
1. Subclass ``BaseAnalyzer``; set ``exercise_id`` and ``required_parts`` (names from
   ``backcoach.pose.landmarks.BODY_PARTS`` the exercise cannot be judged without).
2. Build your tools in ``__init__`` (after ``super().__init__()``): a ``RepCounter`` for
   movements that are counted, a ``HoldTracker`` for positions that are held, ``Hysteresis``
   for any yes/no judgement made from a noisy number (e.g. "hips are up").
3. Implement ``analyze(frame) -> list[Event]``. It is only called for frames in which the
   person and the required parts are seen; compute your driving number (an angle, a height
   normalised by body size), feed your tools, collect their events, and set
   ``self.phase``, ``self.driving_value``, ``self.driving_label``, ``self.side`` for display.
4. Override ``reset_motion(time)`` to drop half-finished movement after a scene cut or a long
   time unseen (call ``super().reset_motion(time)``; it resets every tool registered with
   ``self.track(tool)``), and ``close(time)`` to close a running hold at the end.
5. Use ``self.warn(code, message, time)`` for form warnings: it rate-limits each code so the
   person is not told the same thing every frame, and counts warnings for the current rep.
   When your ``RepCounter`` emits ``rep_completed``, emit ``self.rep_completed(event, side)``
   instead: it bumps ``rep_count`` and attaches the rep's warnings and start time.
6. Reports are built from events: ``rep_completed`` (time = end, ``duration``,
   ``data["start"]``, ``data["warnings"]``, ``side``) and ``hold_ended`` (``duration``,
   ``data["start"]``, ``side``). Holds shorter than the tracker's ``min_hold`` never appear.

Every threshold is in seconds or in body-size units so it works at any frame rate and any
distance from the camera. Jitter never counts a rep: a state only changes when the signal
crosses the far threshold of a hysteresis band *and* stays there for a minimum time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from backcoach.analysis.events import AnalyzerState, Event, EventKind
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import BODY_PARTS

# A frame gap longer than this (seconds) inside the stream is treated like a cut.
MAX_FRAME_GAP = 0.6
JUMP_RATE = 10.0  # frames a second down to which CutDetector's ``jump`` applies as it is


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


class HoldTracker(Resettable):
    """Times a held position.

    Feed it ``holding`` (True, False, or None when the position cannot be judged) each frame.
    A hold counts once the position has been held ``min_hold`` seconds (``hold_started`` is
    then emitted, dated to when the position was first reached). Dropouts (False or None)
    shorter than ``grace`` seconds do not break it. ``hold_ended`` carries the duration from
    the first to the last frame in the position.
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

    @property
    def running(self) -> bool:
        return self.announced

    def seconds(self, time: float) -> float | None:
        """The running hold timer for display, None when no hold is counted."""
        if not self.announced or self.started_at is None or self.last_held_at is None:
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
            if self.started_at is None:
                self.started_at = time if since is None else min(since, time)
                self.side = side
            self.last_held_at = time
            if not self.announced and time - self.started_at + 1e-9 >= self.min_hold:
                self.announced = True
                events.append(
                    Event(EventKind.HOLD_STARTED, self.started_at, side=self.side, code=self.label)
                )
            return events
        if self.last_held_at is not None and time - self.last_held_at > self.grace:
            events += self._end()
        return events

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
        self.started_at = None
        self.last_held_at = None
        self.announced = False
        self.side = None
        self._suspended = False
        return events

    def finish(self, time: float) -> list[Event]:
        return self._end()

    def reset(self, time: float) -> list[Event]:
        # A cut ends a hold unless the same position is seen again soon (resume_within).
        if self.resume_within > 0 and self.announced:
            self._suspended = True
            return []
        return self._end()


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


# Landmarks that move together when the whole picture changes (a cut) but not all at once
# in any real movement: shoulders, hips, knees, ankles.
_CUT_LANDMARKS = (11, 12, 23, 24, 25, 26, 27, 28)


class CutDetector:
    """Tells a scene cut from movement: every landmark jumps at once between two frames.

    The jump is measured in body sizes (shoulder-to-hip length). A person moves a limb fast,
    but the hips, shoulders, knees and ankles never all move a large part of a torso length
    within one frame; a cut to another camera angle or a zoom does exactly that. A change of
    the apparent body size by more than ``scale_ratio`` also counts (a cut to a close-up),
    and so does a gap in the stream longer than ``max_gap`` seconds.
    """

    def __init__(
        self, *, jump: float = 0.15, scale_ratio: float = 1.3, max_gap: float = MAX_FRAME_GAP
    ) -> None:
        self.jump = jump
        self.scale_ratio = scale_ratio
        self.max_gap = max_gap
        self._prev: PoseFrame | None = None
        self._prev_time: float | None = None
        self.cuts: list[float] = []

    @staticmethod
    def body_size(frame: PoseFrame) -> float | None:
        px = frame.pixels()
        shoulders = (px[11] + px[12]) / 2
        hips = (px[23] + px[24]) / 2
        size = float(np.linalg.norm(shoulders - hips))
        return size if np.isfinite(size) and size > 1.0 else None

    def update(self, frame: PoseFrame) -> bool:
        """True when this frame starts a new scene."""
        time = frame.timestamp
        gap = self._prev_time is not None and time - self._prev_time > self.max_gap
        self._prev_time = time
        if not frame.detected:
            return bool(gap)
        prev, self._prev = self._prev, frame
        if prev is None:
            return False
        cut = bool(gap) or self._jumped(prev, frame, time - prev.timestamp)
        if cut:
            self.cuts.append(time)
        return cut

    def _jumped(self, prev: PoseFrame, cur: PoseFrame, dt: float) -> bool:
        size_a, size_b = self.body_size(prev), self.body_size(cur)
        if size_a is None or size_b is None:
            return False
        ratio = max(size_a, size_b) / min(size_a, size_b)
        if ratio > self.scale_ratio:
            return True
        idx = list(_CUT_LANDMARKS)
        moves = np.linalg.norm(cur.pixels()[idx] - prev.pixels()[idx], axis=1)
        moves = moves[np.isfinite(moves)]
        if moves.size < 4:
            return False
        # The smallest moves decide: a cut moves even the landmarks that were still. A body
        # moves further between frames that are further apart, so the jump allowed grows with
        # the time between them (``jump`` is for frames 1/10 s apart, or closer).
        quiet = float(np.sort(moves)[moves.size // 4])
        allowed = self.jump * max(1.0, dt * JUMP_RATE)
        return quiet / min(size_a, size_b) > allowed

    def reset(self) -> None:
        self._prev = None
        self._prev_time = None


@dataclass
class _WarningGate:
    cooldown: float
    last: dict[str, float] = field(default_factory=dict)

    def allow(self, code: str, time: float) -> bool:
        prev = self.last.get(code)
        if prev is not None and time - prev < self.cooldown:
            return False
        self.last[code] = time
        return True


class BaseAnalyzer:
    """Implements the ``Analyzer`` protocol: visibility, cuts, warnings and display state.

    Subclasses implement ``analyze(frame)`` (called only when the needed parts are seen) and
    may override ``reset_motion`` and ``close``.
    """

    exercise_id: str = ""
    required_parts: tuple[str, ...] = ("shoulders", "hips", "knees")
    unseen_reset_seconds = 1.5  # unseen this long: forget movement in progress
    warning_cooldown = 4.0

    def __init__(self) -> None:
        self.visibility = VisibilityTracker(self.required_parts)
        self.cuts = CutDetector()
        self.phase = "waiting"
        self.side: str | None = None
        self.driving_value: float | None = None
        self.driving_label = ""
        self.message = ""
        self.rep_count = 0
        self.rep_warnings: list[str] = []
        self._tools: list[Resettable] = []
        self._gate = _WarningGate(self.warning_cooldown)
        self._notes_given: set[str] = set()
        self._unseen_since: float | None = None
        self._motion_dropped = False
        self._last_time = 0.0
        self._hold_display: HoldTracker | None = None

    # -- for subclasses ---------------------------------------------------------------
    def track(self, tool: Resettable) -> None:
        """Register a tool so cuts and long dropouts reset it."""
        self._tools.append(tool)
        if isinstance(tool, HoldTracker) and self._hold_display is None:
            self._hold_display = tool

    def analyze(self, frame: PoseFrame) -> list[Event]:
        raise NotImplementedError

    def reset_motion(self, time: float) -> list[Event]:
        events: list[Event] = []
        for tool in self._tools:
            events += tool.reset(time)
        self.rep_warnings = []
        return events

    def close(self, time: float) -> list[Event]:
        """End of the recording: close running holds and count a rep cut short by the end."""
        events: list[Event] = []
        for tool in self._tools:
            if isinstance(tool, HoldTracker):
                events += tool.finish(time)
            elif isinstance(tool, RepCounter):
                events += [self.rep_completed(e, self.side) for e in tool.finish(time)]
        return events

    def warn(self, code: str, message: str, time: float, side: str | None = None) -> list[Event]:
        if code not in self.rep_warnings:
            self.rep_warnings.append(code)
        if not self._gate.allow(code, time):
            return []
        self.message = message
        return [Event(EventKind.FORM_WARNING, time, side=side, code=code, message=message)]

    def note_once(self, code: str, message: str, time: float) -> list[Event]:
        if code in self._notes_given:
            return []
        self._notes_given.add(code)
        return [Event(EventKind.NOTE, time, code=code, message=message)]

    def take_rep_warnings(self) -> list[str]:
        out, self.rep_warnings = self.rep_warnings, []
        return out

    def rep_completed(self, counted: Event, side: str | None = None, **data: object) -> Event:
        """The rep event to emit for a ``RepCounter`` completion: bumps the count and carries
        the warnings given since the last rep (``data["warnings"]``) and ``data["start"]``."""
        self.rep_count += 1
        merged = dict(counted.data, warnings=self.take_rep_warnings(), **data)
        return Event(
            EventKind.REP_COMPLETED,
            counted.time,
            side=side,
            duration=counted.duration,
            data=merged,
        )

    # -- the Analyzer protocol -----------------------------------------------------------
    def update(self, frame: PoseFrame) -> list[Event]:
        time = frame.timestamp
        self._last_time = time
        events = self.visibility.update(frame)
        cut = bool(frame.extras.get("scene_cut", False)) | self.cuts.update(frame)
        if cut:
            events += self.reset_motion(time)
        if not self.visibility.frame_seen:
            if self._unseen_since is None:
                self._unseen_since = time
            if time - self._unseen_since >= self.unseen_reset_seconds and not self._motion_dropped:
                events += self.reset_motion(time)
                self._motion_dropped = True
            self.phase = "unseen" if not self.visibility.seen else self.phase
            return events
        self._unseen_since = None
        self._motion_dropped = False
        events += self.analyze(frame)
        return events

    def finish(self, time: float) -> list[Event]:
        return self.close(time)

    @property
    def state(self) -> AnalyzerState:
        hold = self._hold_display.seconds(self._last_time) if self._hold_display else None
        return AnalyzerState(
            phase=self.phase,
            reps=self.rep_count,
            side=self.side,
            hold_seconds=hold,
            driving_value=self.driving_value,
            driving_label=self.driving_label,
            seen=self.visibility.seen,
            missing=self.visibility.missing,
            message=self.message,
        )
