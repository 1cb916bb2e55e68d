"""``backcoach session``: today's plan, guided in the terminal, written to the journal live."""

from __future__ import annotations

from datetime import UTC, date, datetime

import typer
from rich.console import Console
from rich.panel import Panel

from backcoach.catalog.schema import Catalog
from backcoach.config import AppPaths, resolve_paths
from backcoach.errors import InputError, SafetyStop
from backcoach.planning.gate import GateAction, day_gate
from backcoach.planning.history import SessionSummary
from backcoach.planning.pain import validate_pain
from backcoach.planning.plan import Plan
from backcoach.planning.settings import Settings, load_settings
from backcoach.player import SessionStatus

_NEXT_STEP = {
    GateAction.SCREEN: "Run `backcoach screen` first.",
    GateAction.CLEARANCE: "When a clinician has cleared you, run `backcoach screen --cleared`.",
    GateAction.URGENT_CARE: "Get urgent medical care today.",
    GateAction.REST: "Your next session is tomorrow.",
}


def ask_pain(console: Console, question: str) -> int:
    """A 0-10 rating typed at a prompt, asked again until it is one."""
    while True:
        try:
            answer = console.input(f"{question} ")
        except EOFError as error:
            raise InputError("No pain rating was given, so the session cannot go on.") from error
        try:
            return validate_pain(answer)
        except InputError as error:
            console.print(str(error), highlight=False)


def _check_gate(paths: AppPaths, settings: Settings) -> None:
    latest = None
    summaries: list[SessionSummary] = []
    sqlite = paths.sqlite_path
    if sqlite is None or sqlite.exists():  # an absent journal is not created just to say no
        from backcoach.journal.store import JournalStore

        with JournalStore.from_paths(paths) as store:
            latest = store.latest_screening()
            summaries = store.session_summaries()
    gate = day_gate(latest, datetime.now(UTC), settings, summaries, date.today())
    if not gate.allowed:
        hint = _NEXT_STEP[gate.action] if gate.action else ""
        raise SafetyStop(f"No session now. {gate.reason} {hint}".rstrip())


def _show_intro(console: Console, catalog: Catalog, plan: Plan) -> None:
    console.print(Panel(catalog.doctor_caution, title="Remember", border_style="yellow"))
    console.print(f"[bold]Today's session ({plan.day.isoformat()})[/]", highlight=False)
    for number, item in enumerate(plan.items, start=1):
        console.print(f"  {number}. {item.name}: {item.dose.describe()}", highlight=False)
    for note in plan.notes:
        console.print(f"Note: {note}", highlight=False)
    console.print(
        "Keys during the session: Enter ready, space pause/resume, s skip, p report pain, "
        "q quit (what you did is kept).",
        highlight=False,
    )


def session_command(
    speed: float = typer.Option(
        1.0,
        "--speed",
        min=0.1,
        max=200.0,
        help="Run the session clock this many times faster (for demos and tests).",
    ),
    voice: bool = typer.Option(
        False, "--voice/--no-voice", help="Speak the cues with espeak-ng (when it is installed)."
    ),
) -> None:
    """Do today's exercises, guided step by step with timers; everything lands in the journal."""
    from backcoach.catalog.loader import load_catalog
    from backcoach.cli.session_run import TerminalSession
    from backcoach.cli.session_view import summary_table
    from backcoach.cli.voice import Voice
    from backcoach.journal.recorder import SessionRecorder
    from backcoach.journal.store import JournalStore
    from backcoach.planning.planner import plan_today
    from backcoach.player import ScaledClock
    from backcoach.player.camera_led import CameraLedSession
    from backcoach.player.session import DEFAULT_INTRO_SECONDS

    console = Console(highlight=False)
    paths = resolve_paths()
    settings = load_settings(paths)
    _check_gate(paths, settings)
    catalog = load_catalog()
    speaker = Voice(voice)
    if voice and not speaker.available:
        console.print("espeak-ng is not installed, so the cues are not spoken; going on silently.")
    with JournalStore.from_paths(paths) as store:
        plan = plan_today(catalog, store.session_summaries(), settings, date.today())
        _show_intro(console, catalog, plan)
        pain_before = ask_pain(console, "How much does your back hurt right now, 0 (none) to 10?")
        # The same session machine as the web coach, with the timers counting.
        session = CameraLedSession(
            plan,
            ScaledClock(speed),
            camera=False,
            stop_pain_above=settings.stop_pain_above,
            catalog=catalog,
            ready_seconds_without_camera=DEFAULT_INTRO_SECONDS,
        )
        player = session.player
        recorder = SessionRecorder(store, front_end="terminal")
        try:
            signum = TerminalSession(session, recorder, speaker, console).run(pain_before)
        finally:
            speaker.close()
        if signum is not None:
            console.print("Session ended; everything you finished is saved in the journal.")
            raise typer.Exit(128 + signum)
        if player.status is SessionStatus.STOPPED_PAIN and player.reason:
            console.print(f"[bold red]{player.reason}[/]")
        if not player.results:  # stopped before any exercise: pain before too high
            raise typer.Exit(SafetyStop.exit_code)
        pain_after = ask_pain(console, "How much does your back hurt now, after the session, 0-10?")
        recorder.record_pain_after(pain_after)
        console.print(summary_table(player.results, len(plan.items)))
        record = next(r for r in store.sessions() if r.id == recorder.session_id)
        outcome = record.outcome
        console.print(
            f"Session {outcome.label}: {outcome.exercises_done} exercises done. Pain before "
            f"{pain_before}/10, during: {outcome.pain_during_text}, after {pain_after}/10. "
            "Saved in your journal.",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add ``session`` to the ``backcoach`` app."""
    app.command("session")(session_command)
