"""The report's figures, drawn with matplotlib (``Figure`` objects rendered by Agg or the PDF
backend; no pyplot, so no window and no global state).

Each function returns a ``Figure``, or None when there is nothing to draw; the HTML report
embeds them as PNG, the PDF report adds them as pages.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.dates import (
    AutoDateLocator,
    ConciseDateFormatter,
    DateFormatter,
    DayLocator,
    date2num,
)
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from backcoach.reports.report_data import ReportData

WIDTH = 8.0
COLORS = {
    "before": "#1f77b4",
    "after": "#d62728",
    "morning": "#2ca02c",
    "target": "#555555",
    "completed": "#2ca02c",
    "other": "#ff7f0e",
    "camera": "#9467bd",
    "hand": "#8c564b",
    "planned": "#bbbbbb",
}
CALENDAR_STATUSES = ("outside", "none", "partial", "stopped", "completed")
CALENDAR_COLORS = ("#ffffff", "#eeeeee", "#ffbf66", "#e06666", "#5cb85c")


@dataclass(frozen=True)
class Plot:
    key: str
    title: str
    figure: Figure


def report_plots(data: ReportData) -> list[Plot]:
    """Every figure that has data, in report order."""
    makers: list[tuple[str, str, Callable[[ReportData], Figure | None]]] = [
        ("adherence", "Sessions per week", adherence_figure),
        ("calendar", "Calendar", calendar_figure),
        ("pain", "Pain before, after and the next morning", pain_figure),
        ("psfs", "Patient-Specific Functional Scale", psfs_figure),
        ("doses", "Dose of each exercise over time", dose_figure),
        ("reps", "Repetitions: planned and counted", rep_count_figure),
    ]
    plots: list[Plot] = []
    for key, title, make in makers:
        figure = make(data)
        if figure is not None:
            plots.append(Plot(key, title, figure))
    return plots


def figure_png(figure: Figure, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def _x(days: Sequence[date]) -> list[float]:
    """Matplotlib's day numbers (its typed API wants floats, not dates)."""
    return [_day_number(day) for day in days]


def _day_number(day: date) -> float:
    return float(date2num(day))  # type: ignore[no-untyped-call]


