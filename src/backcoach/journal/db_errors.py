"""Turn database failures into messages a person can act on.

SQLite reports its result code on the driver exception (``sqlite_errorname``); other drivers
are recognised by SQLAlchemy's exception class and the message text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from backcoach.errors import JournalError


def in_use_message(where: str) -> str:
    return (
        f"The journal is in use by another backcoach (or another program): {where} is locked. "
        "Close the other one and try again."
    )


def corrupt_message(where: str) -> str:
    return (
        f"The journal file {where} is damaged or is not a database. backcoach left it "
        "untouched; move it aside (or restore a backup) to start a new journal."
    )


def _code_name(error: BaseException) -> str:
    original = getattr(error, "orig", None)
    return str(getattr(original, "sqlite_errorname", "") or "")


def translate(error: SQLAlchemyError, where: str) -> JournalError:
    """The JournalError that explains ``error``; the caller raises it ``from error``."""
    code = _code_name(error)
    text = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    lowered = text.lower()
    if code.startswith("SQLITE_BUSY") or code.startswith("SQLITE_LOCKED") or "locked" in lowered:
        return JournalError(in_use_message(where))
    if code.startswith("SQLITE_READONLY") or "readonly" in lowered or "read-only" in lowered:
        return JournalError(
            f"The journal {where} is read-only, so nothing new can be saved. "
            "Check the permissions of the file and its folder."
        )
    if code == "SQLITE_FULL" or "disk is full" in lowered or "no space" in lowered:
        return JournalError(
            f"The disk holding the journal {where} is full: this entry was not saved "
            "(everything saved earlier is intact). Free some space and try again."
        )
    if code.startswith("SQLITE_IOERR") or "disk i/o error" in lowered:
        return JournalError(
            f"The journal {where} could not be written or read (a disk I/O error): this entry "
            "was not saved. Check the disk and try again."
        )
    if (
        code in {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
        or "malformed" in lowered
        or ("not a database" in lowered)
    ):
        return JournalError(corrupt_message(where))
    if code.startswith("SQLITE_CANTOPEN") or "unable to open database" in lowered:
        return JournalError(
            f"The journal {where} cannot be opened. Check that its folder exists and that "
            "you may read and write there."
        )
    if isinstance(error, OperationalError) and not code:
        return JournalError(f"The journal database {where} cannot be reached: {text}")
    if isinstance(error, DBAPIError):
        return JournalError(f"The journal {where} refused this change: {text}")
    return JournalError(f"The journal {where} could not be used: {text}")


@contextmanager
def translated(where: str) -> Iterator[None]:
    """Run a block of database work; any SQLAlchemy failure becomes a JournalError."""
    try:
        yield
    except SQLAlchemyError as error:
        original = getattr(error, "orig", None)
        if not isinstance(error, DBAPIError) and isinstance(original, ValueError | TypeError):
            raise original from error  # a caller's mistake (e.g. a naive datetime), not the disk's
        raise translate(error, where) from error
