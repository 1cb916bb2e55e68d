"""One-time invitations: a clinician invites a patient, who sets their own password.

The code is shown once (as a link and as a code to type) and only its hash is stored. An
invite expires, and accepting it marks it used in the same transaction that creates the
patient's account, so two browsers cannot both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from backcoach.clinic.accounts import (
    Account,
    Role,
    clean_display_name,
    clean_username,
    refuse_taken_name,
)
from backcoach.clinic.passwords import hash_password
from backcoach.clinic.tokens import new_invite_code, normalise_invite_code, token_hash
from backcoach.errors import InputError
from backcoach.journal.account_models import Invite, User
from backcoach.journal.store import JournalStore

INVALID_INVITE = (
    "This invitation code is not valid: it may be mistyped, used already or expired. "
    "Ask your clinician for a new one."
)


@dataclass(frozen=True)
class NewInvite:
    code: str  # shown once, never stored
    display_name: str
    expires_at: datetime


@dataclass(frozen=True)
class PendingInvite:
    display_name: str
    clinician_name: str
    expires_at: datetime


class Invites:
    def __init__(self, journal: JournalStore, lifetime: timedelta) -> None:
        self._journal = journal
        self.lifetime = lifetime

    def create(self, clinician: Account, display_name: str, now: datetime) -> NewInvite:
        if clinician.role is not Role.CLINICIAN:
            raise InputError("Only a clinician can invite a patient.")
        shown = clean_display_name(display_name)
        code = new_invite_code()
        expires = now + self.lifetime
        with self._journal.writing() as session:
            session.add(
                Invite(
                    code_hash=token_hash(code),
                    clinician_id=clinician.id,
                    display_name=shown,
                    created_at=now,
                    expires_at=expires,
                )
            )
        return NewInvite(code=code, display_name=shown, expires_at=expires)

    def pending(self, code: str, now: datetime) -> PendingInvite | None:
        """The invite behind a code, when it can still be accepted."""
        with self._journal.reading() as session:
            row = session.execute(
                select(Invite, User.display_name)
                .join(User, User.id == Invite.clinician_id)
                .where(
                    Invite.code_hash == token_hash(normalise_invite_code(code)),
                    Invite.used_at.is_(None),
                    Invite.expires_at > now,
                )
            ).first()
        if row is None:
            return None
        invite, clinician_name = row
        return PendingInvite(invite.display_name, clinician_name, invite.expires_at)

    def accept(self, code: str, *, username: str, password: str, now: datetime) -> Account:
        """Create the patient's account from the invite, once; InputError when it cannot."""
        name = clean_username(username)
        password_hash = hash_password(password)
        with self._journal.writing() as session:
            refuse_taken_name(session, name)
            claimed = session.execute(
                update(Invite)
                .where(
                    Invite.code_hash == token_hash(normalise_invite_code(code)),
                    Invite.used_at.is_(None),
                    Invite.expires_at > now,
                )
                .values(used_at=now)
                .returning(Invite.id, Invite.clinician_id, Invite.display_name)
            ).first()
            if claimed is None:
                raise InputError(INVALID_INVITE)
            row = User(
                username=name,
                role=Role.PATIENT.value,
                display_name=claimed.display_name,
                password_hash=password_hash,
                clinician_id=claimed.clinician_id,
                active=True,
                created_at=now,
            )
            session.add(row)
            session.flush()
            session.execute(
                update(Invite).where(Invite.id == claimed.id).values(accepted_by=row.id)
            )
            return Account(
                id=row.id,
                username=row.username,
                role=Role.PATIENT,
                display_name=row.display_name,
                clinician_id=row.clinician_id,
                active=True,
                created_at=now,
            )
