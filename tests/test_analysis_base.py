"""The shared analyzer tools on synthetic signals."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest

from backcoach.analysis.events import EventKind
from backcoach.analysis.tools.cuts import CutDetector
from backcoach.analysis.tools.holds import HoldTracker
from backcoach.analysis.tools.hysteresis import Hysteresis
from backcoach.analysis.tools.reps import RepCounter
from backcoach.analysis.tools.visibility import VisibilityTracker
from backcoach.pose.frame import FloatArray, PoseFrame

FPS = 15.0


def times(seconds: float) -> FloatArray:
    return np.arange(0.0, seconds, 1.0 / FPS)


def run_counter(counter: RepCounter, values: FloatArray, ts: FloatArray) -> list[float]:
    done = []
    for v, t in zip(values, ts, strict=True):
        for e in counter.update(float(v), float(t)):
            if e.kind is EventKind.REP_COMPLETED:
                done.append(e.time)
    return done


def test_hysteresis_needs_both_threshold_and_time() -> None:
    h = Hysteresis(0.6, 0.4, min_duration=0.2)
    assert not h.update(0.7, 0.0)
    assert not h.update(0.7, 0.1)
    assert h.update(0.7, 0.2) and h.active and h.changed_at == 0.0
    assert not h.update(0.5, 0.3)  # inside the band: stays on
    assert not h.update(0.3, 0.4)
    assert h.update(0.3, 0.6) and not h.active


def test_hysteresis_rejects_inverted_thresholds() -> None:
    with pytest.raises(ValueError):
        Hysteresis(0.4, 0.6)


def test_rep_counter_counts_clean_sine() -> None:
    ts = times(20.0)
    values = 0.5 - 0.5 * np.cos(2 * math.pi * ts / 4.0)  # 5 full cycles, starting at rest
    counter = RepCounter(start=0.4, finish=0.3, peak=0.8)
    assert len(run_counter(counter, values, ts)) == 5


def test_jitter_never_counts_a_rep() -> None:
    rng = np.random.default_rng(1)
    ts = times(60.0)
    # Rest position with heavy frame-to-frame noise, straddling the start threshold.
    values = 0.35 + rng.normal(0, 0.08, ts.size)
    counter = RepCounter(start=0.4, finish=0.3, peak=0.8, min_phase=0.2)
    assert run_counter(counter, values, ts) == []


def test_noisy_reps_count_exactly() -> None:
    rng = np.random.default_rng(2)
    ts = times(24.0)
    values = 0.5 - 0.5 * np.cos(2 * math.pi * ts / 4.0) + rng.normal(0, 0.05, ts.size)
    counter = RepCounter(start=0.45, finish=0.3, peak=0.8, min_phase=0.2)
    assert len(run_counter(counter, values, ts)) == 6


def test_spike_shorter_than_min_rep_is_not_a_rep() -> None:
    ts = times(6.0)
    values = np.where((ts > 2.0) & (ts < 2.5), 1.0, 0.0)
    counter = RepCounter(start=0.4, peak=0.8, min_rep=0.8)
    assert run_counter(counter, values, ts) == []


def test_cut_never_counts_a_rep() -> None:
    ts = times(10.0)
    # The person is "up" when the video cuts (at 4 s) to another take where they are "down".
    values = np.where(ts < 3.0, 0.0, np.where(ts < 4.0, 1.0, 0.0))
    counter = RepCounter(start=0.4, peak=0.8)
    done = []
    for v, t in zip(values, ts, strict=True):
        if round(t * FPS) == round(4.0 * FPS):
            counter.reset(float(t))
        done += [e for e in counter.update(float(v), float(t)) if e.kind is EventKind.REP_COMPLETED]
    assert done == []
    assert counter.count == 0


def test_after_cut_counter_waits_for_rest_position() -> None:
    counter = RepCounter(start=0.4, peak=0.8)
    t = 0.0
    counter.reset(t)
    events = []
    # Scene starts with the person already up, then comes down: not a rep.
    for v in [1.0] * 15 + [0.0] * 15 + [1.0] * 15 + [0.0] * 15:
        events += counter.update(v, t)
        t += 1 / FPS
    assert [e.kind for e in events].count(EventKind.REP_COMPLETED) == 1


def test_short_dropouts_do_not_break_a_hold() -> None:
    hold = HoldTracker(min_hold=1.0, grace=0.6)
    events = []
    for t in times(12.0):
        holding: bool | None = True
        if 4.0 <= t < 4.4:
            holding = None  # landmarks lost for 0.4 s
        if 7.0 <= t < 7.3:
            holding = False  # a wobble out of position
        events += hold.update(holding, float(t))
    events += hold.finish(12.0)
    kinds = [e.kind for e in events]
    assert kinds == [EventKind.HOLD_STARTED, EventKind.HOLD_ENDED]
    assert events[1].duration == pytest.approx(12.0 - 1 / FPS, abs=0.01)


def test_long_dropout_ends_a_hold_and_short_holds_are_ignored() -> None:
    hold = HoldTracker(min_hold=1.0, grace=0.5)
    events = []
    for t in times(10.0):
        holding = t < 3.0 or 5.0 <= t < 5.5 or t >= 7.0
        events += hold.update(holding, float(t))
    events += hold.finish(10.0)
    ended = [e for e in events if e.kind is EventKind.HOLD_ENDED]
    assert len(ended) == 2
    assert ended[0].duration == pytest.approx(3.0 - 1 / FPS, abs=0.01)
    assert ended[1].data["start"] == pytest.approx(7.0, abs=0.01)


def test_hold_switching_side_is_two_holds() -> None:
    hold = HoldTracker(min_hold=1.0)
    events = []
    for t in times(8.0):
        events += hold.update(True, float(t), side="left" if t < 4 else "right")
    events += hold.finish(8.0)
    ended = [e for e in events if e.kind is EventKind.HOLD_ENDED]
    assert [e.side for e in ended] == ["left", "right"]


def frame_at(t: float, visible: dict[int, float] | None = None, shift: float = 0.0) -> PoseFrame:
    image = np.zeros((33, 3))
    image[:, 0] = np.linspace(0.2, 0.8, 33) + shift
    image[:, 1] = 0.5
    image[[11, 12], 1] = 0.3
    image[[23, 24], 1] = 0.6
    image[[25, 26], 1] = 0.7
    image[[27, 28], 1] = 0.8
    vis = np.full(33, 0.9)
    for i, v in (visible or {}).items():
        vis[i] = v
    return PoseFrame(t, image, image.copy(), vis, 640, 480)


def test_visibility_reports_missing_parts_and_unseen_time() -> None:
    tracker = VisibilityTracker(("shoulders", "hips", "knees"), grace=0.5)
    events = []
    for t in times(6.0):
        hidden = {25: 0.1, 26: 0.1} if 2.0 <= t < 4.0 else {}
        events += tracker.update(frame_at(float(t), hidden))
    kinds = [e.kind for e in events]
    assert kinds == [EventKind.CANNOT_SEE, EventKind.SEEN_AGAIN]
    assert events[0].data["missing"] == ["knees"]
    assert "knees" in events[0].message
    assert tracker.unseen_seconds == pytest.approx(2.0, abs=0.1)


def test_visibility_ignores_a_single_bad_frame() -> None:
    tracker = VisibilityTracker(("hips",), grace=0.5)
    events = []
    for i, t in enumerate(times(3.0)):
        events += tracker.update(frame_at(float(t), {23: 0.0, 24: 0.0} if i == 10 else {}))
    assert events == []


def test_nobody_in_frame_is_unseen() -> None:
    tracker = VisibilityTracker(("hips",), grace=0.3)
    events = []
    for t in times(2.0):
        events += tracker.update(PoseFrame.empty(float(t), 640, 480))
    assert [e.kind for e in events] == [EventKind.CANNOT_SEE]


def test_cut_detector_sees_jump_not_movement() -> None:
    det = CutDetector()
    assert not det.update(frame_at(0.0))
    # Only the wrists move fast: not a cut.
    moving = frame_at(1 / FPS)
    moving.image[[15, 16], 0] += 0.3
    assert not det.update(moving)
    # Everything jumps: a cut.
    assert det.update(frame_at(2 / FPS, shift=0.3))
    assert det.cuts == [pytest.approx(2 / FPS)]


@pytest.mark.parametrize("fps", [5.0, 10.0, 15.0, 24.0, 30.0, 60.0])
def test_cut_detector_judges_the_same_movement_alike_at_any_frame_rate(fps: float) -> None:
    """A whole body gliding at a speed just under a cut at the analysis rate is no cut at any
    frame rate; the same body jumping half a torso length at once is a cut at every one."""
    det = CutDetector()
    size = CutDetector.body_size(frame_at(0.0))
    assert size is not None
    width = frame_at(0.0).width
    glide = 0.8 * det.jump * size * FPS / width  # picture widths a second
    steps = np.arange(0.0, 2.0, 1.0 / fps)
    assert not any(det.update(frame_at(float(t), shift=glide * float(t))) for t in steps)
    jump = 0.5 * size / width
    end = float(steps[-1])
    assert det.update(frame_at(end + 1.0 / fps, shift=glide * end + jump))


@pytest.mark.parametrize("fps", [10.0, 15.0, 30.0])
def test_one_frame_back_in_position_after_a_release_does_not_stretch_a_hold(fps: float) -> None:
    """Held 0-5 s, released, then one frame of jitter reads as held at 5.5 s: the hold still
    ends at 5 s. Back in position for longer, within the grace period, the hold goes on."""

    def hold_seconds(back_for: float) -> list[float | None]:
        hold = HoldTracker(min_hold=1.0, grace=0.8)
        events = []
        ts = np.arange(0.0, 8.0, 1.0 / fps)
        back = float(ts[ts >= 5.5][0])  # the first frame at 5.5 s or after
        for t in ts:
            holding = t <= 5.0 or back <= t <= back + back_for
            events += hold.update(bool(holding), float(t))
        events += hold.finish(8.0)
        return [e.duration for e in events if e.kind is EventKind.HOLD_ENDED]

    (blip,) = hold_seconds(back_for=0.0)
    assert blip == pytest.approx(5.0, abs=1.0 / fps)
    (wobble,) = hold_seconds(back_for=1.0)
    assert wobble == pytest.approx(6.5, abs=1.5 / fps)


def test_hold_carries_over_a_cut_only_when_resumed_at_once_on_the_same_side() -> None:
    def run(after_side: str, gap: float) -> list[float | None]:
        hold = HoldTracker(min_hold=1.0, resume_within=0.5)
        events = []
        for t in times(4.0):
            events += hold.update(True, float(t), side="left")
        events += hold.reset(4.0)  # a cut to another camera angle
        for t in times(4.0):
            events += hold.update(True, float(t) + 4.0 + gap, side=after_side)
        events += hold.finish(8.0 + gap)
        return [e.duration for e in events if e.kind is EventKind.HOLD_ENDED]

    assert run("left", 0.0) == [pytest.approx(8.0 - 1 / FPS, abs=0.01)]
    assert len(run("right", 0.0)) == 2
    assert len(run("left", 2.0)) == 2


def test_holds_dated_back_never_overlap() -> None:
    """A hold dated back to when its position was reached starts no earlier than the hold
    before it ended, so no second of the stretch is timed twice: one knee held, both knees,
    then the first knee alone again, its leg's judgement dating from the very start."""
    hold = HoldTracker(min_hold=1.0, grace=0.5)
    events = []
    for t in times(12.0):
        if t < 4.0:
            side, since = "right", 0.0
        elif t < 8.0:
            side, since = "both", 3.5  # the second knee came up before the switch was seen
        else:
            side, since = "right", 0.0
        events += hold.update(True, float(t), side=side, since=since)
    events += hold.finish(12.0)
    ended = [e for e in events if e.kind is EventKind.HOLD_ENDED]
    assert [e.side for e in ended] == ["right", "both", "right"]
    spans = [(float(e.data["start"]), e.time) for e in ended]
    for (_, end), (start, _) in pairwise(spans):
        assert start >= end - 1e-3  # starts are rounded to the millisecond
    timed = sum(e.duration or 0.0 for e in ended)
    assert timed <= 12.0


