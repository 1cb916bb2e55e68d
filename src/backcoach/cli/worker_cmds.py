"""``backcoach worker``: a clinic video-analysis worker on the job queue."""

from __future__ import annotations

import logging

import typer

from backcoach.config import DATABASE_URL_ENV


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
    ) -> None:
        """Analyse uploaded clinic videos from the job queue until stopped (Ctrl+C or SIGTERM
        finish the video in hand first). Start as many as you like, on any machine that
        reaches the clinic database."""
        from backcoach.clinic.worker import run_worker

        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        run_worker(
            database_url,
            concurrency=concurrency,
            heartbeat_seconds=heartbeat_seconds,
            stalled_after_seconds=stalled_after_seconds,
            sweep_seconds=sweep_seconds,
        )
