"""One uploaded video's analysis, as a queue worker runs it.

Safe to run again for the same video (a retry after a lost worker): the job is claimed on its
row, the result is written once, and a finished job is only tidied up (its video removed
unless kept).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backcoach.errors import BackcoachError
from backcoach.journal.video_jobs_store import VideoJobsStore
from backcoach.web.uploads import AnalyzeFn, _as_named, _suffix, check_video

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 0.5
# A video whose analysis kills its worker (out of memory, say) must not take every worker
# down in turn: after this many starts it is given up.
MAX_ATTEMPTS = 3
UNEXPECTED = "The analysis stopped on an unexpected problem; try the upload again later."
GAVE_UP = (
    "The analysis of this video was interrupted {attempts} times, so it was stopped. "
    "Try a shorter or smaller video."
)


def _default_analyze() -> AnalyzeFn:
    from backcoach.web.report import analyze_upload

    return analyze_upload


def run_video_job(
    store: VideoJobsStore,
    video_id: int,
    analyze: AnalyzeFn | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Analyse the stored video of ``video_id``; returns what happened in a word
    (done, failed, skipped) for the worker's log."""
    job = store.claim(video_id)
    if job is None:
        store.drop_video_unless_kept(video_id)  # a worker may have died right after the result
        return "skipped"
    if job.attempts > MAX_ATTEMPTS:
        store.fail(video_id, GAVE_UP.format(attempts=MAX_ATTEMPTS))
        return "failed"
    analyze = analyze or _default_analyze()
    name = job.original_name
    with tempfile.TemporaryDirectory(prefix="backcoach-job-") as folder:
        path = Path(folder) / f"upload{_suffix(name)}"
        with path.open("wb") as handle:
            store.write_video_to(video_id, handle)
        last = [clock()]

        def progress(fraction: float) -> None:
            if clock() - last[0] >= PROGRESS_EVERY_SECONDS:
                last[0] = clock()
                store.set_progress(video_id, fraction)

        try:
            check_video(path, name)
            report = analyze(path, job.exercise_id, progress)
        except BackcoachError as error:
            store.fail(video_id, _as_named(str(error), path, name))
            return "failed"
        except Exception:  # a bug must not leave the patient's page waiting forever
            logger.exception("analysis of video job %s failed", video_id)
            store.fail(video_id, UNEXPECTED)
            return "failed"
    store.finish(video_id, _named_report(report, path, name))
    return "done"


def _named_report(report: dict[str, Any], path: Path, name: str) -> dict[str, Any]:
    report["source"] = name  # never the worker's temporary file
    if isinstance(report.get("notes"), list):
        report["notes"] = [_as_named(str(note), path, name) for note in report["notes"]]
    return report
