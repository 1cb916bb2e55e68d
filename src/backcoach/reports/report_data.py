"""Everything the progress report shows, gathered from the journal for a period of days.

``gather_report`` reads the journal (sessions, check-ins, screens) and the outcome tables and
returns plain frozen data; plots, HTML and PDF only lay it out. Days are the person's local
calendar days (``JournalStore.local_date``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backcoach.catalog import load_catalog
from backcoach.errors import InputError
from backcoach.journal.outcomes_store import INSTRUMENTS, OutcomesStore
from backcoach.journal.records import CheckInRecord, ScreeningRecord, SessionRecord, SetRecord
from backcoach.journal.store import JournalStore
from backcoach.planning.screening import question
from backcoach.player.outcome import Ending, SessionOutcome
from backcoach.reports.measures import (
    ChangeFlag,
    DatedValue,
    WeeklyAverage,
    first_and_last_week,
    pain_change,
    psfs_change,
    psfs_due,
    week_start,
    weekly_averages,
)

# The program offers a plan every day; the article names no number of sessions a week.
DEFAULT_SESSIONS_PER_WEEK = 7
CALENDAR_MAX_WEEKS = 26


@dataclass(frozen=True)
class SessionRow:
    id: int
    day: date
    started: datetime  # local time
    status: str  # completed | quit | stopped_pain | in_progress
    pain_before: int | None
    pain_after: int | None
    max_pain: int | None
    next_morning: int | None
    exercises_done: int
    exercises_planned: int
    stop_reason: str | None
    outcome: SessionOutcome  # how it ended, in the words the web and terminal use too


@dataclass(frozen=True)
class AdherenceWeek:
    week_start: date
    sessions: int  # started
    completed: int
    target: int


@dataclass(frozen=True)
class CalendarDay:
    day: date
    status: str  # none | completed | partial | stopped | outside


@dataclass(frozen=True)
class DosePoint:
    day: date
    level: int
    stage: str | None
    planned_reps: int
    planned_hold_seconds: float
    reps_done: int
    mean_hold_seconds: float | None
    counted_by: str
    status: str


@dataclass(frozen=True)
class DoseStep:
    """A run of sets at one dose: what a physiotherapist reads of the progression."""

    first_day: date
    last_day: date
    level: int
    stage: str | None
    planned_reps: int
    planned_hold_seconds: float
    sets: int
    sets_completed: int
    mean_reps_done: float
    mean_hold_seconds: float | None


@dataclass(frozen=True)
class ExerciseDoses:
    exercise_id: str
    name: str
    points: tuple[DosePoint, ...]

    @property
    def steps(self) -> tuple[DoseStep, ...]:
        """Consecutive sets at the same level and dose, grouped."""
        runs: list[list[DosePoint]] = []
        for point in self.points:
            key = (point.level, point.stage, point.planned_reps, point.planned_hold_seconds)
            last = runs[-1][-1] if runs else None
            if last is not None and key == (
                last.level,
                last.stage,
                last.planned_reps,
                last.planned_hold_seconds,
            ):
                runs[-1].append(point)
            else:
                runs.append([point])
        steps: list[DoseStep] = []
        for run in runs:
            holds = [p.mean_hold_seconds for p in run if p.mean_hold_seconds is not None]
            steps.append(
                DoseStep(
                    first_day=run[0].day,
                    last_day=run[-1].day,
                    level=run[0].level,
                    stage=run[0].stage,
                    planned_reps=run[0].planned_reps,
                    planned_hold_seconds=run[0].planned_hold_seconds,
                    sets=len(run),
                    sets_completed=sum(
                        1 for p in run if p.status == "completed" and p.reps_done >= p.planned_reps
                    ),
                    mean_reps_done=sum(p.reps_done for p in run) / len(run),
                    mean_hold_seconds=sum(holds) / len(holds) if holds else None,
                )
            )
        return tuple(steps)


@dataclass(frozen=True)
class RepCountRow:
    exercise_id: str
    name: str
    sets: int
    planned_reps: int
    camera_reps: int
    hand_reps: int


@dataclass(frozen=True)
class WarningRow:
    exercise_id: str
    name: str
    code: str
    count: int
    example: str


@dataclass(frozen=True)
class ScreeningRow:
    day: date
    outcome: str  # clear | see_doctor | emergency
    flags: tuple[str, ...]  # the questions answered yes, as asked
    cleared_on: date | None


@dataclass(frozen=True)
class PsfsRow:
    day: date
    score: float
    ratings: tuple[int | None, ...]  # in the order of ``ReportData.psfs_activities``


@dataclass(frozen=True)
class QuestionnaireRow:
    day: date
    title: str
    score: float
    unit: str


@dataclass(frozen=True)
class ReportData:
    generated_at: datetime
    start: date
    end: date
    person: str  # the name when the person gave one, else the pseudonym
    sessions: tuple[SessionRow, ...]
    target_per_week: int
    adherence: tuple[AdherenceWeek, ...]
    calendar: tuple[CalendarDay, ...]
    calendar_truncated: bool
    pain_before_weekly: tuple[WeeklyAverage, ...]
    pain_after_weekly: tuple[WeeklyAverage, ...]
    next_morning_weekly: tuple[WeeklyAverage, ...]
    psfs_activities: tuple[str, ...]
    psfs: tuple[PsfsRow, ...]
    psfs_due_now: bool
    doses: tuple[ExerciseDoses, ...]
    rep_counts: tuple[RepCountRow, ...]
    warnings: tuple[WarningRow, ...]
    screenings: tuple[ScreeningRow, ...]
    stopped: tuple[SessionRow, ...]  # every session not completed as planned
    questionnaires: tuple[QuestionnaireRow, ...]
    changes: tuple[ChangeFlag, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.sessions or self.psfs or self.questionnaires or self.screenings)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def gather_report(
    store: JournalStore,
    start: date | None,
    end: date | None,
    *,
    now: datetime,
    target_per_week: int = DEFAULT_SESSIONS_PER_WEEK,
) -> ReportData:
    """The report of the local days ``start``..``end`` (inclusive; open ends: all data)."""
    if start is not None and end is not None and start > end:
        raise InputError(
            f"The report period starts ({start}) after it ends ({end}); swap --from and --to."
        )
    outcomes = OutcomesStore(store)
    all_sessions = store.sessions()
    assessments = outcomes.psfs_assessments()
    totals = outcomes.questionnaire_totals()
    screenings = store.screenings()

    known_days = [store.local_date(s.started_at) for s in all_sessions]
    known_days += [store.local_date(a.at) for a in assessments]
    known_days += [t.day for t in totals]
    known_days += [store.local_date(s.taken_at) for s in screenings]
    today = store.local_date(now)
    first = start or (min(known_days) if known_days else today)
    last = end or max([*known_days, first])
    first = min(first, last)  # only an open start can pass an explicit end: clamp it

    def inside(day: date) -> bool:
        return first <= day <= last

    sessions = [s for s in all_sessions if inside(store.local_date(s.started_at))]
    rows = tuple(_session_row(store, s) for s in sessions)

    activities = outcomes.psfs_activities()
    psfs_rows = tuple(
        PsfsRow(
            day=store.local_date(a.at),
            score=a.score,
            ratings=tuple(a.rating_of(activity.id) for activity in activities),
        )
        for a in assessments
        if inside(store.local_date(a.at))
    )
    profile = outcomes.profile()
    person = "not named"
    if profile is not None:
        person = profile.name or profile.pseudonym

    calendar, truncated = _calendar(rows, first, last)
    return ReportData(
        generated_at=store.local_time(now),
        start=first,
        end=last,
        person=person,
        sessions=rows,
        target_per_week=target_per_week,
        adherence=_adherence(rows, first, last, target_per_week),
        calendar=calendar,
        calendar_truncated=truncated,
        pain_before_weekly=tuple(weekly_averages(_values(rows, "pain_before"))),
        pain_after_weekly=tuple(weekly_averages(_values(rows, "pain_after"))),
        next_morning_weekly=tuple(weekly_averages(_values(rows, "next_morning"))),
        psfs_activities=tuple(activity.name for activity in activities),
        psfs=psfs_rows,
        psfs_due_now=psfs_due(now, assessments[-1].at if assessments else None),
        doses=_doses(store, sessions),
        rep_counts=_rep_counts(sessions),
        warnings=_warnings(sessions),
        screenings=tuple(
            _screening_row(store, s) for s in screenings if inside(store.local_date(s.taken_at))
        ),
        stopped=tuple(r for r in rows if not r.outcome.fully_completed),
        questionnaires=tuple(
            QuestionnaireRow(
                day=t.day,
                title=INSTRUMENTS[t.instrument].title,
                score=t.score,
                unit=INSTRUMENTS[t.instrument].unit,
            )
            for t in totals
            if inside(t.day)
        ),
        changes=_changes(rows, psfs_rows),
    )


def _session_row(store: JournalStore, record: SessionRecord) -> SessionRow:
    checkin: CheckInRecord | None = record.checkin
    outcome = record.outcome
    return SessionRow(
        id=record.id,
        day=store.local_date(record.started_at),
        started=store.local_time(record.started_at),
        status=record.status,
        pain_before=record.pain_before,
        pain_after=record.pain_after,
        max_pain=record.max_pain,
        next_morning=None if checkin is None else checkin.pain,
        exercises_done=outcome.done,
        exercises_planned=outcome.planned,
        stop_reason=record.stop_reason,
        outcome=outcome,
    )


def _values(rows: Sequence[SessionRow], field: str) -> list[DatedValue]:
    found: list[DatedValue] = []
    for row in rows:
        value = getattr(row, field)
        if value is not None:
            found.append(DatedValue(row.day, float(value)))
    return found


def _adherence(
    rows: Sequence[SessionRow], first: date, last: date, target: int
) -> tuple[AdherenceWeek, ...]:
    started: Counter[date] = Counter(week_start(r.day) for r in rows)
    completed: Counter[date] = Counter(week_start(r.day) for r in rows if r.outcome.fully_completed)
    weeks: list[AdherenceWeek] = []
    monday = week_start(first)
    while monday <= last:
        # A week cut by the period's ends expects only its days inside the period.
        days_inside = sum(1 for i in range(7) if first <= monday + timedelta(days=i) <= last)
        expected = round(target * days_inside / 7)
        weeks.append(AdherenceWeek(monday, started[monday], completed[monday], expected))
        monday += timedelta(days=7)
    return tuple(weeks)


def _calendar(
    rows: Sequence[SessionRow], first: date, last: date
) -> tuple[tuple[CalendarDay, ...], bool]:
    by_day: dict[date, list[Ending]] = defaultdict(list)
    for row in rows:
        by_day[row.day].append(row.outcome.ending)
    begin = week_start(first)
    truncated = (last - begin).days // 7 + 1 > CALENDAR_MAX_WEEKS
    if truncated:
        begin = week_start(last) - timedelta(days=7 * (CALENDAR_MAX_WEEKS - 1))
    end = week_start(last) + timedelta(days=6)
    days: list[CalendarDay] = []
    day = begin
    while day <= end:
        days.append(CalendarDay(day, _day_status(day, first, last, by_day.get(day, []))))
        day += timedelta(days=1)
    return tuple(days), truncated


def _day_status(day: date, first: date, last: date, endings: list[Ending]) -> str:
    if not first <= day <= last:
        return "outside"
    if not endings:
        return "none"
    if Ending.COMPLETED in endings:
        return "completed"
    if Ending.STOPPED_FOR_PAIN in endings:
        return "stopped"
    return "partial"


def _doses(store: JournalStore, sessions: Sequence[SessionRecord]) -> tuple[ExerciseDoses, ...]:
    catalog = load_catalog()
    order = {exercise_id: i for i, exercise_id in enumerate(catalog.ids)}
    points: dict[str, list[DosePoint]] = defaultdict(list)
    for record in sessions:
        for item in record.sets:
            points[item.exercise_id].append(_dose_point(store.local_date(record.started_at), item))
    return tuple(
        ExerciseDoses(exercise_id, _exercise_name(exercise_id), tuple(found))
        for exercise_id, found in sorted(
            points.items(), key=lambda pair: (order.get(pair[0], len(order)), pair[0])
        )
    )


def _dose_point(day: date, item: SetRecord) -> DosePoint:
    holds = [rep.hold_seconds for rep in item.reps]
    return DosePoint(
        day=day,
        level=item.level,
        stage=item.planned.get("stage_label") or item.stage,
        planned_reps=item.planned_reps,
        planned_hold_seconds=item.planned_hold_seconds,
        reps_done=item.reps_done,
        mean_hold_seconds=sum(holds) / len(holds) if holds else None,
        counted_by=item.counted_by,
        status=item.status,
    )


def _exercise_name(exercise_id: str) -> str:
    catalog = load_catalog()
    return catalog.get(exercise_id).name if exercise_id in catalog.ids else exercise_id


def _rep_counts(sessions: Sequence[SessionRecord]) -> tuple[RepCountRow, ...]:
    sets: dict[str, list[SetRecord]] = defaultdict(list)
    for record in sessions:
        for item in record.sets:
            sets[item.exercise_id].append(item)
    rows: list[RepCountRow] = []
    for exercise_id, items in sets.items():
        camera = hand = 0
        for item in items:
            by_index: dict[int, str] = {}
            for rep in item.reps:
                # A repetition counts as camera-counted when the camera counted any of its parts.
                if by_index.get(rep.index) != "camera":
                    by_index[rep.index] = rep.counted_by
            camera += sum(1 for how in by_index.values() if how == "camera")
            hand += sum(1 for how in by_index.values() if how != "camera")
        rows.append(
            RepCountRow(
                exercise_id=exercise_id,
                name=_exercise_name(exercise_id),
                sets=len(items),
                planned_reps=sum(item.planned_reps for item in items),
                camera_reps=camera,
                hand_reps=hand,
            )
        )
    return tuple(sorted(rows, key=lambda row: row.name))


def _warnings(sessions: Sequence[SessionRecord]) -> tuple[WarningRow, ...]:
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    for record in sessions:
        for item in record.sets:
            for warning in item.warnings:
                key = (item.exercise_id, warning.code)
                counts[key] += 1
                examples.setdefault(key, warning.message)
    return tuple(
        WarningRow(
            exercise_id, _exercise_name(exercise_id), code, count, examples[(exercise_id, code)]
        )
        for (exercise_id, code), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def _screening_row(store: JournalStore, record: ScreeningRecord) -> ScreeningRow:
    flags: list[str] = []
    for flag in record.flags:
        try:
            flags.append(question(flag).text)
        except InputError:  # an id from an older question list: show it as it is
            flags.append(flag)
    cleared = record.clinician_cleared_at
    return ScreeningRow(
        day=store.local_date(record.taken_at),
        outcome=record.outcome,
        flags=tuple(flags),
        cleared_on=None if cleared is None else store.local_date(cleared),
    )


def _changes(rows: Sequence[SessionRow], psfs: Sequence[PsfsRow]) -> tuple[ChangeFlag, ...]:
    changes: list[ChangeFlag] = []
    for field, measure in (
        ("pain_before", "usual pain before sessions"),
        ("pain_after", "usual pain after sessions"),
        ("next_morning", "usual pain the morning after"),
    ):
        ends = first_and_last_week(_values(rows, field))
        if ends is not None:
            changes.append(pain_change(measure, *ends))
    if len(psfs) >= 2:
        changes.append(psfs_change(psfs[0].score, psfs[-1].score))
    return tuple(changes)
