"""The pain-monitoring model: replay past sessions to find today's level of one exercise.

Each past session that contained the exercise is judged on its own:

- step back one level when the session stopped for pain, in-session pain went above
  ``keep_max_pain``, or next-morning pain was ``step_back_morning_rise`` or more above the
  pain before the session;
- count toward a step up when the exercise was completed, in-session pain stayed at or
  below ``progress_max_pain`` and the next-morning pain was recorded and no worse than the
  pain before the session; ``sessions_to_progress`` such sessions in a row at one level
  move up one level;
- otherwise keep the level (moderate pain, a missing check-in or rating, an unfinished set),
  which also restarts the count toward a step up.

The level the person actually did (``ExerciseOutcome.level``) is the starting point of each
judgement, so the history, not the current rules, says where the person is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backcoach.planning.history import ExerciseOutcome, SessionSummary
from backcoach.planning.plan import Change
from backcoach.planning.settings import Settings


class Cause(StrEnum):
    """Why a level was chosen; the planner turns it into a sentence."""

    FIRST_TIME = "first_time"
    LOW_PAIN_STREAK = "low_pain_streak"  # progressed (or at the top of the ladder)
    LOW_PAIN_BUILDING = "low_pain_building"  # a good session, not enough in a row yet
    MODERATE_PAIN_SETTLED = "moderate_pain_settled"
    MODERATE_PAIN_UNSETTLED = "moderate_pain_unsettled"  # morning a little above baseline
    MORNING_SLIGHTLY_WORSE = "morning_slightly_worse"  # low pain, morning a little worse
    NO_CHECKIN = "no_checkin"
    NO_PAIN_BEFORE = "no_pain_before"
    NO_PAIN_DURING = "no_pain_during"
    NOT_COMPLETED = "not_completed"
    STOPPED_FOR_PAIN = "stopped_for_pain"
    HIGH_PAIN = "high_pain"
    MORNING_RISE = "morning_rise"


STEP_BACK_CAUSES = frozenset({Cause.STOPPED_FOR_PAIN, Cause.HIGH_PAIN, Cause.MORNING_RISE})


class Verdict(StrEnum):
    GOOD = "good"  # counts toward a step up
    KEEP = "keep"
    STEP_BACK = "step_back"


@dataclass(frozen=True)
class Assessment:
    """The judgement of one session for one exercise."""

    verdict: Verdict
    cause: Cause


@dataclass(frozen=True)
class LevelDecision:
    """Today's level of one exercise and the evidence behind it.

    ``previous_level``: the level done in the latest session with the exercise (None when
    never done). ``evidence``: the sessions the decision rests on, oldest first (the good
    run for a step up, else the latest session). ``at_top``: the level is the ladder's last.
    """

    exercise_id: str
    level: int
    previous_level: int | None
    change: Change
    cause: Cause
    evidence: tuple[SessionSummary, ...]
    at_top: bool
    at_bottom: bool


def assess_session(
    session: SessionSummary, done: ExerciseOutcome, settings: Settings
) -> Assessment:
    """Judge one session for one exercise by the pain-monitoring rules."""
    baseline = session.baseline_pain
    morning = session.next_morning_pain
    peak = session.max_pain
    if session.status == "stopped_pain":
        return Assessment(Verdict.STEP_BACK, Cause.STOPPED_FOR_PAIN)
    if peak is not None and peak > settings.keep_max_pain:
        return Assessment(Verdict.STEP_BACK, Cause.HIGH_PAIN)
    if (
        morning is not None
        and baseline is not None
        and morning >= baseline + settings.step_back_morning_rise
    ):
        return Assessment(Verdict.STEP_BACK, Cause.MORNING_RISE)
    if not done.completed:
        return Assessment(Verdict.KEEP, Cause.NOT_COMPLETED)
    if peak is None:
        return Assessment(Verdict.KEEP, Cause.NO_PAIN_DURING)
    if peak > settings.progress_max_pain:
        if morning is None:
            return Assessment(Verdict.KEEP, Cause.NO_CHECKIN)
        if baseline is not None and morning > baseline:
            return Assessment(Verdict.KEEP, Cause.MODERATE_PAIN_UNSETTLED)
        return Assessment(Verdict.KEEP, Cause.MODERATE_PAIN_SETTLED)
    if baseline is None:
        return Assessment(Verdict.KEEP, Cause.NO_PAIN_BEFORE)
    if morning is None:
        return Assessment(Verdict.KEEP, Cause.NO_CHECKIN)
    if morning > baseline:
        return Assessment(Verdict.KEEP, Cause.MORNING_SLIGHTLY_WORSE)
    return Assessment(Verdict.GOOD, Cause.LOW_PAIN_BUILDING)


def decide_level(
    exercise_id: str,
    level_count: int,
    history: list[SessionSummary],
    settings: Settings,
) -> LevelDecision:
    """Replay ``history`` (oldest first) and return today's level of one exercise."""
    top = max(0, level_count - 1)
    level: int | None = None
    previous: int | None = None
    cause = Cause.FIRST_TIME
    change = Change.START
    good_run: list[SessionSummary] = []
    evidence: tuple[SessionSummary, ...] = ()

    for session in history:
        done = next((e for e in session.exercises if e.exercise_id == exercise_id), None)
        if done is None:
            continue
        did = max(0, min(done.level, top))
        if did != previous:
            good_run = []  # a different level than before: the count toward a step restarts
        previous = did
        verdict = assess_session(session, done, settings)
        cause = verdict.cause
        evidence = (session,)
        if verdict.verdict is Verdict.STEP_BACK:
            level = max(0, did - 1)
            good_run = []
        elif verdict.verdict is Verdict.KEEP:
            level = did
            good_run = []
        else:
            good_run.append(session)
            evidence = tuple(good_run)
            if len(good_run) >= settings.sessions_to_progress:
                cause = Cause.LOW_PAIN_STREAK
                level = min(top, did + 1)
                good_run = []
            else:
                level = did

    if level is None:
        return LevelDecision(exercise_id, 0, None, Change.START, cause, (), top == 0, True)
    if previous is not None and level > previous:
        change = Change.UP
    elif previous is not None and level < previous:
        change = Change.DOWN
    else:
        change = Change.SAME
    return LevelDecision(
        exercise_id, level, previous, change, cause, evidence, level >= top, level <= 0
    )
