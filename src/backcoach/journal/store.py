"""The journal: the only way to read and write what a person did (see docs of each method).

Every write commits before it returns, so a kill loses nothing already written. Times are
timezone-aware datetimes given by the caller (no hidden clock); they are stored in UTC.
Calendar days (a session's day, the morning after) use the person's local time zone: the
machine's, unless ``local_tz`` is given to :meth:`JournalStore.open`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Self, TypeVar, get_args

from sqlalchemy import Engine, event, exists, func, insert, select, text
from sqlalchemy.orm import Mapper, selectinload, sessionmaker
from sqlalchemy.orm import Session as DbSession

from backcoach.catalog.schema import Dose
from backcoach.config import AppPaths, ensure_home
from backcoach.errors import InputError, JournalError, NotFoundError
from backcoach.journal import (
    account_models,  # noqa: F401  (the users table every row's patient_id refers to)
    migrate,
    row_records,
    row_schema,
    scope,
)
from backcoach.journal.database import (
    DEFAULT_BUSY_TIMEOUT_SECONDS,
    JournalLocation,
    create_journal_engine,
    parse_location,
    writer_engine,
)
from backcoach.journal.db_errors import translated
from backcoach.journal.models import (
    Base,
    CheckIn,
    ExerciseSet,
    FormWarning,
    PainEntry,
    PatientOwned,
    RepRecord,
    Screening,
    Session,
)
from backcoach.journal.records import (
    CheckInRecord,
    PainRecord,
    ScreeningRecord,
    SessionRecord,
)
from backcoach.journal.serialize import EXPORT_FORMAT, from_json_value, to_json_value
from backcoach.planning.history import ExerciseOutcome, SessionSummary
from backcoach.planning.screening import outcome_of_answers

SCREENING_OUTCOMES = frozenset(get_args(row_schema.ScreeningOutcome))
PAIN_CONTEXTS = frozenset(get_args(row_schema.PainContext))
SET_END_STATUSES = frozenset(get_args(row_schema.SetStatus)) - {"in_progress"}
SESSION_END_STATUSES = frozenset(get_args(row_schema.SessionStatus)) - {"in_progress"}
COUNTED_BY = frozenset(get_args(row_schema.CountedBy))
SIDES = frozenset(get_args(row_schema.Side))
CHECKIN_LOOKBACK_DAYS = 2
INTERRUPTED_REASON = "The session was interrupted; it is kept with what was done until then."

_Row = TypeVar("_Row")


def _require(value: str, allowed: frozenset[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {sorted(allowed)}, got {value!r}")


def _check_pain(score: int | None, what: str = "Pain") -> None:
    if score is None:
        return
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise InputError(f"{what} must be a whole number from 0 to 10, got {score!r}.")


class JournalStore:
    """Screenings, sessions (sets, reps, form warnings), pain entries and check-ins.

    A store reads and writes one person's rows: ``patient_id`` None is the single-user
    journal's person (local mode); :meth:`for_patient` gives a store over the same database
    for one clinic patient (see ``journal.scope``, which enforces it for every query).
    """

    def __init__(
        self,
        engine: Engine,
        location: JournalLocation,
        local_tz: tzinfo | None,
        *,
        patient_id: int | None = None,
        owns_engine: bool = True,
    ):
        self._engine = engine
        self._location = location
        self._local_tz = local_tz
        self._patient_id = patient_id
        self._owns_engine = owns_engine
        info = scope.session_info(patient_id)
        self._sessions = sessionmaker(engine, expire_on_commit=False, info=info)
        self._writers = sessionmaker(writer_engine(engine), expire_on_commit=False, info=info)

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        database_url: str,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT_SECONDS,
        local_tz: tzinfo | None = None,
        script_location: Path = migrate.MIGRATIONS_DIR,
    ) -> JournalStore:
        """Open the journal at ``database_url``, creating or upgrading it (see ``migrate``).

        ``busy_timeout``: how long to wait for another writer before saying the journal is
        in use. Raises JournalError when the database cannot safely be used.
        """
        location = parse_location(database_url)
        new_file = location.sqlite_path is not None and not location.sqlite_path.exists()
        engine = create_journal_engine(location, busy_timeout=busy_timeout)
        try:
            migrate.prepare(engine, location, script_location=script_location)
        except BaseException:
            engine.dispose()
            raise
        if new_file and location.sqlite_path is not None:
            # The journal is health data: its owner's only (SQLite gives its side files the
            # same permissions). A journal that already existed keeps the ones it has.
            with suppress(OSError):
                location.sqlite_path.chmod(0o600)
        return cls(engine, location, local_tz)

    @classmethod
    def from_paths(cls, paths: AppPaths, **options: Any) -> JournalStore:
        """Create the data directory when needed, then :meth:`open` the configured journal."""
        ensure_home(paths)
        return cls.open(paths.database_url, **options)

    def for_patient(self, patient_id: int, *, local_tz: tzinfo | None = None) -> JournalStore:
        """A store over the same database that sees and writes only this patient's rows.

        It shares this store's engine (closing it closes nothing). Whether the caller may
        see this patient is for ``backcoach.clinic`` to decide, not the journal.
        """
        if isinstance(patient_id, bool) or not isinstance(patient_id, int) or patient_id < 1:
            raise ValueError(f"a patient id is a positive whole number, got {patient_id!r}")
        return JournalStore(
            self._engine,
            self._location,
            local_tz if local_tz is not None else self._local_tz,
            patient_id=patient_id,
            owns_engine=False,
        )

    @property
    def patient_id(self) -> int | None:
        """The clinic patient this store is kept to; None for the single-user journal."""
        return self._patient_id

    def close(self) -> None:
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def location(self) -> JournalLocation:
        return self._location

    @contextmanager
    def writing(self) -> Iterator[DbSession]:
        """An ORM session for one write, committed on exit; failures become JournalError.

        For modules that add their own tables to the journal (e.g. ``outcomes_store``).
        On SQLite it takes the write lock at once (``BEGIN IMMEDIATE``).
        """
        with translated(self._location.describe()), self._writers.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[DbSession]:
        """An ORM session for reading; failures become JournalError."""
        with translated(self._location.describe()), self._sessions() as session:
            yield session

    _write = writing
    _read = reading

    def local_time(self, moment: datetime) -> datetime:
        """``moment`` on the person's clock."""
        return moment.astimezone(self._local_tz)

    def local_date(self, moment: datetime) -> date:
        """The person's calendar date at ``moment``."""
        return self.local_time(moment).date()

    # -- red-flag screening -------------------------------------------------------------

    def add_screening(
        self,
        *,
        answers: dict[str, bool],
        outcome: str,
        flags: list[str],
        caution_acknowledged: bool,
        at: datetime,
    ) -> int:
        _require(outcome, SCREENING_OUTCOMES, "outcome")
        row = Screening(
            taken_at=at,
            answers=dict(answers),
            outcome=outcome,
            flags=list(flags),
            caution_acknowledged=caution_acknowledged,
        )
        with self._write() as session:
            session.add(row)
            session.flush()
            return row.id

    def latest_screening(self) -> ScreeningRecord | None:
        with self._read() as session:
            row = session.scalars(
                select(Screening).order_by(Screening.taken_at.desc(), Screening.id.desc())
            ).first()
            return None if row is None else row_records.screening_record(row)

    def screenings(self) -> list[ScreeningRecord]:
        """Every screen, oldest first."""
        with self._read() as session:
            rows = session.scalars(select(Screening).order_by(Screening.taken_at, Screening.id))
            return [row_records.screening_record(row) for row in rows]

    def record_clearance(self, screening_id: int, at: datetime) -> None:
        """A clinician cleared the person to exercise after this screen."""
        with self._write() as session:
            row = _get(session, Screening, screening_id, "screening")
            row.clinician_cleared_at = at

    # -- sessions, sets, reps ---------------------------------------------------------

    def start_session(
        self, *, front_end: str, pain_before: int | None, plan: dict[str, Any], at: datetime
    ) -> int:
        """A new session (status in_progress). ``pain_before`` is stored on the session."""
        _check_pain(pain_before, "Pain before the session")
        row = Session(
            started_at=at,
            status="in_progress",
            front_end=front_end,
            pain_before=pain_before,
            plan=plan,
        )
        with self._write() as session:
            session.add(row)
            session.flush()
            return row.id

    def close_interrupted_sessions(self) -> list[int]:
        """Close every session still in progress: it was interrupted (the program was killed
        or the machine stopped), since a new one is starting. It is kept with what it held,
        as quit at its last recorded moment; its unfinished set as stopped. Returns the ids.
        """
        with self._write() as session:
            rows = session.scalars(
                select(Session)
                .where(Session.status == "in_progress")
                .options(
                    selectinload(Session.sets).selectinload(ExerciseSet.reps),
                    selectinload(Session.pain_entries),
                )
            ).all()
            for row in rows:
                for exercise_set in row.sets:
                    if exercise_set.status == "in_progress":
                        exercise_set.status = "stopped"
                        exercise_set.ended_at = max(
                            [exercise_set.started_at, *(r.finished_at for r in exercise_set.reps)]
                        )
                row.status = "quit"
                row.stop_reason = INTERRUPTED_REASON
                row.ended_at = max(
                    [
                        row.started_at,
                        *(s.ended_at or s.started_at for s in row.sets),
                        *(p.at for p in row.pain_entries),
                    ]
                )
            return [row.id for row in rows]

    def start_set(
        self,
        *,
        session_id: int,
        position: int,
        exercise_id: str,
        level: int,
        dose: Dose,
        counted_by: str,
        at: datetime,
    ) -> int:
        _require(counted_by, COUNTED_BY, "counted_by")
        with self._write() as session:
            _get(session, Session, session_id, "session")
            row = ExerciseSet(
                session_id=session_id,
                position=position,
                exercise_id=exercise_id,
                level=level,
                planned=dose.model_dump(mode="json"),
                planned_reps=dose.reps,
                planned_hold_seconds=dose.hold_seconds,
                stage=dose.stage,
                status="in_progress",
                counted_by=counted_by,
                started_at=at,
            )
            session.add(row)
            session.flush()
            return row.id

    def add_rep(
        self,
        *,
        set_id: int,
        index: int,
        part: str,
        side: str,
        hold_seconds: float,
        counted_by: str,
        at: datetime,
    ) -> int:
        """One finished repetition of one part; ``index`` is the 1-based repetition number."""
        _require(side, SIDES, "side")
        _require(counted_by, COUNTED_BY, "counted_by")
        with self._write() as session:
            _get(session, ExerciseSet, set_id, "set")
            row = RepRecord(
                set_id=set_id,
                index=index,
                part=part,
                side=side,
                hold_seconds=float(hold_seconds),
                counted_by=counted_by,
                finished_at=at,
            )
            session.add(row)
            session.flush()
            return row.id

    def add_form_warning(self, *, set_id: int, code: str, message: str, at: datetime) -> int:
        with self._write() as session:
            _get(session, ExerciseSet, set_id, "set")
            row = FormWarning(set_id=set_id, code=code, message=message, at=at)
            session.add(row)
            session.flush()
            return row.id

    def finish_set(self, set_id: int, *, status: str, at: datetime) -> None:
        """``status``: completed | skipped | stopped.

        The set counts as counted by camera only when every rep it has was: a person who went
        on without the camera part-way through has a set counted by hand.
        """
        _require(status, SET_END_STATUSES, "set status")
        with self._write() as session:
            row = _get(session, ExerciseSet, set_id, "set")
            row.status = status
            row.ended_at = at
            if row.reps:
                camera = all(rep.counted_by == "camera" for rep in row.reps)
                row.counted_by = "camera" if camera else "hand"

    def add_pain(
        self,
        *,
        score: int,
        context: str,
        session_id: int | None,
        at: datetime,
        note: str | None = None,
    ) -> int:
        """A 0-10 pain rating; ``context``: before | during | after (the session)."""
        _check_pain(score)
        _require(context, PAIN_CONTEXTS, "context")
        with self._write() as session:
            if session_id is not None:
                _get(session, Session, session_id, "session")
            row = PainEntry(score=score, context=context, session_id=session_id, at=at, note=note)
            session.add(row)
            session.flush()
            return row.id

    def finish_session(
        self,
        session_id: int,
        *,
        status: str,
        pain_after: int | None,
        stop_reason: str | None,
        at: datetime,
    ) -> None:
        """``status``: completed | quit | stopped_pain. ``pain_after`` is stored on the session."""
        _require(status, SESSION_END_STATUSES, "session status")
        _check_pain(pain_after, "Pain after the session")
        with self._write() as session:
            row = _get(session, Session, session_id, "session")
            row.status = status
            row.pain_after = pain_after
            row.stop_reason = stop_reason
            row.ended_at = at

    def add_checkin(self, *, day: date, pain: int, at: datetime, note: str | None = None) -> int:
        """The morning check-in of local date ``day``, linked to the session it follows.

        The link goes to the latest session without a check-in that started (local time) on
        the day before ``day``; failing that, on the day before that
        (``CHECKIN_LOOKBACK_DAYS``); failing that, to none.
        """
        _check_pain(pain)
        with self._write() as session:
            linked = self._session_before(session, day)
            row = CheckIn(day=day, at=at, pain=pain, session_id=linked, note=note)
            session.add(row)
            session.flush()
            return row.id

    def _session_before(self, session: DbSession, day: date) -> int | None:
        # Local dates depend on the offset, so take a generous UTC window and filter here.
        window_start = datetime.combine(
            day - timedelta(days=CHECKIN_LOOKBACK_DAYS + 1), time(), UTC
        )
        window_end = datetime.combine(day + timedelta(days=1), time(), UTC)
        has_checkin = exists().where(CheckIn.session_id == Session.id)
        candidates = session.execute(
            select(Session.id, Session.started_at)
            .where(Session.started_at >= window_start, Session.started_at < window_end)
            .where(~has_checkin)
            .order_by(Session.started_at.desc(), Session.id.desc())
        ).all()
        for days_back in range(1, CHECKIN_LOOKBACK_DAYS + 1):
            wanted = day - timedelta(days=days_back)
            for session_id, started_at in candidates:
                if self.local_date(started_at) == wanted:
                    return int(session_id)
        return None

    # -- reading ------------------------------------------------------------------------

    def sessions(self) -> list[SessionRecord]:
        """Every session with its sets (reps, warnings), pain entries and check-in, oldest first."""
        with self._read() as session:
            rows = session.scalars(
                select(Session)
                .options(
                    selectinload(Session.sets).selectinload(ExerciseSet.reps),
                    selectinload(Session.sets).selectinload(ExerciseSet.warnings),
                    selectinload(Session.pain_entries),
                )
                .order_by(Session.started_at, Session.id)
            ).all()
            checkins = row_records.latest_checkin_by_session(
                session.scalars(select(CheckIn).where(CheckIn.session_id.is_not(None))).all()
            )
            return [row_records.session_record(row, checkins.get(row.id)) for row in rows]

    def session_summaries(self) -> list[SessionSummary]:
        """What the planner needs of every session, oldest first."""
        return [
            SessionSummary(
                session_id=record.id,
                day=self.local_date(record.started_at),
                status=record.status,
                baseline_pain=record.pain_before,
                max_pain=record.max_pain,
                next_morning_pain=None if record.checkin is None else record.checkin.pain,
                exercises=tuple(
                    ExerciseOutcome(
                        exercise_id=item.exercise_id, level=item.level, completed=item.completed
                    )
                    for item in record.sets
                ),
            )
            for record in self.sessions()
        ]

    def checkins(self) -> list[CheckInRecord]:
        """Every check-in, oldest day first."""
        with self._read() as session:
            rows = session.scalars(select(CheckIn).order_by(CheckIn.day, CheckIn.at, CheckIn.id))
            return [row_records.checkin_record(row) for row in rows]

    def pain_entries(self) -> list[PainRecord]:
        """Every pain rating, in or out of a session, oldest first."""
        with self._read() as session:
            rows = session.scalars(select(PainEntry).order_by(PainEntry.at, PainEntry.id))
            return [row_records.pain_record(row) for row in rows]

    def is_empty(self) -> bool:
        """True when no table of the journal holds a row."""
        with self._read() as session:
            return all(
                session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(scope.owned_by(table, self._patient_id))
                )
                == 0
                for table in _tables()
            )

    # -- export and import ------------------------------------------------------------

    def export_all(self) -> dict[str, Any]:
        """Everything in the journal as one JSON-able document.

        ``{"format": "backcoach-journal", "schema_revision": "0001", "tables": {name: rows}}``
        with one entry per table (including tables other modules add to the journal), each
        row a dict of column -> value, rows in id order. Datetimes are ISO 8601 UTC strings,
        dates ISO dates; JSON columns stay nested. Nothing outside the journal is added.
        """
        tables: dict[str, list[dict[str, Any]]] = {}
        with self._read() as session:
            for table in _tables():
                result = session.execute(
                    select(table)
                    .where(scope.owned_by(table, self._patient_id))
                    .order_by(*table.primary_key.columns)
                )
                # Who owns the rows is the clinic's business, not part of the person's journal.
                tables[table.name] = [
                    {
                        key: to_json_value(value)
                        for key, value in row.items()
                        if key != scope.PATIENT_COLUMN
                    }
                    for row in result.mappings()
                ]
        return {
            "format": EXPORT_FORMAT,
            "schema_revision": migrate.head_revision(),
            "tables": tables,
        }

    def import_all(self, document: dict[str, Any]) -> None:
        """Load an :meth:`export_all` document into this journal, which must be empty.

        Ids are kept, so links between rows survive; in a store kept to a clinic patient the
        rows get new ids (others' rows hold the old ones) and the links follow them. All or
        nothing: on any error nothing is written.
        """
        if document.get("format") != EXPORT_FORMAT or not isinstance(document.get("tables"), dict):
            raise InputError("This is not a backcoach journal export (no 'format'/'tables').")
        if not self.is_empty():
            raise JournalError(
                f"The journal {self._location.describe()} already holds entries; import "
                "only into an empty journal."
            )
        known = {table.name: table for table in _tables()}
        unknown = sorted(set(document["tables"]) - set(known))
        if unknown:
            raise InputError(
                f"The export holds tables this backcoach does not know: {', '.join(unknown)}."
            )
        with self._write() as session:
            if self._patient_id is not None:
                self._import_with_new_ids(session, document["tables"])
                return
            for table in _tables():
                rows = document["tables"].get(table.name) or []
                if not rows:
                    continue
                session.execute(insert(table), _import_rows(table, rows))
                if self._engine.dialect.name == "postgresql":
                    _advance_sequence(session, table.name)

    def _import_with_new_ids(self, session: DbSession, tables: dict[str, Any]) -> None:
        new_ids: dict[str, dict[int, int]] = {}
        for table in _tables():  # parents before children
            new_ids[table.name] = {}
            links = [
                (key.parent.name, key.column.table.name)
                for key in table.foreign_keys
                if key.column.table.name in new_ids
            ]
            for row in _import_rows(table, tables.get(table.name) or []):
                old_id = row.pop("id")
                for column, parent in links:
                    if row.get(column) is not None:
                        row[column] = _linked(new_ids[parent], row[column], table.name, parent)
                row[scope.PATIENT_COLUMN] = self._patient_id
                new_id = session.execute(insert(table).returning(table.c.id), row).scalar_one()
                new_ids[table.name][old_id] = new_id


