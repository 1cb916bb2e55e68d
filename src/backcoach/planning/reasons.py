"""One plain sentence saying why an exercise has today's dose."""

from __future__ import annotations

from backcoach.catalog.schema import Dose, Exercise, Side
from backcoach.planning.plan import Change
from backcoach.planning.progression import STEP_BACK_CAUSES, Cause, LevelDecision
from backcoach.planning.settings import Settings

_COUNT_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _count(dose: Dose) -> str:
    """The repetition count in the catalog's words: '6 reps', '6 each side', '6 of each'."""
    sides = [part.side for part in dose.parts]
    if len(sides) <= 1:
        return f"{dose.reps} reps"
    if len(sides) == 2 and set(sides) == {Side.LEFT, Side.RIGHT}:
        return f"{dose.reps} each side"
    if all(side == Side.NONE for side in sides):
        return f"{dose.reps} of each"
    return f"{dose.reps} rounds"


def dose_change(old: Dose, new: Dose) -> tuple[str, str] | None:
    """How the dose moved: (new quantity, old quantity), e.g. ("hold 5 s", "4 s").

    The stage (bird dog) is named by its label; otherwise the hold, then the repetitions.
    None when the two doses do not differ in any of these.
    """
    if (old.stage, old.stage_label) != (new.stage, new.stage_label):
        return (
            new.stage_label or new.stage or "the next stage",
            _lower(old.stage_label or old.stage or "the previous stage"),
        )
    if old.hold_seconds != new.hold_seconds:
        return f"hold {new.hold_seconds:g} s", f"{old.hold_seconds:g} s"
    if old.reps != new.reps:
        return _count(new), f"{old.reps}"
    return None


def _sessions(count: int) -> str:
    if count == 1:
        return "your last session"
    return f"your last {_COUNT_WORDS.get(count, str(count))} sessions"


def _good_run(count: int, settings: Settings) -> str:
    mornings = "the next morning was" if count == 1 else "the next mornings were"
    return (
        f"{_sessions(count)} stayed at or below {settings.progress_max_pain}/10 pain "
        f"and {mornings} no worse"
    )


def _why(decision: LevelDecision, settings: Settings) -> str:
    """The cause as a clause (no capital, no full stop)."""
    last = decision.evidence[-1] if decision.evidence else None
    peak = last.max_pain if last else None
    morning = last.next_morning_pain if last else None
    baseline = last.baseline_pain if last else None
    cause = decision.cause
    if cause is Cause.LOW_PAIN_STREAK:
        return _good_run(len(decision.evidence), settings)
    if cause is Cause.LOW_PAIN_BUILDING:
        run = len(decision.evidence)
        left = settings.sessions_to_progress - run
        more = "one more session" if left == 1 else f"{left} more sessions"
        return f"{_good_run(run, settings)}; {more} like that and it goes up"
    if cause is Cause.MODERATE_PAIN_SETTLED:
        return f"pain reached {peak}/10 but had settled by the next morning"
    if cause is Cause.MODERATE_PAIN_UNSETTLED:
        return (
            f"pain reached {peak}/10 and the next morning it was {morning}/10, still above "
            f"the {baseline}/10 you had before the session"
        )
    if cause is Cause.MORNING_SLIGHTLY_WORSE:
        return (
            f"pain stayed low, but the next morning it was {morning}/10, above the "
            f"{baseline}/10 you had before the session"
        )
    if cause is Cause.NO_CHECKIN:
        return (
            "no next-morning pain check-in was recorded after the last session, so the dose "
            "cannot go up yet"
        )
    if cause is Cause.NO_PAIN_BEFORE:
        return "no pain rating was recorded before the last session, so the dose cannot go up yet"
    if cause is Cause.NO_PAIN_DURING:
        return (
            "no pain rating was recorded during or after the last session, so the dose cannot "
            "go up yet"
        )
    if cause is Cause.NOT_COMPLETED:
        return "the last session did not finish this exercise"
    if cause is Cause.STOPPED_FOR_PAIN:
        return "the last session was stopped because of pain"
    if cause is Cause.HIGH_PAIN:
        return f"pain rose to {peak}/10 during the last session"
    if cause is Cause.MORNING_RISE:
        return (
            f"the next morning your pain was {morning}/10, {(morning or 0) - (baseline or 0)} "
            f"points above the {baseline}/10 you had before the last session"
        )
    return "this is where the exercise starts"


def explain(exercise: Exercise, decision: LevelDecision, settings: Settings) -> str:
    """One sentence, e.g. 'Hold 5 s, up from 4 s, because your last two sessions ...'."""
    dose = exercise.dose_at(decision.level)
    if decision.change is Change.START:
        if exercise.level_count == 1:
            return "Starting level: this exercise keeps one dose, the one shown here."
        return (
            f"Starting level: the gentlest of the {exercise.level_count} steps of this "
            "exercise, as you have not done it yet."
        )
    why = _why(decision, settings)
    previous = exercise.dose_at(decision.previous_level or 0)
    moved = dose_change(previous, dose)
    if decision.change is Change.UP:
        new, old = moved or (dose.describe(), "the previous step")
        return f"{_capital(new)}, up from {old}, because {why}."
    if decision.change is Change.DOWN:
        new, old = moved or (dose.describe(), "the previous step")
        return f"Back to {_lower(new)} from {old}: {why}."
    single = exercise.level_count == 1
    if decision.cause in STEP_BACK_CAUSES:
        if single:
            return f"Same dose, as this exercise has only one, but go gently: {why}."
        return f"Same as last time, already the easiest step: {why}."
    if single:
        return "Same as last time: this exercise keeps one dose throughout the program."
    good = decision.cause in (Cause.LOW_PAIN_STREAK, Cause.LOW_PAIN_BUILDING)
    if good and decision.at_top:
        return (
            f"Same as last time, the top of the ladder for this exercise: "
            f"{_good_run(len(decision.evidence), settings)}."
        )
    return f"Same as last time: {why}."
