"""Accounts and roles: who can sign in, and which clinician looks after which patient."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from backcoach.clinic.passwords import hash_password, needs_rehash, verify_password
from backcoach.errors import InputError, NotFoundError
from backcoach.journal.account_models import User
from backcoach.journal.store import JournalStore

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
DISPLAY_NAME_MAX = 120


class Role(StrEnum):
    PATIENT = "patient"
    CLINICIAN = "clinician"
    ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: Role
    display_name: str
    clinician_id: int | None  # a patient's clinician
    active: bool
    created_at: datetime

    @property
    def is_patient(self) -> bool:
        return self.role is Role.PATIENT


def clean_username(raw: str) -> str:
    name = raw.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise InputError(
            "A sign-in name is 3 to 40 characters: lower-case letters, digits, dots, dashes "
            "or underscores, starting with a letter or digit."
        )
    return name


def clean_display_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise InputError("Give a name (or a pseudonym) to show for this account.")
    if len(name) > DISPLAY_NAME_MAX:
        raise InputError(f"Keep the name under {DISPLAY_NAME_MAX} characters.")
    return name


def refuse_taken_name(session: DbSession, name: str) -> None:
    if session.scalars(select(User.id).where(User.username == name)).first() is not None:
        raise InputError(f"The sign-in name '{name}' is taken; choose another.")


def _account(row: User) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        display_name=row.display_name,
        clinician_id=row.clinician_id,
        active=row.active,
        created_at=row.created_at,
    )


class Accounts:
    """The ``users`` table. Passwords are argon2 hashes; nothing else about them is kept."""

    def __init__(self, journal: JournalStore) -> None:
        self._journal = journal

    def create(
        self,
        *,
        username: str,
        password: str,
        role: Role,
        display_name: str,
        at: datetime,
        clinician_id: int | None = None,
    ) -> Account:
        name = clean_username(username)
        shown = clean_display_name(display_name)
        if (role is Role.PATIENT) != (clinician_id is not None):
            raise InputError("A patient account needs its clinician, and only a patient has one.")
        password_hash = hash_password(password)
        with self._journal.writing() as session:
            refuse_taken_name(session, name)
            if clinician_id is not None:
                clinician = session.get(User, clinician_id)
                if clinician is None or clinician.role != Role.CLINICIAN:
                    raise NotFoundError("There is no such clinician.")
            row = User(
                username=name,
                role=role.value,
                display_name=shown,
                password_hash=password_hash,
                clinician_id=clinician_id,
                active=True,
                created_at=at,
            )
            session.add(row)
            session.flush()
            return _account(row)

    def get(self, account_id: int) -> Account | None:
        with self._journal.reading() as session:
            row = session.get(User, account_id)
            return None if row is None else _account(row)

    def by_username(self, username: str) -> Account | None:
        with self._journal.reading() as session:
            row = session.scalars(
                select(User).where(User.username == username.strip().lower())
            ).first()
            return None if row is None else _account(row)

    def check_password(self, username: str, password: str) -> Account | None:
        """The active account when the password is right, else None (same work either way)."""
        with self._journal.reading() as session:
            row = session.scalars(
                select(User).where(User.username == username.strip().lower())
            ).first()
            stored = None if row is None else row.password_hash
            ok = verify_password(stored, password)
            if not ok or row is None or not row.active:
                return None
            account = _account(row)
        if stored is not None and needs_rehash(stored):
            self.set_password(account.id, password)
        return account

    def set_password(self, account_id: int, password: str) -> None:
        password_hash = hash_password(password)
        with self._journal.writing() as session:
            row = session.get(User, account_id)
            if row is None:
                raise NotFoundError("There is no such account.")
            row.password_hash = password_hash

    def all(self, role: Role | None = None) -> list[Account]:
        with self._journal.reading() as session:
            query = select(User).order_by(User.role, User.display_name, User.id)
            if role is not None:
                query = query.where(User.role == role.value)
            return [_account(row) for row in session.scalars(query)]

    def patients_of(self, clinician_id: int) -> list[Account]:
        with self._journal.reading() as session:
            rows = session.scalars(
                select(User)
                .where(User.role == Role.PATIENT.value, User.clinician_id == clinician_id)
                .order_by(User.display_name, User.id)
            )
            return [_account(row) for row in rows]

    def count(self, role: Role) -> int:
        with self._journal.reading() as session:
            return int(session.scalar(select(func.count()).where(User.role == role.value)) or 0)
