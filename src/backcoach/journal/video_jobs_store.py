"""Reads and writes of uploaded videos and their analysis, always for one patient at a time.

The web tier adds an upload (the video's bytes go into the database with its row, so any
worker that reaches the database can read it); a queue worker claims it, reports progress,
stores the result once, and removes the video unless the patient asked to keep it.
Every method commits before it returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import Engine, Table, delete, func, insert, select, update

from backcoach.errors import InputError, NotFoundError
from backcoach.journal.database import writer_engine
from backcoach.journal.db_errors import translated
from backcoach.journal.video_job_models import NAME_MAX_LENGTH, VideoChunk, VideoJob

CHUNK_BYTES = 1024 * 1024
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FINISHED = frozenset({DONE, FAILED})

_jobs = cast(Table, VideoJob.__table__)
_chunks = cast(Table, VideoChunk.__table__)


@dataclass(frozen=True)
class VideoJobRecord:
    """What a patient (and the worker) can know about one upload."""

    id: int
    patient_id: int
    original_name: str
    exercise_id: str | None
    size_bytes: int
    keep_video: bool
    video_stored: bool
    status: str
    progress: float
    result: dict[str, Any] | None
    error: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def to_dict(self) -> dict[str, Any]:
        """The job as the patient's page reads it (no storage details)."""
        return {
            "id": self.id,
            "filename": self.original_name,
            "exercise_id": self.exercise_id,
            "state": self.status,
            "progress": round(self.progress, 3),
            "report": self.result,
            "error": self.error,
            "video_kept": self.keep_video and self.video_stored,
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


def _now() -> datetime:
    return datetime.now(UTC)


def clean_name(filename: str | None) -> str:
    """The uploaded file's own name (no folders), bounded to what the table holds."""
    name = Path(filename or "").name.strip() or "video"
    return name[:NAME_MAX_LENGTH]


def _record(row: Any) -> VideoJobRecord:
    values = dict(row._mapping)
    return VideoJobRecord(**{name: values[name] for name in VideoJobRecord.__dataclass_fields__})


class VideoJobsStore:
    """Uploaded videos and their analysis; build it on the clinic database's engine."""

    def __init__(self, engine: Engine, where: str = "the clinic database") -> None:
        self._engine = engine
        self._writer = writer_engine(engine)
        self._where = where

    # -- the web tier ----------------------------------------------------------------------

    def add(
        self,
        patient_id: int,
        video: BinaryIO,
        *,
        filename: str | None,
        exercise_id: str | None,
        keep_video: bool,
    ) -> VideoJobRecord:
        """Store an upload (already checked to be a video) as a queued job, all or nothing."""
        with translated(self._where), self._writer.begin() as connection:
            job_id = connection.execute(
                insert(_jobs)
                .values(
                    patient_id=patient_id,
                    original_name=clean_name(filename),
                    exercise_id=exercise_id,
                    size_bytes=0,
                    keep_video=keep_video,
                    video_stored=True,
                    status=QUEUED,
                    progress=0.0,
                    attempts=0,
                    created_at=_now(),
                )
                .returning(_jobs.c.id)
            ).scalar_one()
            size = 0
            for seq, chunk in enumerate(iter(lambda: video.read(CHUNK_BYTES), b"")):
                connection.execute(insert(_chunks).values(job_id=job_id, seq=seq, data=chunk))
                size += len(chunk)
            if size == 0:
                raise InputError("The uploaded file is empty.")
            connection.execute(update(_jobs).where(_jobs.c.id == job_id).values(size_bytes=size))
        return self.get(patient_id, job_id)

    def get(self, patient_id: int, job_id: int) -> VideoJobRecord:
        """The patient's own upload; someone else's is as unknown as a missing one."""
        with translated(self._where), self._engine.connect() as connection:
            row = connection.execute(
                select(_jobs).where(_jobs.c.id == job_id, _jobs.c.patient_id == patient_id)
            ).first()
        if row is None:
            raise NotFoundError("There is no such video upload.")
        return _record(row)

    def list_for(self, patient_id: int, limit: int | None = None) -> list[VideoJobRecord]:
        """The patient's uploads, newest first (the latest ``limit`` of them)."""
        with translated(self._where), self._engine.connect() as connection:
            rows = connection.execute(
                select(_jobs)
                .where(_jobs.c.patient_id == patient_id)
                .order_by(_jobs.c.id.desc())
                .limit(limit)
            ).all()
        return [_record(row) for row in rows]

    def mark_unqueued(self, job_id: int, message: str) -> None:
        """The job could not be put on the queue: say so and drop the video."""
        self._finish_failed(job_id, message, only_if=(QUEUED,))

    # -- the worker -------------------------------------------------------------------------

    def claim(self, job_id: int) -> VideoJobRecord | None:
        """Start (or restart, after a lost worker) the analysis; None when it is already over.

        A job found ``running`` was started by a worker that is gone (the queue only hands it
        out again when that worker stopped beating), so it is taken over.
        """
        with translated(self._where), self._writer.begin() as connection:
            row = connection.execute(
                update(_jobs)
                .where(_jobs.c.id == job_id, _jobs.c.status.in_((QUEUED, RUNNING)))
                .values(
                    status=RUNNING,
                    attempts=_jobs.c.attempts + 1,
                    started_at=_now(),
                    progress=0.0,
                    error=None,
                )
                .returning(*_jobs.c)
            ).first()
        return None if row is None else _record(row)

    def status_of(self, job_id: int) -> VideoJobRecord | None:
        """Any patient's job, for the worker (None when the row is gone)."""
        with translated(self._where), self._engine.connect() as connection:
            row = connection.execute(select(_jobs).where(_jobs.c.id == job_id)).first()
        return None if row is None else _record(row)

    def write_video_to(self, job_id: int, target: BinaryIO) -> int:
        """Copy the stored video into ``target`` chunk by chunk; the number of bytes."""
        size = 0
        with translated(self._where), self._engine.connect() as connection:
            for chunk in self._chunk_ids(connection, job_id):
                data = connection.execute(
                    select(_chunks.c.data).where(_chunks.c.job_id == job_id, _chunks.c.seq == chunk)
                ).scalar_one()
                target.write(data)
                size += len(data)
        return size

    @staticmethod
    def _chunk_ids(connection: Any, job_id: int) -> Iterator[int]:
        seqs = connection.execute(
            select(_chunks.c.seq).where(_chunks.c.job_id == job_id).order_by(_chunks.c.seq)
        ).scalars()
        yield from list(seqs)

    def set_progress(self, job_id: int, fraction: float) -> None:
        with translated(self._where), self._writer.begin() as connection:
            connection.execute(
                update(_jobs)
                .where(_jobs.c.id == job_id, _jobs.c.status == RUNNING)
                .values(progress=max(0.0, min(1.0, float(fraction))))
            )

    def finish(self, job_id: int, result: dict[str, Any]) -> bool:
        """Store the result once: False when another attempt had already finished the job."""
        with translated(self._where), self._writer.begin() as connection:
            written = connection.execute(
                update(_jobs)
                .where(_jobs.c.id == job_id, _jobs.c.status == RUNNING)
                .values(status=DONE, result=result, progress=1.0, finished_at=_now())
                .returning(_jobs.c.id)
            ).first()
        self.drop_video_unless_kept(job_id)
        return written is not None

    def fail(self, job_id: int, message: str) -> bool:
        """The analysis cannot be done (a wrong or damaged file): say why in plain words."""
        return self._finish_failed(job_id, message, only_if=(RUNNING,))

    def _finish_failed(self, job_id: int, message: str, only_if: tuple[str, ...]) -> bool:
        with translated(self._where), self._writer.begin() as connection:
            written = connection.execute(
                update(_jobs)
                .where(_jobs.c.id == job_id, _jobs.c.status.in_(only_if))
                .values(status=FAILED, error=message, finished_at=_now())
                .returning(_jobs.c.id)
            ).first()
        self.drop_video_unless_kept(job_id)
        return written is not None

    def drop_video_unless_kept(self, job_id: int) -> None:
        """Delete the stored video of a finished job unless the patient chose to keep it."""
        with translated(self._where), self._writer.begin() as connection:
            job = connection.execute(
                select(_jobs.c.keep_video, _jobs.c.status).where(_jobs.c.id == job_id)
            ).first()
            if job is None or job.keep_video or job.status not in FINISHED:
                return
            connection.execute(delete(_chunks).where(_chunks.c.job_id == job_id))
            connection.execute(update(_jobs).where(_jobs.c.id == job_id).values(video_stored=False))

    def stored_video_bytes(self, job_id: int) -> int:
        """How many bytes of the job's video the database still holds (0 once deleted)."""
        with translated(self._where), self._engine.connect() as connection:
            total = connection.execute(
                select(func.coalesce(func.sum(func.length(_chunks.c.data)), 0)).where(
                    _chunks.c.job_id == job_id
                )
            ).scalar_one()
        return int(total)
