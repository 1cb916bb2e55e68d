"""What the planner needs to know about past sessions (the journal builds these)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class ExerciseOutcome:
    """How one exercise went in one session."""

    exercise_id: str
    level: int
    completed: bool  # every planned repetition was done


@dataclass(frozen=True)
class SessionSummary:
    """One past session as the progression rules see it.

    ``max_pain``: the highest pain reported during or right after the session.
    ``baseline_pain``: pain before the session (the person's baseline for that day).
    ``next_morning_pain``: the check-in the morning after, or None when none was recorded.
    ``status``: completed | quit | stopped_pain | in_progress.
    ``started_at``: when it started (timezone-aware), where the caller knows it; a
    clinician's prescription counts only the sessions that started after it.
    """

    session_id: int
    day: date
    status: str
    baseline_pain: int | None
    max_pain: int | None
    next_morning_pain: int | None
    exercises: tuple[ExerciseOutcome, ...]
    started_at: datetime | None = None
