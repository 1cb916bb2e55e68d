"""Small wordings shared by the HTML and PDF reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from backcoach.player.outcome import Ending
from backcoach.reports.measures import format_number
from backcoach.reports.report_data import ReportData, SessionRow

SCREENING_OUTCOME_TEXT = {
    "clear": "no warning signs",
    "see_doctor": "see a doctor before exercising",
    "emergency": "urgent care advised, no session",
}


def number(value: float | None) -> str:
    return "-" if value is None else format_number(value)


def pain_range(rows: Sequence[SessionRow], field: str) -> str:
    """E.g. 'mean 3.4 (range 1-6, 12 ratings)', or 'none recorded'."""
    values = [getattr(row, field) for row in rows if getattr(row, field) is not None]
    if not values:
        return "none recorded"
    mean = sum(values) / len(values)
    count = f"{len(values)} rating{'s' if len(values) != 1 else ''}"
    return f"mean {format_number(mean)} (range {min(values)}-{max(values)}, {count})"


def completed_count(data: ReportData) -> int:
    """Sessions completed as planned (every planned exercise done)."""
    return sum(1 for row in data.sessions if row.outcome.fully_completed)


def sessions_sentence(data: ReportData) -> str:
    """E.g. '12 started (9 completed, 1 completed with exercises skipped, 1 stopped for pain,
    1 ended early)'."""
    counts = Counter(row.outcome.ending for row in data.sessions)
    parts = [
        f"{counts[ending]} {words}"
        for ending, words in (
            (Ending.COMPLETED, "completed"),
            (Ending.COMPLETED_WITH_SKIPS, "completed with exercises skipped"),
            (Ending.STOPPED_FOR_PAIN, "stopped for pain"),
            (Ending.ENDED_EARLY, "ended early"),
            (Ending.NOT_FINISHED, "not finished"),
        )
        if counts[ending] or ending is Ending.COMPLETED
    ]
    return f"{len(data.sessions)} started (" + ", ".join(parts) + ")"


def pain_text(value: int | None, missing: str = "not rated") -> str:
    return missing if value is None else f"{value}/10"


def weekly_rows(data: ReportData) -> list[tuple[str, str, str, str]]:
    """One row per week with any pain mean: (week start, before, after, next morning)."""
    columns = (data.pain_before_weekly, data.pain_after_weekly, data.next_morning_weekly)
    weeks = sorted({week.week_start for column in columns for week in column})
    by_week = [{week.week_start: week.mean for week in column} for column in columns]
    return [
        (
            start.isoformat(),
            number(by_week[0].get(start)),
            number(by_week[1].get(start)),
            number(by_week[2].get(start)),
        )
        for start in weeks
    ]
