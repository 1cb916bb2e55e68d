"""Small wordings shared by the HTML and PDF reports."""

from __future__ import annotations

from collections.abc import Sequence

from backcoach.reports.measures import format_number
from backcoach.reports.report_data import ReportData, SessionRow

SESSION_STATUS_TEXT = {
    "completed": "completed",
    "quit": "ended early by the person",
    "stopped_pain": "stopped: pain above the limit",
    "in_progress": "not finished (interrupted)",
}
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
    return sum(1 for row in data.sessions if row.status == "completed")


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
