"""``backcoach pose``: save a video's landmarks so analysis can be re-run without the model."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn


def pose(
    video: Path = typer.Argument(..., help="Video file to read (mp4, mov, webm, ...)."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the landmarks (JSON)."),
    max_fps: float | None = typer.Option(
        None, "--max-fps", help="Estimate at most this many frames a second (default: all)."
    ),
    max_width: int | None = typer.Option(
        None, "--max-width", help="Shrink frames wider than this many pixels before estimating."
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Processes to split a long video across (each loads the model)."
    ),
    smooth: bool = typer.Option(
        False, "--smooth", help="Smooth the landmarks over time (One Euro filter) before saving."
    ),
) -> None:
    """Find the body's landmarks in every frame of VIDEO and save them to a JSON file."""
    from backcoach.pose.landmarks_io import save_landmarks
    from backcoach.pose.mediapipe_backend import MediaPipePoseEstimator, native_logs_silenced
    from backcoach.pose.pipeline import estimate_video

    started = time.monotonic()
    with (
        native_logs_silenced() as stderr,
        Progress(
            TextColumn("[bold]pose[/]"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            console=Console(file=stderr),
            transient=True,
            disable=not stderr.isatty(),  # a log file gets the summary, not bar redraws
        ) as bar,
    ):
        task = bar.add_task("pose", total=1.0)

        def show(done: float, total: float) -> None:
            bar.update(task, completed=done, total=max(total, 1e-9))

        track = estimate_video(
            str(video),
            MediaPipePoseEstimator,
            max_fps=max_fps,
            workers=workers,
            progress=show,
            max_width=max_width,
            smooth=smooth,
        )
    save_landmarks(track, output)
    seconds = time.monotonic() - started
    console = Console(stderr=True)
    for problem in track.problems:
        console.print(f"[yellow]Warning:[/] {problem}", highlight=False)
    typer.echo(
        f"{len(track)} frames, person found in {track.detected_share:.0%}, "
        f"{seconds:.1f} s -> {output}"
    )


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``backcoach`` app."""
    app.command("pose")(pose)
