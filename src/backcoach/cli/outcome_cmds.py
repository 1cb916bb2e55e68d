"""Outcome commands: ``psfs``, ``questionnaire``, ``profile``, ``report``, ``fhir``, ``import``.

Reading commands (``psfs --json``, ``report``, ``fhir``, ``profile`` without options) never
create a journal; commands that record something create it when needed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from backcoach.config import resolve_paths
from backcoach.errors import InputError
from backcoach.journal.outcomes_store import (
    INSTRUMENTS,
    PSFS_MAX_ACTIVITIES,
    PSFS_MIN_ACTIVITIES,
    OutcomesStore,
    PsfsActivityRecord,
    check_rating,
    parse_instrument,
)
from backcoach.journal.store import JournalStore

IN_MEMORY_URL = "sqlite://"


def _console(*, stderr: bool = False) -> Console:
    # Soft wrap: long sentences stay one line (terminals wrap them; scripts can grep them).
    return Console(stderr=stderr, soft_wrap=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{option} needs a date like 2026-03-01, got '{text}'.") from None


@contextmanager
def _journal(*, create: bool) -> Iterator[JournalStore]:
    """The configured journal; when it does not exist and ``create`` is False, an empty one
    in memory (so reading commands never create files)."""
    paths = resolve_paths()
    if not create and paths.sqlite_path is not None and not paths.sqlite_path.exists():
        store = JournalStore.open(IN_MEMORY_URL)
    else:
        store = JournalStore.from_paths(paths)
    try:
        yield store
    finally:
        store.close()


# -- psfs -----------------------------------------------------------------------------------


def _psfs_document(store: JournalStore) -> dict[str, Any]:
    from backcoach.reports.measures import psfs_due, psfs_next_due

    outcomes = OutcomesStore(store)
    activities = outcomes.psfs_activities()
    names = {activity.id: activity.name for activity in activities}
    assessments = outcomes.psfs_assessments()
    last = assessments[-1].at if assessments else None
    due_at = psfs_next_due(last)
    return {
        "activities": [activity.name for activity in activities],
        "assessments": [
            {
                "at": a.at.isoformat(),
                "score": round(a.score, 2),
                "ratings": {names.get(i, str(i)): score for i, score in a.ratings},
            }
            for a in assessments
        ],
        "due_now": psfs_due(_now(), last),
        "next_due": None if due_at is None else due_at.isoformat(),
    }


def _ask_activities(console: Console) -> list[str]:
    from backcoach.reports.measures import PSFS_INTRO, PSFS_NAME_PROMPT

    console.print(PSFS_INTRO)
    names: list[str] = []
    while len(names) < PSFS_MAX_ACTIVITIES:
        answer = str(
            typer.prompt(
                PSFS_NAME_PROMPT.format(number=len(names) + 1), default="", show_default=False
            )
        ).strip()
        if not answer:
            if len(names) >= PSFS_MIN_ACTIVITIES:
                break
            console.print(f"Please name at least {PSFS_MIN_ACTIVITIES} activities.")
            continue
        names.append(answer)
    return names


def _ask_ratings(activities: list[PsfsActivityRecord]) -> dict[int, int]:
    from backcoach.reports.measures import PSFS_RATE_PROMPT

    ratings: dict[int, int] = {}
    for activity in activities:
        while True:
            value = typer.prompt(PSFS_RATE_PROMPT.format(activity=activity.name), type=int)
            try:
                ratings[activity.id] = check_rating(value)
                break
            except InputError as error:
                typer.echo(str(error))
    return ratings


def _given_ratings(text: str, activities: list[PsfsActivityRecord]) -> dict[int, int]:
    pieces = [piece.strip() for piece in text.split(",")]
    if len(pieces) != len(activities):
        raise InputError(
            f"--ratings needs {len(activities)} numbers separated by commas (one per activity, "
            f"in order), got {len(pieces)}."
        )
    ratings: dict[int, int] = {}
    for activity, piece in zip(activities, pieces, strict=True):
        try:
            value = int(piece)
        except ValueError:
            raise InputError(f"'{piece}' is not a whole number from 0 to 10.") from None
        ratings[activity.id] = check_rating(value, f"The rating of '{activity.name}'")
    return ratings


def psfs(
    as_json: bool = typer.Option(False, "--json", help="Print the activities and every rating."),
    activity: list[str] | None = typer.Option(
        None,
        "--activity",
        "-a",
        help="The first time: an activity your back makes hard (give 3 to 5, repeat the option).",
    ),
    ratings: str | None = typer.Option(
        None,
        "--ratings",
        "-r",
        help="Rate without questions: one 0-10 number per activity in order, e.g. '3,5,2'.",
    ),
) -> None:
    """Patient-Specific Functional Scale: name 3-5 hard activities once, then rate them 0-10
    (at the start and every two weeks)."""
    from backcoach.reports.measures import format_number, psfs_due

    if as_json:
        with _journal(create=False) as store:
            typer.echo(json.dumps(_psfs_document(store), indent=2, ensure_ascii=False))
        return
    console = _console()
    with _journal(create=True) as store:
        outcomes = OutcomesStore(store)
        activities = outcomes.psfs_activities()
        if not activities:
            names = activity or _ask_activities(console)
            outcomes.ensure_profile(_now())
            activities = outcomes.set_psfs_activities(names, _now())
            console.print("Saved your activities. Now rate each one for today.")
        elif activity:
            raise InputError(
                "Your PSFS activities are already named; rate them with 'backcoach psfs'."
            )
        else:
            last = outcomes.last_psfs_at()
            if not psfs_due(_now(), last) and last is not None:
                console.print(
                    f"(Your last rating was on {store.local_date(last)}; the next is due two "
                    "weeks after it. Rating now is fine too.)"
                )
        given = _given_ratings(ratings, activities) if ratings else _ask_ratings(activities)
        outcomes.add_psfs_assessment(given, _now())
        assessments = outcomes.psfs_assessments()
        score = assessments[-1].score
        message = f"PSFS score today: {format_number(score)} / 10."
        if len(assessments) >= 2:
            from backcoach.reports.measures import psfs_change

            message += " " + psfs_change(assessments[0].score, score).sentence
        console.print(message)


# -- questionnaire ----------------------------------------------------------------------------


def questionnaire(
    instrument: str = typer.Argument(
        ..., help="oswestry (total 0-100 %) or roland-morris (total 0-24)."
    ),
    score: float = typer.Argument(..., help="The total, scored on paper or by your clinician."),
    day: str | None = typer.Option(
        None, "--date", help="When it was filled in (YYYY-MM-DD); today when omitted."
    ),
    note: str | None = typer.Option(None, "--note", help="An optional remark kept with it."),
) -> None:
    """Record the total of a disability questionnaire scored elsewhere (only the number)."""
    chosen = parse_instrument(instrument)
    with _journal(create=True) as store:
        when = _parse_day(day, "--date") or store.local_date(_now())
        if when > store.local_date(_now()):
            raise InputError(f"--date {when} is in the future.")
        OutcomesStore(store).add_questionnaire_total(
            instrument=chosen, score=score, day=when, at=_now(), note=note
        )
    info = INSTRUMENTS[chosen]
    _console().print(f"Saved: {info.title} {score:g} {info.unit} on {when}.")


# -- profile ----------------------------------------------------------------------------------


def profile(
    name: str | None = typer.Option(
        None, "--name", help="Your name, shown in reports and FHIR exports instead of a pseudonym."
    ),
    clear_name: bool = typer.Option(False, "--clear-name", help="Remove the stored name."),
) -> None:
    """Show or set who the journal belongs to (a pseudonym unless you give a name)."""
    if name is not None and clear_name:
        raise InputError("Give either --name or --clear-name, not both.")
    console = _console()
    if name is None and not clear_name:
        with _journal(create=False) as store:
            found = OutcomesStore(store).profile()
        if found is None:
            console.print("No profile yet; reports and exports use a pseudonym.")
        else:
            console.print(f"Pseudonym: {found.pseudonym}. Name: {found.name or 'not given'}.")
        return
    with _journal(create=True) as store:
        saved = OutcomesStore(store).set_name(None if clear_name else name, _now())
    console.print(f"Saved. Pseudonym: {saved.pseudonym}. Name: {saved.name or 'not given'}.")


# -- report, fhir, import -------------------------------------------------------------------


def report(
    output: Path = typer.Option(
        ..., "--output", "-o", help="The report file: .html (open in a browser) or .pdf."
    ),
    start: str | None = typer.Option(
        None, "--from", help="First day (YYYY-MM-DD); the first recorded day when omitted."
    ),
    end: str | None = typer.Option(
        None, "--to", help="Last day (YYYY-MM-DD); the last recorded day when omitted."
    ),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
) -> None:
    """Write a progress report for you or your physiotherapist (HTML or PDF)."""
    from backcoach.reports.files import write_output
    from backcoach.reports.html import report_html
    from backcoach.reports.pdf import report_pdf
    from backcoach.reports.report_data import gather_report

    suffix = output.suffix.lower()
    if suffix not in {".html", ".htm", ".pdf"}:
        raise InputError(f"The report must end in .html or .pdf, got '{output.name}'.")
    first, last = _parse_day(start, "--from"), _parse_day(end, "--to")
    with _journal(create=False) as store:
        data = gather_report(store, first, last, now=_now())
    content = report_pdf(data) if suffix == ".pdf" else report_html(data).encode("utf-8")
    written = write_output(output, content, overwrite=force)
    _console(stderr=True).print(f"Report for {data.start} to {data.end} written to {written}")


def import_command(
    file: Path = typer.Argument(..., help="A JSON export made by 'backcoach export -f json'."),
) -> None:
    """Load a JSON export into an empty journal (for a new computer or a restore)."""
    from backcoach.reports.importer import import_export, read_export

    document = read_export(file)  # check the file before creating anything
    with _journal(create=True) as store:
        summary = import_export(store, document)
    _console().print(f"Imported {summary.describe()}.")


def register(app: typer.Typer) -> None:
    """Add the outcome commands to the ``backcoach`` app."""
    app.command("psfs")(psfs)
    app.command("questionnaire")(questionnaire)
    app.command("profile")(profile)
    app.command("report")(report)
    app.command("import")(import_command)
