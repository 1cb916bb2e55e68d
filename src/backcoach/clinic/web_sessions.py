"""Server-side sign-in sessions: the cookie holds a random token, the database its hash.

Any web process can look a session up; signing out deletes it everywhere at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from backcoach.clinic.accounts import Account, Accounts
from backcoach.clinic.tokens import new_token, token_hash
from backcoach.journal.account_models import User, WebSession
from backcoach.journal.store import JournalStore


class WebSessions:
    def __init__(self, journal: JournalStore, accounts: Accounts, lifetime: timedelta) -> None:
        self._journal = journal
        self._accounts = accounts
        self.lifetime = lifetime

    def start(self, account: Account, now: datetime) -> str:
        """A new session for ``account``; returns the token for the cookie (kept nowhere)."""
        token = new_token()
        with self._journal.writing() as session:
            session.execute(delete(WebSession).where(WebSession.expires_at <= now))
            session.add(
                WebSession(
                    token_hash=token_hash(token),
                    user_id=account.id,
                    created_at=now,
                    expires_at=now + self.lifetime,
                )
            )
        return token

    def account_for(self, token: str | None, now: datetime) -> Account | None:
        """The signed-in account of a cookie's token; None when unknown, expired or disabled."""
        if not token:
            return None
        with self._journal.reading() as session:
            row = session.execute(
                select(WebSession.user_id, User.active)
                .join(User, User.id == WebSession.user_id)
                .where(WebSession.token_hash == token_hash(token), WebSession.expires_at > now)
            ).first()
        if row is None or not row.active:
            return None
        return self._accounts.get(int(row.user_id))

    def end(self, token: str | None) -> None:
        if not token:
            return
        with self._journal.writing() as session:
            session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))

    def end_all(self, account_id: int) -> None:
        with self._journal.writing() as session:
            session.execute(delete(WebSession).where(WebSession.user_id == account_id))
