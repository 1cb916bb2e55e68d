"""Uploaded videos: received into a temporary file (size-capped), checked to be a video,
analysed in a background thread with progress, and deleted right after unless saving is on.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from backcoach.errors import BackcoachError, InputError
from backcoach.files import make_private_dir

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi")

Progress = Callable[[float], None]
AnalyzeFn = Callable[[Path, str | None, Progress], dict[str, Any]]


def _suffix(filename: str | None) -> str:
    suffix = Path(filename or "").suffix.lower()
    return suffix if suffix in VIDEO_SUFFIXES else ".video"


def too_big(max_bytes: int) -> InputError:
    return InputError(
        f"The video is larger than the limit of {max_bytes // (1024 * 1024)} MB. "
        "Trim it or record a shorter clip."
    )


async def receive_upload(
    chunks: AsyncIterator[bytes], filename: str | None, directory: Path | None, max_bytes: int
) -> Path:
    """Copy the request body into a temporary file, stopping as soon as it is too big."""
    size = 0
    with tempfile.NamedTemporaryFile(
        prefix="backcoach-upload-", suffix=_suffix(filename), dir=directory, delete=False
    ) as handle:
        path = Path(handle.name)
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise too_big(max_bytes)
                handle.write(chunk)
            if size == 0:
                raise InputError("The uploaded file is empty.")
        except BaseException:
            handle.close()
            path.unlink(missing_ok=True)
            raise
    return path


def check_video(path: Path, filename: str | None) -> None:
    """Raise InputError unless the file holds a decodable video stream of moving pictures."""
    import av

    name = filename or "The file"
    frames = 0
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InputError(f"{name} has no video in it. Upload a recorded video clip.")
            for _frame in container.decode(container.streams.video[0]):
                frames += 1
                if frames >= 2:
                    return
    except InputError:
        raise
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{name} is not a video backcoach can read.") from error
    if frames == 1:
        raise InputError(f"{name} is a single picture; upload a video of the exercise.")
    raise InputError(f"{name} has no frames in it.")


def _as_named(message: str, path: Path, filename: str) -> str:
    """``message`` with the server's temporary file called by the name it was uploaded as."""
    return message.replace(str(path), filename).replace(path.name, filename)


class JobView(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class UploadJobs(Protocol):
    """Where checked uploads go: analysed in this process (local mode, ``AnalysisJobs``) or
    on the clinic's job queue (``web.clinic_uploads.QueuedUploads``). ``submit`` owns the
    file from then on."""

    def submit(
        self, path: Path, filename: str, exercise_id: str | None, keep: bool = False
    ) -> JobView: ...

    def get(self, job_id: str) -> JobView | None: ...

    def recent(self, limit: int) -> Sequence[JobView]:
        """The person's latest uploads, newest first."""
        ...

    def shutdown(self) -> None: ...


@dataclass
class Job:
    id: str
    filename: str
    exercise_id: str | None
    state: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    report: dict[str, Any] | None = None
    error: str | None = None
    saved_to: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "filename": self.filename,
            "exercise_id": self.exercise_id,
            "state": self.state,
            "progress": round(self.progress, 3),
            "report": self.report,
            "error": self.error,
            "saved_to": self.saved_to,
        }


class AnalysisJobs:
    """Runs one analysis at a time in a worker thread (the machine has few cores)."""

    def __init__(self, analyze: AnalyzeFn, save_dir: Path | None) -> None:
        self._analyze = analyze
        self._save_dir = save_dir
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="backcoach-upload")

    def submit(self, path: Path, filename: str, exercise_id: str | None, keep: bool = False) -> Job:
        """``keep`` is the clinic's choice per video; here ``--save`` decides for all."""
        job = Job(id=uuid.uuid4().hex[:12], filename=filename, exercise_id=exercise_id)
        with self._lock:
            self._jobs[job.id] = job
        self._executor.submit(self._run, job, path)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, limit: int) -> Sequence[JobView]:
        with self._lock:
            return list(reversed(self._jobs.values()))[:limit]

    def _run(self, job: Job, path: Path) -> None:
        job.state = "running"

        def progress(fraction: float) -> None:
            job.progress = max(job.progress, min(1.0, float(fraction)))

        state = "failed"
        try:
            report = self._analyze(path, job.exercise_id, progress)
            report["source"] = job.filename  # never the temporary file's path
            if isinstance(report.get("notes"), list):
                report["notes"] = [_as_named(str(n), path, job.filename) for n in report["notes"]]
            job.report = report
            state = "done"
        except BackcoachError as error:
            job.error = _as_named(str(error), path, job.filename)
        except Exception as error:  # a bug must not leave the page waiting forever
            job.error = _as_named(f"The analysis failed unexpectedly: {error}", path, job.filename)
        finally:
            # The file is gone (or saved) before the page hears that the job is over.
            self._dispose(job, path)
            if state == "done":
                job.progress = 1.0
            job.state = state

    def _dispose(self, job: Job, path: Path) -> None:
        if self._save_dir is None:
            path.unlink(missing_ok=True)
            return
        try:
            make_private_dir(self._save_dir)  # the video itself is 0600 (a temporary file)
            target = self._save_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{job.id}{path.suffix}"
            shutil.move(str(path), target)
            job.saved_to = str(target)
        except OSError:
            path.unlink(missing_ok=True)

    def shutdown(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._executor.shutdown(wait=False, cancel_futures=True)
