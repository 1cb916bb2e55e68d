"""What the player tells its front ends: events as things happen, and snapshots to draw."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from backcoach.catalog.schema import Part
from backcoach.planning.plan import Plan, PlanItem


class Phase(StrEnum):
    IDLE = "idle"  # not started yet
    INTRO = "intro"  # start position and steps shown; `ready` or a timeout starts the reps
    MOVE = "move"  # getting into the part's position
    HOLD = "hold"  # holding it, with a countdown
    RETURN = "return"  # coming back slowly
    REST = "rest"  # between repetitions
    BETWEEN = "between"  # short rest before the next exercise
    FINISHED = "finished"


class PlayerState(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"


class Counting(StrEnum):
    TIMER = "timer"  # the timer counts each rep part when its return phase ends
    CAMERA = "camera"  # only `camera_rep` counts; the timers just guide


class CountedBy(StrEnum):
    """How a rep was counted, as the journal stores it."""

    HAND = "hand"
    CAMERA = "camera"


class SetStatus(StrEnum):
    COMPLETED = "completed"
    SKIPPED = "skipped"
    STOPPED = "stopped"  # quit or a pain stop in the middle of it


class SessionStatus(StrEnum):
    COMPLETED = "completed"
    QUIT = "quit"
    STOPPED_PAIN = "stopped_pain"


class EventKind(StrEnum):
    SESSION_STARTED = "session_started"  # plan, pain_before
    EXERCISE_STARTED = "exercise_started"  # item, exercise_index, counted_by: its set begins
    PART_STARTED = "part_started"  # rep, part, side: move into position
    PART_HELD = "part_held"  # hold_seconds: the hold countdown begins (not when 0)
    PART_RELEASED = "part_released"  # the slow return begins
    PART_FINISHED = "part_finished"  # rep, part, side, hold_seconds, counted_by: one rep row
    REST_STARTED = "rest_started"  # seconds; between_exercises tells which rest
    SET_FINISHED = "set_finished"  # item, status (SetStatus)
    PAUSED = "paused"
    RESUMED = "resumed"
    PAIN_REPORTED = "pain_reported"  # pain, stops
    SESSION_FINISHED = "session_finished"  # status (SessionStatus), reason


@dataclass(frozen=True)
class PlayerEvent:
    """One thing that happened. ``at`` is the player's clock (seconds); ``cue`` is what to say."""

    kind: EventKind
    at: float
    cue: str = ""
    exercise_index: int | None = None
    item: PlanItem | None = None
    rep: int | None = None  # 1-based repetition number
    part: Part | None = None
    side: str | None = None
    hold_seconds: float | None = None
    counted_by: CountedBy | None = None
    seconds: float | None = None  # length of a rest
    between_exercises: bool = False
    status: str | None = None  # SetStatus or SessionStatus value
    reason: str | None = None
    pain: int | None = None
    stops: bool = False  # a pain report that stops the session
    plan: Plan | None = None
    pain_before: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, for a web front end (the plan itself is left out)."""
        out: dict[str, Any] = {
            "kind": self.kind.value,
            "at": self.at,
            "cue": self.cue,
            "exercise_index": self.exercise_index,
            "exercise_id": self.item.exercise_id if self.item else None,
            "rep": self.rep,
            "part": self.part.key if self.part else None,
            "part_label": self.part.label if self.part else None,
            "side": self.side,
            "hold_seconds": self.hold_seconds,
            "counted_by": self.counted_by.value if self.counted_by else None,
            "seconds": self.seconds,
            "between_exercises": self.between_exercises,
            "status": self.status,
            "reason": self.reason,
            "pain": self.pain,
            "stops": self.stops,
            "pain_before": self.pain_before,
        }
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class RepDone:
    rep: int
    part: str
    side: str
    hold_seconds: float
    counted_by: CountedBy


@dataclass
class SetResult:
    """What was done of one exercise (grows as reps finish)."""

    exercise_index: int
    item: PlanItem
    status: SetStatus | None = None  # None while in progress
    reps: list[RepDone] = field(default_factory=list)

    @property
    def repetitions_done(self) -> int:
        """Whole repetitions done (every part of the repetition counted)."""
        parts = len(self.item.dose.part_list())
        return len(self.reps) // parts


@dataclass(frozen=True)
class Snapshot:
    """Everything a front end draws at one moment."""

    state: PlayerState
    phase: Phase
    counting: Counting
    exercise_count: int
    exercise_index: int | None = None  # 0-based
    item: PlanItem | None = None
    start_position: str = ""
    steps: tuple[str, ...] = ()
    part: Part | None = None
    part_index: int = 0
    part_count: int = 0
    side: str | None = None
    rep: int = 0  # 1-based, 0 before the first rep
    reps: int = 0
    seconds_left: float = 0.0
    phase_seconds: float = 0.0
    progress: float = 0.0  # 0..1 over the whole session
    cue: str = ""
    next_item: PlanItem | None = None  # during the rest between exercises
    status: SessionStatus | None = None
    reason: str | None = None

    @property
    def paused(self) -> bool:
        return self.state is PlayerState.PAUSED

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, for a web front end."""
        return {
            "state": self.state.value,
            "phase": self.phase.value,
            "counting": self.counting.value,
            "paused": self.paused,
            "exercise_index": self.exercise_index,
            "exercise_count": self.exercise_count,
            "exercise_id": self.item.exercise_id if self.item else None,
            "exercise_name": self.item.name if self.item else None,
            "dose": self.item.dose.describe() if self.item else None,
            "start_position": self.start_position,
            "steps": list(self.steps),
            "part": self.part.key if self.part else None,
            "part_label": self.part.label if self.part else None,
            "part_index": self.part_index,
            "part_count": self.part_count,
            "side": self.side,
            "rep": self.rep,
            "reps": self.reps,
            "seconds_left": round(self.seconds_left, 2),
            "phase_seconds": self.phase_seconds,
            "progress": round(self.progress, 4),
            "cue": self.cue,
            "next_exercise_id": self.next_item.exercise_id if self.next_item else None,
            "next_exercise_name": self.next_item.name if self.next_item else None,
            "status": self.status.value if self.status else None,
            "reason": self.reason,
        }
