"""Reads and writes of the outcome tables (profile, PSFS, questionnaire totals).

Shares the journal's database and error handling: build it on an open ``JournalStore``.
Every write commits before it returns; times are given by the caller.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import selectinload

from backcoach.errors import InputError
from backcoach.journal.outcome_models import (
    Profile,
    PsfsActivity,
    PsfsAssessment,
    PsfsRating,
    QuestionnaireTotal,
)
from backcoach.journal.store import JournalStore

PROFILE_ID = 1
NAME_MAX_LENGTH = 200
PSFS_MIN_ACTIVITIES = 3
PSFS_MAX_ACTIVITIES = 5
PSFS_ACTIVITY_MAX_LENGTH = 120
RATING_MIN, RATING_MAX = 0, 10


# -- what the outcome tables accept ---------------------------------------------------------


def clean_activity_names(names: Sequence[str]) -> list[str]:
    """The activity names, trimmed; 3 to 5 of them, none empty, none repeated."""
    cleaned = [" ".join(name.split()) for name in names]
    if any(not name for name in cleaned):
        raise InputError("An activity name is empty; describe each activity in a few words.")
    if not PSFS_MIN_ACTIVITIES <= len(cleaned) <= PSFS_MAX_ACTIVITIES:
        raise InputError(
            f"Name {PSFS_MIN_ACTIVITIES} to {PSFS_MAX_ACTIVITIES} activities "
            f"(you gave {len(cleaned)})."
        )
    too_long = [name for name in cleaned if len(name) > PSFS_ACTIVITY_MAX_LENGTH]
    if too_long:
        raise InputError(
            f"Keep each activity under {PSFS_ACTIVITY_MAX_LENGTH} characters: "
            f"'{too_long[0][:40]}...' is longer."
        )
    lowered = [name.casefold() for name in cleaned]
    repeated = [name for name in cleaned if lowered.count(name.casefold()) > 1]
    if repeated:
        raise InputError(f"The activity '{repeated[0]}' is named twice.")
    return cleaned


def check_rating(value: object, what: str = "A rating") -> int:
    """A 0-10 whole number, or InputError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{what} must be a whole number from 0 to 10, got {value!r}.")
    if not RATING_MIN <= value <= RATING_MAX:
        raise InputError(f"{what} must be from 0 to 10, got {value}.")
    return value


class Instrument(StrEnum):
    OSWESTRY = "oswestry"
    ROLAND_MORRIS = "roland-morris"


@dataclass(frozen=True)
class InstrumentInfo:
    title: str
    maximum: int
    unit: str  # as shown to people
    whole_numbers: bool


INSTRUMENTS: dict[Instrument, InstrumentInfo] = {
    Instrument.OSWESTRY: InstrumentInfo("Oswestry Disability Index", 100, "%", False),
    Instrument.ROLAND_MORRIS: InstrumentInfo(
        "Roland-Morris Disability Questionnaire", 24, "points", True
    ),
}


def parse_instrument(value: str) -> Instrument:
    try:
        return Instrument(value.strip().lower())
    except ValueError:
        names = ", ".join(item.value for item in Instrument)
        raise InputError(f"Unknown questionnaire '{value}'; choose one of: {names}.") from None


def check_questionnaire_score(instrument: Instrument, score: float) -> float:
    """The total if it is in the instrument's range (Oswestry 0-100 %, Roland-Morris 0-24)."""
    info = INSTRUMENTS[instrument]
    if isinstance(score, bool) or not isinstance(score, int | float) or math.isnan(score):
        raise InputError(f"The {info.title} total must be a number, got {score!r}.")
    if not 0 <= score <= info.maximum:
        raise InputError(
            f"The {info.title} total must be from 0 to {info.maximum} {info.unit}, got {score:g}."
        )
    if info.whole_numbers and not float(score).is_integer():
        raise InputError(f"The {info.title} total is a whole number, got {score:g}.")
    return float(score)


@dataclass(frozen=True)
class ProfileRecord:
    pseudonym: str
    name: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PsfsActivityRecord:
    id: int
    position: int
    name: str
    created_at: datetime


@dataclass(frozen=True)
class PsfsAssessmentRecord:
    id: int
    at: datetime
    ratings: tuple[tuple[int, int], ...]  # (activity id, score), in activity order

    @property
    def score(self) -> float:
        """The mean of the ratings (0-10)."""
        return sum(score for _, score in self.ratings) / len(self.ratings)

    def rating_of(self, activity_id: int) -> int | None:
        return dict(self.ratings).get(activity_id)


@dataclass(frozen=True)
class QuestionnaireTotalRecord:
    id: int
    instrument: Instrument
    score: float
    day: date
    entered_at: datetime
    note: str | None


def new_pseudonym() -> str:
    """A random label that says nothing about the person, e.g. 'BC-7F3A9C21'."""
    return f"BC-{secrets.token_hex(4).upper()}"


