"""Keeps each journal store to one patient's rows, whatever query a caller writes.

A ``JournalStore`` puts its patient in the ``info`` of every ORM session it opens
(``SCOPE_KEY``). Two session events then do the work, so no store method can forget:

- every ORM statement (select, lazy load, update, delete) gets the criterion
  ``patient_id = <patient>`` (``IS NULL`` for the single-user journal) on each patient-owned
  entity it touches;
- every new patient-owned row is stamped with the patient before it is flushed, and a row
  moved to another patient is refused.

Core statements on tables (``select(table)``, ``insert(table)``) bypass the ORM; the store
adds :func:`owned_by` to those itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, event
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlalchemy.orm import Session as DbSession

from backcoach.journal.models import Base, PatientOwned

SCOPE_KEY = "backcoach_patient_scope"
PATIENT_COLUMN = "patient_id"


class Scope:
    """One patient (``patient_id``), or the single-user journal's person (None)."""

    __slots__ = ("patient_id",)

    def __init__(self, patient_id: int | None) -> None:
        self.patient_id = patient_id

    def __repr__(self) -> str:
        return f"Scope({self.patient_id!r})"


def session_info(patient_id: int | None) -> dict[str, Any]:
    return {SCOPE_KEY: Scope(patient_id)}


def owned_by(table: Table, patient_id: int | None) -> ColumnElement[bool]:
    """The where-clause keeping a Core statement on ``table`` to one patient's rows."""
    column = table.c[PATIENT_COLUMN]
    return column.is_(None) if patient_id is None else column == patient_id


def patient_tables() -> frozenset[str]:
    """Names of the tables of a person's journal: those of the ``PatientOwned`` models.

    (Other tables may name a patient too, e.g. video jobs, without being journal rows.)
    """
    return frozenset(
        mapper.persist_selectable.name  # type: ignore[attr-defined]
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, PatientOwned)
    )


def _scope_of(session: DbSession) -> Scope | None:
    scope = session.info.get(SCOPE_KEY)
    return scope if isinstance(scope, Scope) else None


@event.listens_for(DbSession, "do_orm_execute")
def _only_the_patients_rows(state: ORMExecuteState) -> None:
    scope = _scope_of(state.session)
    if scope is None or not (state.is_select or state.is_update or state.is_delete):
        return
    patient = scope.patient_id
    if patient is None:
        criteria = with_loader_criteria(
            PatientOwned, lambda cls: cls.patient_id.is_(None), include_aliases=True
        )
    else:
        criteria = with_loader_criteria(
            PatientOwned, lambda cls: cls.patient_id == patient, include_aliases=True
        )
    state.statement = state.statement.options(criteria)


@event.listens_for(DbSession, "before_flush")
def _stamp_new_rows(session: DbSession, _context: Any, _instances: Any) -> None:
    scope = _scope_of(session)
    if scope is None:
        return
    for row in session.new:
        if isinstance(row, PatientOwned):
            row.patient_id = scope.patient_id
    for row in session.dirty:
        if isinstance(row, PatientOwned) and row.patient_id != scope.patient_id:
            raise PermissionError("a journal row cannot be moved to another patient")