@pytest.mark.parametrize("break_kind", ["cut", "unseen", "not judged"])
def test_a_hold_is_not_dated_back_across_a_break(break_kind: str) -> None:
    """A position reached at 1 s and left, then 3 s of a break (a cut and frames that cannot
    be judged; no frame at all; or frames that cannot be judged), then the position seen
    again from 5 s, its judgement still dating from 1 s. What was judged before the break
    says nothing of when the position seen after it was reached: the hold starts at 5 s."""
    hold = HoldTracker(min_hold=1.0, grace=0.5)
    events = []
    for t in times(8.0):
        if 2.0 <= t < 5.0:
            if break_kind == "cut" and abs(t - 2.0) < 1e-9:
                events += hold.reset(float(t))
            if break_kind != "unseen":
                events += hold.update(None, float(t))
            continue
        events += hold.update(1.0 <= t < 1.5 or t >= 5.0, float(t), since=1.0)
    events += hold.finish(8.0)
    ended = [e for e in events if e.kind is EventKind.HOLD_ENDED]
    assert len(ended) == 1
    assert float(ended[0].data["start"]) >= 5.0 - 1e-3
    assert (ended[0].duration or 0.0) <= 3.0 + 1e-3


def test_a_dropout_longer_than_the_grace_ends_the_hold_though_unseen() -> None:
    """Held, let go (one frame says so), then nothing seen for 2 s, then held again: the
    dropout outlasted the grace, so these are two holds, not one across the gap."""
    hold = HoldTracker(min_hold=1.0, grace=0.5)
    events = []
    for t in times(8.0):
        if 3.0 < t < 5.0:
            continue
        events += hold.update(t < 3.0 or t >= 5.0, float(t))
    events += hold.finish(8.0)
    ended = [e for e in events if e.kind is EventKind.HOLD_ENDED]
    assert len(ended) == 2
    assert sum(e.duration or 0.0 for e in ended) <= 6.0


def test_rep_cut_short_by_the_end_of_the_video_counts_once_it_peaked() -> None:
    counter = RepCounter(start=0.4, peak=0.8)
    for t, v in zip(times(3.0), [0.0] * 15 + [1.0] * 30, strict=False):
        counter.update(v, float(t))
    assert [e.kind for e in counter.finish(3.0)] == [EventKind.REP_COMPLETED]
    assert counter.count == 1


def test_hold_timer_shows_from_the_first_moment_in_the_position() -> None:
    # The readout runs from the moment the position is reached, not only once the hold is
    # confirmed, so a person sees 0.5, 1.0, ... rather than 0.0 jumping to the minimum.
    hold = HoldTracker(min_hold=1.0)
    assert hold.seconds(0.0) is None
    hold.update(True, 0.0)
    hold.update(True, 0.5)
    assert not hold.running and hold.seconds(0.5) == pytest.approx(0.5)
    hold.update(True, 1.2)
    assert hold.running and hold.seconds(1.2) == pytest.approx(1.2)
    hold.update(False, 2.0)
    assert hold.seconds(2.0) is None
