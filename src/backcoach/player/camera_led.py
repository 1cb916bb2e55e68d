"""A camera-led session: the camera decides when each exercise starts and counts its reps.

``CameraLedSession(plan, clock, camera=True, catalog=...)`` wraps a ``SessionPlayer`` (which
still keeps the plan's order, the results and the events the journal records) and adds the
policy a person meets when the camera leads:

- *Get ready* lasts until the exercise's own analysis has seen its start position for a
  steady moment (``observe(CameraView)``); a wrong position is said plainly ("You are lying on
  your back; the press-up starts lying face down"). "I'm in position" (``ready``) always works.
- Then the camera's reps drive the set; reps seen outside the set's active phase (getting
  ready, a rest, the rest before the next exercise, paused) are never counted. Holds are shown
  from the camera's running hold timer; pause freezes it.
- When nobody is seen: "I can't see you". When someone is seen but no rep or hold comes for
  ``quiet_seconds``, or the position is wrong for a while, the coach says what it sees.
- ``without_camera()`` hands the counting to the timers at any moment (mid-set included);
  without the camera get ready counts down visibly (``ready_in``) before it starts by itself.
- ``skip()`` skips what the person sees: during a rest the rest, otherwise the exercise, and
  says which. ``ask_quit()`` pauses and waits for ``confirm_quit()`` or ``cancel_quit()``.

Every command returns the player's events (for the journal's recorder); ``take_said()``
hands over, once, what the coach says (to show and speak); ``view()`` is what to draw.
No I/O; the clock is injected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from backcoach.analysis.engine import START_POSITION, AnalysisUpdate
from backcoach.analysis.events import CANNOT_JUDGE_NOTES, Event, EventKind
from backcoach.analysis.posture import Position
from backcoach.catalog.schema import Catalog
from backcoach.planning.plan import Plan, PlanItem
from backcoach.player.clock import Clock
from backcoach.player.events import Counting, Phase, PlayerEvent, PlayerState
from backcoach.player.events import EventKind as PlayerKind
from backcoach.player.session import DEFAULT_BETWEEN_SECONDS, DEFAULT_STOP_PAIN_ABOVE, SessionPlayer

QUIET_SECONDS = 15.0  # seen, but no rep or hold for this long: say so
UNSEEN_SECONDS = 0.6  # nobody seen for this long: "I can't see you"
WRONG_POSITION_SECONDS = 3.0  # in the set, a wrong position this long is said
START_STEADY_SECONDS = 1.0  # the start position seen this long ends get ready
MIN_GET_READY_SECONDS = 3.0  # get ready is shown at least this long (time to read it)
READY_SECONDS_WITHOUT_CAMERA = 20.0  # without the camera, get ready counts down this long
SAY_AGAIN_SECONDS = 10.0  # a camera message back within this is shown, not said again
MAX_FRAME_GAP = 0.5  # a longer gap between two frames counts as this long
_NO_END = 24 * 3600.0  # the player itself never ends get ready

WAITING = "Waiting for the camera."
STAY = "That's the start position. Stay there a moment."
_UNSPOKEN = frozenset({WAITING, STAY})

ACTIVE_PHASES = frozenset({Phase.MOVE, Phase.HOLD, Phase.RETURN})
RESTS = frozenset({Phase.REST, Phase.BETWEEN})

# How a position reads in "You are ..." and in "... starts ...".
_POSITION_WORDS = {
    Position.SUPINE: "lying on your back",
    Position.PRONE: "lying face down",
    Position.QUADRUPED: "on your hands and knees",
    Position.STANDING: "standing",
    Position.SITTING: "sitting",
}


class Guide(StrEnum):
    CAMERA = "camera"
    TIMERS = "timers"


class Said(StrEnum):
    GUIDE = "guide"  # the session's own prompts
    CAMERA = "camera"  # what the camera sees
    STOP = "stop"  # the session ended


@dataclass(frozen=True)
class CameraView:
    """What the live analysis made of one frame, for the exercise it was analysed as."""

    exercise_id: str | None
    seen: bool  # a person is in the picture
    position: Position = Position.UNKNOWN
    in_start_position: bool = False  # the engine has seen the exercise's start position
    hold_seconds: float | None = None  # the analyzer's running hold, None when not holding
    missing_message: str = ""  # the analyzer's words when parts it needs are out of view
    events: tuple[Event, ...] = ()

    @classmethod
    def from_update(cls, exercise_id: str | None, update: AnalysisUpdate) -> CameraView:
        state = update.state
        return cls(
            exercise_id=exercise_id,
            seen=update.frame.detected,
            position=update.position,
            in_start_position=update.in_start_position,
            hold_seconds=None if state is None else state.hold_seconds,
            missing_message="" if state is None or state.seen else state.message,
            events=update.events,
        )


@dataclass(frozen=True)
class CoachView:
    """What the front end draws beside the player's snapshot."""

    guide: Guide
    message: str | None  # what the camera sees now, when it matters; None when all is well
    hold_seconds: float
    hold_running: bool
    ready_in: float | None  # without the camera: seconds until get ready ends by itself
    skip_label: str  # "Skip the bridge", "Skip the rest"; "" when there is nothing to skip
    confirming_quit: bool
    start_position: str  # the position the exercise starts in, in plain words ("" unknown)

    def to_dict(self) -> dict[str, Any]:
        return {
            "guide": self.guide.value,
            "message": self.message,
            "hold_seconds": round(self.hold_seconds, 1),
            "hold_running": self.hold_running,
            "ready_in": None if self.ready_in is None else round(self.ready_in, 1),
            "skip_label": self.skip_label,
            "confirming_quit": self.confirming_quit,
            "start_position": self.start_position,
        }


