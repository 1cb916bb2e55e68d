"""The analysis of an uploaded video: the same report as ``backcoach analyze``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backcoach.web.uploads import Progress


def analyze_upload(path: Path, exercise_id: str | None, progress: Progress) -> dict[str, Any]:
    """Run the analysis runner over the uploaded file and return its report as JSON.

    Problems with the file that do not stop the analysis (a damaged stretch of video) become
    notes of the report, as ``backcoach analyze`` prints them as warnings.
    """
    from backcoach.analysis.runner import AUTO, analyze_video

    def seconds_done(done: float, total: float) -> None:
        progress(done / total if total > 0 else 0.0)

    report = analyze_video(path, exercise_id or AUTO, progress=seconds_done)
    data = report.to_dict()
    data["notes"] = list(report.problems) + data["notes"]
    return with_plain_words(data)


def with_plain_words(data: dict[str, Any]) -> dict[str, Any]:
    """Add what the page shows a person in place of the report's codes: the exercise's name,
    and each repetition's form notes as the sentences the analysis gave for them."""
    from backcoach.catalog.loader import load_catalog

    catalog = load_catalog()

    def name(exercise_id: object) -> str | None:
        if isinstance(exercise_id, str) and exercise_id in catalog.ids:
            return catalog.get(exercise_id).name
        return None

    data["exercise_name"] = name(data.get("exercise")) or name(data.get("recognized"))
    data["recognized_name"] = name(data.get("recognized"))
    messages = {
        str(w.get("code")): str(w.get("message"))
        for w in data.get("warnings", [])
        if isinstance(w, dict) and w.get("message")
    }
    for rep in data.get("reps", []):
        if isinstance(rep, dict):
            codes = rep.get("warnings") or []
            rep["warning_messages"] = [messages.get(str(code), "a form note") for code in codes]
    return data