def _dates_axis(axes: Axes) -> None:
    """Ticks on whole days (a report's data are days: never hours), dates written short."""
    low, high = axes.get_xlim()
    if high - low <= 12:
        step = 1 if high - low <= 7 else 2
        axes.xaxis.set_major_locator(DayLocator(interval=step))  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_formatter(DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
        return
    locator = AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _padded_limits(first: date, last: date) -> tuple[float, float]:
    low, high = _x([first - timedelta(days=1), last + timedelta(days=1)])
    return low, high


def adherence_figure(data: ReportData) -> Figure | None:
    if not data.sessions:
        return None
    figure = Figure(figsize=(WIDTH, 3.0), layout="constrained")
    axes = figure.add_subplot()
    weeks = _x([week.week_start + timedelta(days=3) for week in data.adherence])
    completed = [week.completed for week in data.adherence]
    other = [week.sessions - week.completed for week in data.adherence]
    axes.bar(weeks, completed, width=6, color=COLORS["completed"], label="completed")
    axes.bar(
        weeks,
        other,
        width=6,
        bottom=completed,
        color=COLORS["other"],
        label="not completed as planned",
    )
    axes.hlines(
        [week.target for week in data.adherence],
        [x - 3 for x in weeks],
        [x + 3 for x in weeks],
        colors=COLORS["target"],
        linestyles="--",
        label="planned",
    )
    axes.set_ylabel("sessions")
    axes.set_ylim(0, max(7, *[week.sessions for week in data.adherence]) + 0.5)
    figure.legend(loc="outside upper center", fontsize="small", ncols=3)
    _dates_axis(axes)
    return figure


def calendar_figure(data: ReportData) -> Figure | None:
    if not data.sessions:
        return None
    weeks = len(data.calendar) // 7
    grid = [
        [CALENDAR_STATUSES.index(day.status) for day in data.calendar[row * 7 : row * 7 + 7]]
        for row in range(weeks)
    ]
    figure = Figure(figsize=(4.5, 0.9 + 0.32 * weeks), layout="constrained")
    axes = figure.add_subplot()
    colormap = ListedColormap(list(CALENDAR_COLORS))
    axes.imshow(grid, cmap=colormap, vmin=0, vmax=len(CALENDAR_STATUSES) - 1, aspect="auto")
    axes.set_xticks(range(7), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    labels = [data.calendar[row * 7].day.strftime("%d %b") for row in range(weeks)]
    step = max(1, weeks // 12)
    axes.set_yticks(range(0, weeks, step), labels[::step])
    axes.set_xticks([x - 0.5 for x in range(1, 7)], minor=True)
    axes.set_yticks([y - 0.5 for y in range(1, weeks)], minor=True)
    axes.grid(which="minor", color="white", linewidth=2)
    axes.tick_params(which="minor", length=0)
    handles = [
        Patch(color=color, label=label)
        for color, label in zip(
            CALENDAR_COLORS[1:],
            ("no session", "not completed as planned", "stopped for pain", "completed"),
            strict=True,
        )
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=2, fontsize="small")
    return figure


def pain_figure(data: ReportData) -> Figure | None:
    rows = data.sessions
    if not any(
        value is not None for r in rows for value in (r.pain_before, r.pain_after, r.next_morning)
    ):
        return None
    figure = Figure(figsize=(WIDTH, 3.4), layout="constrained")
    axes = figure.add_subplot()
    series = (
        ("before", "before the session", [(r.day, r.pain_before) for r in rows]),
        ("after", "after the session", [(r.day, r.pain_after) for r in rows]),
        ("morning", "next morning", [(r.day + timedelta(days=1), r.next_morning) for r in rows]),
    )
    weekly = {
        "before": data.pain_before_weekly,
        "after": data.pain_after_weekly,
        "morning": data.next_morning_weekly,
    }
    for key, label, points in series:
        known = [(day, value) for day, value in points if value is not None]
        if not known:
            continue
        axes.plot(
            _x([day for day, _ in known]),
            [value for _, value in known],
            "o",
            color=COLORS[key],
            alpha=0.45,
            markersize=4,
            label=label,
        )
        averages = weekly[key]
        if averages:
            axes.plot(
                _x([week.week_start + timedelta(days=3) for week in averages]),
                [week.mean for week in averages],
                "-",
                color=COLORS[key],
                linewidth=2,
            )
    axes.set_ylim(-0.5, 10.5)
    axes.set_ylabel("pain (0-10)")
    axes.set_xlim(*_padded_limits(data.start, data.end + timedelta(days=1)))
    axes.legend(loc="upper right", fontsize="small", title="dots: ratings, lines: weekly mean")
    _dates_axis(axes)
    return figure


def psfs_figure(data: ReportData) -> Figure | None:
    if not data.psfs:
        return None
    figure = Figure(figsize=(WIDTH, 3.2), layout="constrained")
    axes = figure.add_subplot()
    days = [row.day for row in data.psfs]
    x_days = _x(days)
    for index, name in enumerate(data.psfs_activities):
        known: list[tuple[date, int]] = []
        for row in data.psfs:
            rating = row.ratings[index]
            if rating is not None:
                known.append((row.day, rating))
        axes.plot(
            _x([day for day, _ in known]),
            [value for _, value in known],
            "o--",
            alpha=0.5,
            markersize=4,
            label=name[:40],
        )
    axes.plot(
        x_days,
        [row.score for row in data.psfs],
        "s-",
        color="black",
        linewidth=2.5,
        label="score (mean)",
    )
    axes.set_ylim(-0.5, 10.5)
    axes.set_ylabel("0 = cannot, 10 = as before")
    axes.set_xlim(*_padded_limits(min(days), max(days)))
    axes.legend(loc="upper left", fontsize="x-small", ncols=2)
    _dates_axis(axes)
    return figure


def dose_figure(data: ReportData) -> Figure | None:
    if not data.doses:
        return None
    count = len(data.doses)
    figure = Figure(figsize=(WIDTH, 1.9 * count + 0.4), layout="constrained")
    axes_list = figure.subplots(count, 1, sharex=True, squeeze=False)[:, 0]
    for axes, exercise in zip(axes_list, data.doses, strict=True):
        days = _x([point.day for point in exercise.points])
        axes.plot(
            days,
            [p.planned_reps for p in exercise.points],
            "-",
            color=COLORS["planned"],
            linewidth=3,
            label="reps planned",
        )
        axes.plot(
            days,
            [p.reps_done for p in exercise.points],
            "o",
            color=COLORS["before"],
            markersize=4,
            label="reps done",
        )
        axes.set_ylabel("reps")
        axes.set_ylim(bottom=0)
        axes.set_title(exercise.name, loc="left", fontsize="medium")
        holds = [(p.day, p.mean_hold_seconds) for p in exercise.points if p.planned_hold_seconds]
        if holds:
            twin = axes.twinx()
            twin.plot(
                _x([p.day for p in exercise.points if p.planned_hold_seconds]),
                [p.planned_hold_seconds for p in exercise.points if p.planned_hold_seconds],
                "--",
                color=COLORS["after"],
                alpha=0.6,
                label="hold planned (s)",
            )
            held = [(day, value) for day, value in holds if value is not None]
            twin.plot(
                _x([day for day, _ in held]),
                [value for _, value in held],
                "x",
                color=COLORS["after"],
                label="hold done (s)",
            )
            twin.set_ylabel("hold (s)")
            twin.set_ylim(bottom=0)
        previous: str | None = None
        for point in exercise.points:
            if point.stage and point.stage != previous:
                axes.annotate(
                    point.stage,
                    (_day_number(point.day), point.planned_reps),
                    textcoords="offset points",
                    xytext=(2, 6),
                    fontsize="x-small",
                )
            previous = point.stage
    # One legend for every series of every panel, the hold series of the right axis included.
    handles: dict[str, Any] = {}
    for panel in figure.axes:
        for handle, label in zip(*panel.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    figure.legend(
        list(handles.values()), list(handles), loc="outside upper center", fontsize="small", ncols=4
    )
    axes_list[-1].set_xlim(*_padded_limits(data.start, data.end))
    _dates_axis(axes_list[-1])
    return figure


def rep_count_figure(data: ReportData) -> Figure | None:
    if not data.rep_counts:
        return None
    rows = data.rep_counts
    figure = Figure(figsize=(WIDTH, 0.6 + 0.45 * len(rows)), layout="constrained")
    axes = figure.add_subplot()
    positions = range(len(rows))
    axes.barh(
        [p + 0.2 for p in positions],
        [r.planned_reps for r in rows],
        height=0.4,
        color=COLORS["planned"],
        label="planned",
    )
    camera = [r.camera_reps for r in rows]
    axes.barh(
        [p - 0.2 for p in positions],
        camera,
        height=0.4,
        color=COLORS["camera"],
        label="counted by camera",
    )
    axes.barh(
        [p - 0.2 for p in positions],
        [r.hand_reps for r in rows],
        left=camera,
        height=0.4,
        color=COLORS["hand"],
        label="counted by hand",
    )
    axes.set_yticks(list(positions), [r.name for r in rows])
    axes.invert_yaxis()
    axes.set_xlabel("repetitions in the period")
    figure.legend(loc="outside lower center", fontsize="small", ncols=3)
    return figure
