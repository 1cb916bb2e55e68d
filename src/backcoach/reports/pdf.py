"""The progress report as a PDF, rendered by matplotlib's PDF backend (no browser needed).

Text pages (summary, changes, tables) are laid out line by line on A4 figures; each plot is
a page of its own.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from backcoach import __version__
from backcoach.journal.store import JournalStore
from backcoach.reports.plots import report_plots
from backcoach.reports.report_data import ReportData, gather_report
from backcoach.reports.text import (
    SCREENING_OUTCOME_TEXT,
    SESSION_STATUS_TEXT,
    completed_count,
    number,
    pain_range,
    weekly_rows,
)

A4 = (8.27, 11.69)
MARGIN = 0.07  # of the page
LINE = 0.017  # of the page height, for body text
WRAP = 100  # characters per body line
STYLES = {"title": (16, "bold", 2.0), "heading": (12, "bold", 1.6), "body": (8.5, "normal", 1.0)}


@dataclass
class _TextPages:
    """Flows lines of text onto A4 pages."""

    pages: list[Figure] = field(default_factory=list)
    y: float = 0.0

    def new_page(self) -> Figure:
        figure = Figure(figsize=A4)
        self.pages.append(figure)
        self.y = 1 - MARGIN
        return figure

    def write(self, text: str, style: str = "body", indent: int = 0) -> None:
        size, weight, spacing = STYLES[style]
        width = WRAP - indent if style == "body" else WRAP * 2 // 3
        for number_, line in enumerate(textwrap.wrap(text, width) or [""]):
            step = LINE * spacing
            if not self.pages or self.y - step < MARGIN:
                self.new_page()
            if style == "heading" and self.y < 1 - MARGIN:
                self.y -= LINE * 0.6
            x = MARGIN + 0.011 * (indent + (2 if number_ else 0))
            self.pages[-1].text(x, self.y, line, fontsize=size, fontweight=weight, va="top")
            self.y -= step

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A plain table: one line per row, columns separated by ' | '."""
        self.write(" | ".join(header), indent=1)
        for row in rows:
            self.write(" | ".join(row), indent=1)

    def gap(self) -> None:
        self.y -= LINE * 0.6


def report_pdf(data: ReportData) -> bytes:
    """Lay out gathered report data as a PDF document."""
    text = _TextPages()
    _write_text(text, data)
    buffer = io.BytesIO()
    with PdfPages(
        buffer, metadata={"Title": "backcoach progress report", "Creator": "backcoach"}
    ) as pdf:
        for page in text.pages[:1]:
            pdf.savefig(page)
        for plot in report_plots(data):
            plot.figure.suptitle(plot.title, fontsize=12, fontweight="bold")
            pdf.savefig(plot.figure)
        for page in text.pages[1:]:
            pdf.savefig(page)
    return buffer.getvalue()


def render_report_pdf(
    store: JournalStore, start: date | None, end: date | None, *, now: datetime | None = None
) -> bytes:
    moment = now if now is not None else datetime.now(UTC)
    return report_pdf(gather_report(store, start, end, now=moment))


