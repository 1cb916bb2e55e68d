"""The clinic library: passwords, invites, sessions, throttling, settings, patient scoping,
migrations up and down, and a single-user journal imported as one patient. On real SQLite
and real PostgreSQL (the session's throw-away server)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from backcoach.catalog.schema import Dose
from backcoach.cli.main import app as cli_app
from backcoach.clinic.accounts import Account, Role
from backcoach.clinic.importer import import_journal_file
from backcoach.clinic.passwords import hash_password, verify_password
from backcoach.clinic.service import TOO_MANY_ATTEMPTS, WRONG_PASSWORD, Clinic, SignInRefused
from backcoach.clinic.settings import ClinicSettings, load_clinic_settings
from backcoach.clinic.tokens import token_hash
from backcoach.errors import ConfigError, InputError, JournalError, NotFoundError
from backcoach.journal import migrate
from backcoach.journal.outcomes_store import Instrument, OutcomesStore
from backcoach.journal.store import JournalStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "s" * 40
PASSWORD = "a long enough password"


class Clock:
    def __init__(self) -> None:
        self.moment = T0

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture(scope="module")
def pg_url(new_postgres_database: Callable[[str], str]) -> str:
    return new_postgres_database("accounts")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clinic(new_postgres_database: Callable[[str], str], clock: Clock) -> Iterator[Clinic]:
    settings = ClinicSettings(database_url=new_postgres_database("clinic"), secret=SECRET)
    opened = Clinic.open(settings, now=clock)
    yield opened
    opened.close()


def _clinician(clinic: Clinic, name: str = "doc") -> Account:
    return clinic.accounts.create(
        username=name, password=PASSWORD, role=Role.CLINICIAN, display_name=f"Dr {name}", at=T0
    )


def _patient(clinic: Clinic, clinician: Account, name: str) -> Account:
    return clinic.accounts.create(
        username=name,
        password=PASSWORD,
        role=Role.PATIENT,
        display_name=name.title(),
        at=T0,
        clinician_id=clinician.id,
    )


# -- passwords and settings ---------------------------------------------------------------


def test_passwords_are_argon2id_hashes_and_short_ones_are_refused() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + "!")
    assert not verify_password(None, PASSWORD)  # no account: a full verify, then False
    assert not verify_password("not a hash", PASSWORD)
    with pytest.raises(InputError, match="at least 10"):
        hash_password("short")


def test_settings_come_from_yaml_and_environment_with_clear_errors(tmp_path: Path) -> None:
    good = "postgresql+psycopg://clinic@db/clinic"
    config = tmp_path / "clinic.yaml"
    config.write_text(f"database_url: {good}\nsecret: {SECRET}\nallowed_hosts: [clinic.example]\n")
    settings = load_clinic_settings(config, {"BACKCOACH_CLINIC_MAX_UPLOAD_MB": "50"})
    assert settings.allowed_hosts == ("clinic.example",) and settings.max_upload_mb == 50
    assert not settings.cookie_secure
    from_env = load_clinic_settings(
        None,
        {
            "BACKCOACH_CLINIC_DATABASE_URL": good,
            "BACKCOACH_CLINIC_SECRET": SECRET,
            "BACKCOACH_CLINIC_PUBLIC_ORIGINS": "https://clinic.example, http://10.0.0.2:8000",
        },
    )
    assert from_env.cookie_secure and len(from_env.public_origins) == 2

    def refused(environ: dict[str, str], match: str, path: Path | None = None) -> None:
        with pytest.raises(ConfigError, match=match):
            load_clinic_settings(path, environ)

    refused({"BACKCOACH_CLINIC_SECRET": SECRET}, "needs the setting 'database_url'")
    refused(
        {"BACKCOACH_CLINIC_DATABASE_URL": "sqlite:///x.db", "BACKCOACH_CLINIC_SECRET": SECRET},
        "PostgreSQL",
    )
    refused(
        {"BACKCOACH_CLINIC_DATABASE_URL": good, "BACKCOACH_CLINIC_SECRET": "short"},
        "at least 32 characters",
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("database_url: [unclosed\n")
    refused({}, "not valid YAML", broken)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(f"database_url: {good}\nsecret: {SECRET}\ncolour: blue\n")
    refused({}, "unknown setting 'colour'", unknown)
    refused({}, "Cannot read", tmp_path / "missing.yaml")


# -- sign-in, sessions, throttling ----------------------------------------------------------


def test_sign_in_sessions_expire_and_end(clinic: Clinic, clock: Clock) -> None:
    doctor = _clinician(clinic)
    account, token = clinic.sign_in("DOC", PASSWORD, "10.0.0.1")  # names are case-blind
    assert account == doctor
    assert clinic.sessions.account_for(token, clock()) == doctor
    with clinic.journal.reading() as session:
        stored = session.execute(text("SELECT token_hash FROM web_sessions")).scalars().all()
    assert stored == [token_hash(token)]  # only the hash is kept
    clock.moment += clinic.sessions.lifetime + timedelta(seconds=1)
    assert clinic.sessions.account_for(token, clock()) is None
    _, second = clinic.sign_in("doc", PASSWORD, "10.0.0.1")
    clinic.sessions.end(second)
    assert clinic.sessions.account_for(second, clock()) is None
    assert clinic.sessions.account_for("made-up", clock()) is None


def test_failed_sign_ins_are_throttled_per_account_and_per_address(
    clinic: Clinic, clock: Clock
) -> None:
    small = {"max_failures_per_account": 3, "max_failures_per_address": 4}
    clinic = Clinic.on(clinic.journal, clinic.settings.model_copy(update=small), now=clock)
    _clinician(clinic)
    limit = clinic.settings.max_failures_per_account
    for _ in range(limit):
        with pytest.raises(SignInRefused, match=WRONG_PASSWORD):
            clinic.sign_in("doc", "wrong password!", "10.0.0.1")
    with pytest.raises(SignInRefused, match="Too many"):
        clinic.sign_in("doc", PASSWORD, "10.0.0.9")  # the right password, from elsewhere
    assert TOO_MANY_ATTEMPTS.startswith("Too many")
    clock.moment += timedelta(minutes=clinic.settings.sign_in_window_minutes, seconds=1)
    assert clinic.sign_in("doc", PASSWORD, "10.0.0.9")[0].username == "doc"
    # One address trying many names is stopped too.
    for number in range(clinic.settings.max_failures_per_address):
        with pytest.raises(SignInRefused, match=WRONG_PASSWORD):
            clinic.sign_in(f"guess{number}", "wrong password!", "10.6.6.6")
    with pytest.raises(SignInRefused, match="Too many"):
        clinic.sign_in("doc", PASSWORD, "10.6.6.6")


# -- invites --------------------------------------------------------------------------------


def test_an_invite_works_once_and_expires(clinic: Clinic, clock: Clock) -> None:
    doctor = _clinician(clinic)
    invite = clinic.invites.create(doctor, "  Pat   Smith ", clock())
    with clinic.journal.reading() as session:
        kept = session.execute(text("SELECT code_hash FROM clinic_invites")).scalars().all()
    assert kept == [token_hash(invite.code)] and invite.code not in kept
    pending = clinic.invites.pending(invite.code.lower().replace("-", " "), clock())
    assert pending is not None and pending.clinician_name == "Dr doc"
    with pytest.raises(InputError, match="at least 10"):
        clinic.invites.accept(invite.code, username="pat", password="short", now=clock())
    patient = clinic.invites.accept(invite.code, username="Pat", password=PASSWORD, now=clock())
    assert (patient.role, patient.clinician_id, patient.display_name) == (
        Role.PATIENT,
        doctor.id,
        "Pat Smith",
    )
    with pytest.raises(InputError, match="not valid"):
        clinic.invites.accept(invite.code, username="pat2", password=PASSWORD, now=clock())
    late = clinic.invites.create(doctor, "Late", clock())
    clock.moment += clinic.invites.lifetime + timedelta(seconds=1)
    assert clinic.invites.pending(late.code, clock()) is None
    with pytest.raises(InputError, match="not valid"):
        clinic.invites.accept(late.code, username="late", password=PASSWORD, now=clock())
    with pytest.raises(InputError, match="Only a clinician"):
        clinic.invites.create(patient, "Someone", clock())


# -- patient scoping --------------------------------------------------------------------------


def _fill(store: JournalStore, note: str, at: datetime = T0) -> int:
    store.add_screening(
        answers={"fever": False}, outcome="clear", flags=[], caution_acknowledged=True, at=at
    )
    session_id = store.start_session(front_end="web", pain_before=2, plan={"n": 1}, at=at)
    set_id = store.start_set(
        session_id=session_id,
        position=1,
        exercise_id="bridge",
        level=0,
        dose=Dose(reps=5, hold_seconds=3),
        counted_by="hand",
        at=at,
    )
    store.add_rep(
        set_id=set_id, index=1, part="main", side="both", hold_seconds=3, counted_by="hand", at=at
    )
    store.add_form_warning(set_id=set_id, code="hips", message="Keep hips level", at=at)
    store.finish_set(set_id, status="completed", at=at + timedelta(minutes=2))
    store.add_pain(score=3, context="during", session_id=session_id, at=at, note=note)
    store.finish_session(
        session_id, status="completed", pain_after=2, stop_reason=None, at=at + timedelta(1 / 24)
    )
    store.add_checkin(day=at.date() + timedelta(days=1), pain=1, at=at + timedelta(days=1))
    outcomes = OutcomesStore(store)
    outcomes.set_name(f"Name {note}", at)
    activities = outcomes.psfs_activities() or outcomes.set_psfs_activities(
        [f"{note} walk", f"{note} lift", f"{note} sit"], at
    )
    outcomes.add_psfs_assessment({a.id: 4 + i for i, a in enumerate(activities)}, at)
    outcomes.add_questionnaire_total(
        instrument=Instrument.OSWESTRY, score=22.0, day=at.date(), at=at
    )
    return session_id


def test_a_patient_store_reads_and_writes_only_that_patient(clinic: Clinic) -> None:
    doctor = _clinician(clinic)
    other_doctor = _clinician(clinic, "other")
    alice, bob = _patient(clinic, doctor, "alice"), _patient(clinic, other_doctor, "bob")
    a_store, b_store = clinic.own_store(alice), clinic.own_store(bob)
    a_session = _fill(a_store, "ALPHA")
    assert [s.id for s in a_store.sessions()] == [a_session]
    assert b_store.sessions() == [] and b_store.screenings() == [] and b_store.checkins() == []
    assert OutcomesStore(b_store).profile() is None and b_store.is_empty()
    assert clinic.journal.sessions() == [] and clinic.journal.is_empty()  # the unscoped store
    for write in (
        lambda: b_store.add_pain(score=2, context="during", session_id=a_session, at=T0),
        lambda: b_store.finish_session(
            a_session, status="quit", pain_after=None, stop_reason=None, at=T0
        ),
    ):
        with pytest.raises(NotFoundError):
            write()
    assert "ALPHA" not in json.dumps(b_store.export_all())
    # Bob's profile is his own, not row 1 of the table.
    assert OutcomesStore(b_store).ensure_profile(T0).name is None
    assert OutcomesStore(a_store).profile().name == "Name ALPHA"  # type: ignore[union-attr]
    # Who may open whose journal.
    assert clinic.store_for_clinician(doctor, alice.id).sessions()[0].id == a_session
    for clinician, patient_id in ((doctor, bob.id), (other_doctor, alice.id), (doctor, 9999)):
        with pytest.raises(NotFoundError):
            clinic.store_for_clinician(clinician, patient_id)
    with pytest.raises(NotFoundError):
        clinic.store_for_clinician(alice, alice.id)  # a patient is not a clinician
    assert [p.username for p in clinic.accounts.patients_of(doctor.id)] == ["alice"]


# -- migrations and import ------------------------------------------------------------------


def _migrate(store: JournalStore, action: Callable[..., None], revision: str) -> None:
    config = migrate.alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        action(config, revision)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0003_runs_up_and_down_and_keeps_an_old_journal(
    backend: str, tmp_path: Path, new_postgres_database: Callable[[str], str]
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'journal.sqlite3'}"
        if backend == "sqlite"
        else new_postgres_database("updown")
    )
    store = JournalStore.open(url, local_tz=UTC)
    _migrate(store, command.downgrade, "0002")
    with store.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        columns = {c["name"] for c in inspect(connection).get_columns("sessions")}
    assert "users" not in tables and "patient_id" not in columns
    # A journal written before clinic mode, with its data ...
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sessions (started_at, status, front_end) "
                "VALUES (:at, 'completed', 'web')"
            ),
            {"at": T0},
        )
    store.close()
    # ... upgrades on opening (SQLite: after a backup) and reads as before.
    reopened = JournalStore.open(url, local_tz=UTC)
    assert [s.started_at for s in reopened.sessions()] == [T0]
    if backend == "sqlite":
        assert list(tmp_path.glob("journal.sqlite3.bak-0002*"))
    # Down again refuses to mix a clinic's patients into one journal.
    clinic = Clinic.on(reopened, ClinicSettings(database_url="postgresql://x/y", secret=SECRET))
    doctor = _clinician(clinic)
    _fill(clinic.own_store(_patient(clinic, doctor, "pat")), "P")
    with pytest.raises(RuntimeError, match="mix their journals"):
        _migrate(reopened, command.downgrade, "0002")
    reopened.close()


def _without_ids(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if not k.endswith("id")}
    if isinstance(value, list | tuple):
        return [_without_ids(v) for v in value]
    return value


def _journal_view(store: JournalStore) -> dict[str, Any]:
    """Everything a person's journal says, with the links between rows but not the ids."""
    outcomes = OutcomesStore(store)
    names = {a.id: a.name for a in outcomes.psfs_activities()}
    return {
        "sessions": _without_ids(store.sessions()),
        "screenings": _without_ids(store.screenings()),
        "pain": _without_ids(store.pain_entries()),
        "checkins": [(c.day, c.pain, c.session_id is not None) for c in store.checkins()],
        "profile": _without_ids(outcomes.profile()),
        "psfs": [
            (a.at, [(names[i], score) for i, score in a.ratings])
            for a in outcomes.psfs_assessments()
        ],
        "totals": _without_ids(outcomes.questionnaire_totals()),
    }


