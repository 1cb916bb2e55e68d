"""Bring a journal database to this backcoach's schema, or refuse to touch it.

Before anything is written the database is looked at read-only and put in one of these cases:

- new (no tables, or a new or empty SQLite file): the schema is created by the migrations;
- ours and current: nothing to do;
- ours and older: an SQLite file is first copied to ``<name>.bak-<revision>``, then upgraded;
- ours but newer (its revision is unknown here): refused, nothing changed;
- someone else's (tables but no ``alembic_version``) or not a database at all: refused,
  nothing changed.

Migrations run through Alembic with a configuration built in code (no alembic.ini).
"""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from backcoach.errors import JournalError
from backcoach.journal.database import JournalLocation, writer_engine
from backcoach.journal.db_errors import corrupt_message, translated

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
SQLITE_HEADER = b"SQLite format 3\x00"


def import_model_modules() -> None:
    """Import every table module of the journal package so ``Base.metadata`` is complete."""
    import backcoach.journal as journal

    for module in pkgutil.iter_modules(journal.__path__):
        if module.name == "models" or module.name.endswith("_models"):
            importlib.import_module(f"backcoach.journal.{module.name}")


def alembic_config(script_location: Path = MIGRATIONS_DIR) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    return config


def head_revision(script_location: Path = MIGRATIONS_DIR) -> str:
    head = ScriptDirectory.from_config(alembic_config(script_location)).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError("the journal migrations have no head revision")
    return head


@dataclass(frozen=True)
class DatabaseState:
    tables: frozenset[str]
    revisions: tuple[str, ...]  # what alembic_version holds (empty when absent)


def check_sqlite_file(path: Path) -> None:
    """Refuse, by reading only, a path that cannot be an SQLite journal."""
    if not path.exists():
        return
    if not path.is_file():
        raise JournalError(f"The journal path {path} is not a file (is it a folder?).")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise JournalError(
            f"The journal file {path} cannot be read: {error.strerror or error}."
        ) from error
    if header and header != SQLITE_HEADER:
        raise JournalError(corrupt_message(str(path)))


def read_state(engine: Engine, where: str) -> DatabaseState:
    """Tables and recorded revisions, read without writing anything."""
    with translated(where), engine.connect() as connection:
        tables = frozenset(inspect(connection).get_table_names())
        revisions: tuple[str, ...] = ()
        if VERSION_TABLE in tables:
            revisions = tuple(MigrationContext.configure(connection).get_current_heads())
        connection.rollback()
    return DatabaseState(tables=tables, revisions=revisions)


def prepare(
    engine: Engine, location: JournalLocation, *, script_location: Path = MIGRATIONS_DIR
) -> None:
    """Create or upgrade the journal schema, with every safety check described above."""
    where = location.describe()
    if location.sqlite_path is not None:
        check_sqlite_file(location.sqlite_path)
    state = read_state(engine, where)
    script = ScriptDirectory.from_config(alembic_config(script_location))
    known = {revision.revision for revision in script.walk_revisions()}
    head = script.get_current_head()

    if VERSION_TABLE not in state.tables and state.tables:
        raise JournalError(
            f"{where} is not a backcoach journal (it holds other tables: "
            f"{', '.join(sorted(state.tables)[:5])}). backcoach left it untouched; "
            "choose another file with BACKCOACH_DATABASE_URL or BACKCOACH_HOME."
        )
    unknown = [revision for revision in state.revisions if revision not in known]
    if unknown:
        raise JournalError(
            f"The journal {where} was written by a newer backcoach (schema {unknown[0]}). "
            "backcoach left it untouched; update backcoach to use it."
        )
    if state.revisions == (head,):
        return
    if state.revisions == () and state.tables - {VERSION_TABLE}:
        raise JournalError(
            f"The journal {where} does not say which version wrote it. backcoach left it "
            "untouched; move it aside to start a new journal."
        )
    if location.read_only:
        raise JournalError(
            f"The journal {where} is opened read-only but needs to be "
            f"{'upgraded' if state.revisions else 'created'} first; open it with write access."
        )
    if state.revisions and location.sqlite_path is not None:
        backup_sqlite(location.sqlite_path, state.revisions[0])
    try:
        upgrade(engine, where, script_location)
    except JournalError:
        # Another backcoach may have created or upgraded it at the same moment: then it is fine.
        if read_state(engine, where).revisions != (head,):
            raise


def upgrade(engine: Engine, where: str, script_location: Path = MIGRATIONS_DIR) -> None:
    config = alembic_config(script_location)
    with translated(where), writer_engine(engine).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def backup_path(path: Path, revision: str) -> Path:
    """``<name>.bak-<revision>``, or ``.bak-<revision>.N`` when that exists (never overwrite)."""
    candidate = path.with_name(f"{path.name}.bak-{revision}")
    number = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.bak-{revision}.{number}")
        number += 1
    return candidate


def backup_sqlite(path: Path, revision: str) -> Path:
    """A consistent copy of the journal (SQLite's online backup), before it is upgraded."""
    target = backup_path(path, revision)
    source_uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        source = sqlite3.connect(source_uri, uri=True)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
    except (sqlite3.Error, OSError) as error:
        raise JournalError(
            f"The journal {path} needs an upgrade, but its backup copy {target} could not be "
            f"written ({error}); nothing was changed."
        ) from error
    return target