def position_words(position: Position) -> str:
    return _POSITION_WORDS.get(position, "")


def the_exercise(name: str) -> str:
    """'Press-up' -> 'the press-up', for use inside a sentence."""
    return "the " + name[:1].lower() + name[1:]


def wrong_position(seen: Position, needed: Position, name: str, *, starts: bool) -> str:
    """'You are lying on your back; the press-up starts lying face down.'"""
    verb = "starts" if starts else "is done"
    return f"You are {position_words(seen)}; {the_exercise(name)} {verb} {position_words(needed)}."


@dataclass
class _Watch:
    """What the camera has shown during the current exercise."""

    last_view: CameraView | None = None
    last_view_at: float = 0.0
    unseen_for: float = 0.0
    wrong_for: float = 0.0
    start_for: float = 0.0
    quiet_for: float = 0.0
    hold_shown: float = 0.0
    hold_running: bool = False
    hold_offset: float = 0.0  # paused seconds inside the running hold
    last_hold_ended: float = 0.0
    cannot_see: str | None = None  # the analysis's own words on what it cannot judge
    ready_in: float | None = None
    get_ready_for: float = 0.0
    said_parts: set[tuple[int, str]] = field(default_factory=set)
    shown_at: dict[str, float] = field(default_factory=dict)  # camera messages, last shown


