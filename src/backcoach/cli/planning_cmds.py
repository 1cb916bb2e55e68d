"""Commands for safety and planning: ``plan``, ``screen``, ``checkin`` and ``settings``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from backcoach import jsonio
from backcoach.config import AppPaths, resolve_paths
from backcoach.errors import InputError, NotFoundError
from backcoach.planning.gate import GateAction, GateDecision, day_gate
from backcoach.planning.history import SessionSummary
from backcoach.planning.pain import validate_pain
from backcoach.planning.plan import Change, Plan
from backcoach.planning.screening import QUESTIONS, Outcome, doctor_caution, evaluate_screening
from backcoach.planning.settings import Settings, describe_settings, load_settings, settings_path

if TYPE_CHECKING:
    from backcoach.journal.records import ScreeningRecord
    from backcoach.journal.store import JournalStore

_NEXT_STEP = {
    GateAction.SCREEN: "Run `backcoach screen` to answer the red-flag screen.",
    GateAction.CLEARANCE: "When a clinician has cleared you, run `backcoach screen --cleared`.",
    GateAction.URGENT_CARE: "Get urgent medical care today. Run `backcoach screen` again "
    "once you have been checked.",
    GateAction.REST: "Rest today; your next session is tomorrow.",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _parse_day(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise InputError(f"'{text}' is not a date; use YYYY-MM-DD, e.g. 2026-03-01.") from error


def _journal_exists(paths: AppPaths) -> bool:
    sqlite = paths.sqlite_path
    return sqlite is None or sqlite.exists()


@contextmanager
def _store(paths: AppPaths) -> Iterator[JournalStore]:
    from backcoach.journal.store import JournalStore

    store = JournalStore.from_paths(paths)
    try:
        yield store
    finally:
        store.close()


def _read_journal(paths: AppPaths) -> tuple[list[SessionSummary], ScreeningRecord | None]:
    """Past sessions and the latest screen; an absent journal is read as empty, not created."""
    if not _journal_exists(paths):
        return [], None
    with _store(paths) as store:
        return store.session_summaries(), store.latest_screening()


def _gate_line(gate: GateDecision) -> str:
    if gate.allowed:
        return f"[bold green]Ready for a session.[/] {gate.reason}"
    hint = _NEXT_STEP[gate.action] if gate.action else ""
    return f"[bold red]No session yet.[/] {gate.reason} {hint}".rstrip()


def _print_plan(console: Console, plan: Plan, gate: GateDecision) -> None:
    marks = {Change.UP: "↑ ", Change.DOWN: "↓ ", Change.SAME: "", Change.START: ""}
    table = Table(title=f"Today's plan ({plan.day.isoformat()})", show_lines=True)
    table.add_column("Exercise", style="bold")
    table.add_column("Dose")
    table.add_column("Why")
    for item in plan.items:
        table.add_row(item.name, marks[item.change] + item.dose.describe(), item.reason)
    console.print(table)
    for note in plan.notes:
        console.print(f"Note: {note}", highlight=False)
    console.print(_gate_line(gate), highlight=False)


def plan_command(
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    on: str | None = typer.Option(
        None, "--date", help="Plan for this day (YYYY-MM-DD) instead of today."
    ),
) -> None:
    """Show today's plan: each exercise with its dose and why, and whether you may start."""
    from backcoach.catalog.loader import load_catalog
    from backcoach.planning.planner import plan_today

    paths = resolve_paths()
    settings = load_settings(paths)
    day = _parse_day(on)
    summaries, latest = _read_journal(paths)
    plan = plan_today(load_catalog(), summaries, settings, day)
    gate = day_gate(latest, _now(), settings, summaries, day)
    if as_json:
        document = plan.to_dict()
        document["gate"] = gate.to_dict()
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    _print_plan(Console(), plan, gate)


def _answers_from_file(path: Path) -> dict[str, bool]:
    try:
        data = jsonio.loads(path.read_text(encoding="utf-8"), str(path))
    except FileNotFoundError as error:
        raise InputError(f"{path}: no such answers file.") from error
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read ({error}).") from error
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not valid JSON (line {error.lineno}).") from error
    if not isinstance(data, dict):
        raise InputError(f"{path}: must be a JSON object of question id -> true/false.")
    return data


def _ask_answers(console: Console) -> dict[str, bool]:
    console.print("Answer each question with y (yes) or n (no).")
    answers: dict[str, bool] = {}
    for number, question in enumerate(QUESTIONS, start=1):
        answers[question.id] = typer.confirm(f"{number}. {question.text}", default=None)
    return answers


def _record_clearance(console: Console, paths: AppPaths) -> None:
    with _store(paths) as store:
        latest = store.latest_screening()
        if latest is None or latest.outcome != Outcome.SEE_DOCTOR:
            raise NotFoundError(
                "There is no screen waiting for a clinician's clearance: the latest screen "
                f"is {'missing' if latest is None else latest.outcome}. "
                "Run `backcoach screen` to answer it."
            )
        if latest.clinician_cleared_at is not None:
            console.print("A clinician's clearance is already recorded for your latest screen.")
            return
        store.record_clearance(latest.id, at=_now())
    console.print(
        "[bold green]Recorded:[/] a clinician has cleared you to exercise. "
        "Run `backcoach plan` to see today's plan.",
        highlight=False,
    )


