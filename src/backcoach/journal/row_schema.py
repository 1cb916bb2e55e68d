"""What a journal row may hold, table by table: types, allowed values and ranges.

The store checks every row it inserts against these models (a mapper hook in
``JournalStore``), and ``import_all`` checks every imported row with the same models, so an
import cannot put a value in the journal that the store itself would never write.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

ScreeningOutcome = Literal["clear", "see_doctor", "emergency"]
SessionStatus = Literal["in_progress", "completed", "quit", "stopped_pain"]
SetStatus = Literal["in_progress", "completed", "skipped", "stopped"]
CountedBy = Literal["hand", "camera"]
Side = Literal["left", "right", "both", "none"]
PainContext = Literal["before", "during", "after"]
Instrument = Literal["oswestry", "roland-morris"]


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime: a time must say its time zone")
    return moment


INT_MAX = 2**31 - 1  # the journal's Integer columns are 32-bit on PostgreSQL
Id = Annotated[StrictInt, Field(ge=1, le=INT_MAX)]
Moment = Annotated[datetime, Field(strict=True), AfterValidator(_aware)]
Day = Annotated[date, Field(strict=True)]
Pain = Annotated[StrictInt, Field(ge=0, le=10)]
Count = Annotated[StrictInt, Field(ge=0, le=INT_MAX)]
Seconds = Annotated[float, Field(strict=True, ge=0, le=1e9, allow_inf_nan=False)]
Text = StrictStr
Short = Annotated[StrictStr, Field(max_length=20)]  # String(20) columns
Name = Annotated[StrictStr, Field(max_length=40)]  # String(40) columns
Rating = Annotated[StrictInt, Field(ge=0, le=10)]


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    patient_id: Id | None = None  # set by the store's patient scope, never by the caller


class ScreeningRow(Row):
    id: Id | None = None
    taken_at: Moment
    answers: dict[StrictStr, StrictBool]
    outcome: ScreeningOutcome
    flags: list[StrictStr]
    clinician_cleared_at: Moment | None = None
    caution_acknowledged: StrictBool = False


class SessionRow(Row):
    id: Id | None = None
    started_at: Moment
    ended_at: Moment | None = None
    status: SessionStatus = "in_progress"
    front_end: Short = "terminal"
    pain_before: Pain | None = None
    pain_after: Pain | None = None
    stop_reason: Text | None = None
    plan: dict[StrictStr, Any] | None = None


class SetRow(Row):
    id: Id | None = None
    session_id: Id
    position: Count
    exercise_id: Name
    level: Count = 0
    planned: dict[StrictStr, Any]
    planned_reps: Count
    planned_hold_seconds: Seconds = 0.0
    stage: Name | None = None
    status: SetStatus = "in_progress"
    counted_by: CountedBy = "hand"
    started_at: Moment
    ended_at: Moment | None = None


class RepRow(Row):
    id: Id | None = None
    set_id: Id
    index: Annotated[StrictInt, Field(ge=1, le=INT_MAX)]
    part: Name
    side: Side
    hold_seconds: Seconds = 0.0
    counted_by: CountedBy = "hand"
    finished_at: Moment


class FormWarningRow(Row):
    id: Id | None = None
    set_id: Id
    at: Moment
    code: Name
    message: Text


class PainRow(Row):
    id: Id | None = None
    session_id: Id | None = None
    at: Moment
    score: Pain
    context: PainContext
    note: Text | None = None


class CheckInRow(Row):
    id: Id | None = None
    day: Day
    at: Moment
    pain: Pain
    session_id: Id | None = None
    note: Text | None = None


class ProfileRow(Row):
    id: Id | None = None
    pseudonym: Name
    name: Text | None = None
    created_at: Moment
    updated_at: Moment


class PsfsActivityRow(Row):
    id: Id | None = None
    position: Annotated[StrictInt, Field(ge=1, le=INT_MAX)]
    name: Text
    created_at: Moment


class PsfsAssessmentRow(Row):
    id: Id | None = None
    at: Moment


class PsfsRatingRow(Row):
    id: Id | None = None
    assessment_id: Id
    activity_id: Id
    score: Rating


class QuestionnaireTotalRow(Row):
    id: Id | None = None
    instrument: Instrument
    score: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
    day: Day
    entered_at: Moment
    note: Text | None = None


ROW_SCHEMAS: dict[str, type[Row]] = {
    "screenings": ScreeningRow,
    "sessions": SessionRow,
    "sets": SetRow,
    "reps": RepRow,
    "form_warnings": FormWarningRow,
    "pain_entries": PainRow,
    "checkins": CheckInRow,
    "profile": ProfileRow,
    "psfs_activities": PsfsActivityRow,
    "psfs_assessments": PsfsAssessmentRow,
    "psfs_ratings": PsfsRatingRow,
    "questionnaire_totals": QuestionnaireTotalRow,
}

ROLAND_MORRIS_MAX = 24


class BadRow(ValueError):
    """A row that does not fit its table; the message names the column and what is wrong."""


def check_row(table: str, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` checked against the table's schema (columns the row leaves out get their
    defaults); BadRow says what is wrong in one sentence."""
    schema = ROW_SCHEMAS.get(table)
    if schema is None:
        raise BadRow(f"backcoach has no table '{table}'")
    try:
        row = schema.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the row"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise BadRow(f"{where}: {message}") from None
    if (
        isinstance(row, QuestionnaireTotalRow)
        and row.instrument == "roland-morris"
        and row.score > ROLAND_MORRIS_MAX
    ):
        raise BadRow(f"score: a Roland-Morris total is at most {ROLAND_MORRIS_MAX}")
    checked = row.model_dump(exclude_unset=False)
    return {name: value for name, value in checked.items() if name != "id" or value is not None}