class CameraLedSession:
    def __init__(
        self,
        plan: Plan,
        clock: Clock,
        *,
        camera: bool = True,
        catalog: Catalog | None = None,
        stop_pain_above: int = DEFAULT_STOP_PAIN_ABOVE,
        between_seconds: float = DEFAULT_BETWEEN_SECONDS,
        quiet_seconds: float = QUIET_SECONDS,
        ready_seconds_without_camera: float = READY_SECONDS_WITHOUT_CAMERA,
    ) -> None:
        self.player = SessionPlayer(
            plan,
            clock,
            counting=Counting.CAMERA if camera else Counting.TIMER,
            stop_pain_above=stop_pain_above,
            intro_seconds=_NO_END,
            between_seconds=between_seconds,
            catalog=catalog,
        )
        self._clock = clock
        self._camera_session = camera  # the person chose the camera for the session
        self._camera = camera  # the camera leads the current exercise
        self._quiet_seconds = quiet_seconds
        self._ready_seconds = ready_seconds_without_camera
        self._watch = _Watch()
        self._last_tick = clock.now()
        self._said: list[tuple[str, Said]] = []
        self._message: str | None = None
        self._confirming_quit = False
        self._paused_for_quit = False

    # ------------------------------------------------------------------ reading
    @property
    def camera(self) -> bool:
        """The camera leads (and should be streaming for) the current exercise."""
        return self._camera and self.running

    @property
    def camera_chosen(self) -> bool:
        return self._camera_session

    @property
    def running(self) -> bool:
        return self.player.state in (PlayerState.RUNNING, PlayerState.PAUSED)

    @property
    def finished(self) -> bool:
        return self.player.finished

    def current_item(self) -> PlanItem | None:
        if not self.running:
            return None
        return self.player.snapshot().item

    def take_said(self) -> list[tuple[str, Said]]:
        """What the coach said since the last call, oldest first (each line once)."""
        said, self._said = self._said, []
        return said

    def view(self) -> CoachView:
        item = self.current_item()
        needed = START_POSITION.get(item.exercise_id) if item else None
        hold, running = self._hold_now()
        return CoachView(
            guide=Guide.CAMERA if self._camera else Guide.TIMERS,
            message=self._message,
            hold_seconds=hold,
            hold_running=running,
            ready_in=self._watch.ready_in if self.player.phase is Phase.INTRO else None,
            skip_label=self._skip_label(),
            confirming_quit=self._confirming_quit,
            start_position=position_words(needed) if needed else "",
        )

    # ------------------------------------------------------------------ commands
    def start(self, pain_before: int | None = None) -> list[PlayerEvent]:
        self._last_tick = self._clock.now()
        return self._took(self.player.start(pain_before=pain_before))

    def tick(self) -> list[PlayerEvent]:
        now = self._clock.now()
        elapsed, self._last_tick = max(0.0, now - self._last_tick), now
        events = self._took(self.player.tick())
        if self.player.state is not PlayerState.RUNNING:
            return events
        watch = self._watch
        phase = self.player.phase
        if phase is Phase.INTRO:
            watch.get_ready_for += elapsed
            if not self._camera and watch.ready_in is not None:
                watch.ready_in = max(0.0, watch.ready_in - elapsed)
                if watch.ready_in <= 0.0:
                    events += self._took(self.player.ready())
            elif self._camera and self._start_position_held():
                events += self._begin_set()
        if self._camera and phase in ACTIVE_PHASES and not watch.hold_running:
            watch.quiet_for += elapsed
        elif phase not in ACTIVE_PHASES:
            watch.quiet_for = 0.0
        self._update_message()
        return events

    def observe(self, view: CameraView) -> list[PlayerEvent]:
        """One analysed frame. Ignored unless the camera leads this very exercise."""
        item = self.current_item()
        if not self._camera or item is None or view.exercise_id != item.exercise_id:
            return []
        events = self.tick()
        watch = self._watch
        now = self._clock.now()
        step = 0.0 if watch.last_view is None else min(MAX_FRAME_GAP, now - watch.last_view_at)
        watch.last_view, watch.last_view_at = view, now
        watch.unseen_for = 0.0 if view.seen else watch.unseen_for + step
        self._follow_hold(view)
        needed = START_POSITION.get(item.exercise_id)
        wrong = (
            view.seen
            and needed is not None
            and view.position not in (needed, Position.UNKNOWN)
            and not view.in_start_position
        )
        watch.wrong_for = watch.wrong_for + step if wrong else 0.0
        if view.in_start_position or (needed is None and view.seen):
            watch.start_for += step
        else:
            watch.start_for = 0.0
        paused = self.player.state is not PlayerState.RUNNING
        for event in view.events:
            if event.kind is EventKind.HOLD_ENDED and event.duration is not None:
                watch.last_hold_ended = event.duration
            if event.kind is EventKind.NOTE and event.code in CANNOT_JUDGE_NOTES:
                watch.cannot_see = event.message
            if event.kind is not EventKind.REP_COMPLETED:
                continue
            if paused or self.player.phase not in ACTIVE_PHASES:
                continue  # getting ready, resting or paused: nothing is counted
            hold = float(event.data.get("hold_seconds", watch.last_hold_ended) or 0.0)
            watch.last_hold_ended = 0.0
            watch.quiet_for = 0.0
            events += self._took(self.player.camera_rep(event.side, hold))
        if self.player.phase is Phase.INTRO and self._start_position_held():
            events += self._begin_set()
        self._update_message()
        return events

    def ready(self) -> list[PlayerEvent]:
        """The person says they are in position (or wants the rest over)."""
        self._resume_if_paused()
        return self._took(self.player.ready())

    def pause(self) -> list[PlayerEvent]:
        return self._took(self.player.pause())

    def resume(self) -> list[PlayerEvent]:
        self._confirming_quit = False
        return self._took(self.player.resume())

    def toggle_pause(self) -> list[PlayerEvent]:
        if self.player.state is PlayerState.PAUSED:
            return self.resume()
        return self.pause()

    def skip(self) -> list[PlayerEvent]:
        """Skip what the person sees: a rest (then what follows it begins), or the exercise."""
        if not self.running:
            return []
        phase = self.player.phase
        if phase in RESTS:
            self._resume_if_paused()
            self._say("Rest skipped.", Said.GUIDE)
            return self._took(self.player.ready())
        item = self.current_item()
        name = item.name if item else "this exercise"
        self._say(f"Skipped {the_exercise(name)}.", Said.GUIDE)
        self._skipping = True
        try:
            return self._took(self.player.skip())
        finally:
            self._skipping = False

    _skipping = False

    def ask_quit(self) -> list[PlayerEvent]:
        """Quit asks first: the session pauses until the person confirms or carries on."""
        if not self.running or self._confirming_quit:
            return []
        self._confirming_quit = True
        self._paused_for_quit = self.player.state is PlayerState.RUNNING
        return self._took(self.player.pause())

    def cancel_quit(self) -> list[PlayerEvent]:
        if not self._confirming_quit:
            return []
        self._confirming_quit = False
        if self._paused_for_quit:
            self._paused_for_quit = False
            return self._took(self.player.resume())
        return []

    def confirm_quit(self, reason: str | None = None) -> list[PlayerEvent]:
        self._confirming_quit = False
        return self._took(self.player.quit(reason))

    def report_pain(self, score: int) -> list[PlayerEvent]:
        return self._took(self.player.report_pain(score))

    def without_camera(self, *, for_session: bool = True) -> None:
        """The timers guide and count from now on (this exercise, or the rest of the session)."""
        if not self.running:
            return
        self._camera = False
        if for_session:
            self._camera_session = False
        self.player.set_counting(Counting.TIMER)
        if self.player.phase is Phase.INTRO:
            self._watch.ready_in = self._ready_seconds
        self._message = None

    def with_camera(self) -> None:
        if not self.running:
            return
        self._camera = self._camera_session = True
        self.player.set_counting(Counting.CAMERA)
        self._watch = _Watch()
        self._update_message()

    # ------------------------------------------------------------------ machinery
    def _resume_if_paused(self) -> None:
        if self.player.state is PlayerState.PAUSED:
            self._confirming_quit = False
            self._took(self.player.resume())

    def _start_position_held(self) -> bool:
        watch = self._watch
        return (
            watch.start_for >= START_STEADY_SECONDS and watch.get_ready_for >= MIN_GET_READY_SECONDS
        )

    def _begin_set(self) -> list[PlayerEvent]:
        self._say("That's the start position. Begin when you are ready.", Said.CAMERA)
        return self._took(self.player.ready())

    def _follow_hold(self, view: CameraView) -> None:
        watch = self._watch
        if view.hold_seconds is None:
            watch.hold_running = False
            watch.hold_offset = 0.0
            return
        if self.player.state is PlayerState.PAUSED:
            # Frozen: the analyzer's timer runs on, so the paused time is taken off later.
            watch.hold_offset = max(0.0, view.hold_seconds - watch.hold_shown)
            watch.hold_running = False
            return
        watch.hold_running = True
        watch.quiet_for = 0.0
        watch.hold_shown = max(0.0, view.hold_seconds - watch.hold_offset)

    def _hold_now(self) -> tuple[float, bool]:
        if self._camera:
            watch = self._watch
            running = watch.hold_running and self.player.state is PlayerState.RUNNING
            return watch.hold_shown, running
        snap = self.player.snapshot()
        if snap.phase is Phase.HOLD:
            return snap.phase_seconds - snap.seconds_left, not snap.paused
        return self._watch.hold_shown, False

    def _skip_label(self) -> str:
        if not self.running:
            return ""
        if self.player.phase in RESTS:
            return "Skip the rest"
        item = self.current_item()
        return f"Skip {the_exercise(item.name)}" if item else ""

    def _update_message(self) -> None:
        message = self._camera_message()
        now = self._clock.now()
        shown = self._watch.shown_at
        if message is not None and message != self._message and message not in _UNSPOKEN:
            last = shown.get(message)
            if last is None or now - last >= SAY_AGAIN_SECONDS:
                self._say(message, Said.CAMERA)
        if message is not None:
            shown[message] = now
        self._message = message

    def _camera_message(self) -> str | None:
        if not self._camera or not self.running:
            return None
        item = self.current_item()
        watch = self._watch
        view = watch.last_view
        if item is None or view is None:
            return WAITING if item is not None else None
        if not view.seen and watch.unseen_for >= UNSEEN_SECONDS:
            return "I can't see you. Come into the picture so I can follow you."
        if not view.seen:
            return self._message  # a moment out of view: keep what was said
        phase = self.player.phase
        needed = START_POSITION.get(item.exercise_id)
        if phase is Phase.INTRO:
            if needed is None:
                return None
            if view.position not in (needed, Position.UNKNOWN) and not view.in_start_position:
                return wrong_position(view.position, needed, item.name, starts=True)
            if view.in_start_position:
                return STAY
            return f"Get into the start position: {position_words(needed)}."
        if view.missing_message:
            return view.missing_message
        if phase in ACTIVE_PHASES:
            if needed is not None and watch.wrong_for >= WRONG_POSITION_SECONDS:
                return wrong_position(view.position, needed, item.name, starts=False)
            if watch.quiet_for >= self._quiet_seconds:
                if watch.cannot_see is not None:
                    return watch.cannot_see  # why nothing is counted, in the analysis's words
                return (
                    f"I can see you, but I have not seen a repetition for "
                    f"{self._quiet_seconds:g} seconds. Carry on, or go on without the camera."
                )
        return None

    def _took(self, events: list[PlayerEvent]) -> list[PlayerEvent]:
        """Follow the player's events: a new exercise resets the watch; cues are said."""
        for event in events:
            if event.kind is PlayerKind.EXERCISE_STARTED:
                self._camera = self._camera_session
                self.player.set_counting(Counting.CAMERA if self._camera else Counting.TIMER)
                self._watch = _Watch(
                    ready_in=None if self._camera else self._ready_seconds,
                )
                self._message = None
            if event.kind is PlayerKind.PART_RELEASED and not self._camera:
                item = self.current_item()
                self._watch.hold_shown = item.dose.hold_seconds if item else 0.0
            self._say_event(event)
        return events

    def _say_event(self, event: PlayerEvent) -> None:
        if not event.cue:
            return
        kind = event.kind
        if kind is PlayerKind.SESSION_FINISHED:
            self._say(event.cue, Said.STOP)
            return
        if self._camera and kind in (PlayerKind.PART_HELD, PlayerKind.PART_RELEASED):
            return  # the person sets the pace; the timers' prompts would contradict the camera
        if kind is PlayerKind.PART_STARTED and self._camera:
            key = (event.rep or 0, event.part.key if event.part else "")
            if key in self._watch.said_parts:
                return  # the guidance cycle came round again; the count has not moved
            self._watch.said_parts.add(key)
        if kind is PlayerKind.REST_STARTED and event.between_exercises and self._skipping:
            self._say(event.cue.removeprefix("Well done. "), Said.GUIDE)
            return
        self._say(event.cue, Said.GUIDE)

    def _say(self, text: str, kind: Said) -> None:
        self._said.append((text, kind))
