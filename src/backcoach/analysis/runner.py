"""Run an analysis over a whole recording: smoothing, scene cuts, the exercise's analyzer and
the avoided-movement detector side by side, then a report."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from backcoach.analysis.engine import ANALYSIS, AnalysisSession
from backcoach.analysis.events import AnalyzerState, Event
from backcoach.analysis.registry import ANALYZERS
from backcoach.analysis.report import AnalysisReport
from backcoach.analysis.tools.prepare import FramePreparer
from backcoach.catalog.schema import Dose
from backcoach.errors import InputError, NotFoundError
from backcoach.pose.frame import PoseFrame

AUTO = "auto"
NOBODY = "I could not see a person in this video; film the whole body from the side."
# Called for every analysed frame with the analyzer's state after it and the frame's events.
FrameHook = Callable[[PoseFrame, AnalyzerState, list[Event]], None]


_NO_ANALYZER = AnalyzerState(phase="watching", reps=0)


def check_exercise(exercise_id: str) -> str:
    if exercise_id != AUTO and exercise_id not in ANALYZERS:
        raise NotFoundError(
            f"No exercise '{exercise_id}'. Choose one of: {', '.join(ANALYZERS)} or auto."
        )
    return exercise_id


def limit_fps(frames: Iterable[PoseFrame], max_fps: float | None) -> list[PoseFrame]:
    """Keep at most ``max_fps`` frames a second (saved landmarks may be at full rate)."""
    from backcoach.pose.sources import FrameRateLimiter

    limiter = FrameRateLimiter(max_fps)
    return [frame for frame in frames if limiter.keep(frame.timestamp)]


def prepare_frames(frames: Iterable[PoseFrame], smooth: bool = True) -> list[PoseFrame]:
    """Smooth landmarks and mark scene cuts (``extras["scene_cut"]``) on the raw poses, in
    time order, as the analysis engine does (``tools.prepare.FramePreparer``)."""
    preparer = FramePreparer(smooth)
    return [preparer.prepare(frame)[0] for frame in sorted(frames, key=lambda f: f.timestamp)]


def recognize_exercise(frames: Sequence[PoseFrame]) -> tuple[str, float]:
    """Which exercise the frames show (analysis B's recognizer), with its confidence."""
    try:
        from backcoach.analysis import recognize
    except ImportError as error:
        raise NotFoundError(
            "Recognising the exercise is not available yet; name it with --exercise."
        ) from error
    result = recognize.recognize(list(frames))
    return str(result.exercise_id), float(result.confidence)


def analyze_frames(
    frames: Iterable[PoseFrame],
    exercise_id: str = AUTO,
    *,
    smooth: bool = True,
    on_frame: FrameHook | None = None,
    source: str = "",
    dose: Dose | None = None,
) -> AnalysisReport:
    """Analyse a recording's poses for one exercise (or ``"auto"``) and report what happened.

    ``on_frame`` (for drawing) gets each analysed frame with the analyzer's state after it.
    Raises InputError when nobody is seen in the whole recording.
    """
    check_exercise(exercise_id)
    ordered = sorted(frames, key=lambda f: f.timestamp)
    if not ordered:
        raise InputError("The video has no frames to analyse.")
    if not any(frame.detected for frame in ordered):
        raise InputError(NOBODY)
    recognized: str | None = None
    confidence: float | None = None
    if exercise_id == AUTO:
        recognized, confidence = recognize_exercise(prepare_frames(ordered, smooth=smooth))
        exercise_id = recognized
    session = AnalysisSession(exercise_id, dose, smooth=smooth)
    for frame in ordered:
        update = session.update(frame)
        if on_frame is not None:
            state = update.state if update.state is not None else _NO_ANALYZER
            on_frame(update.frame, state, list(update.events))
    session.finish()
    report = session.report(source)
    report.exercise = exercise_id
    report.recognized = recognized
    report.confidence = confidence
    if session.analyzer is None:
        report.unseen_seconds = _undetected_seconds(ordered)
    return report


def _undetected_seconds(frames: Sequence[PoseFrame]) -> float:
    total = 0.0
    for before, after in itertools.pairwise(frames):
        if not after.detected:
            total += min(max(after.timestamp - before.timestamp, 0.0), 0.6)
    return total


ProgressCallback = Callable[[float, float], None]


def analyze_video(
    path: str | Path,
    exercise_id: str = AUTO,
    *,
    workers: int = 1,
    max_fps: float | None = ANALYSIS.fps,
    progress: ProgressCallback | None = None,
    on_frame: FrameHook | None = None,
    check_people: bool = True,
    max_width: int | None = ANALYSIS.max_width,
) -> AnalysisReport:
    """Run the pose model over a video file, then ``analyze_frames``.

    ``max_fps`` caps the frames analysed per second and ``max_width`` the frame width given to
    the pose model (``engine.ANALYSIS``: the rate and width every analysis runs at). The pose
    model follows one person, so a video showing several at once is refused first.
    """
    from backcoach.pose.mediapipe_backend import MediaPipePoseEstimator
    from backcoach.pose.pipeline import estimate_video

    check_exercise(exercise_id)
    if check_people:
        refuse_several_people(path)
    track = estimate_video(
        str(path),
        MediaPipePoseEstimator,
        max_fps=max_fps,
        workers=workers,
        progress=progress,
        max_width=max_width,
    )
    if len(track.frames) == 1:
        raise InputError(f"{Path(path).name} holds a single picture; analysis needs a video.")
    report = analyze_frames(track.frames, exercise_id, on_frame=on_frame, source=str(path))
    report.problems = list(track.problems)
    return report


def refuse_several_people(path: str | Path) -> None:
    """InputError when several people are in the picture at once on sampled frames."""
    from backcoach.pose.people import survey_people

    survey = survey_people(path, samples=8)
    if survey.several_people:
        raise InputError(
            f"{Path(path).name} shows {survey.typical} people at once; I can follow only one. "
            "Film one person at a time."
        )


def analyze_landmarks(
    path: str | Path,
    exercise_id: str = AUTO,
    *,
    max_fps: float | None = ANALYSIS.fps,
    on_frame: FrameHook | None = None,
) -> AnalysisReport:
    """Analyse saved landmarks (``backcoach pose -o``) without running the model."""
    from backcoach.pose.landmarks_io import load_landmarks

    check_exercise(exercise_id)
    track = load_landmarks(path)
    frames = limit_fps(track.frames, max_fps)
    return analyze_frames(frames, exercise_id, on_frame=on_frame, source=track.source or str(path))
