"""``Clinic``: the clinic database and the rules over it, the one object front ends hold.

It decides who may read whose journal: a patient their own; a clinician only the patients
they look after; an administrator nobody's (they manage accounts). The journal stores it
hands out are kept to one patient by ``journal.scope``, so a route cannot widen them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from backcoach.clinic.accounts import Account, Accounts, Role
from backcoach.clinic.invites import Invites
from backcoach.clinic.settings import ClinicSettings
from backcoach.clinic.throttle import SignInThrottle
from backcoach.clinic.web_sessions import WebSessions
from backcoach.errors import NotFoundError, SafetyStop
from backcoach.journal.store import JournalStore

TOO_MANY_ATTEMPTS = (
    "Too many sign-in attempts failed. Wait a quarter of an hour and try again, or ask "
    "your clinician or the administrator to set a new password."
)
WRONG_PASSWORD = "The sign-in name or the password is wrong."


class SignInRefused(SafetyStop):
    """Wrong name or password, or too many failed attempts (the message says which)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Clinic:
    settings: ClinicSettings
    journal: JournalStore  # the whole database; never read patients' rows through it
    accounts: Accounts
    invites: Invites
    sessions: WebSessions
    throttle: SignInThrottle
    now: Callable[[], datetime] = _utc_now

    @classmethod
    def open(cls, settings: ClinicSettings, *, now: Callable[[], datetime] = _utc_now) -> Clinic:
        """Open (creating or upgrading) the clinic database named by the settings."""
        return cls.on(JournalStore.open(settings.database_url), settings, now=now)

    @classmethod
    def on(
        cls,
        journal: JournalStore,
        settings: ClinicSettings,
        *,
        now: Callable[[], datetime] = _utc_now,
    ) -> Clinic:
        accounts = Accounts(journal)
        return cls(
            settings=settings,
            journal=journal,
            accounts=accounts,
            invites=Invites(journal, timedelta(days=settings.invite_days)),
            sessions=WebSessions(journal, accounts, timedelta(hours=settings.session_hours)),
            throttle=SignInThrottle(
                journal,
                window=timedelta(minutes=settings.sign_in_window_minutes),
                max_per_account=settings.max_failures_per_account,
                max_per_address=settings.max_failures_per_address,
            ),
            now=now,
        )

    def close(self) -> None:
        self.journal.close()

    # -- signing in -------------------------------------------------------------------

    def sign_in(self, username: str, password: str, address: str) -> tuple[Account, str]:
        """The account and a new session token; SignInRefused when it cannot be."""
        now = self.now()
        if self.throttle.blocked(username, address, now):
            raise SignInRefused(TOO_MANY_ATTEMPTS)
        account = self.accounts.check_password(username, password)
        self.throttle.record(username, address, succeeded=account is not None, now=now)
        if account is None:
            raise SignInRefused(WRONG_PASSWORD)
        return account, self.sessions.start(account, now)

    # -- whose journal ----------------------------------------------------------------

    def own_store(self, patient: Account) -> JournalStore:
        """The signed-in patient's own journal."""
        if patient.role is not Role.PATIENT:
            raise NotFoundError("Only a patient has a journal.")
        return self.journal.for_patient(patient.id)

    def patient_of(self, clinician: Account, patient_id: int) -> Account:
        """The patient, when ``clinician`` looks after them; NotFoundError otherwise (the
        same answer whether the patient does not exist or is someone else's)."""
        patient = self.accounts.get(patient_id) if clinician.role is Role.CLINICIAN else None
        if (
            patient is None
            or patient.role is not Role.PATIENT
            or (patient.clinician_id != clinician.id)
        ):
            raise NotFoundError("There is no such patient among yours.")
        return patient

    def store_for_clinician(self, clinician: Account, patient_id: int) -> JournalStore:
        """One of the clinician's own patients' journal; NotFoundError for anyone else."""
        return self.journal.for_patient(self.patient_of(clinician, patient_id).id)
