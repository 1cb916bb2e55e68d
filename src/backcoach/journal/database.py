"""Engine set-up for the journal database, whatever its URL.

SQLite (the default) gets foreign keys, a busy timeout and real transactions: pysqlite's own
transaction handling is switched off and every transaction starts with an explicit ``BEGIN``
(``BEGIN IMMEDIATE`` for writers), so a migration is all-or-nothing and each store call
commits exactly what it wrote.
Other databases (PostgreSQL) are used as SQLAlchemy gives them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from backcoach.config import sqlite_file
from backcoach.errors import JournalError

DEFAULT_BUSY_TIMEOUT_SECONDS = 5.0
# Execution option naming how SQLite transactions begin. Writers use IMMEDIATE: they take the
# write lock at once (waiting up to the busy timeout) instead of failing later, mid-way, when
# a reader must be promoted to a writer while another writer is waiting.
SQLITE_BEGIN_OPTION = "backcoach_sqlite_begin"


def writer_engine(engine: Engine) -> Engine:
    """The same engine (shared pool) whose SQLite transactions take the write lock at once."""
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})


@dataclass(frozen=True)
class JournalLocation:
    """Where the journal lives, for messages and file-level safety checks."""

    url: URL
    sqlite_path: Path | None  # the file, when the journal is SQLite on disk
    read_only: bool  # the URL itself asks for read-only access (SQLite ``mode=ro``)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def describe(self) -> str:
        """The journal as a person would recognise it: the file, or the URL without password."""
        if self.sqlite_path is not None:
            return str(self.sqlite_path)
        if self.is_sqlite:
            return "the in-memory journal"
        return self.url.render_as_string(hide_password=True)


def parse_location(database_url: str) -> JournalLocation:
    """Read a database URL; a malformed one is the person's to fix (BACKCOACH_DATABASE_URL)."""
    try:
        url = make_url(database_url)
    except ArgumentError as error:
        raise JournalError(
            f"The journal database URL {database_url!r} is not a valid database URL "
            "(check BACKCOACH_DATABASE_URL)."
        ) from error
    if url.get_backend_name() != "sqlite":
        return JournalLocation(url=url, sqlite_path=None, read_only=False)
    uri = str(url.query.get("uri", "")).lower() in {"true", "1"}
    read_only = uri and str(url.query.get("mode", "")) == "ro"
    return JournalLocation(url=url, sqlite_path=sqlite_file(url), read_only=read_only)


def create_journal_engine(
    location: JournalLocation, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT_SECONDS
) -> Engine:
    """An engine for the journal; SQLite connections are configured as described above."""
    if not location.is_sqlite:
        try:
            return create_engine(location.url, pool_pre_ping=True)
        except (ImportError, NoSuchModuleError) as error:
            raise JournalError(
                f"The journal database {location.describe()} needs a database driver that is "
                f"not installed ({error}). Install it, or unset BACKCOACH_DATABASE_URL."
            ) from error
    engine = create_engine(location.url, connect_args={"timeout": busy_timeout})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine
