"""What the journal hands out: frozen, detached copies of its rows.

Times are timezone-aware UTC. ``planned`` is the dose as planned (``Dose.model_dump``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from backcoach.player.outcome import SessionOutcome, session_outcome


@dataclass(frozen=True)
class ScreeningRecord:
    id: int
    taken_at: datetime
    answers: dict[str, bool]
    outcome: str  # clear | see_doctor | emergency
    flags: tuple[str, ...]
    caution_acknowledged: bool
    clinician_cleared_at: datetime | None


@dataclass(frozen=True)
class RepRow:
    """One repetition of one part (e.g. the left side)."""

    id: int
    index: int  # 1-based repetition number
    part: str
    side: str  # left | right | both | none
    hold_seconds: float
    counted_by: str  # hand | camera
    finished_at: datetime


@dataclass(frozen=True)
class FormWarningRecord:
    id: int
    at: datetime
    code: str
    message: str


@dataclass(frozen=True)
class SetRecord:
    """One exercise within a session: the planned dose and what was done."""

    id: int
    position: int
    exercise_id: str
    level: int
    planned: dict[str, Any]
    planned_reps: int
    planned_hold_seconds: float
    stage: str | None
    status: str  # in_progress | completed | skipped | stopped
    counted_by: str
    started_at: datetime
    ended_at: datetime | None
    reps: tuple[RepRow, ...]
    warnings: tuple[FormWarningRecord, ...]

    @property
    def reps_done(self) -> int:
        """Repetitions with at least one recorded part (distinct repetition numbers)."""
        return len({rep.index for rep in self.reps})

    @property
    def completed(self) -> bool:
        """Finished as completed with every planned repetition recorded."""
        return self.status == "completed" and self.reps_done >= self.planned_reps


@dataclass(frozen=True)
class PainRecord:
    id: int
    session_id: int | None
    at: datetime
    score: int  # 0-10
    context: str  # before | during | after
    note: str | None


@dataclass(frozen=True)
class CheckInRecord:
    """A next-morning pain check-in; ``day`` is the person's local calendar date."""

    id: int
    day: date
    at: datetime
    pain: int
    session_id: int | None  # the session of the day before, when there was one
    note: str | None


@dataclass(frozen=True)
class SessionRecord:
    id: int
    started_at: datetime
    ended_at: datetime | None
    status: str  # in_progress | completed | quit | stopped_pain
    front_end: str
    pain_before: int | None
    pain_after: int | None
    stop_reason: str | None
    plan: dict[str, Any] | None
    sets: tuple[SetRecord, ...]
    pain_entries: tuple[PainRecord, ...]
    checkin: CheckInRecord | None

    @property
    def max_pain(self) -> int | None:
        """The highest pain reported during or right after the session."""
        scores = [p.score for p in self.pain_entries if p.context in {"during", "after"}]
        if self.pain_after is not None:
            scores.append(self.pain_after)
        return max(scores) if scores else None

    @property
    def exercises_planned(self) -> int:
        """How many exercises the session's plan had (its sets when no plan was stored)."""
        exercises = (self.plan or {}).get("exercises")
        return len(exercises) if isinstance(exercises, list) else len(self.sets)

    @property
    def pain_during(self) -> tuple[int, ...]:
        """The pain ratings given during the session, in order."""
        return tuple(p.score for p in self.pain_entries if p.context == "during")

    @property
    def outcome(self) -> SessionOutcome:
        """How the session ended and how much was done, in the shared words."""
        return session_outcome(
            self.status,
            planned=self.exercises_planned,
            done=sum(1 for item in self.sets if item.completed),
            pain_during=self.pain_during,
            stop_reason=self.stop_reason,
            pain_before=self.pain_before,
            started=len(self.sets),
        )
