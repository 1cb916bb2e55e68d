"""The ``backcoach`` command: a thin Typer front end over the library.

Each area registers its commands from its own module. ``run()`` is the console entry point:
it turns library errors into one-line messages and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from backcoach.errors import BackcoachError

app = typer.Typer(
    name="backcoach",
    help="A home exercise coach for low back pain. See a doctor before you start.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """A home exercise coach for low back pain. See a doctor before you start."""


@app.command()
def version() -> None:
    """Print the backcoach version."""
    from backcoach import __version__

    typer.echo(__version__)


def _register_all() -> None:
    # Imported here so each area stays in its own module; order sets the help listing.
    from backcoach.cli import (
        analysis_cmds,
        catalog_cmds,
        clinic_cmds,
        journal_cmds,
        outcome_cmds,
        planning_cmds,
        pose_cmds,
        session_cmds,
        web_cmds,
        worker_cmds,
    )

    for module in (
        catalog_cmds,
        planning_cmds,
        session_cmds,
        journal_cmds,
        outcome_cmds,
        pose_cmds,
        analysis_cmds,
        web_cmds,
        clinic_cmds,
        worker_cmds,
    ):
        module.register(app)


_register_all()


def run() -> None:
    """Console entry point."""
    err = Console(stderr=True)
    try:
        app()  # standalone: Click itself reports usage errors and exits
    except BackcoachError as error:
        err.print(f"[bold red]Error:[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(error.exit_code)
    except OSError as error:
        # A full disk or a vanished directory is the person's to fix, not a bug to dump.
        err.print(f"[bold red]Error:[/] {error.strerror or error}", highlight=False)
        sys.exit(1)