def _row_values(mapper: Mapper[Any], target: Any) -> dict[str, Any]:
    """A row about to be written; unset columns with a default are left to the schema's."""
    values: dict[str, Any] = {}
    for column in mapper.columns:
        value = getattr(target, column.key)
        if value is None and (column.default is not None or column.primary_key):
            continue
        values[column.key] = value
    return values


@event.listens_for(Base, "before_insert", propagate=True)
@event.listens_for(Base, "before_update", propagate=True)
def _check_written_row(mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    if not isinstance(target, PatientOwned):
        return  # account tables: backcoach.clinic checks what it writes there
    row_schema.check_row(str(mapper.persist_selectable.description), _row_values(mapper, target))


def _import_rows(table: Any, rows: list[Any]) -> list[dict[str, Any]]:
    """The export's rows of ``table``, checked by the schema every written row meets."""
    checked = []
    for number, raw in enumerate(rows, start=1):
        try:
            if not isinstance(raw.get("id"), int):
                raise ValueError("id: every exported row has its id")
            if scope.PATIENT_COLUMN in raw:
                raise ValueError("patient_id: an export never says which clinic patient it is")
            values = {
                name: from_json_value(table.c[name], value) if name in table.c else value
                for name, value in raw.items()
            }
            if table.name == "screenings":
                values = _screening_from_answers(values)
            checked.append(row_schema.check_row(table.name, values))
        except (ValueError, TypeError, AttributeError, InputError) as error:
            raise InputError(
                f"The export's table {table.name} has a bad row (row {number}): "
                f"{str(error).rstrip('.')}."
            ) from error
    return checked


def _screening_from_answers(values: dict[str, Any]) -> dict[str, Any]:
    """A screen's outcome and flags come from its answers, never from what the file says."""
    answers = values.get("answers")
    if not isinstance(answers, dict):
        raise ValueError("answers: the screening answers must be a JSON object")
    outcome, flags = outcome_of_answers(answers, str(values.get("outcome")))
    return {**values, "outcome": outcome.value, "flags": list(flags)}


def table_columns() -> dict[str, list[str]]:
    """The column names of every journal table, in order (for CSV headers)."""
    return {
        table.name: [c.name for c in table.columns if c.name != scope.PATIENT_COLUMN]
        for table in _tables()
    }


def _tables() -> list[Any]:
    """The tables of a person's journal: every table on ``Base`` whose rows a patient owns."""
    migrate.import_model_modules()
    owned = scope.patient_tables()
    return [table for table in Base.metadata.sorted_tables if table.name in owned]


def _linked(new_ids: dict[int, int], old: Any, table: str, parent: str) -> int:
    if old not in new_ids:
        raise InputError(f"The export's table {table} links to a {parent} row it does not hold.")
    return new_ids[old]


def _advance_sequence(session: DbSession, table: str) -> None:
    # Rows came with their ids; move the id sequence past them (PostgreSQL only).
    session.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )
    )


def _get(session: DbSession, model: type[_Row], key: int, what: str) -> _Row:
    # A query, not session.get: the patient scope applies to queries (see journal.scope).
    row = session.scalars(select(model).where(model.id == key)).first()  # type: ignore[attr-defined]
    if row is None:
        raise NotFoundError(f"There is no {what} {key} in the journal.")
    return row
