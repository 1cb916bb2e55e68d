"""``backcoach analyze``: watch a recorded video of an exercise and report reps, holds and
warnings (optionally as JSON, or drawn onto a copy of the video)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from backcoach.analysis.report import AnalysisReport

if TYPE_CHECKING:
    from backcoach.analysis.runner import FrameHook

# A video shorter than this is analysed without a progress bar.
PROGRESS_FROM_SECONDS = 10.0


def analyze(
    video: Path = typer.Argument(..., help="Video of the exercise (mp4, mov, webm, ...)."),
    exercise: str = typer.Option(
        "auto",
        "--exercise",
        "-e",
        help="Exercise id (press-up, pelvic-tilt, bridge, roll-and-stretch, knees-up-stretch, "
        "bird-dog, cat-cow) or 'auto' to recognise it.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as a JSON document."),
    annotate: Path | None = typer.Option(
        None,
        "--annotate",
        help="Also write a copy of the video with the analysis drawn on it: OUT.mp4 (H.264) "
        "or OUT.webm (VP9); both play in a web browser.",
    ),
    landmarks: Path | None = typer.Option(
        None,
        "--landmarks",
        help="Use landmarks saved by 'backcoach pose' instead of running the pose model.",
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Processes to split a long video across."
    ),
    max_fps: float = typer.Option(
        15.0, "--max-fps", min=1.0, help="Analyse at most this many frames a second."
    ),
) -> None:
    """Count the reps and time the holds of an exercise in VIDEO, with form warnings."""
    from backcoach.analysis.annotate import Overlay, OverlayTrack, write_annotated
    from backcoach.analysis.events import AnalyzerState, Event, EventKind
    from backcoach.analysis.runner import analyze_landmarks, check_exercise
    from backcoach.errors import InputError
    from backcoach.pose.frame import PoseFrame

    check_exercise(exercise)
    err = Console(stderr=True)
    overlays = OverlayTrack() if annotate is not None else None
    last_warning: list[tuple[float, str]] = []

    def collect(frame: PoseFrame, state: AnalyzerState, events: list[Event]) -> None:
        if overlays is None:
            return
        for event in events:
            if event.kind in (EventKind.FORM_WARNING, EventKind.AVOIDED_MOVEMENT):
                last_warning[:] = [(event.time, event.message)]
        shown = last_warning[0] if last_warning else None
        text = shown[1] if shown and frame.timestamp - shown[0] < 3.0 else ""
        overlays.add(Overlay(frame, state, text))

    if landmarks is not None:
        if annotate is not None and not video.exists():
            raise InputError(f"{video} does not exist")
        report = analyze_landmarks(landmarks, exercise, max_fps=max_fps, on_frame=collect)
    else:
        report = _with_progress(video, exercise, workers, max_fps, collect, err)
    for problem in report.problems:
        err.print(f"[yellow]Warning:[/] {problem}", highlight=False)
    if annotate is not None and overlays is not None:
        written = write_annotated(video, overlays, annotate, max_fps)
        err.print(f"Annotated video written to {written}", highlight=False)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        print_report(report, Console())


def _with_progress(
    video: Path,
    exercise: str,
    workers: int,
    max_fps: float,
    hook: FrameHook,
    err: Console,
) -> AnalysisReport:
    from backcoach.analysis.runner import analyze_video

    with Progress(
        TextColumn("[bold]analysing[/]"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("analyse", total=1.0, visible=False)
        lines = PlainProgress(err)

        def show(done: float, total: float) -> None:
            if total < PROGRESS_FROM_SECONDS:
                return
            if err.is_terminal:
                bar.update(task, completed=done, total=max(total, 1e-9), visible=True)
            else:
                lines.update(done, total)

        return analyze_video(
            video, exercise, workers=workers, max_fps=max_fps, progress=show, on_frame=hook
        )


class PlainProgress:
    """Where there is no terminal to draw a bar on (a log, a pipe): a line every tenth."""

    STEP = 0.1

    def __init__(self, err: Console) -> None:
        self._err = err
        self._next = self.STEP

    def update(self, done: float, total: float) -> None:
        fraction = done / total
        if fraction + 1e-9 < self._next:
            return
        while self._next <= fraction + 1e-9:
            self._next += self.STEP
        self._err.print(
            f"analysing: {fraction:.0%} ({done:.0f} of {total:.0f} s of video)", highlight=False
        )


def _seconds(value: float) -> str:
    return f"{value:.1f}"


def movement_name(movement_id: str) -> str:
    """The catalog's name of an exercise or avoided movement; plain words for "none"."""
    from backcoach.analysis.avoided import avoided_info
    from backcoach.catalog.loader import load_catalog

    if movement_id == "none":
        return "None of the program's movements"
    for exercise in load_catalog().exercises:
        if exercise.id == movement_id:
            return exercise.name
    return avoided_info(movement_id).name


def print_report(report: AnalysisReport, console: Console) -> None:
    """The report as Rich tables and a short summary."""
    title = movement_name(report.exercise)
    if report.recognized is not None and report.confidence is not None:
        title = (
            f"{movement_name(report.recognized)} (recognised, confidence {report.confidence:.0%})"
        )
    console.print(f"[bold]{title}[/]  {report.duration:.1f} s of video", highlight=False)
    if report.reps:
        # Each rep's warnings in the words the person is told them, not their codes.
        said = {w.code: w.message for w in report.warnings}
        table = Table(title="Repetitions")
        for column in ("#", "from (s)", "to (s)", "took (s)", "side", "sure", "warnings"):
            table.add_column(column)
        for number, rep in enumerate(report.reps, start=1):
            table.add_row(
                str(number),
                _seconds(rep.start),
                _seconds(rep.end),
                _seconds(rep.duration),
                rep.side or "",
                "yes" if rep.sure else "not sure",
                " ".join(said.get(code, code.replace("-", " ")) for code in rep.warnings),
            )
        console.print(table)
    if report.holds:
        table = Table(title="Holds")
        for column in ("#", "from (s)", "to (s)", "held (s)", "side", "sure"):
            table.add_column(column)
        for number, hold in enumerate(report.holds, start=1):
            table.add_row(
                str(number),
                _seconds(hold.start),
                _seconds(hold.end),
                _seconds(hold.seconds),
                hold.side or "",
                "yes" if hold.sure else "not sure",
            )
        console.print(table)
    for note in report.notes:
        console.print(f"Note: {note}", highlight=False)
    for warning in report.warnings:
        label = "[bold red]Avoid:[/]" if warning.kind == "avoided" else "[yellow]Form:[/]"
        console.print(f"{label} {warning.time:.1f} s  {warning.message}", highlight=False)
    reps = f"{len(report.reps)} reps"
    if report.unsure_reps:
        reps += f" ({report.count_sentence()})"
    console.print(
        f"Summary: {reps}, "
        f"{len(report.holds)} holds, "
        f"{len(report.warnings)} warnings, not seen for {report.unseen_seconds:.1f} s.",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``backcoach`` app."""
    app.command("analyze")(analyze)
