"""What the terminal draws for one player snapshot (Rich renderables, no state)."""

from __future__ import annotations

import math

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from backcoach.player import Phase, PlayerState, SetResult, Snapshot
from backcoach.player.camera_led import CoachView
from backcoach.player.cues import part_label

KEY_HELP = (
    "Enter ready · space pause/resume · s skip · p report pain · q quit (keeps what was done)"
)
QUIT_QUESTION = (
    "End the session now? Press q again to end it (what you did is kept); "
    "any other key keeps going."
)

_PHASE_WORDS = {
    Phase.INTRO: "GET READY",
    Phase.MOVE: "MOVE",
    Phase.HOLD: "HOLD",
    Phase.RETURN: "COME BACK SLOWLY",
    Phase.REST: "REST",
    Phase.BETWEEN: "REST",
}

# A 5-line block font for the countdown, readable from the floor.
_DIGITS = {
    "0": ("███", "█ █", "█ █", "█ █", "███"),
    "1": (" █ ", "██ ", " █ ", " █ ", "███"),
    "2": ("███", "  █", "███", "█  ", "███"),
    "3": ("███", "  █", "███", "  █", "███"),
    "4": ("█ █", "█ █", "███", "  █", "  █"),
    "5": ("███", "█  ", "███", "  █", "███"),
    "6": ("███", "█  ", "███", "█ █", "███"),
    "7": ("███", "  █", "  █", "  █", "  █"),
    "8": ("███", "█ █", "███", "█ █", "███"),
    "9": ("███", "█ █", "███", "  █", "███"),
}


def big_number(value: int) -> str:
    rows = ["  ".join(_DIGITS[d][row] for d in str(max(0, value))) for row in range(5)]
    return "\n".join(rows)


def countdown_seconds(snapshot: Snapshot) -> int:
    return math.ceil(round(snapshot.seconds_left, 3))


def render(
    snapshot: Snapshot,
    *,
    pain_entry: str | None = None,
    notice: str = "",
    coach: CoachView | None = None,
) -> RenderableType:
    lines: list[RenderableType] = []
    item = snapshot.item
    if snapshot.phase is Phase.BETWEEN and snapshot.next_item is not None:
        lines.append(Text(f"Coming up: {snapshot.next_item.name}", style="bold"))
        lines.append(Text(snapshot.next_item.dose.describe()))
    elif item is not None:
        lines.append(Text(item.name, style="bold"))
        lines.append(Text(item.dose.describe()))
    lines.append(Text(""))

    if snapshot.phase is Phase.INTRO:
        if snapshot.start_position:
            lines.append(Text(f"Start position: {snapshot.start_position}"))
        for number, step in enumerate(snapshot.steps, start=1):
            lines.append(Text(f"  {number}. {step}"))
        lines.append(Text(""))
        ready_in = countdown_seconds(snapshot)
        if coach is not None and coach.ready_in is not None:
            ready_in = math.ceil(round(coach.ready_in, 3))
        lines.append(Text(f"Press Enter when you are in position (starts in {ready_in} s)."))
    elif snapshot.phase in _PHASE_WORDS:
        lines.extend(_countdown_block(snapshot))

    if snapshot.cue:
        lines.append(Text(snapshot.cue, style="italic"))
    lines.append(Text(""))
    bar = Table.grid(padding=(0, 2))
    bar.add_row(
        ProgressBar(total=1.0, completed=snapshot.progress, width=50),
        Text(f"Session {snapshot.progress:.0%} done"),
    )
    lines.append(bar)
    if coach is not None and coach.confirming_quit:
        lines.append(Text(QUIT_QUESTION, style="bold yellow"))
    elif snapshot.state is PlayerState.PAUSED and pain_entry is None:
        lines.append(Text("PAUSED: press space to go on", style="bold yellow"))
    if notice:
        lines.append(Text(notice, style="cyan"))
    if pain_entry is not None:
        lines.append(
            Text(f"Pain now (0-10), then Enter (Esc cancels): {pain_entry}_", style="bold magenta")
        )
    help_line = KEY_HELP
    if coach is not None and coach.skip_label:
        help_line = help_line.replace(
            "s skip", f"s {coach.skip_label[:1].lower()}{coach.skip_label[1:]}"
        )
    lines.append(Text(help_line, style="dim"))
    title = "backcoach"
    if snapshot.exercise_index is not None:
        title += f" · exercise {snapshot.exercise_index + 1} of {snapshot.exercise_count}"
    return Panel(Group(*lines), title=title, border_style="blue")


def _countdown_block(snapshot: Snapshot) -> list[RenderableType]:
    lines: list[RenderableType] = []
    if snapshot.phase in (Phase.MOVE, Phase.HOLD, Phase.RETURN) and snapshot.part is not None:
        label = f"{part_label(snapshot.part)}   " if snapshot.part_count > 1 else ""
        lines.append(Text(f"{label}Rep {snapshot.rep} of {snapshot.reps}", style="bold"))
    elif snapshot.phase is Phase.REST:
        lines.append(Text(f"Rep {snapshot.rep} of {snapshot.reps} done", style="bold"))
    lines.append(Text(_PHASE_WORDS[snapshot.phase], style="bold green"))
    lines.append(Text(big_number(countdown_seconds(snapshot)), style="bold"))
    return lines


def summary_table(results: tuple[SetResult, ...], planned: int) -> Table:
    table = Table(title="What you did")
    table.add_column("Exercise", style="bold")
    table.add_column("Result")
    table.add_column("Repetitions")
    table.add_column("Holds")
    for result in results:
        dose = result.item.dose
        holds = sorted({rep.hold_seconds for rep in result.reps})
        table.add_row(
            result.item.name,
            (result.status.value if result.status else "in progress"),
            f"{result.repetitions_done} of {dose.reps}",
            ", ".join(f"{h:g} s" for h in holds) if holds and holds != [0.0] else "-",
        )
    if planned > len(results):
        table.caption = f"{planned - len(results)} exercise(s) of today's plan not reached."
    return table
