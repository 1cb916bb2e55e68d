"""``backcoach worker``: a clinic video-analysis worker on the job queue."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import typer

from backcoach.clinic.settings import ENV_PREFIX

DATABASE_URL_ENV = ENV_PREFIX + "DATABASE_URL"


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``backcoach`` app."""

    @app.command()
    def worker(
        database_url: str = typer.Option(
            ...,
            "--database-url",
            envvar=DATABASE_URL_ENV,
            help="The clinic's PostgreSQL database (postgresql://user:password@host/name); "
            f"defaults to {DATABASE_URL_ENV}.",
        ),
        concurrency: int = typer.Option(
            1,
            min=1,
            max=64,
            help="Videos analysed at the same time by this worker; one per CPU core at most.",
        ),
        heartbeat_seconds: float = typer.Option(
            10.0, min=0.2, max=600, help="How often this worker tells the database it is alive."
        ),
        stalled_after_seconds: float = typer.Option(
            30.0,
            min=1,
            max=3600,
            help="A worker silent this long is taken for lost and its video is analysed again.",
        ),
        sweep_seconds: int = typer.Option(
            15, min=1, max=59, help="How often lost workers' videos are looked for."
        ),
        requeue_after_seconds: float = typer.Option(
            60.0,
            min=1,
            max=86400,
            help="An upload stored but never queued (its web server stopped in between) is "
            "queued once it is this old.",
        ),
        niceness: int = typer.Option(
            10,
            min=0,
            max=19,
            help="How much to lower this worker's CPU priority, so that pages served on the "
            "same machine stay quick while videos are analysed (0 keeps it as it is).",
        ),
    ) -> None:
        """Analyse uploaded clinic videos from the job queue until stopped (Ctrl+C or SIGTERM
        finish the video in hand first). Start as many as you like, on any machine that
        reaches the clinic database."""
        from backcoach.clinic.worker import run_worker

        if niceness:
            os.nice(niceness)  # analysis is batch work: people waiting for a page come first
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        logging.getLogger("procrastinate").setLevel(logging.WARNING)  # a line per job is ours
        run_worker(
            database_url,
            concurrency=concurrency,
            heartbeat_seconds=heartbeat_seconds,
            stalled_after_seconds=stalled_after_seconds,
            sweep_seconds=sweep_seconds,
            requeue_after_seconds=requeue_after_seconds,
        )

    @app.command(name="clinic-up")
    def clinic_up(
        database_url: str | None = typer.Option(
            None,
            "--database-url",
            envvar=DATABASE_URL_ENV,
            help="Use this PostgreSQL database; without it a PostgreSQL of the clinic's own "
            "is started on this machine (socket only, no network).",
        ),
        postgres_dir: Path | None = typer.Option(
            None, help="Where the local PostgreSQL keeps its data (made on first use)."
        ),
        host: str = typer.Option("127.0.0.1", help="Address the web server listens on."),
        port: int = typer.Option(8000, min=1, max=65535, help="Port the web server listens on."),
        workers: int = typer.Option(2, min=0, max=64, help="Video analysis workers to run."),
    ) -> None:
        """Run the whole clinic on this machine: PostgreSQL (unless --database-url), the
        clinic web server and two video workers, until Ctrl+C."""
        from backcoach.clinic.launcher import ClinicPlan, default_postgres_dir, run_clinic
        from backcoach.config import resolve_paths

        home = resolve_paths().home
        plan = ClinicPlan(
            home=home,
            database_url=database_url,
            postgres_dir=postgres_dir or default_postgres_dir(home),
            host=host,
            port=port,
            workers=workers,
        )
        raise typer.Exit(run_clinic(plan, say=typer.echo))
