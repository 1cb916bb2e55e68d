"""The journal's tables (SQLAlchemy 2 declarative). Migrations live in ``migrations/``.

Times are stored as timezone-aware UTC datetimes; dates (check-ins) as local calendar dates.
JSON columns hold small documents (screening answers, planned doses).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, DateTime, Dialect, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    SQLite keeps no offset, so values are converted to UTC on the way in and marked UTC on
    the way out; naive datetimes are refused (the caller must say which time it means).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UTCDateTime,
    }


class PatientOwned:
    """A row that belongs to one patient: ``patient_id`` names them in a clinic.

    NULL is the single-user journal's one person (local mode, and every journal written
    before clinic mode). ``journal.scope`` keeps each store's reads and writes to its patient;
    the link to ``users`` is a foreign key on PostgreSQL (migration 0003).
    """

    patient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, default=None)


class Screening(PatientOwned, Base):
    """One red-flag screen. ``outcome``: clear | see_doctor | emergency."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answers: Mapped[dict[str, Any]]  # question id -> bool
    outcome: Mapped[str] = mapped_column(String(20))
    flags: Mapped[list[Any]]  # ids of the questions answered yes
    clinician_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    caution_acknowledged: Mapped[bool] = mapped_column(default=False)


class Session(PatientOwned, Base):
    """One exercise session. ``status``: in_progress | completed | quit | stopped_pain."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    front_end: Mapped[str] = mapped_column(String(20), default="terminal")  # terminal | web
    pain_before: Mapped[int | None]
    pain_after: Mapped[int | None]
    stop_reason: Mapped[str | None] = mapped_column(Text)
    plan: Mapped[dict[str, Any] | None]  # the plan as shown, with reasons

    sets: Mapped[list[ExerciseSet]] = relationship(
        back_populates="session", order_by="ExerciseSet.position", cascade="all, delete-orphan"
    )
    pain_entries: Mapped[list[PainEntry]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )


class ExerciseSet(PatientOwned, Base):
    """One exercise within a session: what was planned and what was done.

    ``status``: in_progress | completed | skipped | stopped.
    ``counted_by``: hand | camera (how the reps of this set were counted).
    """

    __tablename__ = "sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    exercise_id: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer, default=0)
    planned: Mapped[dict[str, Any]]  # Dose.model_dump(mode="json")
    planned_reps: Mapped[int]
    planned_hold_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    counted_by: Mapped[str] = mapped_column(String(10), default="hand")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    session: Mapped[Session] = relationship(back_populates="sets")
    reps: Mapped[list[RepRecord]] = relationship(
        back_populates="exercise_set", order_by="RepRecord.index", cascade="all, delete-orphan"
    )
    warnings: Mapped[list[FormWarning]] = relationship(
        back_populates="exercise_set", cascade="all, delete-orphan"
    )


class RepRecord(PatientOwned, Base):
    """One repetition of one part (e.g. the left side), written as soon as it finishes."""

    __tablename__ = "reps"

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)  # 1-based repetition number
    part: Mapped[str] = mapped_column(String(40))  # Part.key
    side: Mapped[str] = mapped_column(String(10))  # left | right | both | none
    hold_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    counted_by: Mapped[str] = mapped_column(String(10), default="hand")
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())

    exercise_set: Mapped[ExerciseSet] = relationship(back_populates="reps")


class FormWarning(PatientOwned, Base):
    """A form cue or avoided-movement warning raised by the camera during a set."""

    __tablename__ = "form_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)

    exercise_set: Mapped[ExerciseSet] = relationship(back_populates="warnings")


class PainEntry(PatientOwned, Base):
    """A 0-10 pain rating. ``context``: before | during | after."""

    __tablename__ = "pain_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    score: Mapped[int] = mapped_column(Integer)
    context: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)

    session: Mapped[Session | None] = relationship(back_populates="pain_entries")


class CheckIn(PatientOwned, Base):
    """The next-morning pain check-in, tied to the session of the day before when there was one."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    pain: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str | None] = mapped_column(Text)
