"""Reads and writes of a clinic patient's prescription, notes and audit trail.

Build it on a ``JournalStore`` kept to one clinic patient (``JournalStore.for_patient``):
whether the caller may act for that patient is ``backcoach.clinic``'s to decide. Every change
is checked against the catalog first and is written together with its audit entry (who,
what, when, why, before and after) in one transaction, so neither exists without the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from backcoach.catalog.schema import Exercise
from backcoach.errors import InputError
from backcoach.journal.account_models import User
from backcoach.journal.prescription_models import (
    AuditEntry,
    ClinicianNote,
    FlagReview,
    PrescriptionRow,
)
from backcoach.journal.store import JournalStore
from backcoach.planning.prescription import (
    ExercisePrescription,
    Prescription,
    check_prescription,
    describe_prescription,
)

WHY_MAX_LENGTH = 500
NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class AuditRecord:
    at: datetime
    who: str  # the clinician's display name
    what: str
    why: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class NoteRecord:
    at: datetime
    who: str
    text: str


def _clean(text: str, what: str, limit: int) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InputError(f"{what} is empty; write it in a few words.")
    if len(cleaned) > limit:
        raise InputError(f"{what} is too long: keep it under {limit} characters.")
    return cleaned


def _document(item: ExercisePrescription | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {"start_level": item.start_level, "stage": item.stage, "paused": item.paused}


def _item(row: PrescriptionRow) -> ExercisePrescription:
    return ExercisePrescription(
        exercise_id=row.exercise_id,
        since=row.since,
        start_level=row.start_level,
        stage=row.stage,
        paused=row.paused,
    )


class PrescriptionStore:
    """One clinic patient's prescription, notes to them and the audit trail of changes."""

    def __init__(self, store: JournalStore) -> None:
        patient = store.patient_id
        if patient is None:
            raise ValueError("prescriptions belong to a clinic patient; use a patient's store")
        self._store = store
        self._patient = patient

    @property
    def patient_id(self) -> int:
        return self._patient

    def prescription(self) -> Prescription:
        with self._store.reading() as session:
            rows = session.scalars(
                select(PrescriptionRow)
                .where(PrescriptionRow.patient_user_id == self._patient)
                .order_by(PrescriptionRow.id)
            ).all()
            return Prescription(tuple(_item(row) for row in rows))

    def change(
        self,
        exercise: Exercise,
        *,
        start_level: int | None,
        stage: str | None,
        paused: bool,
        author_id: int,
        why: str,
        at: datetime,
    ) -> AuditRecord:
        """Set one exercise's prescription (all defaults: back to the program's own) and
        record it; raises InputError when it leaves the catalog, lacks a why or changes
        nothing."""
        reason = _clean(why, "The reason for the change", WHY_MAX_LENGTH)
        new = ExercisePrescription(exercise.id, at, start_level, stage, paused)
        check_prescription(exercise, new)
        program_default = start_level is None and stage is None and not paused
        with self._store.writing() as session:
            row = session.scalars(
                select(PrescriptionRow).where(
                    PrescriptionRow.patient_user_id == self._patient,
                    PrescriptionRow.exercise_id == exercise.id,
                )
            ).one_or_none()
            old = None if row is None else _item(row)
            if _document(old) == _document(None if program_default else new):
                raise InputError(
                    f"That is already {exercise.name}'s prescription; nothing was changed."
                )
            if program_default:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(
                    PrescriptionRow(
                        patient_user_id=self._patient,
                        exercise_id=exercise.id,
                        start_level=start_level,
                        stage=stage,
                        paused=paused,
                        since=at,
                    )
                )
            else:
                row.start_level, row.stage, row.paused, row.since = (
                    start_level,
                    stage,
                    paused,
                    at,
                )
            after = None if program_default else new
            what = (
                f"{exercise.name}: {describe_prescription(exercise, after)} "
                f"(was {describe_prescription(exercise, old)})."
            )
            entry = AuditEntry(
                patient_user_id=self._patient,
                author_id=author_id,
                at=at,
                what=what,
                why=reason,
                before=_document(old),
                after=_document(after),
            )
            session.add(entry)
            session.flush()
            who = session.get(User, author_id)
            return AuditRecord(
                at=at,
                who=who.display_name if who is not None else "someone no longer here",
                what=what,
                why=reason,
                before=entry.before,
                after=entry.after,
            )

    def add_note(self, text: str, *, author_id: int, at: datetime) -> NoteRecord:
        """Leave a note for the patient (they see the latest); it goes in the audit trail."""
        cleaned = _clean(text, "The note", NOTE_MAX_LENGTH)
        with self._store.writing() as session:
            session.add(
                ClinicianNote(
                    patient_user_id=self._patient, author_id=author_id, text=cleaned, at=at
                )
            )
            session.add(
                AuditEntry(
                    patient_user_id=self._patient,
                    author_id=author_id,
                    at=at,
                    what=f"Note to the patient: {cleaned}",
                    why="",
                    before=None,
                    after=None,
                )
            )
            session.flush()
            who = session.get(User, author_id)
            return NoteRecord(at, who.display_name if who is not None else "", cleaned)

    def mark_flags_seen(self, flags: list[str], *, author_id: int, at: datetime) -> None:
        """The clinician looked at these flags (their sentences) at ``at``; the audit trail
        keeps which."""
        if not flags:
            raise InputError("Nothing needs a look at the moment.")
        with self._store.writing() as session:
            session.add(FlagReview(patient_user_id=self._patient, author_id=author_id, at=at))
            session.add(
                AuditEntry(
                    patient_user_id=self._patient,
                    author_id=author_id,
                    at=at,
                    what="Looked at: " + " ".join(flags),
                    why="",
                    before=None,
                    after=None,
                )
            )

    def flags_seen_at(self) -> datetime | None:
        """When a clinician last looked at the patient's flags."""
        with self._store.reading() as session:
            latest: datetime | None = session.scalars(
                select(FlagReview.at)
                .where(FlagReview.patient_user_id == self._patient)
                .order_by(FlagReview.at.desc())
                .limit(1)
            ).first()
            return latest

    def notes(self) -> list[NoteRecord]:
        """Every note to the patient, newest first."""
        author = aliased(User)
        with self._store.reading() as session:
            rows = session.execute(
                select(ClinicianNote, author.display_name)
                .join(author, author.id == ClinicianNote.author_id)
                .where(ClinicianNote.patient_user_id == self._patient)
                .order_by(ClinicianNote.at.desc(), ClinicianNote.id.desc())
            ).all()
            return [NoteRecord(note.at, name, note.text) for note, name in rows]

    def latest_note(self) -> NoteRecord | None:
        notes = self.notes()
        return notes[0] if notes else None

    def audit(self) -> list[AuditRecord]:
        """The audit trail, newest first."""
        author = aliased(User)
        with self._store.reading() as session:
            rows = session.execute(
                select(AuditEntry, author.display_name)
                .join(author, author.id == AuditEntry.author_id)
                .where(AuditEntry.patient_user_id == self._patient)
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            ).all()
            return [
                AuditRecord(entry.at, name, entry.what, entry.why, entry.before, entry.after)
                for entry, name in rows
            ]
