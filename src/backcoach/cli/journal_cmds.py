"""``backcoach history`` and ``backcoach export``: what the journal holds, shown or saved.

Neither command creates a journal: on a fresh data directory they show an empty history.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from backcoach.config import AppPaths, resolve_paths
from backcoach.errors import InputError
from backcoach.journal.export_files import export_json_text, write_csv, write_json
from backcoach.journal.records import SessionRecord
from backcoach.journal.serialize import to_json_value
from backcoach.journal.store import JournalStore, table_columns

EMPTY_JOURNAL_URL = "sqlite://"  # in memory: what a journal that does not exist yet holds


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    FHIR = "fhir"


def open_existing_journal(paths: AppPaths) -> JournalStore:
    """The configured journal, or an empty in-memory one when its file does not exist yet."""
    sqlite_path = paths.sqlite_path
    if sqlite_path is not None and not sqlite_path.exists():
        return JournalStore.open(EMPTY_JOURNAL_URL)
    return JournalStore.open(paths.database_url)


def session_document(store: JournalStore, record: SessionRecord) -> dict[str, Any]:
    """One session for ``history --json``: the record plus its local day and peak pain."""
    document: dict[str, Any] = to_json_value(asdict(record))
    document["day"] = store.local_date(record.started_at).isoformat()
    document["max_pain"] = record.max_pain
    document["outcome"] = record.outcome.to_dict()
    return document


def _pain(value: int | None) -> str:
    return "-" if value is None else str(value)


def history_table(store: JournalStore, records: list[SessionRecord]) -> Table:
    table = Table(
        title="Sessions",
        caption="Pain from 0 (none) to 10: before, during and after the session, and the next "
        "morning. Exercises done: of those planned.",
        header_style="bold",
    )
    table.add_column("Date", no_wrap=True)
    table.add_column("How it went", min_width=12)
    for heading in ("Before", "During", "After", "Morning"):
        table.add_column(heading, justify="right")
    table.add_column("Exercises done", min_width=9)
    for record in records:
        local = store.local_time(record.started_at)
        outcome = record.outcome
        table.add_row(
            local.strftime("%Y-%m-%d"),
            outcome.label,
            _pain(record.pain_before),
            ", ".join(str(score) for score in outcome.pain_during) or "-",
            _pain(record.pain_after),
            _pain(None if record.checkin is None else record.checkin.pain),
            outcome.exercises_done,
        )
    return table


def history(
    as_json: bool = typer.Option(False, "--json", help="Print the sessions as JSON."),
    limit: int | None = typer.Option(
        None, "--limit", min=1, help="Show only the most recent N sessions."
    ),
) -> None:
    """Show past sessions: date, how each went, pain before, during, after and the next morning,
    and the exercises done against the plan."""
    with open_existing_journal(resolve_paths()) as store:
        records = store.sessions()
        if limit is not None:
            records = records[-limit:]
        if as_json:
            typer.echo(json.dumps([session_document(store, r) for r in records], indent=2))
            return
        console = Console()
        if not records:
            console.print("No sessions in the journal yet.")
            return
        console.print(history_table(store, records))


def export(
    export_format: ExportFormat = typer.Option(
        ..., "--format", "-f", help="csv, json, or fhir (an HL7 FHIR R4B Bundle, JSON)."
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Where to write. JSON and FHIR: a file (stdout when omitted). CSV: a new folder "
        "with one file per table, or a .zip file of them.",
    ),
) -> None:
    """Export everything in the journal (nothing else) as JSON, CSV or a FHIR Bundle."""
    with open_existing_journal(resolve_paths()) as store:
        if export_format is ExportFormat.FHIR:
            from backcoach.reports.fhir_export import build_fhir_bundle

            document = build_fhir_bundle(store)
        else:
            document = store.export_all()
    if export_format in (ExportFormat.JSON, ExportFormat.FHIR):
        if output is None:
            typer.echo(export_json_text(document), nl=False)
            return
        written = write_json(document, output)
    else:
        if output is None:
            raise InputError("A CSV export is one file per table: give -o FOLDER or -o FILE.zip.")
        written = write_csv(document, table_columns(), output)
    Console(stderr=True).print(f"Journal exported to {written}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``history`` and ``export`` to the ``backcoach`` app."""
    app.command("history")(history)
    app.command("export")(export)