class OutcomesStore:
    """The outcome tables of one open journal, kept to the journal store's patient."""

    def __init__(self, journal: JournalStore):
        self._journal = journal

    @contextmanager
    def _write(self) -> Iterator[DbSession]:
        with self._journal.writing() as session:
            yield session

    @contextmanager
    def _read(self) -> Iterator[DbSession]:
        with self._journal.reading() as session:
            yield session

    # -- profile ----------------------------------------------------------------------

    def profile(self) -> ProfileRecord | None:
        with self._read() as session:
            row = _the_profile(session)
            return None if row is None else _profile_record(row)

    def ensure_profile(self, at: datetime) -> ProfileRecord:
        """The profile, created with a fresh pseudonym (and no name) when there is none."""
        with self._write() as session:
            row = self._profile_row(session, at)
            return _profile_record(row)

    def set_name(self, name: str | None, at: datetime) -> ProfileRecord:
        """Store the person's name (shown in reports and FHIR), or remove it with None."""
        cleaned = None if name is None else " ".join(name.split())
        if cleaned is not None and not cleaned:
            raise InputError("The name is empty; give a name or use --clear to remove it.")
        if cleaned is not None and len(cleaned) > NAME_MAX_LENGTH:
            raise InputError(f"Keep the name under {NAME_MAX_LENGTH} characters.")
        with self._write() as session:
            row = self._profile_row(session, at)
            row.name = cleaned
            row.updated_at = at
            return _profile_record(row)

    def _profile_row(self, session: DbSession, at: datetime) -> Profile:
        row = _the_profile(session)
        if row is None:
            # The single-user journal's profile is row 1; a clinic patient's gets the next id.
            row = Profile(
                id=PROFILE_ID if self._journal.patient_id is None else None,
                pseudonym=new_pseudonym(),
                name=None,
                created_at=at,
                updated_at=at,
            )
            session.add(row)
            session.flush()
        return row

    # -- PSFS ---------------------------------------------------------------------------

    def psfs_activities(self) -> list[PsfsActivityRecord]:
        with self._read() as session:
            rows = session.scalars(
                select(PsfsActivity).order_by(PsfsActivity.position, PsfsActivity.id)
            )
            return [
                PsfsActivityRecord(
                    id=r.id, position=r.position, name=r.name, created_at=r.created_at
                )
                for r in rows
            ]

    def set_psfs_activities(self, names: Sequence[str], at: datetime) -> list[PsfsActivityRecord]:
        """Name the 3 to 5 activities, once; they stay the same so ratings can be compared."""
        cleaned = clean_activity_names(names)
        with self._write() as session:
            if session.scalars(select(PsfsActivity.id).limit(1)).first() is not None:
                raise InputError(
                    "Your PSFS activities are already named; rate them with 'backcoach psfs'."
                )
            for position, name in enumerate(cleaned, start=1):
                session.add(PsfsActivity(position=position, name=name, created_at=at))
        return self.psfs_activities()

    def add_psfs_assessment(self, ratings: Mapping[int, int], at: datetime) -> int:
        """One rating round: a 0-10 rating for every named activity (activity id -> rating)."""
        activities = self.psfs_activities()
        if not activities:
            raise InputError("Name your PSFS activities first ('backcoach psfs').")
        expected = {activity.id for activity in activities}
        if set(ratings) != expected:
            raise InputError(
                f"Rate every one of your {len(expected)} PSFS activities, no more and no fewer."
            )
        for activity in activities:
            check_rating(ratings[activity.id], f"The rating of '{activity.name}'")
        with self._write() as session:
            row = PsfsAssessment(at=at)
            session.add(row)
            session.flush()
            for activity in activities:
                session.add(
                    PsfsRating(
                        assessment_id=row.id, activity_id=activity.id, score=ratings[activity.id]
                    )
                )
            return row.id

    def psfs_assessments(self) -> list[PsfsAssessmentRecord]:
        """Every rating round, oldest first."""
        with self._read() as session:
            activity_order = {
                activity_id: position
                for activity_id, position in session.execute(
                    select(PsfsActivity.id, PsfsActivity.position)
                )
            }
            rows = session.scalars(
                select(PsfsAssessment)
                .options(selectinload(PsfsAssessment.ratings))
                .order_by(PsfsAssessment.at, PsfsAssessment.id)
            )
            return [
                PsfsAssessmentRecord(
                    id=row.id,
                    at=row.at,
                    ratings=tuple(
                        (r.activity_id, r.score)
                        for r in sorted(
                            row.ratings, key=lambda r: (activity_order.get(r.activity_id, 0), r.id)
                        )
                    ),
                )
                for row in rows
                if row.ratings
            ]

    def last_psfs_at(self) -> datetime | None:
        assessments = self.psfs_assessments()
        return assessments[-1].at if assessments else None

    # -- questionnaire totals -------------------------------------------------------------

    def add_questionnaire_total(
        self,
        *,
        instrument: Instrument,
        score: float,
        day: date,
        at: datetime,
        note: str | None = None,
    ) -> int:
        checked = check_questionnaire_score(instrument, score)
        with self._write() as session:
            row = QuestionnaireTotal(
                instrument=instrument.value, score=checked, day=day, entered_at=at, note=note
            )
            session.add(row)
            session.flush()
            return row.id

    def questionnaire_totals(self) -> list[QuestionnaireTotalRecord]:
        """Every entered total, oldest day first."""
        with self._read() as session:
            rows = session.scalars(
                select(QuestionnaireTotal).order_by(
                    QuestionnaireTotal.day, QuestionnaireTotal.entered_at, QuestionnaireTotal.id
                )
            )
            return [
                QuestionnaireTotalRecord(
                    id=row.id,
                    instrument=Instrument(row.instrument),
                    score=row.score,
                    day=row.day,
                    entered_at=row.entered_at,
                    note=row.note,
                )
                for row in rows
            ]


def _the_profile(session: DbSession) -> Profile | None:
    # A query (kept to the store's patient by journal.scope), not a lookup of row 1.
    return session.scalars(select(Profile).order_by(Profile.id).limit(1)).first()


def _profile_record(row: Profile) -> ProfileRecord:
    return ProfileRecord(
        pseudonym=row.pseudonym, name=row.name, created_at=row.created_at, updated_at=row.updated_at
    )
