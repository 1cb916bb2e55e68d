"""What analyzers report, frame by frame.

An analyzer is fed one PoseFrame at a time (``update(frame) -> list[Event]``) and keeps
its own state; the same analyzer serves recorded video and the live camera.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from backcoach.pose.frame import PoseFrame


class EventKind(StrEnum):
    REP_STARTED = "rep_started"
    REP_COMPLETED = "rep_completed"
    HOLD_STARTED = "hold_started"
    HOLD_ENDED = "hold_ended"
    FORM_WARNING = "form_warning"
    AVOIDED_MOVEMENT = "avoided_movement"
    CANNOT_SEE = "cannot_see"
    SEEN_AGAIN = "seen_again"
    NOTE = "note"


# Notes that say what the camera cannot judge from where it is (rather than coaching tips):
# the live coach says them when nothing has been counted for a while.
CANNOT_JUDGE_NOTES = frozenset(
    {
        "tilt-not-visible",
        "back-from-head",
        "cat-cow-not-seen",
        "cat-cow-small",
        "roll-side-unseen",
        "roll-shallow",
    }
)


@dataclass(frozen=True)
class Event:
    kind: EventKind
    time: float
    side: str | None = None  # "left", "right", "both" or None
    duration: float | None = None  # holds: seconds held; reps: seconds from start to end
    code: str | None = None  # machine-readable warning code, e.g. "hips-sag"
    message: str = ""  # for the person, in plain words
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["kind"] = self.kind.value
        return {k: v for k, v in out.items() if v not in (None, {}, "")}


@dataclass(frozen=True)
class AnalyzerState:
    """A snapshot for display: what the live page and the annotated video draw."""

    phase: str  # e.g. "down", "up", "holding", "rest", "unseen"
    reps: int
    side: str | None = None
    hold_seconds: float | None = None  # running hold timer, None when not holding
    driving_value: float | None = None  # the angle/height that drives the count
    driving_label: str = ""
    seen: bool = True
    missing: tuple[str, ...] = ()  # body parts not visible
    message: str = ""


class Analyzer(Protocol):
    exercise_id: str

    def update(self, frame: PoseFrame) -> list[Event]: ...

    def finish(self, time: float) -> list[Event]:
        """Close anything still open (a hold running at the end of the video)."""
        ...

    @property
    def state(self) -> AnalyzerState: ...
