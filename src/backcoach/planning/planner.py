"""Today's plan: every exercise of the catalog at the level the history earns, with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from backcoach.catalog.schema import Catalog
from backcoach.planning.history import SessionSummary
from backcoach.planning.plan import Change, PausedItem, Plan, PlanItem
from backcoach.planning.prescription import (
    Prescription,
    PrescriptionError,
    paused_item,
    prescribed_item,
)
from backcoach.planning.progression import decide_level
from backcoach.planning.reasons import explain
from backcoach.planning.settings import Settings


def plan_today(
    catalog: Catalog,
    summaries: Sequence[SessionSummary],
    settings: Settings,
    today: date,
    prescription: Prescription | None = None,
) -> Plan:
    """The plan for ``today`` from the sessions before or on it (oldest first).

    With a clinician's ``prescription`` its exercises follow ``planning.prescription``.
    """
    history = sorted((s for s in summaries if s.day <= today), key=lambda s: s.day)
    items: list[PlanItem] = []
    paused: list[PausedItem] = []
    outdated: list[str] = []
    for exercise in catalog.exercises:
        prescribed = prescription.for_exercise(exercise.id) if prescription else None
        if prescribed is not None:
            if prescribed.paused:
                paused.append(paused_item(exercise))
                continue
            try:
                items.append(prescribed_item(exercise, prescribed, history, settings))
                continue
            except PrescriptionError:
                # Stored before the catalog changed: the pain rules plan it until the
                # clinician sets it again, and the plan says so.
                outdated.append(exercise.name)
        decision = decide_level(exercise.id, exercise.level_count, history, settings)
        items.append(
            PlanItem(
                exercise_id=exercise.id,
                name=exercise.name,
                level=decision.level,
                dose=exercise.dose_at(decision.level),
                change=decision.change,
                reason=explain(exercise, decision, settings),
            )
        )
    notes = _notes(history, items, today)
    if outdated:
        names = ", ".join(outdated)
        notes += (
            f"Your clinician's prescription for {names} no longer fits the program, so the "
            "pain rules plan it until your clinician sets it again.",
        )
    return Plan(day=today, items=tuple(items), notes=notes, paused=tuple(paused))


def _notes(history: list[SessionSummary], items: list[PlanItem], today: date) -> tuple[str, ...]:
    notes: list[str] = []
    if history:
        last = history[-1]
        if last.next_morning_pain is None and last.day < today:
            notes.append(
                f"No next-morning check-in was recorded after your session on "
                f"{last.day.isoformat()}; recording how your back feels the morning after "
                "each session lets the doses go up."
            )
    if any(item.change is Change.DOWN for item in items):
        notes.append(
            "Some doses went back a step. If pain keeps building from one session to the "
            "next, or new symptoms appear, check with a clinician."
        )
    return tuple(notes)
