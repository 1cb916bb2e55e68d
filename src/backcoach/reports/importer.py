"""``backcoach import``: a JSON export (``JournalStore.export_all``) back into an empty journal.

The document carries every journal table, the outcome tables included (they share the
journal's ``Base``). Ids are kept, so links survive; the import is all or nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backcoach import jsonio
from backcoach.errors import InputError
from backcoach.journal import migrate
from backcoach.journal.serialize import EXPORT_FORMAT
from backcoach.journal.store import JournalStore

MAX_IMPORT_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class ImportSummary:
    rows: dict[str, int]  # table -> rows imported

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def describe(self) -> str:
        parts = [f"{count} {table}" for table, count in self.rows.items() if count]
        return ", ".join(parts) if parts else "nothing (the export was empty)"


def read_export(path: Path) -> dict[str, Any]:
    """The export document in ``path``, or InputError saying what is wrong with the file."""
    if not path.exists():
        raise InputError(f"There is no file {path}.")
    if not path.is_file():
        raise InputError(f"{path} is not a file.")
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise InputError(f"{path} is too large to be a backcoach export.")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path} is not a text file (not UTF-8): not a backcoach export."
        ) from error
    except OSError as error:
        raise InputError(f"Cannot read {path}: {error.strerror or error}.") from error
    try:
        document = jsonio.loads(text, str(path))
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path} is not valid JSON (line {error.lineno}): not a backcoach export."
        ) from error
    return check_export(document, str(path))


def check_export(document: Any, source: str = "The file") -> dict[str, Any]:
    """The document when it is a backcoach export this version can read."""
    if not isinstance(document, dict):
        raise InputError(f"{source} is not a backcoach journal export (not a JSON object).")
    if document.get("resourceType") == "Bundle":
        raise InputError(
            f"{source} is a FHIR bundle; backcoach imports only its own JSON export "
            "('backcoach export --format json')."
        )
    if document.get("format") != EXPORT_FORMAT or not isinstance(document.get("tables"), dict):
        raise InputError(
            f"{source} is not a backcoach journal export (it lacks format "
            f"'{EXPORT_FORMAT}' and its tables)."
        )
    revision = document.get("schema_revision")
    known = _known_revisions()
    if revision is not None and not isinstance(revision, str):
        raise InputError(f"{source} is not a backcoach journal export (a bad schema_revision).")
    if revision is not None and revision not in known:
        raise InputError(
            f"{source} was exported by a newer backcoach (schema {revision}); update backcoach "
            "to import it."
        )
    for table, rows in document["tables"].items():
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise InputError(f"{source}: the table '{table}' is not a list of rows.")
    return document


def import_export(store: JournalStore, document: dict[str, Any]) -> ImportSummary:
    """Load a checked export into ``store``, which must be empty (JournalError otherwise)."""
    checked = check_export(document)
    store.import_all(checked)
    return ImportSummary({table: len(rows) for table, rows in checked["tables"].items()})


def import_file(store: JournalStore, path: Path) -> ImportSummary:
    return import_export(store, read_export(path))


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    return {revision.revision for revision in script.walk_revisions()}
