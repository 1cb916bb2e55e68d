"""Sign-in throttling, per account name and per client address, counted in the database.

Failed attempts in the last ``window`` are counted; past the limit, sign-in is refused
(without checking the password) until old failures leave the window. Counting in the database
means every web process sees the same counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from backcoach.journal.account_models import SignInAttempt
from backcoach.journal.store import JournalStore

ADDRESS_MAX = 64
USERNAME_MAX = 80


class SignInThrottle:
    def __init__(
        self,
        journal: JournalStore,
        *,
        window: timedelta,
        max_per_account: int,
        max_per_address: int,
    ) -> None:
        self._journal = journal
        self._window = window
        self._max_per_account = max_per_account
        self._max_per_address = max_per_address

    def blocked(self, username: str, address: str, now: datetime) -> bool:
        since = now - self._window
        name, place = _key(username), address[:ADDRESS_MAX]
        with self._journal.reading() as session:
            failures = select(func.count()).where(
                SignInAttempt.succeeded.is_(False), SignInAttempt.at > since
            )
            by_account = session.scalar(failures.where(SignInAttempt.username == name)) or 0
            by_address = session.scalar(failures.where(SignInAttempt.address == place)) or 0
        return by_account >= self._max_per_account or by_address >= self._max_per_address

    def record(self, username: str, address: str, *, succeeded: bool, now: datetime) -> None:
        with self._journal.writing() as session:
            session.add(
                SignInAttempt(
                    username=_key(username),
                    address=address[:ADDRESS_MAX],
                    at=now,
                    succeeded=succeeded,
                )
            )
            # Attempts older than the window count for nothing: keep the table small.
            session.execute(delete(SignInAttempt).where(SignInAttempt.at < now - 2 * self._window))


def _key(username: str) -> str:
    return username.strip().lower()[:USERNAME_MAX]