def test_a_single_user_journal_imports_as_one_patient_without_loss(
    clinic: Clinic, tmp_path: Path
) -> None:
    local = JournalStore.open(f"sqlite:///{tmp_path / 'home.sqlite3'}", local_tz=UTC)
    _fill(local, "HOME")
    _fill(local, "LATER", T0 + timedelta(days=3))
    export = tmp_path / "export.json"
    export.write_text(json.dumps(local.export_all()))
    doctor = _clinician(clinic)
    # Another patient's rows already hold the export's ids.
    _fill(clinic.own_store(_patient(clinic, doctor, "first")), "FIRST")
    pat = _patient(clinic, doctor, "pat")
    summary = import_journal_file(clinic, export, "pat")
    assert summary.rows["sessions"] == 2 and summary.rows["reps"] == 2
    imported = clinic.own_store(pat)
    assert _journal_view(imported) == _journal_view(local)
    assert imported.session_summaries()[0].next_morning_pain == 1  # the check-in's link
    with pytest.raises(JournalError, match="already holds entries"):
        import_journal_file(clinic, export, "pat")
    with pytest.raises(NotFoundError, match="no patient account"):
        import_journal_file(clinic, export, "doc")
    # The patient's export reads back into an empty single-user journal the same again.
    back = JournalStore.open(f"sqlite:///{tmp_path / 'back.sqlite3'}", local_tz=UTC)
    back.import_all(imported.export_all())
    assert _journal_view(back) == _journal_view(local)
    for store in (local, back):
        store.close()


