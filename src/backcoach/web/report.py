"""The analysis of an uploaded video: the same report as ``backcoach analyze``."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from backcoach.web.uploads import Progress


def analyze_upload(path: Path, exercise_id: str | None, progress: Progress) -> dict[str, Any]:
    """Run the analysis runner over the uploaded file and return its report as JSON.

    Problems with the file that do not stop the analysis (a damaged stretch of video) become
    notes of the report, as ``backcoach analyze`` prints them as warnings.
    """
    from backcoach.analysis.runner import AUTO, analyze_video
    from backcoach.pose.sources import DamagedVideoWarning

    def seconds_done(done: float, total: float) -> None:
        progress(done / total if total > 0 else 0.0)

    with warnings.catch_warnings(record=True, category=DamagedVideoWarning) as caught:
        report = analyze_video(path, exercise_id or AUTO, progress=seconds_done)
    data = report.to_dict()
    data["notes"] = [str(problem.message) for problem in caught] + data["notes"]
    return data
