"""One Euro smoothing: less jitter at rest, follows a real movement, restarts after gaps."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import LANDMARK_COUNT
from backcoach.pose.smoothing import LandmarkSmoother, OneEuroFilter, smooth_frames


def pose_at(t: float, x: float, y: float = 0.5, index: int = 0) -> PoseFrame:
    image = np.zeros((LANDMARK_COUNT, 3))
    image[:, 0], image[:, 1] = x, y
    return PoseFrame(
        timestamp=t,
        image=image,
        world=image.copy() - 0.5,
        visibility=np.full(LANDMARK_COUNT, 0.9),
        width=640,
        height=360,
        index=index,
    )


def noisy_track(
    seconds: float, fps: float, noise: float, step_at: float | None = None
) -> tuple[list[PoseFrame], npt.NDArray[np.float64]]:
    rng = np.random.default_rng(7)
    frames, truth = [], []
    for n in range(int(seconds * fps)):
        t = n / fps
        value = 0.3 if step_at is None or t < step_at else 0.7
        truth.append(value)
        frames.append(pose_at(t, value + rng.normal(0, noise), index=n))
    return frames, np.array(truth)


def xs(frames: list[PoseFrame]) -> npt.NDArray[np.float64]:
    return np.array([f.image[0, 0] for f in frames])


def test_reduces_jitter_on_a_still_pose() -> None:
    frames, truth = noisy_track(4.0, 30, noise=0.01)
    smoothed = smooth_frames(frames)
    raw_error = np.abs(xs(frames) - truth)[30:].mean()
    smooth_error = np.abs(xs(smoothed) - truth)[30:].mean()
    assert smooth_error < raw_error / 2
    assert np.std(np.diff(xs(smoothed))) < np.std(np.diff(xs(frames))) / 3


def test_follows_a_step_quickly() -> None:
    frames, _ = noisy_track(3.0, 30, noise=0.005, step_at=1.5)
    smoothed = xs(smooth_frames(frames))
    after = smoothed[int(1.5 * 30) + 6 :]  # 0.2 s after the step
    assert np.abs(after - 0.7).max() < 0.05
    assert np.abs(smoothed[: int(1.5 * 30)] - 0.3).max() < 0.03


def test_world_coordinates_are_smoothed_and_visibility_kept() -> None:
    frames, _ = noisy_track(2.0, 30, noise=0.01)
    smoothed = smooth_frames(frames)
    world_raw = np.array([f.world[5, 0] for f in frames])
    world_smooth = np.array([f.world[5, 0] for f in smoothed])
    assert np.std(np.diff(world_smooth)) < np.std(np.diff(world_raw))
    assert all(
        np.array_equal(a.visibility, b.visibility) for a, b in zip(frames, smoothed, strict=True)
    )
    assert [f.timestamp for f in smoothed] == [f.timestamp for f in frames]


def test_undetected_frame_resets_the_filter() -> None:
    smoother = LandmarkSmoother()
    for n in range(30):
        smoother.update(pose_at(n / 30, 0.2))
    empty = PoseFrame.empty(1.0, 640, 360)
    assert smoother.update(empty) is empty
    # After the gap the new position is taken as is, not pulled towards the old one.
    assert smoother.update(pose_at(1.05, 0.8)).image[0, 0] == pytest.approx(0.8)


def test_long_time_gap_resets_the_filter() -> None:
    smoother = LandmarkSmoother(max_gap=0.5)
    smoother.update(pose_at(0.0, 0.2))
    smoother.update(pose_at(0.033, 0.2))
    assert smoother.update(pose_at(2.0, 0.9)).image[0, 0] == pytest.approx(0.9)


def test_filter_uses_timestamps_not_frame_counts() -> None:
    # The same movement sampled at 60 and at 15 fps ends at nearly the same smoothed value.
    def run(fps: float) -> float:
        one_euro = OneEuroFilter(min_cutoff=1.0, beta=0.0)
        value = np.zeros(1)
        for n in range(int(fps) + 1):
            value = one_euro(np.array([1.0 if n else 0.0]), n / fps)
        return float(value[0])

    assert run(60) == pytest.approx(run(15), abs=0.05)


def test_missing_coordinates_restart_from_the_new_value() -> None:
    one_euro = OneEuroFilter()
    one_euro(np.array([0.1, 0.1]), 0.0)
    out = one_euro(np.array([np.nan, 0.1]), 0.033)
    assert np.isnan(out[0]) and out[1] == pytest.approx(0.1)
    out = one_euro(np.array([0.6, 0.1]), 0.066)
    assert out[0] == pytest.approx(0.6)


def test_frames_a_hair_apart_neither_overflow_nor_jump() -> None:
    """Two timestamps closer than any camera gives (a hand-made live message can send them)
    keep the first value, without a numerical overflow on the way."""
    smoother = OneEuroFilter()
    first = np.array([1.0, 2.0])
    smoother(first, 0.0)
    with np.errstate(all="raise"):
        out = smoother(np.array([5.0, 7.0]), 1e-310)
    assert np.allclose(out, first)
