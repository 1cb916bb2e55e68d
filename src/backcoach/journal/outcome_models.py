"""Outcome tables of the journal: the profile, PSFS activities and ratings, questionnaire totals.

They live on the journal's ``Base`` so migrations, ``export_all`` and ``import_all`` see them.
Migration ``0002_outcomes`` creates them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backcoach.journal.models import Base, PatientOwned, UTCDateTime


class Profile(PatientOwned, Base):
    """Who the journal belongs to: a pseudonym always, a name only when the person gave one."""

    __tablename__ = "profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PsfsActivity(PatientOwned, Base):
    """One activity the person named for the Patient-Specific Functional Scale."""

    __tablename__ = "psfs_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # 1-based, the order the person gave
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PsfsAssessment(PatientOwned, Base):
    """One PSFS rating round: every activity rated 0-10 at the same moment."""

    __tablename__ = "psfs_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    ratings: Mapped[list[PsfsRating]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan"
    )


class PsfsRating(PatientOwned, Base):
    """How well one activity can be done: 0 = not at all, 10 = as well as before the pain."""

    __tablename__ = "psfs_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("psfs_assessments.id", ondelete="CASCADE"), index=True
    )
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("psfs_activities.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int] = mapped_column(Integer)

    assessment: Mapped[PsfsAssessment] = relationship(back_populates="ratings")


class QuestionnaireTotal(PatientOwned, Base):
    """A disability questionnaire total scored elsewhere (only the number is kept).

    ``instrument``: oswestry (0-100 %) | roland-morris (0-24).
    """

    __tablename__ = "questionnaire_totals"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    day: Mapped[date] = mapped_column(Date)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)