def screen_command(
    cleared: bool = typer.Option(
        False,
        "--cleared",
        help="Record that a doctor or physiotherapist has cleared you to exercise after a "
        "screen that asked you to see one.",
    ),
    answers_file: Path | None = typer.Option(
        None,
        "--answers",
        help="Read the answers from a JSON file (question id -> true/false) instead of "
        "asking; the doctor caution is printed and taken as read.",
        dir_okay=False,
    ),
) -> None:
    """Read the doctor caution and answer the red-flag screen (asked again every 14 days)."""
    console = Console()
    paths = resolve_paths()
    if cleared:
        _record_clearance(console, paths)
        return
    console.print(f"[bold]Before you start[/]\n{doctor_caution()}\n", highlight=False)
    if answers_file is None:
        if not typer.confirm("Have you read this?", default=None):
            console.print("The screen needs the caution to be read first; nothing was stored.")
            raise typer.Exit(1)
        answers = _ask_answers(console)
    else:
        answers = _answers_from_file(answers_file)
    result = evaluate_screening(answers)
    with _store(paths) as store:
        store.add_screening(
            answers=answers,
            outcome=result.outcome.value,
            flags=list(result.flags),
            caution_acknowledged=True,
            at=_now(),
        )
    style = {Outcome.CLEAR: "green", Outcome.SEE_DOCTOR: "yellow", Outcome.EMERGENCY: "red"}
    label = {
        Outcome.CLEAR: "Clear",
        Outcome.SEE_DOCTOR: "See a doctor first",
        Outcome.EMERGENCY: "Urgent care today",
    }
    console.print(
        f"[bold {style[result.outcome]}]{label[result.outcome]}.[/] {result.message}",
        highlight=False,
    )
    if result.outcome is Outcome.SEE_DOCTOR:
        console.print(_NEXT_STEP[GateAction.CLEARANCE], highlight=False)


def _checkin_meaning(summary: SessionSummary | None, pain: int, settings: Settings) -> str:
    if summary is None:
        return "No session on the day or two before to link it to; it is kept as a pain record."
    when = summary.day.isoformat()
    baseline = summary.baseline_pain
    if baseline is None:
        return (
            f"No pain rating was recorded before your session on {when}, so this cannot be "
            "compared with it."
        )
    rise = pain - baseline
    if rise >= settings.step_back_morning_rise:
        return (
            f"That is {rise} points above the {baseline}/10 before your session on {when}: "
            "the doses of that session go back one step next time."
        )
    if rise > 0:
        return (
            f"That is a little above the {baseline}/10 before your session on {when}: "
            "the doses stay the same next time."
        )
    return f"No worse than the {baseline}/10 before your session on {when}: a good sign."


def checkin_command(
    pain: str | None = typer.Option(
        None, "--pain", help="Your back pain this morning, 0 (none) to 10 (worst)."
    ),
    on: str | None = typer.Option(
        None, "--date", help="The morning this check-in is for (YYYY-MM-DD); today by default."
    ),
) -> None:
    """Record how your back feels the morning after a session (pain 0-10)."""
    from backcoach.catalog.loader import load_catalog
    from backcoach.planning.planner import plan_today

    console = Console()
    paths = resolve_paths()
    settings = load_settings(paths)
    day = _parse_day(on)
    if day > date.today():
        raise InputError(f"{day.isoformat()} is in the future; a check-in is for this morning.")
    if pain is None:
        pain = typer.prompt("How much does your back hurt this morning, 0-10?")
    score = validate_pain(pain)
    with _store(paths) as store:
        checkin_id = store.add_checkin(day=day, pain=score, at=_now())
        linked = next((c.session_id for c in store.checkins() if c.id == checkin_id), None)
        summaries = store.session_summaries()
    after = next((s for s in summaries if s.session_id == linked), None)
    console.print(f"[bold]Recorded:[/] pain {score}/10 on the morning of {day.isoformat()}.")
    console.print(_checkin_meaning(after, score, settings), highlight=False)
    if after is None:
        return
    plan = plan_today(load_catalog(), summaries, settings, day)
    changes = [item for item in plan.items if item.change in (Change.UP, Change.DOWN)]
    if not changes:
        console.print("Next plan: the same doses as last time (see `backcoach plan`).")
        return
    console.print("Next plan:")
    for item in changes:
        console.print(f"  {item.name}: {item.reason}", highlight=False)


def settings_command(
    as_json: bool = typer.Option(False, "--json", help="Print the settings as JSON."),
) -> None:
    """List the thresholds of the safety and progression rules: value, default and help."""
    paths = resolve_paths()
    settings = load_settings(paths)
    rows = describe_settings(settings)
    if as_json:
        document = [
            {"name": r.name, "value": r.value, "default": r.default, "help": r.help} for r in rows
        ]
        typer.echo(json.dumps(document, indent=2))
        return
    table = Table(title="Settings")
    for column in ("Name", "Value", "Default", "Help"):
        table.add_column(column)
    for row in rows:
        changed = "[bold]" if row.value != row.default else ""
        table.add_row(row.name, f"{changed}{row.value}", str(row.default), row.help)
    console = Console()
    console.print(table)
    console.print(f"Change them in {settings_path(paths)} (YAML, 'name: value' lines).")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``backcoach`` app."""
    app.command("plan")(plan_command)
    app.command("screen")(screen_command)
    app.command("checkin")(checkin_command)
    app.command("settings")(settings_command)
