"""Outcome measures as pure functions: PSFS scoring and timing, weekly averages and the change
flags a physiotherapist reads in the report. (What the outcome tables accept - PSFS names,
ratings, questionnaire ranges - is checked in ``backcoach.journal.outcomes_store``.)

Thresholds of a meaningful change: pain 2 points or 30 % of the starting value, PSFS 2 points.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from backcoach.errors import InputError
from backcoach.journal.outcomes_store import check_rating

PSFS_INTERVAL_DAYS = 14

PAIN_MEANINGFUL_POINTS = 2.0
PAIN_MEANINGFUL_FRACTION = 0.3
PSFS_MEANINGFUL_POINTS = 2.0
_EPSILON = 1e-9

PSFS_INTRO = (
    "Think of 3 to 5 everyday things your back makes hard to do right now - for example "
    "putting on socks, lifting a shopping bag or sitting through a film. You will rate each "
    "one now and again every two weeks, so you and your physio can see what changes."
)
PSFS_EXPLAINED = (
    "The Patient-Specific Functional Scale (PSFS) follows 3 to 5 everyday activities your back "
    "makes hard: you rate each from 0 (cannot do it) to 10 (as well as before your back "
    "trouble), at the start and then every two weeks."
)
PSFS_NAME_PROMPT = "Activity {number} (leave empty when you have named enough)"
PSFS_RATE_PROMPT = (
    "How well can you manage '{activity}' today? 0 = not at all, 10 = as well as before "
    "your back trouble"
)


# -- PSFS ---------------------------------------------------------------------------------


def psfs_score(ratings: Sequence[int]) -> float:
    """The PSFS score: the mean of the activity ratings (0-10)."""
    if not ratings:
        raise InputError("A PSFS score needs at least one rated activity.")
    for rating in ratings:
        check_rating(rating)
    return sum(ratings) / len(ratings)


def psfs_next_due(last_assessed_at: datetime | None) -> datetime | None:
    """When the next PSFS rating is due; None means now (never rated yet)."""
    if last_assessed_at is None:
        return None
    return last_assessed_at + timedelta(days=PSFS_INTERVAL_DAYS)


def psfs_due(now: datetime, last_assessed_at: datetime | None) -> bool:
    """True at the start (never rated) and once two weeks have passed since the last rating."""
    due_at = psfs_next_due(last_assessed_at)
    return due_at is None or now >= due_at


# -- series -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatedValue:
    day: date
    value: float


@dataclass(frozen=True)
class WeeklyAverage:
    week_start: date  # the Monday
    mean: float
    count: int


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def weekly_averages(values: Iterable[DatedValue]) -> list[WeeklyAverage]:
    """The mean of the values of each calendar week (Monday to Sunday), oldest week first."""
    weeks: dict[date, list[float]] = defaultdict(list)
    for item in values:
        weeks[week_start(item.day)].append(item.value)
    return [
        WeeklyAverage(week_start=start, mean=sum(found) / len(found), count=len(found))
        for start, found in sorted(weeks.items())
    ]


def first_and_last_week(values: Iterable[DatedValue]) -> tuple[float, float] | None:
    """The usual value of the first and of the last week, or None with fewer than two weeks."""
    weeks = weekly_averages(values)
    if len(weeks) < 2:
        return None
    return weeks[0].mean, weeks[-1].mean


# -- change flags ---------------------------------------------------------------------------


class Direction(StrEnum):
    IMPROVED = "improved"
    WORSENED = "worsened"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ChangeFlag:
    measure: str  # e.g. "usual pain before sessions"
    start: float
    end: float
    meaningful: bool
    direction: Direction
    sentence: str

    @property
    def change(self) -> float:
        return self.end - self.start


def format_number(value: float) -> str:
    """At most one decimal, no trailing zero: 6.0 -> '6', 3.25 -> '3.3'."""
    rounded = round(value + 0.0, 1)
    return f"{rounded:g}" if rounded != 0 else "0"


def is_meaningful_pain_change(start: float, end: float) -> bool:
    """A change of at least 2 points, or of at least 30 % of the starting pain."""
    difference = abs(end - start)
    if difference < _EPSILON:
        return False
    if difference >= PAIN_MEANINGFUL_POINTS - _EPSILON:
        return True
    return start > 0 and difference >= PAIN_MEANINGFUL_FRACTION * start - _EPSILON


def is_meaningful_psfs_change(start: float, end: float) -> bool:
    """A change of at least 2 points of the PSFS score."""
    return abs(end - start) >= PSFS_MEANINGFUL_POINTS - _EPSILON


def pain_change(measure: str, start: float, end: float) -> ChangeFlag:
    """How pain moved; lower is better."""
    meaningful = is_meaningful_pain_change(start, end)
    return _flag(measure, start, end, meaningful, higher_is_better=False)


def psfs_change(start: float, end: float) -> ChangeFlag:
    """How the PSFS score moved; higher is better."""
    meaningful = is_meaningful_psfs_change(start, end)
    return _flag("activity score (PSFS)", start, end, meaningful, higher_is_better=True)


def _flag(
    measure: str, start: float, end: float, meaningful: bool, *, higher_is_better: bool
) -> ChangeFlag:
    first, last = format_number(start), format_number(end)
    subject = f"Your {measure}"
    if first == last:
        direction = Direction.UNCHANGED
        sentence = f"{subject} stayed at {first}."
        return ChangeFlag(measure, start, end, False, direction, sentence)
    went_up = end > start
    direction = Direction.IMPROVED if went_up == higher_is_better else Direction.WORSENED
    verb = "rose" if went_up else "fell"
    if meaningful:
        verdict = (
            "a meaningful improvement"
            if direction is Direction.IMPROVED
            else "a meaningful worsening - worth talking over with your physio"
        )
    else:
        verdict = "a small change, within the usual ups and downs"
    sentence = f"{subject} {verb} from {first} to {last} - {verdict}."
    return ChangeFlag(measure, start, end, meaningful, direction, sentence)
