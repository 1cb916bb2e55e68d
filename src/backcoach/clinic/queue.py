"""The clinic's job queue: procrastinate on the clinic's own PostgreSQL database.

Uploads are deferred as ``analyze_video`` jobs; ``backcoach worker`` processes (any number, on
any machine that reaches the database) run them. Every worker beats a heartbeat into the
database; a job whose worker stopped beating (killed, machine lost) is "stalled" and handed
out again by the ``retry_stalled_jobs`` periodic task, and ``run_video_job`` makes the rerun
safe (the result is written once, on the video's row).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import cache

import procrastinate
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from backcoach.errors import ConfigError, JournalError
from backcoach.journal.database import create_journal_engine, parse_location
from backcoach.journal.video_jobs_store import VideoJobsStore

logger = logging.getLogger(__name__)

VIDEO_QUEUE = "videos"
ANALYZE_TASK = "backcoach.analyze_video"
RETRY_STALLED_TASK = "backcoach.retry_stalled_jobs"
TIDY_TASK = "backcoach.delete_old_queue_jobs"
KEEP_FINISHED_JOBS_HOURS = 7 * 24
# Uploads waiting for a job that does not exist: the web tier stores the video, then defers
# the job; a web server stopped between the two leaves such a row.
UNQUEUED_UPLOADS = """
SELECT v.id FROM video_jobs v
 WHERE v.status = 'queued'
   AND v.created_at < NOW() - make_interval(secs => %(seconds)s)
   AND NOT EXISTS (
       SELECT 1 FROM procrastinate_jobs j
        WHERE j.task_name = %(task)s
          AND j.status IN ('todo', 'doing')
          AND j.args ->> 'video_id' = v.id::text)
 ORDER BY v.id
"""
SCHEMA_LOCK = 0x6261636B  # any fixed number: only this function takes the lock


@dataclass(frozen=True)
class QueueTimings:
    """How quickly a lost worker is noticed: a worker beats every ``heartbeat_seconds``; one
    silent for ``stalled_after_seconds`` is taken for dead; stalled jobs are looked for every
    ``sweep_seconds``. An upload stored but never queued (its web server stopped in between)
    is queued by the sweep once it is ``requeue_after_seconds`` old."""

    heartbeat_seconds: float = 10.0
    stalled_after_seconds: float = 30.0
    sweep_seconds: int = 15
    requeue_after_seconds: float = 60.0

    def __post_init__(self) -> None:
        if not 0 < self.heartbeat_seconds < self.stalled_after_seconds:
            raise ConfigError(
                "A worker must beat more often than the time after which it counts as lost "
                "(heartbeat seconds below stalled-after seconds)."
            )
        if not 1 <= self.sweep_seconds <= 59:
            raise ConfigError("Stalled jobs are looked for every 1 to 59 seconds.")


def libpq_url(database_url: str) -> str:
    """The clinic database URL as psycopg takes it (SQLAlchemy's ``+psycopg`` dropped)."""
    try:
        url = make_url(database_url)
    except ArgumentError as error:
        raise ConfigError(f"{database_url!r} is not a database URL.") from error
    if url.get_backend_name() != "postgresql":
        raise ConfigError(
            "Clinic mode needs a PostgreSQL database (postgresql://...); "
            f"{url.render_as_string(hide_password=True)} is not one."
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_queue(database_url: str, timings: QueueTimings | None = None) -> procrastinate.App:
    """A procrastinate app on the clinic database, with the analysis and sweep tasks."""
    from backcoach.clinic.video_analysis import run_video_job

    timings = timings or QueueTimings()
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=libpq_url(database_url)),
        worker_defaults={
            "update_heartbeat_interval": timings.heartbeat_seconds,
            "stalled_worker_timeout": timings.stalled_after_seconds,
        },
    )

    @app.task(name=ANALYZE_TASK, queue=VIDEO_QUEUE)
    def analyze_video(video_id: int) -> None:
        outcome = run_video_job(_video_store(database_url), video_id)
        logger.info("video job %s: %s", video_id, outcome)

    @app.periodic(cron=f"* * * * * */{timings.sweep_seconds}")
    @app.task(name=RETRY_STALLED_TASK, queueing_lock=RETRY_STALLED_TASK)
    async def retry_stalled_jobs(timestamp: int) -> None:
        stalled = await app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=timings.stalled_after_seconds
        )
        for job in stalled:
            logger.warning("job %s lost its worker; it is queued again", job.id)
            await app.job_manager.retry_job(job)
        unqueued = await app.connector.execute_query_all_async(
            UNQUEUED_UPLOADS, task=ANALYZE_TASK, seconds=timings.requeue_after_seconds
        )
        for row in unqueued:
            logger.warning("video %s was stored but never queued; it is queued now", row["id"])
            await app.configure_task(ANALYZE_TASK, queue=VIDEO_QUEUE).defer_async(
                video_id=row["id"]
            )

    @app.periodic(cron="17 3 * * *")  # every night
    @app.task(name=TIDY_TASK, queueing_lock=TIDY_TASK)
    async def delete_old_queue_jobs(timestamp: int) -> None:
        # The queue's own rows of finished jobs; the videos' rows stay with their results.
        await app.job_manager.delete_old_jobs(
            nb_hours=KEEP_FINISHED_JOBS_HOURS, include_failed=True
        )

    return app


@cache
def _video_store(database_url: str) -> VideoJobsStore:
    location = parse_location(database_url)
    return VideoJobsStore(create_journal_engine(location), location.describe())


def enqueue_analysis(app: procrastinate.App, video_id: int) -> int:
    """Put the analysis of an uploaded video on the queue (the app must be open)."""
    try:
        job_id = app.configure_task(ANALYZE_TASK, queue=VIDEO_QUEUE).defer(video_id=video_id)
    except procrastinate.exceptions.ConnectorException as error:
        raise JournalError(
            "The video could not be put on the analysis queue: the clinic database did not "
            "answer. Try again in a moment."
        ) from error
    return job_id


def ensure_queue_schema(database_url: str) -> bool:
    """Create the queue's tables in the clinic database unless they are there; True if made.

    Several processes may start at once (the launcher starts two workers): an advisory lock
    lets one of them create the tables while the others wait and then find them.
    """
    import psycopg
    from procrastinate.schema import SchemaManager

    try:
        with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
            connection.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
            row = connection.execute(
                "SELECT to_regclass('procrastinate_jobs') IS NOT NULL"
            ).fetchone()
            if row is not None and row[0]:
                return False
            connection.execute(SchemaManager.get_schema())
            return True
    except psycopg.OperationalError as error:
        raise unreachable(database_url) from error


def unreachable(database_url: str) -> JournalError:
    where = make_url(database_url).render_as_string(hide_password=True)
    return JournalError(
        f"The clinic database {where} cannot be reached. Check that PostgreSQL is running "
        "and that the URL (--database-url or BACKCOACH_DATABASE_URL) is right."
    )


class ClinicQueue:
    """The web tier's end of the queue: defers analysis jobs, opened on first use.

    Holds only a connection pool, so any number of web processes can defer side by side.
    """

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._app = make_queue(database_url)
        self._lock = threading.Lock()
        self._open = False

    def enqueue(self, video_id: int) -> int:
        with self._lock:
            if not self._open:
                ensure_queue_schema(self._database_url)
                self._app.open()
                self._open = True
        return enqueue_analysis(self._app, video_id)

    def close(self) -> None:
        with self._lock:
            if self._open:
                self._app.close()
                self._open = False
