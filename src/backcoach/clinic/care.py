"""A clinic patient's plan: the pain rules and their clinician's prescription together."""

from __future__ import annotations

import dataclasses
from datetime import date

from backcoach.catalog.schema import Catalog
from backcoach.journal.prescriptions_store import PrescriptionStore
from backcoach.journal.store import JournalStore
from backcoach.planning.history import SessionSummary
from backcoach.planning.plan import Plan
from backcoach.planning.planner import plan_today
from backcoach.planning.settings import Settings


def timed_summaries(store: JournalStore) -> list[SessionSummary]:
    """The planner's view of every session, with the moment each started (a prescription
    counts only the sessions after it)."""
    started = {record.id: record.started_at for record in store.sessions()}
    return [
        dataclasses.replace(summary, started_at=started.get(summary.session_id))
        for summary in store.session_summaries()
    ]


def patient_plan(store: JournalStore, catalog: Catalog, settings: Settings, today: date) -> Plan:
    """Today's plan of the clinic patient ``store`` is kept to."""
    prescription = PrescriptionStore(store).prescription()
    return plan_today(catalog, timed_summaries(store), settings, today, prescription)
