"""Run a queue worker: check the clinic database is ready, then analyse videos until stopped."""

from __future__ import annotations

import logging

import procrastinate
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from backcoach.clinic.queue import QueueTimings, ensure_queue_schema, make_queue, unreachable
from backcoach.errors import JournalError
from backcoach.journal.database import create_journal_engine, parse_location
from backcoach.journal.video_job_models import VideoJob

logger = logging.getLogger(__name__)


def check_database_ready(database_url: str) -> None:
    """The clinic database answers and has the video tables (the web tier's set-up made them)."""
    engine = create_journal_engine(parse_location(database_url))
    try:
        with engine.connect() as connection:
            present = inspect(connection).has_table(VideoJob.__tablename__)
    except OperationalError as error:
        raise unreachable(database_url) from error
    finally:
        engine.dispose()
    if not present:
        raise JournalError(
            "The clinic database has no video tables yet. Set it up first "
            "(`backcoach clinic-up` does it, or start the clinic web server once)."
        )


def run_worker(
    database_url: str,
    *,
    concurrency: int = 1,
    heartbeat_seconds: float = 10.0,
    stalled_after_seconds: float = 30.0,
    sweep_seconds: int = 15,
    requeue_after_seconds: float = 60.0,
) -> None:
    """Block, analysing queued videos; returns after SIGINT/SIGTERM once the jobs in hand end."""
    timings = QueueTimings(
        heartbeat_seconds, stalled_after_seconds, sweep_seconds, requeue_after_seconds
    )
    ensure_queue_schema(database_url)
    check_database_ready(database_url)
    app = make_queue(database_url, timings)
    logger.info("worker ready: %d video(s) at a time", concurrency)
    try:
        app.run_worker(concurrency=concurrency, install_signal_handlers=True)
    except procrastinate.exceptions.ConnectorException as error:
        raise unreachable(database_url) from error
    logger.info("worker stopped")
