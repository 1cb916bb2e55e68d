"""The program as the web pages see it: the safety gate, today's plan and a history summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backcoach.clinic.care import patient_plan
from backcoach.journal.prescriptions_store import NoteRecord, PrescriptionStore
from backcoach.planning.gate import GateDecision, day_gate
from backcoach.planning.plan import Plan
from backcoach.planning.planner import plan_today
from backcoach.web.context import WebContext

HISTORY_ROWS = 5


def today(ctx: WebContext) -> date:
    """The person's calendar day (local time), as the planner and check-ins use it."""
    return ctx.store.local_date(ctx.now())


def gate(ctx: WebContext) -> GateDecision:
    """May a session start now: the red-flag screen, and no pain stop earlier today."""
    return day_gate(
        ctx.store.latest_screening(),
        ctx.now(),
        ctx.planning,
        ctx.store.session_summaries(),
        today(ctx),
    )


def todays_plan(ctx: WebContext) -> Plan:
    """Today's plan; a clinic patient's follows their clinician's prescription too."""
    if ctx.store.patient_id is not None:
        return patient_plan(ctx.store, ctx.catalog, ctx.planning, today(ctx))
    return plan_today(ctx.catalog, ctx.store.session_summaries(), ctx.planning, today(ctx))


def clinician_note(ctx: WebContext) -> NoteRecord | None:
    """A clinic patient's latest note from their clinician (None in the single-user coach)."""
    if ctx.store.patient_id is None:
        return None
    return PrescriptionStore(ctx.store).latest_note()


CHECKIN_DAYS = 2  # a morning check-in is asked for a session up to this many days back


def checkin_due(ctx: WebContext) -> bool:
    """A session on an earlier day waits for its morning check-in, and none was given today."""
    day = today(ctx)
    if any(checkin.day == day for checkin in ctx.store.checkins()):
        return False
    return any(
        record.checkin is None
        and 0 < (day - ctx.store.local_date(record.started_at)).days <= CHECKIN_DAYS
        for record in ctx.store.sessions()
    )


@dataclass(frozen=True)
class HistoryRow:
    day: str
    status: str  # the shared outcome words: "completed", "stopped for pain", ...
    pain_before: int | None
    pain_during: str  # "3/10, then 7/10" or "none reported"
    pain_after: int | None
    exercises_done: str  # "2 of 3", against the plan
    camera_reps: int


def history_summary(ctx: WebContext) -> tuple[int, list[HistoryRow]]:
    """How many sessions there were, and the latest few, newest first."""
    sessions = ctx.store.sessions()
    rows = []
    for record in reversed(sessions[-HISTORY_ROWS:]):
        outcome = record.outcome
        rows.append(
            HistoryRow(
                day=ctx.store.local_time(record.started_at).strftime("%a %d %b %Y"),
                status=outcome.label,
                pain_before=record.pain_before,
                pain_during=outcome.pain_during_text,
                pain_after=record.pain_after,
                exercises_done=outcome.exercises_done,
                camera_reps=sum(
                    1 for s in record.sets for rep in s.reps if rep.counted_by == "camera"
                ),
            )
        )
    return len(sessions), rows
