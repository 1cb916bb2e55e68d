"""The one guided session the web coach runs at a time.

A thin layer over ``SessionPlayer`` and ``SessionRecorder``: it turns page commands, pain
reports and the camera's analyzer events into player commands, hands every player event to
the recorder (so the journal is written as things happen), and keeps the cues and warnings
the page shows and speaks.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backcoach.analysis.events import Event, EventKind
from backcoach.catalog.schema import Catalog, Dose
from backcoach.errors import InputError, WrongState
from backcoach.journal.recorder import SessionRecorder
from backcoach.journal.store import JournalStore
from backcoach.planning.pain import should_stop, validate_pain
from backcoach.planning.plan import Plan
from backcoach.planning.settings import Settings
from backcoach.player.clock import Clock
from backcoach.player.events import (
    Counting,
    Phase,
    PlayerEvent,
)
from backcoach.player.events import (
    EventKind as PlayerKind,
)
from backcoach.player.session import SessionPlayer

# Without the camera, the intro (start position and steps) moves on by itself after this.
INTRO_SECONDS_WITHOUT_CAMERA = 20.0
# With the camera the intro waits for the setup check; the player itself never times it out.
INTRO_SECONDS_PLAYER = 24 * 3600.0
CUES_KEPT = 20

# camera_off: this exercise without the camera; no_camera: the rest of the session (no camera).
COMMANDS = (
    "ready",
    "pause",
    "resume",
    "toggle_pause",
    "skip",
    "quit",
    "camera_off",
    "camera_on",
    "no_camera",
)


@dataclass(frozen=True)
class Cue:
    id: int
    text: str
    kind: str  # guide | warning | avoided | stop


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
        self._player: SessionPlayer | None = None
        self._recorder: SessionRecorder | None = None
        self._use_camera = False
        self._camera_for_exercise = False
        self._intro_began: float | None = None
        self._last_hold = 0.0
        self._cue_ids = itertools.count(1)
        self._cues: deque[Cue] = deque(maxlen=CUES_KEPT)
        self._warning: str | None = None
        self._avoided: str | None = None
        self._pain_after_done = False
        self._pain_message: str | None = None
        self._outcome: dict[str, Any] | None = None
        self.plan: Plan | None = None
        self.session_id: int | None = None

    # ------------------------------------------------------------------ reading
    @property
    def active(self) -> bool:
        """A session is running, or finished and still waiting for the pain-after rating."""
        return self._player is not None and not (self._player.finished and self._pain_after_done)

    @property
    def running(self) -> bool:
        return self._player is not None and not self._player.finished

    @property
    def camera_wanted(self) -> bool:
        """The page should stream camera frames for the current exercise."""
        return self.running and self._camera_for_exercise

    def planned_dose(self, exercise_id: str) -> Dose | None:
        """Today's dose of an exercise in the running plan (None outside a session)."""
        if self.plan is None:
            return None
        return next((i.dose for i in self.plan.items if i.exercise_id == exercise_id), None)

    def current_exercise_id(self) -> str | None:
        if self._player is None or self._player.finished:
            return None
        snapshot = self._player.snapshot()
        return snapshot.item.exercise_id if snapshot.item else None

    # ------------------------------------------------------------------ commands
    def start(self, plan: Plan, pain_before: object, *, camera: bool = True) -> None:
        """Begin a session; ``pain_before`` is checked here (0-10, as typed or sent)."""
        if self.running:
            raise WrongState("A session is already running; finish or quit it first.")
        score = validate_pain(pain_before, what="Pain before the session")
        self._reset()
        self.plan = plan
        self._use_camera = camera
        self._camera_for_exercise = camera
        self._player = SessionPlayer(
            plan,
            self._clock,
            counting=Counting.CAMERA if camera else Counting.TIMER,
            stop_pain_above=self._planning.stop_pain_above,
            intro_seconds=INTRO_SECONDS_PLAYER,
            catalog=self._catalog,
        )
        self._recorder = SessionRecorder(self._store, self._now, front_end="web")
        self._handle(self._player.start(pain_before=score))
        self.session_id = self._recorder.session_id

    def _reset(self) -> None:
        self._cues.clear()
        self._warning = None
        self._avoided = None
        self._pain_after_done = False
        self._pain_message = None
        self._outcome = None
        self._last_hold = 0.0
        self._intro_began = None
        self.session_id = None

    def _require_player(self) -> SessionPlayer:
        if self._player is None:
            raise WrongState("No session is running. Start today's session first.")
        return self._player

    def command(self, name: str) -> None:
        player = self._require_player()
        if name not in COMMANDS:
            raise InputError(f"Unknown command '{name}'. Known commands: {', '.join(COMMANDS)}.")
        if name in ("camera_off", "no_camera"):
            self._use_camera = self._use_camera and name == "camera_off"
            self._camera_for_exercise = False
            player.set_counting(Counting.TIMER)
            self._intro_began = self._clock.now()
            return
        if name == "camera_on":
            self._camera_for_exercise = self._use_camera = True
            player.set_counting(Counting.CAMERA)
            return
        action: Callable[[], list[PlayerEvent]] = getattr(player, name)
        self._handle(action())

    def report_pain(self, score: object) -> bool:
        """Record pain during the session; True when it stopped the session."""
        player = self._require_player()
        value = validate_pain(score)
        check = should_stop(value, self._planning)
        self._pain_message = check.message
        self._handle(player.report_pain(value))
        return check.stop

    def finish(self, pain_after: object | None) -> None:
        """Record the pain after the session (or none when the person skips it)."""
        player = self._require_player()
        if not player.finished:
            self._handle(player.quit())
        value = None if pain_after is None else validate_pain(pain_after, what="Pain after")
        assert self._recorder is not None
        if value is not None:
            self._recorder.record_pain_after(value)
        self._pain_after_done = True

    def tick(self) -> None:
        if not self.running:
            return
        player = self._require_player()
        self._handle(player.tick())
        if (
            player.phase is Phase.INTRO
            and not self._camera_for_exercise
            and self._intro_began is not None
            and self._clock.now() - self._intro_began >= INTRO_SECONDS_WITHOUT_CAMERA
        ):
            self._handle(player.ready())

    def on_camera(self, events: list[Event]) -> None:
        """Apply the analyzer's events of one frame to the session."""
        if not self.camera_wanted:
            return
        player = self._require_player()
        for event in events:
            if event.kind is EventKind.HOLD_ENDED and event.duration is not None:
                self._last_hold = event.duration
            elif event.kind is EventKind.REP_COMPLETED:
                if player.phase is Phase.INTRO:
                    continue  # movement while getting into position does not count
                hold = float(event.data.get("hold_seconds", self._last_hold) or 0.0)
                self._handle(player.camera_rep(event.side, hold))
                self._last_hold = 0.0
            elif event.kind is EventKind.FORM_WARNING and event.message:
                self._warning = event.message
                self._say(event.message, "warning")
                self._record_warning(event.code or "form", event.message)
            elif event.kind is EventKind.AVOIDED_MOVEMENT and event.message:
                self._avoided = event.message
                self._say(event.message, "avoided")
                self._record_warning(event.code or "avoided-movement", event.message)

    # ------------------------------------------------------------------ machinery
    def _record_warning(self, code: str, message: str) -> None:
        assert self._recorder is not None
        self._recorder.add_form_warning(code, message)

    def _say(self, text: str, kind: str) -> None:
        self._cues.append(Cue(next(self._cue_ids), text, kind))

    def _handle(self, events: list[PlayerEvent]) -> None:
        if not events:
            return
        assert self._recorder is not None
        self._recorder.handle(events)
        for event in events:
            if event.kind is PlayerKind.SET_FINISHED:
                self._camera_back_on()
            if event.kind is PlayerKind.EXERCISE_STARTED:
                self._intro_began = event.at
                self._warning = None
                self._avoided = None
                self._last_hold = 0.0
                self._camera_back_on()
                name = event.item.name if event.item else "the next exercise"
                self._say(f"Next: {name}. Get into the start position.", "guide")
                continue
            if event.cue:
                kind = "stop" if event.kind is PlayerKind.SESSION_FINISHED else "guide"
                self._say(event.cue, kind)

    def _camera_back_on(self) -> None:
        """Each exercise starts with the camera again when the person chose it for the session."""
        if self._use_camera and self._player is not None:
            self._camera_for_exercise = True
            self._player.set_counting(Counting.CAMERA)

    def state(self) -> dict[str, Any]:
        """Everything the session page draws, as JSON."""
        if self._player is None:
            return {"active": False}
        snap = self._player.snapshot()
        item = snap.item
        return {
            "active": self.active,
            "session_id": self.session_id,
            "running": self.running,
            "finished": self._player.finished,
            "pain_after_done": self._pain_after_done,
            "state": snap.state.value,
            "paused": snap.paused,
            "phase": snap.phase.value,
            "counting": snap.counting.value,
            "camera": self.camera_wanted,
            "use_camera": self._use_camera,
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
            "cues": [{"id": c.id, "text": c.text, "kind": c.kind} for c in self._cues],
            "outcome": self._finished_outcome(),
        }

    def _finished_outcome(self) -> dict[str, Any] | None:
        """How the finished session went, in the shared words (read once from the journal)."""
        if self._player is None or not self._player.finished or self.session_id is None:
            return None
        if self._outcome is None:
            record = next((r for r in self._store.sessions() if r.id == self.session_id), None)
            self._outcome = None if record is None else record.outcome.to_dict()
        return self._outcome

    def _reps_done(self) -> int:
        assert self._player is not None
        results = self._player.results
        return results[-1].repetitions_done if results else 0
