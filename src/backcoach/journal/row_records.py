"""Copy ORM rows of the journal into detached, frozen records (see ``records``)."""

from __future__ import annotations

from collections.abc import Iterable

from backcoach.journal.models import CheckIn, ExerciseSet, PainEntry, Screening, Session
from backcoach.journal.records import (
    CheckInRecord,
    FormWarningRecord,
    PainRecord,
    RepRow,
    ScreeningRecord,
    SessionRecord,
    SetRecord,
)


def screening_record(row: Screening) -> ScreeningRecord:
    return ScreeningRecord(
        id=row.id,
        taken_at=row.taken_at,
        answers={str(k): bool(v) for k, v in row.answers.items()},
        outcome=row.outcome,
        flags=tuple(str(flag) for flag in row.flags),
        caution_acknowledged=row.caution_acknowledged,
        clinician_cleared_at=row.clinician_cleared_at,
    )


def set_record(row: ExerciseSet) -> SetRecord:
    return SetRecord(
        id=row.id,
        position=row.position,
        exercise_id=row.exercise_id,
        level=row.level,
        planned=dict(row.planned),
        planned_reps=row.planned_reps,
        planned_hold_seconds=row.planned_hold_seconds,
        stage=row.stage,
        status=row.status,
        counted_by=row.counted_by,
        started_at=row.started_at,
        ended_at=row.ended_at,
        reps=tuple(
            RepRow(
                id=rep.id,
                index=rep.index,
                part=rep.part,
                side=rep.side,
                hold_seconds=rep.hold_seconds,
                counted_by=rep.counted_by,
                finished_at=rep.finished_at,
            )
            for rep in sorted(row.reps, key=lambda rep: (rep.index, rep.id))
        ),
        warnings=tuple(
            FormWarningRecord(id=w.id, at=w.at, code=w.code, message=w.message)
            for w in sorted(row.warnings, key=lambda w: (w.at, w.id))
        ),
    )


def pain_record(row: PainEntry) -> PainRecord:
    return PainRecord(
        id=row.id,
        session_id=row.session_id,
        at=row.at,
        score=row.score,
        context=row.context,
        note=row.note,
    )


def checkin_record(row: CheckIn) -> CheckInRecord:
    return CheckInRecord(
        id=row.id, day=row.day, at=row.at, pain=row.pain, session_id=row.session_id, note=row.note
    )


def latest_checkin_by_session(rows: Iterable[CheckIn]) -> dict[int, CheckInRecord]:
    """Session id -> its check-in (the latest, should there be several)."""
    latest: dict[int, CheckInRecord] = {}
    for row in sorted(rows, key=lambda r: (r.at, r.id)):
        if row.session_id is not None:
            latest[row.session_id] = checkin_record(row)
    return latest


def session_record(row: Session, checkin: CheckInRecord | None) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        status=row.status,
        front_end=row.front_end,
        pain_before=row.pain_before,
        pain_after=row.pain_after,
        stop_reason=row.stop_reason,
        plan=None if row.plan is None else dict(row.plan),
        sets=tuple(set_record(item) for item in sorted(row.sets, key=lambda s: (s.position, s.id))),
        pain_entries=tuple(
            pain_record(p) for p in sorted(row.pain_entries, key=lambda p: (p.at, p.id))
        ),
        checkin=checkin,
    )
