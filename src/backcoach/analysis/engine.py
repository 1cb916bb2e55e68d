"""The one analysis engine: a stream of poses in, typed updates out.

``AnalysisSession.update(frame) -> AnalysisUpdate`` owns everything that happens to a frame
after the pose model: scene-cut detection, smoothing, body position and camera view, the
avoided-movement detector and the current exercise's analyzer. Recorded videos
(``runner.analyze_frames``), uploads, the live coach and the evaluation all go through it, so
they cannot judge the same frames differently.

Two judgements live here rather than in each analyzer, because they are the same for every
exercise:

- Form warnings are given only once the person has been seen in the exercise's start
  position, never while they are still getting down to the floor.
- Each rep and hold carries a confidence: the share of its frames in which the camera saw the
  parts the exercise is judged by. Below ``report.SURE_CONFIDENCE`` it is reported as "not
  sure" instead of being counted as done. (Judging the camera's view as well, side or oblique
  for these exercises, was tried: on the footage it left right counts unsure and caught no
  wrong one, since the analyzers measure in 3-D; ``bench/evaluate.py`` reports both.)
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from backcoach.analysis.avoided import AvoidedMovementDetector
from backcoach.analysis.events import Analyzer, AnalyzerState, Event, EventKind
from backcoach.analysis.posture import Position, PostureTracker, View
from backcoach.analysis.registry import ANALYZERS, make_analyzer
from backcoach.analysis.report import AnalysisReport, ReportBuilder
from backcoach.analysis.settings import ANALYSIS as ANALYSIS
from backcoach.analysis.settings import AnalysisSettings as AnalysisSettings
from backcoach.analysis.tools.prepare import FramePreparer
from backcoach.catalog.schema import Dose
from backcoach.pose.frame import PoseFrame

AnalyzerFactory = Callable[[str, Dose | None], Analyzer]


# Where each exercise starts; form is judged only once the person has been seen there.
START_POSITION: dict[str, Position] = {
    "press-up": Position.PRONE,
    "pelvic-tilt": Position.SUPINE,
    "bridge": Position.SUPINE,
    "roll-and-stretch": Position.SUPINE,
    "knees-up-stretch": Position.SUPINE,
    "bird-dog": Position.QUADRUPED,
    "cat-cow": Position.QUADRUPED,
}
_QUALITY_SECONDS = 120.0  # how far back per-frame quality is kept to score a rep or hold


@dataclass(frozen=True)
class FrameQuality:
    time: float
    seen: bool  # the exercise's needed parts were visible


@dataclass(frozen=True)
class AnalysisUpdate:
    """What one frame changed: the prepared frame, its events and the state to show."""

    frame: PoseFrame  # smoothed; ``extras["scene_cut"]`` marks the first frame of a scene
    events: tuple[Event, ...]
    state: AnalyzerState | None  # None when no exercise is being analysed
    position: Position
    view: View
    in_start_position: bool  # the exercise's start position has been seen in this scene
    scene_cut: bool


class AnalysisSession:
    """Streams poses through smoothing, posture, the avoided-movement detector and the
    current exercise's analyzer. One session per recording or live connection."""

    def __init__(
        self,
        exercise_id: str | None = None,
        dose: Dose | None = None,
        *,
        smooth: bool = True,
        analyzer_factory: AnalyzerFactory = make_analyzer,
    ) -> None:
        self._make_analyzer = analyzer_factory
        self._preparer = FramePreparer(smooth)
        self._posture = PostureTracker()
        self.avoided = AvoidedMovementDetector()
        self.exercise_id: str | None = None
        self.analyzer: Analyzer | None = None
        self._started = False
        self._quality: deque[FrameQuality] = deque()
        self._last_time: float | None = None
        self.builder = ReportBuilder(exercise_id or "none")
        self.frames = 0
        self.detected_frames = 0
        self.scene_cuts = 0
        self._first_time: float | None = None
        self.switch(exercise_id, dose)

    def switch(self, exercise_id: str | None, dose: Dose | None = None) -> None:
        """Follow another exercise: a fresh analyzer; movement does not carry over."""
        if exercise_id == self.exercise_id and self.analyzer is not None:
            return
        self.exercise_id = exercise_id
        self.analyzer = None
        if exercise_id is not None and exercise_id in ANALYZERS:
            self.analyzer = self._make_analyzer(exercise_id, dose)
        self._started = False

    # -- per frame ----------------------------------------------------------------------
    def update(self, raw: PoseFrame) -> AnalysisUpdate:
        frame, cut = self._preparer.prepare(raw)
        if cut:
            self._started = False
            self.scene_cuts += 1
        time = frame.timestamp
        self.frames += 1
        self.detected_frames += int(frame.detected)
        self._first_time = time if self._first_time is None else self._first_time
        self._last_time = time
        position, view = self._posture.update(frame)
        self._note_start_position(position)
        events = self.avoided.update(frame)
        state: AnalyzerState | None = None
        if self.analyzer is not None:
            exercise_events = self.analyzer.update(frame)
            self._remember_quality(frame)
            events += [self._judged(e) for e in exercise_events if self._allowed(e)]
            state = self.analyzer.state
        self.builder.add(events)
        return AnalysisUpdate(
            frame=frame,
            events=tuple(events),
            state=state,
            position=position,
            view=view,
            in_start_position=self._started,
            scene_cut=cut,
        )

    def finish(self) -> list[Event]:
        """End of the recording: close running holds and a rep cut short by the end."""
        if self._last_time is None:
            return []
        events = self.avoided.finish(self._last_time)
        if self.analyzer is not None:
            events += [self._judged(e) for e in self.analyzer.finish(self._last_time)]
        self.builder.add(events)
        return events

    def report(self, source: str = "") -> AnalysisReport:
        """What was found so far, as one report (call ``finish`` first at the end)."""
        report = self.builder.report
        report.exercise = self.exercise_id or "none"
        report.source = source
        report.frames = self.frames
        report.detected_frames = self.detected_frames
        if self._first_time is not None and self._last_time is not None:
            report.duration = self._last_time - self._first_time
        report.cuts = self.scene_cuts
        visibility = getattr(self.analyzer, "visibility", None)
        if visibility is not None:
            report.unseen_seconds = float(visibility.unseen_seconds)
        report.events.sort(key=lambda e: (e.time, e.kind is not EventKind.REP_STARTED))
        return report

    # -- judgements shared by every exercise ----------------------------------------------
    def _note_start_position(self, position: Position) -> None:
        wanted = START_POSITION.get(self.exercise_id or "")
        if wanted is None:
            return
        if position is wanted:
            self._started = True
        elif position is Position.STANDING:
            self._started = False  # got up: the next start must be seen again

    def _allowed(self, event: Event) -> bool:
        return event.kind is not EventKind.FORM_WARNING or self._started

    def _remember_quality(self, frame: PoseFrame) -> None:
        visibility = getattr(self.analyzer, "visibility", None)
        seen = frame.detected if visibility is None else bool(visibility.frame_seen)
        self._quality.append(FrameQuality(frame.timestamp, seen))
        while self._quality and frame.timestamp - self._quality[0].time > _QUALITY_SECONDS:
            self._quality.popleft()

    def _judged(self, event: Event) -> Event:
        """A rep or hold with its confidence attached (``data["confidence"]``)."""
        if event.kind not in (EventKind.REP_COMPLETED, EventKind.HOLD_ENDED):
            return event
        start = float(event.data.get("start", event.time - (event.duration or 0.0)))
        confidence = self.confidence_between(start, event.time)
        # An analyzer may be less sure than the camera's view alone says (a shallow roll).
        judged = event.data.get("confidence")
        if isinstance(judged, int | float):
            confidence = min(confidence, float(judged))
        return dataclasses.replace(event, data={**event.data, "confidence": confidence})

    def confidence_between(self, start: float, end: float) -> float:
        """Share of the frames from ``start`` to ``end`` that could judge the exercise."""
        frames = [q for q in self._quality if start - 1e-6 <= q.time <= end + 1e-6]
        if not frames:
            return 0.0
        usable = sum(1 for q in frames if q.seen)
        return round(usable / len(frames), 3)