def test_the_clinic_commands_create_accounts_and_import(
    new_postgres_database: Callable[[str], str], tmp_path: Path
) -> None:
    env = {
        "BACKCOACH_CLINIC_DATABASE_URL": new_postgres_database("cli"),
        "BACKCOACH_CLINIC_SECRET": SECRET,
        "BACKCOACH_HOME": str(tmp_path / "home"),
    }
    runner = CliRunner()
    made = runner.invoke(
        cli_app,
        ["clinic-admin", "--username", "admin", "--name", "Ada"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env=env,
    )
    assert made.exit_code == 0, made.output
    assert "administrator account 'admin' is ready" in made.output
    doctor = runner.invoke(
        cli_app,
        ["clinic-admin", "--username", "doc", "--name", "Dr D", "--role", "clinician"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env=env,
    )
    assert doctor.exit_code == 0, doctor.output
    taken = runner.invoke(
        cli_app,
        ["clinic-admin", "--username", "doc", "--name", "Again", "--password", PASSWORD],
        env=env,
    )
    assert taken.exit_code != 0 and "is taken" in str(taken.exception or taken.output)
    clinic = Clinic.open(load_clinic_settings(None, env))
    try:
        doc = clinic.accounts.by_username("doc")
        assert doc is not None and doc.role is Role.CLINICIAN
        _patient(clinic, doc, "pat")
        local = JournalStore.open(f"sqlite:///{tmp_path / 'j.sqlite3'}", local_tz=UTC)
        _fill(local, "CLI")
        (tmp_path / "export.json").write_text(json.dumps(local.export_all()))
        local.close()
        imported = runner.invoke(
            cli_app,
            ["clinic-import", str(tmp_path / "export.json"), "--patient", "pat"],
            env=env,
        )
        assert imported.exit_code == 0, imported.output
        assert "1 sessions" in imported.output
        pat = clinic.accounts.by_username("pat")
        assert pat is not None and len(clinic.own_store(pat).sessions()) == 1
    finally:
        clinic.close()


def test_check_ins_stay_with_their_own_patient(clinic: Clinic) -> None:
    """The check-in's link to 'yesterday's session' looks only at the patient's sessions."""
    doctor = _clinician(clinic)
    a_store = clinic.own_store(_patient(clinic, doctor, "alice"))
    b_store = clinic.own_store(_patient(clinic, doctor, "bob"))
    a_store.start_session(front_end="web", pain_before=2, plan={}, at=T0)
    b_store.add_checkin(day=date(2026, 3, 3), pain=2, at=T0 + timedelta(days=1))
    assert b_store.checkins()[0].session_id is None
