"""The one analysis engine (``AnalysisSession``): what every front end gets per frame."""

from __future__ import annotations

import dataclasses

import numpy as np

from backcoach.analysis.engine import AnalysisSession, AnalysisUpdate
from backcoach.analysis.events import AnalyzerState, Event, EventKind
from backcoach.analysis.posture import Position
from backcoach.analysis.report import SURE_CONFIDENCE
from backcoach.analysis.runner import analyze_frames
from backcoach.pose.frame import PoseFrame
from test_analysis_analyzers import bridge_frames, shallow_roll_frames, standing, timeline


def run(session: AnalysisSession, frames: list[PoseFrame]) -> list[AnalysisUpdate]:
    updates = [session.update(frame) for frame in frames]
    session.finish()
    return updates


def test_updates_are_typed_and_carry_the_state() -> None:
    session = AnalysisSession("bridge")
    updates = run(session, bridge_frames(2))
    assert all(u.state is not None and u.state.reps <= 2 for u in updates)
    assert updates[-1].state is not None and updates[-1].state.reps == 2
    assert updates[-1].position is Position.SUPINE
    assert all(u.in_start_position for u in updates[5:])
    report = session.report()
    assert len(report.reps) == 2 and report.frames == len(updates)


def test_the_runner_and_the_engine_give_one_answer() -> None:
    frames = bridge_frames(3)
    session = AnalysisSession("bridge")
    run(session, frames)
    streamed = session.report()
    recorded = analyze_frames(frames, "bridge")
    assert [(r.start, r.end) for r in streamed.reps] == [(r.start, r.end) for r in recorded.reps]
    assert [h.seconds for h in streamed.holds] == [h.seconds for h in recorded.holds]


def test_reps_seen_throughout_are_sure() -> None:
    session = AnalysisSession("bridge")
    run(session, bridge_frames(3))
    report = session.report()
    assert all(r.confidence == 1.0 and r.sure for r in report.reps)
    assert report.count_sentence() == "3 counted"


def test_a_rep_mostly_unseen_is_not_sure() -> None:
    frames = bridge_frames(2)
    session = AnalysisSession("bridge")
    run(session, frames)
    first = session.report().reps[0]
    # Pretend the camera lost the knees for most of the first rep: its confidence drops.
    quality = session._quality  # the frames' judged quality, kept for scoring
    for index, item in enumerate(quality):
        if first.start <= item.time <= first.end and index % 4:
            quality[index] = dataclasses.replace(item, seen=False)
    assert session.confidence_between(first.start, first.end) < SURE_CONFIDENCE


def test_an_analyzer_less_sure_than_the_view_lowers_the_confidence() -> None:
    """A shallow knee roll, seen throughout but only part of the way over: the analyzer's own
    doubt wins over the camera's clear view."""
    session = AnalysisSession("roll-and-stretch")
    run(session, shallow_roll_frames(0.35, rolls=2))
    report = session.report()
    assert len(report.reps) == 2 and not report.sure_reps
    assert report.count_sentence().startswith("0 counted, 2 not sure")


class AlwaysWarns:
    """An analyzer that finds fault with every frame: only the engine's gate can stop it."""

    exercise_id = "bridge"

    def update(self, frame: PoseFrame) -> list[Event]:
        return [Event(EventKind.FORM_WARNING, frame.timestamp, code="fault", message="Fault.")]

    def finish(self, time: float) -> list[Event]:
        return []

    @property
    def state(self) -> AnalyzerState:
        return AnalyzerState(phase="watching", reps=0)


def test_form_warnings_wait_for_the_start_position() -> None:
    getting_down = [standing(t) for t in timeline(2.0)]
    lying = [dataclasses.replace(f, timestamp=f.timestamp + 2.1) for f in bridge_frames(1)]
    session = AnalysisSession("bridge", analyzer_factory=lambda _id, _dose: AlwaysWarns())
    updates = run(session, getting_down + lying)
    warned = [e.time for u in updates for e in u.events if e.kind is EventKind.FORM_WARNING]
    assert warned and min(warned) >= 2.1
    assert not any(u.in_start_position for u in updates[: len(getting_down)])
    assert all(u.in_start_position for u in updates[len(getting_down) + 10 :])


def test_getting_up_needs_the_start_position_again() -> None:
    lying = bridge_frames(1)
    end = lying[-1].timestamp
    up = [standing(end + 0.1 + t) for t in timeline(2.0)]
    session = AnalysisSession("bridge", analyzer_factory=lambda _id, _dose: AlwaysWarns())
    updates = run(session, lying + up)
    late = [e for u in updates[len(lying) + 10 :] for e in u.events]
    assert not late, "standing up again is not the exercise's start position"


def test_switching_exercise_keeps_the_avoided_detector() -> None:
    session = AnalysisSession("bridge")
    before = session.avoided
    session.switch("cat-cow")
    assert session.avoided is before and session.exercise_id == "cat-cow"
    assert session.analyzer is not None and session.analyzer.exercise_id == "cat-cow"


def test_frames_come_back_smoothed_and_cut_marked() -> None:
    frames = bridge_frames(1)
    jumped = [
        dataclasses.replace(f, image=f.image + np.array([0.3, 0.0, 0.0]))
        for f in frames[len(frames) // 2 :]
    ]
    session = AnalysisSession("bridge")
    updates = run(session, frames[: len(frames) // 2] + jumped)
    cuts = [u for u in updates if u.scene_cut]
    assert len(cuts) == 1 and cuts[0].frame.extras.get("scene_cut") is True
