"""Clinic tables of a clinician's care: prescriptions, notes to the patient, the audit trail,
and when the clinician last looked at the patient's flags.

Storage only; what a prescription may say is ``planning.prescription``'s to check, and who
may write it is ``backcoach.clinic``'s. Migration ``0005_prescriptions`` creates them. They
are the clinic's record about a patient, not the patient's own journal, so they name the
patient in ``patient_user_id`` (not ``patient_id``) and exports never carry them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backcoach.journal.models import Base, UTCDateTime


class PrescriptionRow(Base):
    """One exercise's prescription for one patient; ``since`` is when it was last set."""

    __tablename__ = "prescriptions"
    __table_args__ = (
        UniqueConstraint(
            "patient_user_id", "exercise_id", name="uq_prescriptions_patient_exercise"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    exercise_id: Mapped[str] = mapped_column(String(40))
    start_level: Mapped[int | None] = mapped_column(Integer)
    stage: Mapped[str | None] = mapped_column(String(40))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class ClinicianNote(Base):
    """A note from the clinician to the patient; the patient sees the latest."""

    __tablename__ = "clinician_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """One change to a patient's care: who (``author_id``), what (a sentence), when, why,
    and the prescription before and after (small JSON documents, None for a note)."""

    __tablename__ = "prescription_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    what: Mapped[str] = mapped_column(Text)
    why: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class FlagReview(Base):
    """A clinician looked at the patient's flags at ``at``: older ones no longer need a look."""

    __tablename__ = "flag_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
