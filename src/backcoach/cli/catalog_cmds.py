"""Catalog commands: ``backcoach exercises``, ``backcoach show ID`` and ``backcoach avoid``."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from backcoach.catalog.loader import load_catalog
from backcoach.catalog.schema import Dose, DoseField, Exercise
from backcoach.catalog.views import (
    avoided_view,
    exercise_detail,
    exercise_summary,
    position_words,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

# How the dose fields read in "chosen by the program" notes.
FIELD_WORDS: dict[DoseField, str] = {
    "reps": "repetitions",
    "hold_seconds": "hold",
    "move_seconds": "time to move",
    "return_seconds": "time to return",
    "rest_seconds": "rest",
    "stage": "stage",
}


def register(app: typer.Typer) -> None:
    """Add the catalog commands to the ``backcoach`` app."""
    app.command("exercises")(list_exercises)
    app.command("show")(show_exercise)
    app.command("avoid")(list_avoided)


def list_exercises(as_json: JsonOption = False) -> None:
    """List the seven exercises with their starting dose."""
    catalog = load_catalog()
    if as_json:
        _print_json([exercise_summary(exercise) for exercise in catalog.exercises])
        return
    table = Table(title="Exercises")
    for column in ("Exercise", "Starts", "Starting dose", "For details, type"):
        table.add_column(column)
    for exercise in catalog.exercises:
        table.add_row(
            exercise.name,
            position_words(exercise),
            exercise.dose_at(0).describe(),
            f"backcoach show {exercise.id}",
        )
    console = Console()
    console.print(table)
    console.print(catalog.doctor_caution, style="dim")


def show_exercise(
    exercise_id: Annotated[
        str, typer.Argument(metavar="ID", help="Exercise id, e.g. bridge (see `exercises`).")
    ],
    as_json: JsonOption = False,
) -> None:
    """Everything about one exercise: how to do it, camera placement and its progression."""
    exercise = load_catalog().get(_normalise_id(exercise_id))
    if as_json:
        _print_json(exercise_detail(exercise))
        return
    _print_exercise(Console(), exercise)


def list_avoided(as_json: JsonOption = False) -> None:
    """The movements this program avoids, and why."""
    catalog = load_catalog()
    if as_json:
        _print_json([avoided_view(movement) for movement in catalog.avoided])
        return
    table = Table(title="Movements to avoid", show_lines=True)
    for column in ("Movement", "Why to avoid it"):
        table.add_column(column)
    for movement in catalog.avoided:
        table.add_row(movement.name, movement.reason)
    console = Console()
    console.print(table)
    console.print(catalog.doctor_caution, style="dim")


def _normalise_id(text: str) -> str:
    return "-".join(text.strip().lower().replace("_", " ").split())


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _print_exercise(console: Console, exercise: Exercise) -> None:
    console.print(f"[bold]{exercise.name}[/], {position_words(exercise)}")
    console.print(exercise.summary)
    console.print(f"[bold]Why:[/] {exercise.purpose}")
    console.print(f"\n[bold]Start:[/] {exercise.start_position}")
    console.print("[bold]Steps:[/]")
    for number, step in enumerate(exercise.steps, start=1):
        console.print(f"  {number}. {step}")
    camera = exercise.camera
    console.print(f"\n[bold]Camera:[/] {camera.describe()}.")
    console.print(f"  Must see: {', '.join(camera.must_see)}.")
    if camera.notes:
        console.print(f"  {camera.notes}")
    _print_list(console, "Form cues", exercise.form_cues)
    _print_list(console, "Cautions", exercise.cautions)
    console.print(f"\n[bold]The program's starting dose:[/] {exercise.article_dose}")
    console.print(_ladder_table(exercise))
    console.print(
        "Program's choice: the home program backcoach follows gives no number there, so "
        "backcoach chose one; every other number comes from that program.",
        style="dim",
    )


def _print_list(console: Console, title: str, items: tuple[str, ...]) -> None:
    if not items:
        return
    console.print(f"\n[bold]{title}:[/]")
    for item in items:
        console.print(f"  - {item}")


def _ladder_table(exercise: Exercise) -> Table:
    title = "Progression" if exercise.level_count > 1 else "Dose (no progression)"
    table = Table(title=title)
    for column in ("Level", "Dose", "About", "Program's choice"):
        table.add_column(column)
    for level, dose in enumerate(exercise.ladder()):
        table.add_row(
            str(level + 1), dose.describe(), _minutes(dose), _program_choice_words(dose) or "none"
        )
    return table


def _minutes(dose: Dose) -> str:
    seconds = dose.estimated_seconds()
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def _program_choice_words(dose: Dose) -> str:
    return ", ".join(FIELD_WORDS[field] for field in dose.program_choices)