def _write_text(out: _TextPages, data: ReportData) -> None:
    out.write("Home exercise progress report", "title")
    out.write(
        f"Person: {data.person}. Period: {data.start} to {data.end} ({data.days} days). "
        f"Generated {data.generated_at:%Y-%m-%d %H:%M} by backcoach {__version__}."
    )
    out.write(
        "Program: backcoach's seven-exercise home program for low back pain, dosed with the "
        "pain-monitoring model. Pain is the person's 0-10 numeric rating."
    )
    out.write("Summary", "heading")
    if data.is_empty:
        out.write("Nothing was recorded in this period yet: no sessions, ratings or screens.")
    else:
        out.write(
            f"Sessions: {len(data.sessions)} started, {completed_count(data)} completed, "
            f"{len(data.stopped)} stopped or cut short (target {data.target_per_week} a week)."
        )
        for label, column in (
            ("before sessions", "pain_before"),
            ("after sessions", "pain_after"),
            ("next morning", "next_morning"),
        ):
            out.write(f"Pain {label}: {pain_range(data.sessions, column)}.")
        if data.psfs:
            out.write(
                f"Latest PSFS score: {number(data.psfs[-1].score)} / 10 ({data.psfs[-1].day})."
            )
    out.write("Changes", "heading")
    if data.changes:
        for flag in data.changes:
            out.write(("* " if flag.meaningful else "- ") + flag.sentence)
        out.write(
            "Pain: first week's mean against the last week's (meaningful: 2 points or 30 %). "
            "PSFS: first rating against the latest (meaningful: 2 points). * = meaningful."
        )
    else:
        out.write("Not enough data yet to judge change.")
    out.write("Adherence", "heading")
    out.table(
        ("week of", "sessions", "completed", "planned"),
        [
            (str(w.week_start), str(w.sessions), str(w.completed), str(w.target))
            for w in data.adherence
        ],
    )
    out.write("The figures follow on the next pages; the tables after them.")

    out.new_page()
    out.write("Weekly pain means", "heading")
    rows = weekly_rows(data)
    if rows:
        out.table(("week of", "before", "after", "next morning"), rows)
    else:
        out.write("No pain ratings in this period.")
    out.write("Patient-Specific Functional Scale", "heading")
    if data.psfs_activities:
        for index, name in enumerate(data.psfs_activities, start=1):
            out.write(f"A{index}: {name}", indent=1)
        out.table(
            ("date", *(f"A{i}" for i in range(1, len(data.psfs_activities) + 1)), "score"),
            [
                (str(r.day), *("-" if x is None else str(x) for x in r.ratings), number(r.score))
                for r in data.psfs
            ],
        )
    else:
        out.write("No PSFS activities named yet.")
    out.write("Disability questionnaires", "heading")
    if data.questionnaires:
        out.table(
            ("date", "questionnaire", "total"),
            [(str(q.day), q.title, f"{number(q.score)} {q.unit}") for q in data.questionnaires],
        )
    else:
        out.write("No questionnaire totals were entered.")
    out.write("Dose of each exercise (first and latest set)", "heading")
    for exercise in data.doses:
        first, last = exercise.points[0], exercise.points[-1]
        out.write(
            f"{exercise.name}: {len(exercise.points)} sets. First {first.day}: level "
            f"{first.level + 1}{_stage(first.stage)}, {first.planned_reps} reps, hold "
            f"{number(first.planned_hold_seconds)} s. Latest {last.day}: level {last.level + 1}"
            f"{_stage(last.stage)}, {last.planned_reps} reps, hold "
            f"{number(last.planned_hold_seconds)} s.",
            indent=1,
        )
    if not data.doses:
        out.write("No exercise sets in this period.")
    out.write("Repetitions counted by the camera", "heading")
    out.table(
        ("exercise", "sets", "planned", "camera", "hand"),
        [
            (r.name, str(r.sets), str(r.planned_reps), str(r.camera_reps), str(r.hand_reps))
            for r in data.rep_counts
        ],
    )
    out.write("Form warnings", "heading")
    if data.warnings:
        out.table(
            ("exercise", "warning", "times", "example"),
            [(w.name, w.code, str(w.count), w.example) for w in data.warnings],
        )
    else:
        out.write("No form warnings in this period.")
    out.write("Safety: red-flag screens and stopped sessions", "heading")
    for screen in data.screenings:
        signs = "; ".join(screen.flags) if screen.flags else "none"
        cleared = f" Cleared by a clinician on {screen.cleared_on}." if screen.cleared_on else ""
        out.write(
            f"{screen.day}: {SCREENING_OUTCOME_TEXT[screen.outcome]}. Signs: {signs}.{cleared}",
            indent=1,
        )
    if not data.screenings:
        out.write("No red-flag screen in this period.")
    for row in data.stopped:
        out.write(
            f"{row.day}: {SESSION_STATUS_TEXT[row.status]}. Reason: {row.stop_reason or '-'}. "
            f"Highest pain: {number(row.max_pain)}.",
            indent=1,
        )
    if not data.stopped:
        out.write("No session was stopped or cut short.")
    out.write("All sessions", "heading")
    out.table(
        ("date", "status", "before", "after", "next morning", "exercises done"),
        [
            (
                f"{r.started:%Y-%m-%d %H:%M}",
                SESSION_STATUS_TEXT[r.status],
                number(r.pain_before),
                number(r.pain_after),
                number(r.next_morning),
                f"{r.exercises_done} of {r.exercises_planned}",
            )
            for r in data.sessions
        ],
    )


def _stage(stage: str | None) -> str:
    return f" ({stage})" if stage else ""
