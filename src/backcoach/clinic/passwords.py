"""Password hashing with argon2id (argon2-cffi's ``PasswordHasher``, its default parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backcoach.errors import InputError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200

_HASHER = PasswordHasher()
# Verified against when the account does not exist, so a wrong name takes as long as a wrong
# password and the answer's timing does not say which names exist.
_DUMMY_HASH = _HASHER.hash("backcoach: no such account")


def check_new_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InputError(f"Keep the password under {MAX_PASSWORD_LENGTH} characters.")
    if not password.strip():
        raise InputError("A password of spaces only is too easy to guess.")
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(check_new_password(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; ``password_hash`` None still takes a full verify."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)
