"""The one guided session the web coach runs at a time.

A thin layer over ``CameraLedSession`` (the camera-led state machine in the player) and
``SessionRecorder``: it turns page commands, pain reports and the live analysis of each frame
into calls on the session, hands every player event to the recorder (so the journal is
written as things happen), and keeps the cues and warnings the page shows and speaks. The
policy (when get ready ends, what counts, what is said) lives in the player.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backcoach.analysis.events import Event, EventKind
from backcoach.analysis.posture import Position
from backcoach.catalog.schema import Catalog, Dose
from backcoach.errors import InputError, WrongState
from backcoach.journal.recorder import SessionRecorder
from backcoach.journal.store import JournalStore
from backcoach.planning.pain import should_stop, validate_pain
from backcoach.planning.plan import Plan
from backcoach.planning.settings import Settings
from backcoach.player.camera_led import CameraLedSession, CameraView, Said
from backcoach.player.clock import Clock
from backcoach.player.events import PlayerEvent

CUES_KEPT = 20

# quit asks first (confirm_quit ends, keep_going carries on); camera_off: this exercise
# without the camera; no_camera: the rest of the session without it.
COMMANDS = (
    "ready",
    "pause",
    "resume",
    "toggle_pause",
    "skip",
    "quit",
    "confirm_quit",
    "keep_going",
    "camera_off",
    "camera_on",
    "no_camera",
)


@dataclass(frozen=True)
class Cue:
    id: int
    text: str
    kind: str  # guide | warning | avoided | stop


def _position(value: object) -> Position:
    try:
        return Position(str(value))
    except ValueError:
        return Position.UNKNOWN


class WebCoach:
    """Holds the active session, if any; every method runs on the server's event loop."""

    def __init__(
        self,
        store: JournalStore,
        catalog: Catalog,
        planning: Settings,
        clock: Clock,
        now: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._planning = planning
        self._clock = clock
        self._now = now
        self._session: CameraLedSession | None = None
        self._recorder: SessionRecorder | None = None
        self._cue_ids = itertools.count(1)
        self._cues: deque[Cue] = deque(maxlen=CUES_KEPT)
        self._warning: str | None = None
        self._avoided: str | None = None
        self._exercise_index: int | None = None
        self._pain_after_done = False
        self._pain_message: str | None = None
        self._outcome: dict[str, Any] | None = None
        self.plan: Plan | None = None
        self.session_id: int | None = None

    # ------------------------------------------------------------------ reading
    @property
    def active(self) -> bool:
        """A session is running, or finished and still waiting for the pain-after rating."""
        return self._session is not None and not (self._session.finished and self._pain_after_done)

    @property
    def running(self) -> bool:
        return self._session is not None and not self._session.finished

    @property
    def camera_wanted(self) -> bool:
        """The page should stream camera frames for the current exercise."""
        return self._session is not None and self._session.camera

    def planned_dose(self, exercise_id: str) -> Dose | None:
        """Today's dose of an exercise in the running plan (None outside a session)."""
        if self.plan is None:
            return None
        return next((i.dose for i in self.plan.items if i.exercise_id == exercise_id), None)

    def current_exercise_id(self) -> str | None:
        if self._session is None:
            return None
        item = self._session.current_item()
        return item.exercise_id if item else None

    # ------------------------------------------------------------------ commands
    def start(self, plan: Plan, pain_before: object, *, camera: bool = True) -> None:
        """Begin a session; ``pain_before`` is checked here (0-10, as typed or sent)."""
        if self.running:
            raise WrongState("A session is already running; finish or quit it first.")
        score = validate_pain(pain_before, what="Pain before the session")
        self._reset()
        self.plan = plan
        self._session = CameraLedSession(
            plan,
            self._clock,
            camera=camera,
            catalog=self._catalog,
            stop_pain_above=self._planning.stop_pain_above,
        )
        self._recorder = SessionRecorder(self._store, self._now, front_end="web")
        self._handle(self._session.start(pain_before=score))
        self.session_id = self._recorder.session_id

    def _reset(self) -> None:
        self._cues.clear()
        self._warning = None
        self._avoided = None
        self._exercise_index = None
        self._pain_after_done = False
        self._pain_message = None
        self._outcome = None
        self.session_id = None

    def _require_session(self) -> CameraLedSession:
        if self._session is None:
            raise WrongState("No session is running. Start today's session first.")
        return self._session

    def command(self, name: str) -> None:
        session = self._require_session()
        if name not in COMMANDS:
            raise InputError(f"Unknown command '{name}'. Known commands: {', '.join(COMMANDS)}.")
        if name in ("camera_off", "no_camera"):
            session.without_camera(for_session=name == "no_camera")
        elif name == "camera_on":
            session.with_camera()
        else:
            method = {"quit": "ask_quit", "keep_going": "cancel_quit"}.get(name, name)
            action: Callable[[], list[PlayerEvent]] = getattr(session, method)
            self._handle(action())
        self._handle([])

    def report_pain(self, score: object) -> bool:
        """Record pain during the session; True when it stopped the session."""
        session = self._require_session()
        value = validate_pain(score)
        check = should_stop(value, self._planning)
        self._pain_message = check.message
        self._handle(session.report_pain(value))
        return check.stop

    def finish(self, pain_after: object | None) -> None:
        """Record the pain after the session (or none when the person skips it)."""
        session = self._require_session()
        if not session.finished:
            self._handle(session.confirm_quit())
        value = None if pain_after is None else validate_pain(pain_after, what="Pain after")
        assert self._recorder is not None
        if value is not None:
            self._recorder.record_pain_after(value)
        self._pain_after_done = True

    def tick(self) -> None:
        if self.running:
            self._handle(self._require_session().tick())

    def on_camera(self, events: list[Event], pose: dict[str, Any] | None = None) -> None:
        """Apply one analysed frame (the live pose message and its events) to the session."""
        if not self.camera_wanted:
            return
        session = self._require_session()
        exercise_id = self.current_exercise_id()
        if pose is not None:
            exercise_id = pose.get("exercise_id")
        analysis = (pose or {}).get("analysis") or {}
        hold = analysis.get("hold_seconds")
        view = CameraView(
            exercise_id=exercise_id,
            seen=True if pose is None else bool(pose.get("detected", pose.get("landmarks"))),
            position=_position((pose or {}).get("position")),
            in_start_position=bool((pose or {}).get("in_start_position", False)),
            hold_seconds=None if hold is None else float(hold),
            missing_message="" if analysis.get("seen", True) else str(analysis.get("message")),
            events=tuple(events),
        )
        self._handle(session.observe(view))
        if exercise_id != self.current_exercise_id() or self._session_paused():
            return  # another exercise's frame, or paused: no warnings either
        for event in events:
            if event.kind is EventKind.FORM_WARNING and event.message:
                self._warning = event.message
                self._say(event.message, "warning")
                self._record_warning(event.code or "form", event.message)
            elif event.kind is EventKind.AVOIDED_MOVEMENT and event.message:
                self._avoided = event.message
                self._say(event.message, "avoided")
                self._record_warning(event.code or "avoided-movement", event.message)

    # ------------------------------------------------------------------ machinery
    def _session_paused(self) -> bool:
        return self._session is not None and self._session.player.snapshot().paused

    def _record_warning(self, code: str, message: str) -> None:
        assert self._recorder is not None
        self._recorder.add_form_warning(code, message)

    def _say(self, text: str, kind: str) -> None:
        self._cues.append(Cue(next(self._cue_ids), text, kind))

    def _handle(self, events: list[PlayerEvent]) -> None:
        """Journal the player's events and show what the session said."""
        session = self._require_session()
        if events:
            assert self._recorder is not None
            self._recorder.handle(events)
        index = session.player.snapshot().exercise_index
        if index != self._exercise_index:
            self._exercise_index = index
            self._warning = None
            self._avoided = None
        for text, said in session.take_said():
            self._say(text, "stop" if said is Said.STOP else said.value)

    def state(self) -> dict[str, Any]:
        """Everything the session page draws, as JSON."""
        if self._session is None:
            return {"active": False}
        session = self._session
        snap = session.player.snapshot()
        item = snap.item
        coach = session.view()
        return {
            "active": self.active,
            "session_id": self.session_id,
            "running": self.running,
            "finished": session.finished,
            "pain_after_done": self._pain_after_done,
            "state": snap.state.value,
            "paused": snap.paused,
            "phase": snap.phase.value,
            "counting": snap.counting.value,
            "camera": self.camera_wanted,
            "use_camera": session.camera_chosen,
            "exercise_index": snap.exercise_index,
            "exercise_count": snap.exercise_count,
            "exercise_id": item.exercise_id if item else None,
            "name": item.name if item else None,
            "dose": item.dose.describe() if item else None,
            "part": snap.part.label if snap.part and snap.part_count > 1 else None,
            "side": snap.side if snap.side not in (None, "none") else None,
            "rep": snap.rep,
            "reps": snap.reps,
            "reps_done": self._reps_done(),
            "hold_target": item.dose.hold_seconds if item else 0.0,
            "seconds_left": round(snap.seconds_left, 1),
            "phase_seconds": round(snap.phase_seconds, 1),
            "progress": round(snap.progress, 3),
            "next_name": snap.next_item.name if snap.next_item else None,
            "status": snap.status.value if snap.status else None,
            "reason": snap.reason,
            "pain_message": self._pain_message,
            "warning": self._warning,
            "avoided": self._avoided,
            "coach": coach.to_dict(),
            "cues": [{"id": c.id, "text": c.text, "kind": c.kind} for c in self._cues],
            "outcome": self._finished_outcome(),
        }

    def _finished_outcome(self) -> dict[str, Any] | None:
        """How the finished session went, in the shared words (read once from the journal)."""
        if self._session is None or not self._session.finished or self.session_id is None:
            return None
        if self._outcome is None:
            record = next((r for r in self._store.sessions() if r.id == self.session_id), None)
            self._outcome = None if record is None else record.outcome.to_dict()
        return self._outcome

    def _reps_done(self) -> int:
        assert self._session is not None
        results = self._session.player.results
        return results[-1].repetitions_done if results else 0
