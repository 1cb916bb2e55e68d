"""Clinic mode's uploads: each checked video goes into the clinic database with its patient
and onto the job queue; ``backcoach worker`` processes analyse it. Nothing about an upload
is held by the web process, so any web process can answer for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from backcoach.clinic.queue import ClinicQueue
from backcoach.errors import BackcoachError, NotFoundError
from backcoach.journal.video_jobs_store import VideoJobRecord, VideoJobsStore
from backcoach.web.uploads import JobView

NOT_QUEUED = "The video could not be put on the analysis queue; upload it again in a moment."


class QueuedUploads:
    """One patient's uploads, as ``UploadJobs`` (see ``web.uploads``)."""

    def __init__(self, store: VideoJobsStore, queue: ClinicQueue, patient_id: int) -> None:
        self._store = store
        self._queue = queue
        self._patient_id = patient_id

    def submit(
        self, path: Path, filename: str, exercise_id: str | None, keep: bool = False
    ) -> VideoJobRecord:
        try:
            with path.open("rb") as video:
                job = self._store.add(
                    self._patient_id,
                    video,
                    filename=filename,
                    exercise_id=exercise_id,
                    keep_video=keep,
                )
        finally:
            path.unlink(missing_ok=True)  # the database holds it now (or nothing does)
        try:
            self._queue.enqueue(job.id)
        except BackcoachError:
            self._store.mark_unqueued(job.id, NOT_QUEUED)
            raise
        return job

    def get(self, job_id: str) -> VideoJobRecord | None:
        if not job_id.isdigit() or len(job_id) > 12:
            return None
        try:
            return self._store.get(self._patient_id, int(job_id))
        except NotFoundError:
            return None

    def recent(self, limit: int) -> Sequence[JobView]:
        return self._store.list_for(self._patient_id, limit=limit)

    def shutdown(self) -> None:
        """Nothing runs here: the workers carry on with queued videos."""
