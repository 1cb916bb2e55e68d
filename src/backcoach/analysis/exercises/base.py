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

from backcoach.analysis.events import AnalyzerState, Event, EventKind
from backcoach.analysis.tools.cuts import CutDetector
from backcoach.analysis.tools.holds import HoldTracker
from backcoach.analysis.tools.hysteresis import Resettable
from backcoach.analysis.tools.reps import RepCounter
from backcoach.analysis.tools.visibility import VisibilityTracker
from backcoach.pose.frame import PoseFrame


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
